package localdb

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Tool is a pg_restore found on this machine.
type Tool struct {
	Path    string
	Version string // as it prints it, e.g. "15.18 (Debian 15.18-0+deb12u1)"
	Major   int
}

// Locator finds pg_restore. The zero value searches PATH and the usual install folders
// of this operating system.
type Locator struct {
	// PathEnv is the PATH to search; "" means the process's own.
	PathEnv string
	// InstallDirs are glob patterns of folders that hold pg_restore; nil means the usual
	// ones of this operating system, an empty non-nil slice none.
	InstallDirs []string
}

// installDirs are where PostgreSQL's installers and package managers put the client tools.
func installDirs() []string {
	switch runtime.GOOS {
	case "windows":
		pf := os.Getenv("ProgramFiles")
		if pf == "" {
			pf = `C:\Program Files`
		}
		return []string{filepath.Join(pf, "PostgreSQL", "*", "bin"), `C:\Program Files\PostgreSQL\*\bin`}
	case "darwin":
		return []string{
			"/Applications/Postgres.app/Contents/Versions/*/bin",
			"/opt/homebrew/opt/postgresql@*/bin", "/opt/homebrew/opt/libpq/bin", "/opt/homebrew/bin",
			"/usr/local/opt/postgresql@*/bin", "/usr/local/opt/libpq/bin", "/usr/local/bin",
			"/Library/PostgreSQL/*/bin",
		}
	}
	return []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin", "/opt/postgresql/*/bin"}
}

func exeName() string {
	if runtime.GOOS == "windows" {
		return "pg_restore.exe"
	}
	return "pg_restore"
}

// installAdvice says how to get the PostgreSQL client tools on each system.
const installAdvice = "Install the PostgreSQL client tools: on Windows with the installer from " +
	"https://www.postgresql.org/download/windows/ (the \"Command Line Tools\" component is enough); " +
	"on macOS with Postgres.app or `brew install libpq`; on Debian or Ubuntu with " +
	"`sudo apt-get install postgresql-client`, on Fedora or RHEL with `sudo dnf install postgresql`. " +
	"Or give the path of a pg_restore you have."

// Find returns the pg_restore to use. A path the user set (the program or its folder) is
// the only one tried; otherwise the newest found on PATH and in the install folders wins,
// because a newer pg_restore reads every older dump.
func (l Locator) Find(ctx context.Context, userPath string) (Tool, error) {
	if userPath != "" {
		p := userPath
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			p = filepath.Join(p, exeName())
		}
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return Tool{}, &Error{Reason: ErrPgRestoreMissing, Option: OptionPgRestore, Err: err,
				Advice: fmt.Sprintf("There is no pg_restore at %s. Check the path, or leave it out to search the usual places. %s", userPath, installAdvice)}
		}
		t, err := readVersion(ctx, p)
		if err != nil {
			return Tool{}, &Error{Reason: ErrPgRestoreMissing, Option: OptionPgRestore, Err: err,
				Advice: fmt.Sprintf("%s does not run as pg_restore (%v). %s", p, err, installAdvice)}
		}
		return t, nil
	}
	var best Tool
	for _, p := range l.candidates() {
		t, err := readVersion(ctx, p)
		if err == nil && t.Major > best.Major {
			best = t
		}
	}
	if best.Path == "" {
		return Tool{}, &Error{Reason: ErrPgRestoreMissing, Option: OptionPgRestore,
			Advice: "pg_restore, which restores PostgreSQL dumps, was not found on this computer (not on PATH nor in the usual install folders). " + installAdvice}
	}
	return best, nil
}

func (l Locator) candidates() []string {
	var out []string
	add := func(p string) {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	pathEnv := l.PathEnv
	if pathEnv == "" {
		pathEnv = os.Getenv("PATH")
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir != "" {
			add(filepath.Join(dir, exeName()))
		}
	}
	globs := l.InstallDirs
	if globs == nil {
		globs = installDirs()
	}
	for _, g := range globs {
		dirs, _ := filepath.Glob(g)
		for _, d := range dirs {
			add(filepath.Join(d, exeName()))
		}
	}
	return out
}

var versionLine = regexp.MustCompile(`\(PostgreSQL\)\s+((\d+)(?:\.\d+)*\S*(?:\s.*)?)$`)

// readVersion runs pg_restore --version.
func readVersion(ctx context.Context, path string) (Tool, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return Tool{}, err
	}
	line := strings.TrimSpace(string(out))
	m := versionLine.FindStringSubmatch(line)
	if m == nil {
		return Tool{}, fmt.Errorf("unexpected version output %q", line)
	}
	major, _ := strconv.Atoi(m[2])
	return Tool{Path: path, Version: strings.TrimSpace(m[1]), Major: major}, nil
}

// MinPgRestore is the oldest pg_restore major version that reads dumps of archive version
// 1.minor: 1.14 came with PostgreSQL 12, 1.15 with 16 and 1.16 with 17. Older archives
// are read by every supported version (0).
func MinPgRestore(minor int) int {
	switch {
	case minor <= 13:
		return 0
	case minor == 14:
		return 12
	case minor == 15:
		return 16
	}
	return 17 + (minor - 16) // later versions: one per PostgreSQL release, a best guess
}

// checkVersion refuses a pg_restore that cannot read archive version 1.minor.
func checkVersion(t Tool, archiveVersion string) error {
	var major, minor int
	if _, err := fmt.Sscanf(archiveVersion, "%d.%d", &major, &minor); err != nil || major != 1 {
		return nil // inspection has judged the version already
	}
	need := MinPgRestore(minor)
	if t.Major >= need {
		return nil
	}
	return &Error{Reason: ErrPgRestoreTooOld, Option: OptionPgRestore, Advice: fmt.Sprintf(
		"The pg_restore found (%s, version %s) cannot read this dump: its archive version is %s, which needs pg_restore %d or newer. "+
			"Install the PostgreSQL %d (or newer) client tools, or give the path of such a pg_restore.",
		t.Path, t.Version, archiveVersion, need, need)}
}
