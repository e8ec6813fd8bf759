package localcloud

import (
	"archive/tar"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// An environment's data lives in envs/<EnvironmentId>/. The file CURRENT names the live
// generation folder (gen-<id>), laid out like a full snapshot: .metadata, db/db.backup and
// tree/xx/yy/<uuid>. A restore fills staging-<id> beside it, renames it to gen-<id> and then
// replaces CURRENT by renaming a new file over it: one atomic rename switches the data, and
// until then the old generation is untouched. An environment without CURRENT has no data.

const (
	currentFile   = "CURRENT"
	metadataEntry = ".metadata"
	dbEntry       = "db/db.backup"
	treeDir       = "tree"
)

// snapshotMetadata is the .metadata of a full snapshot: every value a JSON string, as in the
// documented example and the fixture.
type snapshotMetadata struct {
	Duration     string `json:"duration"`
	DumpSize     string `json:"dumpSize"`
	ModelVersion string `json:"modelVersion"`
	DatabaseSize string `json:"databaseSize"`
	FilesSize    string `json:"filesSize"`
}

func (c *Cloud) envDir(envID string) string { return filepath.Join(c.dir, "envs", envID) }

// currentGen is the live generation folder of the environment, or "" when it has no data.
func (c *Cloud) currentGen(envID string) (string, error) {
	b, err := os.ReadFile(filepath.Join(c.envDir(envID), currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read current data of environment %s: %w", envID, err)
	}
	name := strings.TrimSpace(string(b))
	if !strings.HasPrefix(name, "gen-") || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("environment %s: CURRENT names %q, not a data generation", envID, name)
	}
	return filepath.Join(c.envDir(envID), name), nil
}

// newStaging makes an empty staging folder for a new generation of the environment's data.
func (c *Cloud) newStaging(envID string) (string, error) {
	dir := c.envDir(envID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create environment folder: %w", err)
	}
	staging := filepath.Join(dir, "staging-"+randomHex(8))
	if err := os.Mkdir(staging, 0o755); err != nil {
		return "", fmt.Errorf("create staging folder: %w", err)
	}
	return staging, nil
}

// commitGen makes staging the environment's live data, atomically, and removes the old data.
func (c *Cloud) commitGen(envID, staging string) error {
	dir := c.envDir(envID)
	old, err := c.currentGen(envID)
	if err != nil {
		return err
	}
	if err := c.disk.syncDir(staging); err != nil {
		return err
	}
	genName := "gen-" + strings.TrimPrefix(filepath.Base(staging), "staging-")
	gen := filepath.Join(dir, genName)
	if err := os.Rename(staging, gen); err != nil {
		return fmt.Errorf("complete new data folder: %w", err)
	}
	tmp := filepath.Join(dir, currentFile+".tmp")
	if err := c.disk.writeFileSync(tmp, []byte(genName+"\n")); err != nil {
		return fmt.Errorf("write data pointer: %w", err)
	}
	// The switch: one rename replaces CURRENT.
	if err := os.Rename(tmp, filepath.Join(dir, currentFile)); err != nil {
		return fmt.Errorf("switch to new data: %w", err)
	}
	if err := c.disk.syncDir(dir); err != nil {
		return err
	}
	if old != "" && old != gen {
		if err := os.RemoveAll(old); err != nil {
			c.log.Warn("remove old data generation", "env", envID, "err", err)
		}
	}
	return nil
}

// cleanEnvDirs removes what an interrupted restore left behind: staging folders and
// generations that CURRENT does not name.
func (c *Cloud) cleanEnvDirs() error {
	root := filepath.Join(c.dir, "envs")
	envs, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list environment folders: %w", err)
	}
	for _, e := range envs {
		if !e.IsDir() {
			continue
		}
		cur, err := c.currentGen(e.Name())
		if err != nil {
			return err
		}
		entries, err := os.ReadDir(filepath.Join(root, e.Name()))
		if err != nil {
			return fmt.Errorf("list %s: %w", e.Name(), err)
		}
		for _, x := range entries {
			p := filepath.Join(root, e.Name(), x.Name())
			stale := strings.HasPrefix(x.Name(), "staging-") ||
				(strings.HasPrefix(x.Name(), "gen-") && p != cur) || x.Name() == currentFile+".tmp"
			if stale {
				if err := os.RemoveAll(p); err != nil {
					return fmt.Errorf("remove leftover %s: %w", p, err)
				}
			}
		}
	}
	return nil
}

func readMetadata(dir string) (snapshotMetadata, error) {
	var m snapshotMetadata
	b, err := os.ReadFile(filepath.Join(dir, metadataEntry))
	if err != nil {
		return m, err
	}
	err = json.Unmarshal(b, &m)
	return m, err
}

// writeMetadata writes a fresh .metadata into dir from what dir holds.
func (d disk) writeMetadata(dir, modelVersion string, duration time.Duration, databaseSize string) error {
	dump, _ := fileSize(filepath.Join(dir, filepath.FromSlash(dbEntry)))
	files, err := treeSize(filepath.Join(dir, treeDir))
	if err != nil {
		return err
	}
	if databaseSize == "" {
		databaseSize = strconv.FormatInt(dump*107, 10) // a restored database is ~100× its compressed dump
	}
	m := snapshotMetadata{
		Duration:     strconv.Itoa(int(duration.Round(time.Second) / time.Second)),
		DumpSize:     strconv.FormatInt(dump, 10),
		ModelVersion: modelVersion,
		DatabaseSize: databaseSize,
		FilesSize:    strconv.FormatInt(files, 10),
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return d.writeFileSync(filepath.Join(dir, metadataEntry), b)
}

func treeSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return filepath.SkipDir
			}
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	return n, err
}

// packGen writes the generation folder dir as a full snapshot (gzip → tar) to w: a fresh
// .metadata first, then db/db.backup, then tree/... in name order.
func packGen(ctx context.Context, dir, modelVersion string, at time.Time, w io.Writer) error {
	m, _ := readMetadata(dir)
	dump, err := fileSize(filepath.Join(dir, filepath.FromSlash(dbEntry)))
	if err != nil {
		return fmt.Errorf("there is no database to back up: %w", err)
	}
	files, err := treeSize(filepath.Join(dir, treeDir))
	if err != nil {
		return err
	}
	dbSize := m.DatabaseSize
	if dbSize == "" {
		dbSize = strconv.FormatInt(dump*107, 10)
	}
	meta, err := json.Marshal(snapshotMetadata{
		Duration: "3", DumpSize: strconv.FormatInt(dump, 10), ModelVersion: modelVersion,
		DatabaseSize: dbSize, FilesSize: strconv.FormatInt(files, 10),
	})
	if err != nil {
		return err
	}
	gz, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	at = at.UTC().Truncate(time.Second)
	hdr := func(name string, size int64, dir bool) *tar.Header {
		h := &tar.Header{Name: name, Size: size, Mode: 0o644, ModTime: at, Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}
		if dir {
			h.Name, h.Mode, h.Typeflag, h.Size = name+"/", 0o755, tar.TypeDir, 0
		}
		return h
	}
	if err := tw.WriteHeader(hdr(metadataEntry, int64(len(meta)), false)); err != nil {
		return err
	}
	if _, err := tw.Write(meta); err != nil {
		return err
	}
	addFile := func(rel string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(hdr(rel, info.Size(), false)); err != nil {
			return err
		}
		if _, err := io.Copy(tw, f); err != nil {
			return fmt.Errorf("pack %s: %w", rel, err)
		}
		return nil
	}
	if err := addFile(dbEntry); err != nil {
		return err
	}
	var tree []string
	err = filepath.WalkDir(filepath.Join(dir, treeDir), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			tree = append(tree, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(tree)
	for _, rel := range tree {
		if err := addFile(rel); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// memEntry is a file to pack from memory.
type memEntry struct {
	name string
	body []byte
}

// packEntries writes entries (in their order) as a gzip → tar archive.
func packEntries(w io.Writer, entries []memEntry, at time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Size: int64(len(e.body)), Mode: 0o644, ModTime: at.UTC().Truncate(time.Second),
			Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(e.body); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
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

// errInjectedFailure is the failure Faults.RestoreFailRate injects into a restore.
var errInjectedFailure = errors.New("the database could not be restored (injected fault)")

// errUnsafeEntry marks an archive entry that would land outside the environment's folder or
// is not a plain file or folder.
var errUnsafeEntry = errors.New("unsafe archive entry")

// extractOptions control extractInto.
type extractOptions struct {
	dbOnly    bool // take only db/db.backup from the archive
	failAfter bool // fail after part of the data was written (fault injection)
	progress  func(string)
}

// extractResult is what the archive said about itself.
type extractResult struct {
	modelVersion string
	hasMetadata  bool
	files        int
}

// safeEntryName returns the slash-separated, cleaned name of a tar entry, or errUnsafeEntry
// when it is absolute, climbs out with "..", or uses characters that mean something else on
// some system (backslash, drive letters, NUL).
func safeEntryName(name string) (string, error) {
	n := strings.TrimPrefix(name, "./")
	if n == "" || n == "." {
		return "", nil
	}
	if strings.HasPrefix(n, "/") || strings.ContainsAny(n, "\\:\x00") {
		return "", fmt.Errorf("%w: %q is an absolute or foreign path", errUnsafeEntry, name)
	}
	for _, part := range strings.Split(strings.TrimSuffix(n, "/"), "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: %q climbs out of the backup folder", errUnsafeEntry, name)
		}
	}
	clean := path.Clean(n)
	if clean == "." || strings.HasPrefix(clean, "../") || clean == ".." {
		return "", fmt.Errorf("%w: %q climbs out of the backup folder", errUnsafeEntry, name)
	}
	return clean, nil
}

// extractFull writes the full snapshot read from r into dst (an empty staging folder). Only
// .metadata, db/db.backup and tree/... are taken; links, devices and names that would land
// outside dst are refused and the whole extraction fails.
func (d disk) extractFull(ctx context.Context, r io.Reader, dst string, opt extractOptions) (extractResult, error) {
	var res extractResult
	gz, err := gzip.NewReader(r)
	if err != nil {
		return res, fmt.Errorf("the backup is not a gzip archive: %w", err)
	}
	tr := tar.NewReader(gz)
	hasDB := false
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("the backup archive is damaged or incomplete: %w", err)
		}
		name, err := safeEntryName(h.Name)
		if err != nil {
			return res, err
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeDir:
		case tar.TypeXGlobalHeader:
			continue
		default:
			return res, fmt.Errorf("%w: %q is a link or special file", errUnsafeEntry, h.Name)
		}
		if name == "" {
			continue
		}
		wanted := name == metadataEntry || name == dbEntry || name == treeDir || strings.HasPrefix(name, treeDir+"/")
		if opt.dbOnly && name != dbEntry && name != metadataEntry {
			wanted = false
		}
		if !wanted {
			continue
		}
		target := filepath.Join(dst, filepath.FromSlash(name))
		if rel, err := filepath.Rel(dst, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return res, fmt.Errorf("%w: %q", errUnsafeEntry, h.Name)
		}
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return res, err
			}
			continue
		}
		if name == metadataEntry {
			b, err := io.ReadAll(io.LimitReader(tr, 1<<20))
			if err != nil {
				return res, fmt.Errorf("the backup archive is damaged or incomplete: %w", err)
			}
			var m snapshotMetadata
			if json.Unmarshal(b, &m) == nil {
				res.modelVersion = m.ModelVersion
			}
			res.hasMetadata = true
			if opt.dbOnly {
				continue
			}
			if err := d.writeFileSync(target, b); err != nil {
				return res, err
			}
			continue
		}
		if opt.progress != nil && name == dbEntry {
			opt.progress("Restoring database")
		}
		if err := d.writeEntry(tr, target); err != nil {
			return res, err
		}
		res.files++
		if name == dbEntry {
			hasDB = true
			if opt.failAfter {
				return res, errInjectedFailure
			}
			if opt.progress != nil && !opt.dbOnly {
				opt.progress("Restoring files")
			}
		}
	}
	// Read to the gzip trailer so a damaged or cut-off file is noticed (CRC and length).
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return res, fmt.Errorf("the backup archive is damaged or incomplete: %w", err)
	}
	if !hasDB {
		return res, errors.New("the backup holds no database (db/db.backup is missing)")
	}
	return res, nil
}

// writeEntry writes r to a new file at target (never over an existing one).
func (d disk) writeEntry(r io.Reader, target string) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s appears twice in the backup", errUnsafeEntry, filepath.Base(target))
		}
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return fmt.Errorf("the backup archive is damaged or incomplete: %w", err)
	}
	if err := d.syncFile(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// linkTree puts the tree/ of src into dst, by hard link where the file system allows (the
// files are never changed in place) and by copy otherwise.
func (d disk) linkTree(src, dst string) error {
	root := filepath.Join(src, treeDir)
	return filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return filepath.SkipDir
			}
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !e.Type().IsRegular() {
			return nil
		}
		if err := os.Link(p, target); err == nil {
			return nil
		}
		return d.copyFile(p, target)
	})
}

func (d disk) copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return d.writeEntry(in, dst)
}

// digestDir hashes every folder and file (name, size, content) under dir in name order.
func digestDir(dir string) (string, error) {
	h := sha256.New()
	if dir == "" {
		fmt.Fprint(h, "no data\n")
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			fmt.Fprintf(h, "d %s\n", rel)
		case d.Type().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			fh := sha256.New()
			n, err := io.Copy(fh, f)
			_ = f.Close()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "f %s %d %x\n", rel, n, fh.Sum(nil))
		default:
			fmt.Fprintf(h, "x %s %s\n", rel, d.Type())
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("digest %s: %w", dir, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

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
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
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
