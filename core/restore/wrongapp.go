package restore

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The wrong-app guard: a restore whose source does not look like the target's own data
// replaces an environment with another customer's data, and the cloud does not stop it
// (a database dump restores anywhere). So the plan compares what is known of both sides
// and asks for the environment's name to be typed when they disagree, on every
// environment, not only production.

// Fit is how well a source matches the target's own data.
type Fit int

// Fits, from harmless to one that must be confirmed by typing the environment's name.
const (
	// FitSame: nothing known disagrees.
	FitSame Fit = iota
	// FitOtherModel: the same app, made with another model version of the same line (the
	// portal's warning: deploy the matching model afterwards). No typed name needed.
	FitOtherModel
	// FitWrongApp: the source looks like another app's data. The plan needs the
	// environment's name typed (Options.Confirm), whatever the environment.
	FitWrongApp
)

// AppSide is what is known of the target: its app, its environment, the model version it
// runs and the database names earlier backups and runs of this environment used.
type AppSide struct {
	AppID        string
	AppName      string // "Order Desk"; AppID when empty
	Mode         string // "Test"
	ModelVersion string // "2.3.0.351"; empty when unknown
	// Databases are the dump database names seen for this environment before (the journal
	// knows those of earlier uploads and runs). Empty: nothing to compare with.
	Databases []string
}

// SourceSide is what is known of what is restored: a snapshot (AppID of the app it was
// made of, its model version) or an inspected archive (model version from .metadata,
// database name from the dump header). Empty fields are unknown and decide nothing.
type SourceSide struct {
	What         string // "the backup of 28 Nov 00:12", "customerportal.tar.gz"
	AppID        string
	AppName      string
	ModelVersion string
	DatabaseName string
}

// FitCheck is the guard's verdict: the fit and plain sentences that say why, the
// strongest first, and what to do.
type FitCheck struct {
	Fit      Fit
	Warnings []string
	Next     string
}

// NeedsTypedName reports whether the restore must be confirmed by typing the
// environment's name.
func (c FitCheck) NeedsTypedName() bool { return c.Fit == FitWrongApp }

// CheckFit compares the source with the target. It never fails: what cannot be compared
// is left out of the verdict.
func CheckFit(t AppSide, s SourceSide) FitCheck {
	app := t.AppName
	if app == "" {
		app = t.AppID
	}
	inner := s.What // mid-sentence: "the backup of 28 Nov 00:12", "cp.tar.gz"
	if inner == "" {
		inner = "the backup"
	}
	what := sentenceStart(inner)
	var c FitCheck
	wrong := func(format string, a ...any) {
		c.Fit = FitWrongApp
		c.Warnings = append(c.Warnings, fmt.Sprintf(format, a...))
	}

	if s.AppID != "" && t.AppID != "" && !strings.EqualFold(s.AppID, t.AppID) {
		other := s.AppName
		if other == "" {
			other = s.AppID
		}
		wrong("%s was made of %s, another app than %s: restoring it puts %s's data into %s of %s.",
			what, other, app, other, t.Mode, app)
	}

	sv, sok := parseModelVersion(s.ModelVersion)
	tv, tok := parseModelVersion(t.ModelVersion)
	otherModel := ""
	if sok && tok && sv != tv {
		if sv[0] != tv[0] {
			wrong("%s was made with model version %s, from another line than the %s that %s of %s runs: it looks like another app's data.",
				what, s.ModelVersion, t.ModelVersion, t.Mode, app)
		} else {
			age := "older"
			if sv.newer(tv) {
				age = "newer"
			}
			otherModel = fmt.Sprintf("%s was made with model version %s, %s than the %s that %s runs. After the restore, deploy the matching model (%s) to %s, or the app may not start.",
				what, s.ModelVersion, age, t.ModelVersion, t.Mode, s.ModelVersion, t.Mode)
		}
	}

	known := slices.DeleteFunc(slices.Clone(t.Databases), func(s string) bool { return strings.TrimSpace(s) == "" })
	if db := strings.TrimSpace(s.DatabaseName); db != "" && len(known) > 0 && !containsFold(known, db) {
		wrong("The database in %s is called %q, but earlier backups and restores of %s used %s: it looks like another app's data.",
			inner, db, t.Mode, quoteList(known))
	}

	switch {
	case c.Fit == FitWrongApp:
		if otherModel != "" {
			c.Warnings = append(c.Warnings, otherModel)
		}
		c.Next = fmt.Sprintf("If this really is %s's data, type %s to confirm; otherwise choose a backup of %s.", app, t.Mode, app)
	case otherModel != "":
		c.Fit = FitOtherModel
		c.Warnings = []string{otherModel}
		c.Next = fmt.Sprintf("Restore, then deploy model version %s to %s.", s.ModelVersion, t.Mode)
	}
	return c
}

// modelVersion is a Mendix model version: major.minor.patch.build.
type modelVersion [4]int

func (v modelVersion) newer(o modelVersion) bool {
	for i := range v {
		if v[i] != o[i] {
			return v[i] > o[i]
		}
	}
	return false
}

// parseModelVersion reads "2.3.0.351" (missing parts are 0); false for anything else,
// so an odd version decides nothing.
func parseModelVersion(s string) (modelVersion, bool) {
	var v modelVersion
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) == 0 || len(parts) > 4 || parts[0] == "" {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}

// quoteList is `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
func quoteList(list []string) string {
	var q []string
	seen := map[string]bool{}
	for _, s := range list {
		if k := strings.ToLower(strings.TrimSpace(s)); k != "" && !seen[k] {
			seen[k] = true
			q = append(q, strconv.Quote(strings.TrimSpace(s)))
		}
	}
	if len(q) == 0 {
		return `""`
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// sentenceStart capitalises a leading "the" and leaves file names as they are.
func sentenceStart(s string) string {
	if strings.HasPrefix(s, "the ") {
		return "The " + s[4:]
	}
	return s
}
