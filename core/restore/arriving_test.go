package restore

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// pacedSource hands out size bytes: the first piece after a wait (the host's answer),
// then one piece every gap.
type pacedSource struct {
	data       []byte
	piece      int
	firstAfter time.Duration
	gap        time.Duration
	pos        int
}

func (s *pacedSource) Read(p []byte) (int, error) {
	if s.pos >= len(s.data) {
		return 0, io.EOF
	}
	if s.pos == 0 {
		time.Sleep(s.firstAfter)
	} else {
		time.Sleep(s.gap)
	}
	k := copy(p, s.data[s.pos:min(s.pos+s.piece, len(s.data))])
	s.pos += k
	return k, nil
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// A download whose first bytes wait long for the host's answer, then come fast, is judged
// by how fast they come, not from the first piece's wait: that would tell 300 ms for each
// of the 256 pieces, over a minute. (As fast as memory goes here is some hundred MB/s on
// fresh pages, less under the race detector: a second or two at most.)
func TestTheRestIsToldFromThePaceNotFromTheWaitForTheFirstBytes(t *testing.T) {
	const total = 64 << 20 // what the host said; the first 8 MiB are enough to tell
	src := &pacedSource{data: pattern(8 << 20), piece: 256 << 10, firstAfter: 300 * time.Millisecond}
	a := newArriving(src, readAheadLimit)
	defer a.stop()
	if rest := a.rest(total, nil); rest >= 15*time.Second {
		t.Errorf("rest %v for bytes that come as fast as memory goes", rest)
	}
}

// On a slow line (64 KiB every 20 ms, about 3 MB/s: 32 MiB take about 10 s) the rest is
// told as seconds, near what it will take.
func TestTheRestOfASlowDownloadIsToldNearWhatItTakes(t *testing.T) {
	const total = 32 << 20
	src := &pacedSource{data: pattern(4 << 20), piece: 64 << 10, firstAfter: 50 * time.Millisecond, gap: 20 * time.Millisecond}
	a := newArriving(src, readAheadLimit)
	defer a.stop()
	if rest := a.rest(total, nil); rest < 3*time.Second {
		t.Errorf("rest %v, want about 10 s", rest)
	}
}

// A size not known, or a download that ended, leaves nothing to wait for.
func TestTheRestIsNothingWhenAllCameOrTheSizeIsNotKnown(t *testing.T) {
	data := pattern(1 << 20)
	a := newArriving(bytes.NewReader(data), readAheadLimit)
	defer a.stop()
	if rest := a.rest(int64(len(data)), nil); rest != 0 {
		t.Errorf("rest %v of a download that came whole", rest)
	}
	b := newArriving(&pacedSource{data: data, piece: 1 << 10, gap: 10 * time.Millisecond}, readAheadLimit)
	defer b.stop()
	if rest := b.rest(-1, nil); rest != 0 {
		t.Errorf("rest %v of a download of unknown size", rest)
	}
}

// What is read ahead is handed on whole and in order, then the source's end; reading
// ahead holds at most its bound.
func TestWhatArrivesIsReadOnceInOrder(t *testing.T) {
	data := pattern(3<<20 + 12345)
	a := newArriving(&pacedSource{data: data, piece: 100 << 10}, 1<<20)
	defer a.stop()
	time.Sleep(50 * time.Millisecond) // let it read ahead as far as it may
	a.mu.Lock()
	held := a.held
	a.mu.Unlock()
	if held > 1<<20+256<<10 {
		t.Errorf("%d bytes read ahead, bound 1 MiB", held)
	}
	got, err := io.ReadAll(io.LimitReader(a, int64(len(data))+1))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes (%v), want the %d sent, in order", len(got), err, len(data))
	}
	if n, err := a.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("after the end: %d, %v", n, err)
	}
}

// Once the restore stops, a read waiting for bytes ends and says so, and reading ahead
// stops when its source is closed.
func TestAStoppedStreamEndsAReadThatWaits(t *testing.T) {
	pr, pw := io.Pipe()
	a := newArriving(pr, readAheadLimit)
	got := make(chan error, 1)
	go func() {
		_, err := a.Read(make([]byte, 10))
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	a.stop()
	pr.CloseWithError(errStreamStopped)
	if err := <-got; !errors.Is(err, errStreamStopped) {
		t.Errorf("the waiting read ended with %v", err)
	}
	if _, err := pw.Write([]byte("late")); !errors.Is(err, errStreamStopped) {
		t.Errorf("the download's write after the stop: %v", err)
	}
}
