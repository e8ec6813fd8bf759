package localfs

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DataDir is Restore Desk's folder in the user's data folder: $XDG_DATA_HOME/restoredesk,
// else ~/.local/share/restoredesk on Unix-like systems; %AppData%\restoredesk on Windows
// and ~/Library/Application Support/restoredesk on macOS, which have no XDG data folder
// (their configuration folder is where user data goes). It is not created here.
func DataDir() (string, error) {
	base, err := userDataDir()
	if err != nil {
		return "", fmt.Errorf("find the user data folder: %w", err)
	}
	return filepath.Join(base, "restoredesk"), nil
}

func userDataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		return os.UserConfigDir()
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share"), nil
}
