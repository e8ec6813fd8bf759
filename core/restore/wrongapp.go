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
	if sok && tok && !sv.same(tv) {
		srcV, tgtV := strings.TrimSpace(s.ModelVersion), strings.TrimSpace(t.ModelVersion)
		if sv.nums[0] != tv.nums[0] {
			wrong("%s was made with model version %s, from another line than the %s that %s of %s runs: it looks like another app's data.",
				what, srcV, tgtV, t.Mode, app)
		} else {
			age := "another build"
			switch sv.compare(tv) {
			case -1:
				age = "older"
			case 1:
				age = "newer"
			}
			otherModel = fmt.Sprintf("%s was made with model version %s, %s than the %s that %s runs. After the restore, deploy the matching model (%s) to %s, or the app may not start.",
				what, srcV, age, tgtV, t.Mode, srcV, t.Mode)
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
		c.Next = fmt.Sprintf("Restore, then deploy model version %s to %s.", strings.TrimSpace(s.ModelVersion), t.Mode)
	}
	return c
}

// modelVersion is a Mendix model version: major.minor.patch.build, or, for an app
// versioned with Git (Mendix 10), major.minor.patch.commit ("1.8.82.e3c1a393"; see
// docs/cloud-api.md, "Model versions").
type modelVersion struct {
	nums   [4]int // the numeric parts; missing ones are 0
	commit string // the commit of a Git-versioned model, lower case; "" for a numbered build
}

// minCommit is the shortest hex part read as a commit (Git's shortest abbreviation).
const minCommit = 4

// same reports whether v and o are one revision: equal numbers, and for Git-versioned
// models the same commit (a short hash matches its longer form).
func (v modelVersion) same(o modelVersion) bool {
	if v.nums != o.nums || (v.commit == "") != (o.commit == "") {
		return false
	}
	return strings.HasPrefix(v.commit, o.commit) || strings.HasPrefix(o.commit, v.commit)
}

// compare orders v against o by their numeric parts: -1 older, 1 newer, 0 when the
// numbers cannot tell them apart (equal numbers, one or both with a commit: commits have
// no order).
func (v modelVersion) compare(o modelVersion) int {
	n := len(v.nums)
	if v.commit != "" || o.commit != "" {
		n = 3 // the fourth part is a commit on at least one side
	}
	for i := range n {
		if v.nums[i] != o.nums[i] {
			if v.nums[i] < o.nums[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// parseModelVersion reads "2.3.0.351" (missing parts are 0) and "1.8.82.e3c1a393"; false
// for anything else, so an odd version decides nothing.
func parseModelVersion(s string) (modelVersion, bool) {
	var v modelVersion
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) > 4 || parts[0] == "" {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		switch {
		case err == nil && onlyFrom(p, "0123456789"):
			v.nums[i] = n
		case i == 3 && onlyFrom(p, "0123456789abcdefABCDEF") && len(p) >= minCommit && len(p) <= 64:
			v.commit = strings.ToLower(p)
		default:
			return v, false
		}
	}
	return v, true
}

// onlyFrom reports whether s is not empty and made of the characters in set only.
func onlyFrom(s, set string) bool {
	return s != "" && strings.Trim(s, set) == ""
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
