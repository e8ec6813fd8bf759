package localcloud

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// storeBlob writes an archive through write into blobs/, named by its SHA-256 so equal
// archives are kept once. It returns the blob's file name and size.
func (c *Cloud) storeBlob(write func(io.Writer) error, ext string) (string, int64, error) {
	dir := filepath.Join(c.dir, "blobs")
	tmp, err := os.CreateTemp(dir, "tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("create archive file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, h)}
	if err := write(cw); err != nil {
		_ = tmp.Close()
		return "", 0, err
	}
	if err := c.disk.syncFile(tmp); err != nil {
		_ = tmp.Close()
		return "", 0, err
	}
	if err := tmp.Close(); err != nil {
		return "", 0, err
	}
	name := hex.EncodeToString(h.Sum(nil)) + ext
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return "", 0, fmt.Errorf("store archive: %w", err)
	}
	return name, cw.n, nil
}

// adoptBlob moves an existing file (a finished upload) into blobs/ under its SHA-256.
func (c *Cloud) adoptBlob(path, sha, ext string) (string, int64, error) {
	name := strings.ToLower(sha) + ext
	target := filepath.Join(c.dir, "blobs", name)
	info, err := os.Stat(path)
	if err != nil {
		return "", 0, err
	}
	if err := os.Rename(path, target); err != nil {
		return "", 0, fmt.Errorf("store uploaded archive: %w", err)
	}
	return name, info.Size(), nil
}

func (c *Cloud) blobPath(name string) string { return filepath.Join(c.dir, "blobs", name) }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

func fileSize(p string) (int64, error) {
	info, err := os.Stat(p)
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func (d disk) writeFileSync(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		_ = f.Close()
		return err
	}
	if err := d.syncFile(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// syncDir flushes a folder's entries (renames) to disk; not supported everywhere (Windows).
func (d disk) syncDir(dir string) error {
	if d.noSync {
		return nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	// Windows cannot sync a folder; its renames are durable through the file system's journal.
	if err := f.Sync(); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// disk writes the environment folders and archives. Every file is flushed to disk before a
// rename makes it count, unless noSync (Config.NoSync, for tests) trades that for speed.
type disk struct{ noSync bool }

func (d disk) syncFile(f *os.File) error {
	if d.noSync {
		return nil
	}
	return f.Sync()
}
