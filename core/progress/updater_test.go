package progress

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time          { return f.t }
func (f *fakeClock) advance(d time.Duration) { f.t = f.t.Add(d) }

// quiet is an updater whose ticker never fires during the test: the test measures by hand.
func quiet(clk *fakeClock, steps ...Step) *Updater {
	return NewUpdater(time.Hour, clk.now, "test", steps, nil)
}

func TestUpdaterRateAndETA(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	u := quiet(clk)
	defer u.Done(RunCompleted, "", nil)
	c := NewCounter(0, 100<<20)
	u.StepStarted("upload", "Upload", true)
	u.Count("upload", c)
	if b := u.tick().Bytes; b.Rate != 0 || b.ETA != 0 {
		t.Fatalf("before any byte: rate %v eta %v, want unknown", b.Rate, b.ETA)
	}
	// 10 MiB/s for 3 s.
	for i := 0; i < 15; i++ {
		clk.advance(200 * time.Millisecond)
		c.Add(2 << 20)
		u.tick()
	}
	b := u.tick().Bytes
	if b.Done != 30<<20 || b.Fraction() < 0.29 || b.Fraction() > 0.31 {
		t.Fatalf("done %d fraction %v", b.Done, b.Fraction())
	}
	if b.Rate < 9.9*(1<<20) || b.Rate > 10.1*(1<<20) {
		t.Errorf("rate %.0f B/s, want 10 MiB/s", b.Rate)
	}
	if b.ETA < 6900*time.Millisecond || b.ETA > 7100*time.Millisecond {
		t.Errorf("ETA %v, want 7s for 70 MiB at 10 MiB/s", b.ETA)
	}
	// Slow down to 1 MiB/s: within the window the rate follows.
	for i := 0; i < 25; i++ {
		clk.advance(200 * time.Millisecond)
		c.Add(200 << 10)
		u.tick()
	}
	if b := u.tick().Bytes; b.Rate < 0.9*(1<<20) || b.Rate > 1.1*(1<<20) {
		t.Errorf("after slowing down rate %.0f B/s, want about 1 MiB/s", b.Rate)
	}
}

func TestUpdaterResumedCountAndFinalLine(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	u := quiet(clk, Step{Kind: "upload", Title: "Upload a.backup"}, Step{Kind: "restore", Title: "Restore"})
	c := NewCounter(60, 100)
	u.StepStarted("upload", "", true)
	u.Count("upload", c)
	clk.advance(2 * time.Second)
	c.Set(80)
	if b := u.tick().Bytes; b.Done != 80 || b.Rate != 10 || b.ETA != 2*time.Second {
		t.Errorf("resumed: %+v, want 80 done, 10 B/s, 2s left (bytes held before do not count)", b)
	}
	clk.advance(2 * time.Second)
	c.Set(100)
	u.StepDone("upload", "uploaded")
	v := u.Done(RunFailed, "the restore failed", nil)
	up := v.Steps[0]
	if up.State != StepDone || up.Bytes.Done != 100 || up.Bytes.Total != 100 || up.Bytes.ETA != 0 || up.Bytes.Rate != 10 {
		t.Errorf("upload step %+v, want done with 100 of 100 bytes at 10 B/s on average", up)
	}
	if v.Steps[1].State != StepPending || v.State != RunFailed || v.Message != "the restore failed" || v.Bytes.Total != 0 {
		t.Errorf("final view %+v", v)
	}
	var kinds []LineKind
	for _, l := range v.Log {
		kinds = append(kinds, l.Kind)
	}
	want := []LineKind{LineStarted, LineBytes, LineDone}
	if len(kinds) != len(want) || kinds[0] != want[0] || kinds[1] != want[1] || kinds[2] != want[2] {
		t.Errorf("log %v, want %v", kinds, want)
	}
}

func TestUpdaterPrintsFinalViewOnce(t *testing.T) {
	var finals, ticks int
	u := NewUpdater(time.Millisecond, nil, "t", nil, func(v View, final bool) {
		if final {
			finals++
		} else {
			ticks++
		}
	})
	u.StepStarted("stop", "Stop Test", false)
	u.Job("stop", "running", "waiting")
	u.Job("stop", "running", "waiting") // a repeat is not logged again
	time.Sleep(20 * time.Millisecond)
	v := u.Done(RunCompleted, "done", nil)
	u.Done(RunFailed, "again", nil)
	if finals != 1 || ticks == 0 {
		t.Errorf("printed %d final and %d paced views, want 1 final and some paced", finals, ticks)
	}
	if v.Steps[0].State != StepDone || len(v.Log) != 2 || v.State != RunCompleted {
		t.Errorf("final view %+v", v)
	}
}

func TestSizeIsDecimal(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1500: "1.5 kB", 12_000_000: "12 MB", -1: "unknown size"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
