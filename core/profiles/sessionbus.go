package profiles

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

var errNoSessionBus = errors.New("DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist")

// sessionBusReachable reports whether the Secret Service can be asked without starting a
// D-Bus daemon. On Linux and the BSDs, go-keyring goes through godbus, which, finding no
// session address, runs dbus-launch: a daemon that lingers after a one-shot command such
// as `restorectl --profile acme apps`. macOS and Windows need no bus.
func sessionBusReachable() bool {
	switch runtime.GOOS {
	case "darwin", "windows", "ios", "android":
		return true
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	// The address godbus derives by itself when the variable is unset (systemd sessions).
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		if fi, err := os.Stat(filepath.Join(dir, "bus")); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return true
		}
	}
	return false
}
