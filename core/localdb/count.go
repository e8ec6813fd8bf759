package localdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"

	"restoredesk/core/archive"
)

// rowCount is what counting a dump's rows found.
type rowCount struct {
	tables  []archive.TableRows
	counted bool
	sha256  string // of the backup file, when the count read the file itself
	err     error
}

// counter counts a dump's rows in a goroutine, from the same read of the bytes that feeds
// pg_restore (or from the file pg_restore reads itself, while it does).
type counter struct {
	done chan struct{}
	res  rowCount
}

func (c *counter) wait() rowCount {
	<-c.done
	return c.res
}

// startCount counts the rows of the dump read from r; onSpan, if not nil, learns how many
// bytes of the dump each table's data takes, as the count passes it. r is closed after.
func startCount(ctx context.Context, r io.ReadCloser, onSpan func(name string, n int64)) *counter {
	c := &counter{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer r.Close()
		c.res.tables, c.res.err = countRows(ctx, r, onSpan)
		c.res.counted = c.res.err == nil
	}()
	return c
}

// countFile counts the rows of the raw dump at path, read on its own while pg_restore
// reads the same file, and hashes the file in the same read.
func countFile(ctx context.Context, path string, onSpan func(name string, n int64)) *counter {
	c := &counter{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		f, err := os.Open(path)
		if err != nil {
			c.res.err = fmt.Errorf("read %s: %w", path, err)
			return
		}
		defer f.Close()
		h := &hashingReader{r: f, h: sha256.New()}
		if c.res.tables, c.res.err = countRows(ctx, h, onSpan); c.res.err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, h); err != nil { // pg_dump writes nothing after the data; a hash needs it all
			c.res.err = fmt.Errorf("read %s: %w", path, err)
			return
		}
		c.res.counted, c.res.sha256 = true, hex.EncodeToString(h.h.Sum(nil))
	}()
	return c
}

// countRows counts each table's COPY rows in the custom-format dump r, in constant
// memory (archive.DumpData holds one table's decompressor at a time).
func countRows(ctx context.Context, r io.Reader, onSpan func(name string, n int64)) ([]archive.TableRows, error) {
	dd, err := archive.ReadDumpData(ctxReader{ctx, r})
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	var tables []archive.TableRows
	for i, t := range dd.Tables() {
		index[t.Schema+"."+t.Name] = i
		tables = append(tables, archive.TableRows{Schema: t.Schema, Name: t.Name})
	}
	for {
		from := dd.Offset()
		t, data, err := dd.Next()
		if err == io.EOF {
			return tables, nil
		}
		if err != nil {
			return nil, err
		}
		n, err := archive.CountCopyRows(data)
		if err != nil {
			return nil, err
		}
		tables[index[t.Schema+"."+t.Name]].Rows += n
		if onSpan != nil {
			onSpan(t.Name, dd.Offset()-from)
		}
	}
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// dataProgress is the progress of a parallel restore: the bytes of each table's data
// once pg_restore reports it finished, so that the count never runs ahead of what is in
// the database. A table's size is learned from the row count, which may come later.
type dataProgress struct {
	mu       sync.Mutex
	progress Progress
	spans    map[string][]int64 // table name → sizes not reported yet, in dump order
	finished map[string]int     // table name → finished tables whose size is not known yet
	added    int64
}

func newDataProgress(p Progress) *dataProgress {
	return &dataProgress{progress: p, spans: map[string][]int64{}, finished: map[string]int{}}
}

// span is the row count passing a table's data of n bytes.
func (d *dataProgress) span(name string, n int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.finished[name] > 0 {
		d.finished[name]--
		d.add(n)
		return
	}
	d.spans[name] = append(d.spans[name], n)
}

// done is pg_restore finishing a table's data (it names the table without its schema).
func (d *dataProgress) done(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.spans[name]; len(s) > 0 {
		d.spans[name] = s[1:]
		d.add(s[0])
		return
	}
	d.finished[name]++
}

// end makes the progress reach total once pg_restore has ended.
func (d *dataProgress) end(total int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.add(total - d.added)
}

func (d *dataProgress) add(n int64) {
	if n > 0 {
		d.added += n
		d.progress.Add(DumpBytes, n)
	}
}

// teePipe hands the bytes fed to pg_restore to the row count too: a few buffers deep, so
// neither waits on the other byte for byte. Once the reader is gone, writes are dropped.
type teePipe struct {
	full chan []byte
	free chan []byte
	gone chan struct{}
	once sync.Once
	buf  []byte // the buffer being read, whole
	cur  []byte // what is left of it
}

func newTeePipe(buffers, size int) *teePipe {
	t := &teePipe{full: make(chan []byte, buffers), free: make(chan []byte, buffers), gone: make(chan struct{})}
	for range buffers {
		t.free <- make([]byte, 0, size)
	}
	return t
}

func (t *teePipe) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		var b []byte
		select {
		case b = <-t.free:
		case <-t.gone:
			return n, nil
		}
		k := copy(b[:cap(b)], p)
		p = p[k:]
		select {
		case t.full <- b[:k]:
		case <-t.gone:
			return n, nil
		}
	}
	return n, nil
}

// CloseWrite ends the stream: the reader sees io.EOF after the last bytes.
func (t *teePipe) CloseWrite() { close(t.full) }

func (t *teePipe) Read(p []byte) (int, error) {
	if len(t.cur) == 0 {
		b, ok := <-t.full
		if !ok {
			return 0, io.EOF
		}
		t.buf, t.cur = b, b
	}
	n := copy(p, t.cur)
	t.cur = t.cur[n:]
	if len(t.cur) == 0 {
		t.free <- t.buf[:0]
	}
	return n, nil
}

// Close is the reader going away: writes after it are dropped.
func (t *teePipe) Close() error {
	t.once.Do(func() { close(t.gone) })
	return nil
}
