package restore

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time          { return f.t }
func (f *fakeClock) advance(d time.Duration) { f.t = f.t.Add(d) }

func TestCounterRateAndETA(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	c := NewCounter(0, 100<<20, clk.now)
	if p := c.Snapshot(); p.Rate != 0 || p.ETA != 0 {
		t.Fatalf("before any byte: rate %v eta %v, want unknown", p.Rate, p.ETA)
	}
	// 10 MiB/s for 3 s.
	for i := 0; i < 15; i++ {
		clk.advance(200 * time.Millisecond)
		c.Add(2 << 20)
		c.Snapshot()
	}
	p := c.Snapshot()
	if p.Done != 30<<20 || p.Fraction() < 0.29 || p.Fraction() > 0.31 {
		t.Fatalf("done %d fraction %v", p.Done, p.Fraction())
	}
	if p.Rate < 9.9*(1<<20) || p.Rate > 10.1*(1<<20) {
		t.Errorf("rate %.0f B/s, want 10 MiB/s", p.Rate)
	}
	if p.ETA < 6900*time.Millisecond || p.ETA > 7100*time.Millisecond {
		t.Errorf("ETA %v, want 7s for 70 MiB at 10 MiB/s", p.ETA)
	}
	// The network slows to 1 MiB/s: after the window has moved on, the rate follows.
	for i := 0; i < 30; i++ {
		clk.advance(200 * time.Millisecond)
		c.Add(200 << 10)
		c.Snapshot()
	}
	p = c.Snapshot()
	if p.Rate < 0.9*(1<<20) || p.Rate > 1.1*(1<<20) {
		t.Errorf("after slowing down rate %.0f B/s, want about 1 MiB/s", p.Rate)
	}
}

func TestCounterResumedUploadCountsOnlyNewBytes(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	c := NewCounter(60, 100, clk.now)
	clk.advance(2 * time.Second)
	c.Add(20)
	p := c.Snapshot()
	if p.Done != 80 || p.Rate != 10 || p.ETA != 2*time.Second {
		t.Errorf("resumed: done %d rate %v eta %v, want 80, 10 B/s, 2s", p.Done, p.Rate, p.ETA)
	}
	c.Add(20)
	clk.advance(time.Second)
	if p := c.Snapshot(); p.ETA != 0 || p.Fraction() != 1 {
		t.Errorf("finished: eta %v fraction %v", p.ETA, p.Fraction())
	}
}
