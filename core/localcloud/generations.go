package localcloud

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create environment folder: %w", err)
	}
	staging := filepath.Join(dir, "staging-"+randomHex(8))
	if err := os.Mkdir(staging, 0o700); err != nil {
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
			return os.MkdirAll(target, 0o700)
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
