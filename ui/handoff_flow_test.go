package ui

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// Against a cloud that refuses a Free App's restore as Mendix Cloud does, the restore
// dialog says that nothing was changed, shows the Portal's steps with a button that opens
// the Portal, offers no Restore, and nothing is sent.
func TestFreeAppRefusedLikeMendix_HandsOverToThePortal(t *testing.T) {
	var mu sync.Mutex
	var opened []string
	old := openURL
	openURL = func(_ fyne.App, u *url.URL) error {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, u.String())
		return nil
	}
	defer func() { openURL = old }()

	h := newHarness(t, withCloud(localcloudtest.LikeMendix()))
	h.demo()
	h.restoreDialog("expensetracker", "Sandbox")
	h.on(func() {
		d := h.last.planDlg
		if d == nil || d.err == nil {
			t.Fatalf("the refused restore was planned: %q", texts(h.u.k.win.Canvas()))
		}
		all := strings.Join(texts(h.u.k.win.Canvas()), "\n")
		for _, want := range []string{"Nothing was changed", "In the Mendix Portal:", "Stop Application", "Restore Backup"} {
			if !strings.Contains(all, want) {
				t.Errorf("the dialog lacks %q:\n%s", want, all)
			}
		}
		if strings.Contains(all, "What happens:") {
			t.Error("a refused plan still says what happens")
		}
		if !d.okBtn.Disabled() {
			t.Error("Restore can be pressed on a refused plan")
		}
		portal := button(h.u.k.win.Canvas(), "Open the Mendix Portal")
		if portal == nil {
			t.Fatalf("no button opens the Portal: %q", all)
		}
		test.Tap(portal)
	})
	h.idle()
	mu.Lock()
	defer mu.Unlock()
	if len(opened) != 1 || opened[0] != cloud.PortalURL {
		t.Errorf("opened %q, want the Portal", opened)
	}
	// The environment list is allowed where a single environment's read is refused.
	envs, err := h.cloud.ListEnvironments(context.Background(), "expensetracker")
	if err != nil || len(envs) != 1 {
		t.Fatalf("environments %+v, %v", envs, err)
	}
	if n := len(h.srv.Cloud().Restores(envs[0].EnvironmentID)); n != 0 {
		t.Errorf("%d restores reached the cloud", n)
	}
}
