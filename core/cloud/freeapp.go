package cloud

import (
	"net/url"
	"strings"
)

// IsFreeApp reports whether app is a Mendix Free App, given the environments listed for it
// (envs may be empty: the v1 API may refuse to list a Free App's environments).
//
// It is a heuristic, because Deploy API v1 has no license field (Deploy API v4's
// licenseType needs a personal access token): an app counts as a Free App when any of
// its environments has Mode "Sandbox" (any case), or when the app's or an environment's
// URL host is, or ends in, ".mxapps.io". Mendix does not document either signal
// (cloud-api.md marks it UNCONFIRMED); both were seen on live accounts by other clients.
//
// This is the one place that decides it: the UI, the CLI and the restore engine all call it.
func IsFreeApp(app App, envs []Environment) bool {
	for _, e := range envs {
		if strings.EqualFold(strings.TrimSpace(e.Mode), "Sandbox") || isMxAppsURL(e.URL) {
			return true
		}
	}
	return isMxAppsURL(app.URL)
}

// isMxAppsURL reports whether raw (with or without scheme) points at *.mxapps.io.
func isMxAppsURL(raw string) bool {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return false
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	return host == "mxapps.io" || strings.HasSuffix(host, ".mxapps.io")
}
