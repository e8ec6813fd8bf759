package localcloud

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

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
			if err := os.MkdirAll(target, 0o700); err != nil {
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
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
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
