package restore

import (
	"fmt"
	"net/url"
	"strings"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// A run is undone, followed again or restarted only by an engine of the account and cloud
// it was made with: the journal's ids (app, environment, backup) mean something else, or
// nothing, on another cloud, and another account may see other apps under the same names.

// WithAccount says which profile and cloud (API URL) the engine works for, so that Undo,
// Reattach and PlanStartAfter refuse a run recorded with another one (ErrOtherCloud). Either
// may be empty: not known, so not checked. A cloud whose address changes between
// launches while its runs stay (the desktop demo's port) is given as "".
func WithAccount(profile, apiURL string) Option {
	return func(e *Engine) {
		e.profile, e.apiURL = strings.TrimSpace(profile), strings.TrimSpace(apiURL)
	}
}

// sameAccount refuses run jr when it was recorded with another profile or on another cloud
// than the engine's; then (e.g. "undo it") ends the advice. What either side does not know
// is not checked, so runs journaled before these were recorded keep working.
func (e *Engine) sameAccount(jr *journal.Run, then string) error {
	otherProfile := e.profile != "" && jr.Profile != "" && jr.Profile != e.profile
	otherCloud := e.apiURL != "" && jr.APIURL != "" && !cloud.SameCloud(jr.APIURL, e.apiURL)
	if !otherProfile && !otherCloud {
		return nil
	}
	runs, here := accountText(jr.Profile, jr.APIURL), accountText(e.profile, e.apiURL)
	return planErr(
		fmt.Sprintf("Run %d was made with %s, but %s is in use now. Nothing was sent.", jr.ID, runs, here),
		fmt.Sprintf("Switch to %s first, then %s.", runs, then),
		fmt.Errorf("%w: run %d", ErrOtherCloud, jr.ID))
}

// accountText names an account in a sentence: "the account “work” on deploy.mendix.com".
// Of the cloud only the host is said: an API URL may carry what must not be shown.
func accountText(profile, apiURL string) string {
	host := cloudHost(apiURL)
	switch {
	case profile != "" && host != "":
		return fmt.Sprintf("the account “%s” on %s", profile, host)
	case profile != "":
		return fmt.Sprintf("the account “%s”", profile)
	case host != "":
		return "an account on " + host
	}
	return "another account"
}

// cloudHost is the host (and port) of an API URL, lower case; "" when there is none.
func cloudHost(apiURL string) string {
	u, err := url.Parse(strings.TrimSpace(apiURL))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}
