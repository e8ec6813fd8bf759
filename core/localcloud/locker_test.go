package localcloud

import (
	"context"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/memorylocker"
)

// A request for an upload that another request holds: a PATCH holder (it carries an
// interrupt) is cut short through it, never through tusd's release callback; any other
// holder gets the callback.
func TestUploadLockHoldersAreAskedToLetGo(t *testing.T) {
	for _, tc := range []struct {
		name      string
		interrupt bool
	}{{"PATCH holder", true}, {"HEAD holder", false}} {
		t.Run(tc.name, func(t *testing.T) {
			locker := interruptingLocker{memorylocker.New()}
			holder, err := locker.NewLock("u1")
			if err != nil {
				t.Fatal(err)
			}
			asked := make(chan string, 2)
			ctx, want := context.Background(), "callback"
			if tc.interrupt {
				ctx, want = context.WithValue(ctx, interruptKey, func() { asked <- "interrupt" }), "interrupt"
			}
			if err := holder.Lock(ctx, func() { asked <- "callback" }); err != nil {
				t.Fatal(err)
			}
			go func() {
				if how := <-asked; how != want {
					t.Errorf("holder asked by %s, want %s", how, want)
				}
				_ = holder.Unlock()
			}()
			other, err := locker.NewLock("u1")
			if err != nil {
				t.Fatal(err)
			}
			// The deadline only guards against a hang: the holder lets go at once.
			wait, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := other.Lock(wait, func() {}); err != nil {
				t.Fatalf("second request did not get the lock: %v", err)
			}
			_ = other.Unlock()
		})
	}
}
