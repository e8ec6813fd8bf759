package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoadAccountKeepsOrderBoundsConcurrencyAndKeepsPerAppErrors(t *testing.T) {
	const apps = 40
	var inFlight, peak atomic.Int32
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/1/apps" {
			var list []App
			for i := range apps {
				url := fmt.Sprintf("https://app%02d.mendixcloud.com", i)
				if i == 7 {
					url = "https://app07-sandbox.mxapps.io"
				}
				list = append(list, App{AppID: fmt.Sprintf("app%02d", i), Name: fmt.Sprintf("App %d", i), ProjectID: fmt.Sprintf("p%d", i), URL: url})
			}
			b, _ := json.Marshal(list)
			writeJSONString(w, 200, string(b))
			return
		}
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond) // let requests overlap
		app := strings.Split(r.URL.Path, "/")[4]
		switch app {
		case "app03":
			writeJSONString(w, 403, `{"errorCode":"NO_ACCESS","errorMessage":"no API rights"}`)
		case "app05":
			writeJSONString(w, 200, `[{"Mode":"Sandbox","EnvironmentId":"e5","Status":"Running"}]`)
		default:
			writeJSONString(w, 200, fmt.Sprintf(`[{"Mode":"Test","EnvironmentId":"%s-t"},{"Mode":"Production","EnvironmentId":"%s-p"}]`, app, app))
		}
	})
	got, err := newTestClient(t, srv.URL).LoadAccount(context.Background(), 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != apps {
		t.Fatalf("%d apps, want %d", len(got), apps)
	}
	for i, a := range got {
		if a.AppID != fmt.Sprintf("app%02d", i) {
			t.Fatalf("position %d holds %s: order not kept", i, a.AppID)
		}
		switch i {
		case 3:
			if !errors.Is(a.Err, ErrNoAccess) || a.Environments != nil {
				t.Errorf("app03: Err %v, envs %v; want ErrNoAccess kept", a.Err, a.Environments)
			}
		case 5, 7:
			if !a.FreeApp {
				t.Errorf("app%02d not flagged as Free App", i)
			}
		default:
			if a.Err != nil || a.FreeApp || len(a.Environments) != 2 || a.Environments[1].EnvironmentID != a.AppID+"-p" {
				t.Errorf("app %s: %+v", a.AppID, a)
			}
		}
	}
	if p := peak.Load(); p > 4 || p < 2 {
		t.Errorf("peak of %d environment requests in flight, want 2..4 with concurrency 4", p)
	}
	b, _ := json.Marshal(got[5])
	if !strings.Contains(string(b), `"AppId":"app05"`) || !strings.Contains(string(b), `"FreeApp":true`) {
		t.Errorf("JSON of an app: %s", b)
	}
}

func TestLoadAccountStopsOnUnauthorized(t *testing.T) {
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/1/apps" {
			var list []App
			for i := range 200 {
				list = append(list, App{AppID: fmt.Sprintf("a%d", i)})
			}
			b, _ := json.Marshal(list)
			writeJSONString(w, 200, string(b))
			return
		}
		writeJSONString(w, 401, `{"errorCode":"UNAUTHORIZED","errorMessage":"key revoked"}`)
	})
	got, err := newTestClient(t, srv.URL).LoadAccount(context.Background(), 2)
	if !errors.Is(err, ErrUnauthorized) || got != nil {
		t.Fatalf("LoadAccount = %d apps, %v; want ErrUnauthorized", len(got), err)
	}
	if srv.count() > 10 {
		t.Errorf("%d requests: the others were not cancelled", srv.count())
	}
}

func TestLoadAccountFailsWhenAppListFails(t *testing.T) {
	srv := newCountingServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSONString(w, 403, `{"errorCode":"NO_ACCESS","errorMessage":"no"}`)
	})
	if _, err := newTestClient(t, srv.URL).LoadAccount(context.Background(), 8); !errors.Is(err, ErrNoAccess) {
		t.Fatalf("err = %v", err)
	}
}
