package archive

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// A 4 GiB file that starts like a ZIP is judged from its first bytes: the verdict comes
// without reading (and hashing) the gigabytes behind them. The file is sparse, so the test
// costs no disk.
func TestPlainlyNotABackupIsJudgedFromItsFirstBytes(t *testing.T) {
	for name, head := range map[string][]byte{
		"zip":  []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"),
		"text": []byte("Dear customer,\nplease find attached\n"),
		"png":  []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
	} {
		t.Run(name, func(t *testing.T) {
			const size = 4 << 30
			path := filepath.Join(t.TempDir(), "backup.tar.gz")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(head); err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(size); err != nil {
				t.Skipf("no sparse files here: %v", err)
			}
			f.Close()
			var read atomic.Int64
			rep, err := Inspect(context.Background(), path, func(done, _ int64) { read.Store(done) })
			if err != nil {
				t.Fatal(err)
			}
			if rep.Restorable || len(rep.Problems) == 0 {
				t.Fatalf("verdict = restorable %v, problems %v", rep.Restorable, rep.Problems)
			}
			if got := read.Load(); got > 64<<20 {
				t.Errorf("read %d bytes of a %d-byte file that was plainly not a backup", got, int64(size))
			}
			if rep.SHA256 != "" {
				t.Errorf("SHA-256 %s reported for a file that was not read to its end", rep.SHA256)
			}
		})
	}
}

// BenchmarkInspectPlainlyNotABackup inspects a 1 GiB file that starts like a ZIP: the
// verdict comes from the first bytes (compare `sha256sum` of the same file for what
// reading it whole costs).
func BenchmarkInspectPlainlyNotABackup(b *testing.B) {
	path := filepath.Join(b.TempDir(), "backup.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.Write([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")); err != nil {
		b.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		b.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Inspect(context.Background(), path, nil); err != nil {
			b.Fatal(err)
		}
	}
}
