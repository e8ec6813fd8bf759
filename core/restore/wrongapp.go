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
	// FitCannotTell: nothing vouches for the source (a file, an uploaded backup) and
	// nothing could be learned of the target's own data to compare it with. The plan says
	// so and needs the environment's name typed, as for FitWrongApp.
	FitCannotTell
)

// AppSide is what is known of the target: its app, its environment, the model version it
// runs, the database names earlier backups and runs of this environment used, and the
// tables of its own data (from its newest backup).
type AppSide struct {
	AppID        string
	AppName      string // "Order Desk"; AppID when empty
	Mode         string // "Test"
	ModelVersion string // "2.3.0.351"; empty when unknown
	// Databases are the dump database names seen for this environment before (the journal
	// knows those of earlier uploads and runs). Empty: nothing to compare with.
	Databases []string
	// Tables are the tables of the target's own data, as its newest backup lists them.
	Tables TableList
}

// TableList is the tables a dump lists ("schema.name"), where they were read, or why
// they could not be.
type TableList struct {
	Names []string
	Known bool // Names were read (a dump may list none)
	// From names where they were read, mid-sentence: "Acceptance's newest backup (4 Dec
	// 00:26)", "otherclient_hr.backup".
	From string
	// Why says, mid-sentence, why they are not known: "Acceptance has no completed backup
	// of its own to compare it with". "" when Known.
	Why string
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
	// Unvouched: nothing says the source is the target's app's data (a file, or a backup
	// uploaded to the environment), so its tables must be compared with the target's, and
	// a source that cannot be compared needs the typed name (FitCannotTell).
	Unvouched bool
	Tables    TableList
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
func (c FitCheck) NeedsTypedName() bool { return c.Fit == FitWrongApp || c.Fit == FitCannotTell }

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

	if s.Unvouched {
		switch v, why := compareTables(t, s, inner, app); {
		case v == tablesMatch:
		case v == tablesDiffer:
			wrong("%s", why)
		case c.Fit == FitWrongApp:
			// Another reason said it already; that the tables cannot be compared adds nothing.
		case len(known) > 0 && containsFold(known, strings.TrimSpace(s.DatabaseName)):
			// Its database has the name earlier restores here used: that vouches for it.
		default:
			c.Fit = FitCannotTell
			c.Warnings = append([]string{why}, c.Warnings...)
		}
	}

	switch {
	case c.Fit == FitCannotTell:
		if otherModel != "" {
			c.Warnings = append(c.Warnings, otherModel)
		}
		c.Next = fmt.Sprintf("If it is %s's data, type %s to confirm; otherwise choose a backup of %s.", app, t.Mode, app)
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

// tableVerdict is what comparing the tables of a source and a target found.
type tableVerdict int

const (
	tablesMatch   tableVerdict = iota // enough in common: the same app's data
	tablesDiffer                      // too little in common: another app's data
	tablesUnknown                     // one side's tables are not known
)

// minSharedTables is the least share of tables a source must have in common with the
// target's newest backup to pass as the same app's data. The share is the Jaccard index of
// the two sets of own tables (tables in both / tables in either). An app's data changes
// slowly: between an older backup and the newest, a release or two add or drop a few
// entities, so of 20 entities with 2 added and 1 dropped 19 of 22 are shared (0.86).
// Two customers' apps share at most the Marketplace modules both use (Administration,
// Encryption, ...), well under half of either. Half is the line: above it a file needs
// no typed name, below it the name is typed, which costs a careful user a few keystrokes.
const minSharedTables = 0.5

// platformModules are Mendix's own modules: every Mendix database has their tables, so
// they would make any two apps look alike and are left out of the comparison.
var platformModules = []string{"system$", "mendixsystem$"}

// ownTables is the set of a dump's tables that say which app it is: lower case, without
// the public schema, without the platform's tables (all of them when nothing else is
// left, so a bare app is still compared).
func ownTables(names []string) map[string]bool {
	all, own := map[string]bool{}, map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		n = strings.TrimPrefix(n, "public.")
		if n == "" {
			continue
		}
		all[n] = true
		if !slices.ContainsFunc(platformModules, func(p string) bool { return strings.HasPrefix(n, p) }) {
			own[n] = true
		}
	}
	if len(own) == 0 {
		return all
	}
	return own
}

// SharedTables is the Jaccard index of the own tables of two table lists (see
// minSharedTables), with the counts it comes from: in common, in a, in b.
func SharedTables(a, b []string) (share float64, common, inA, inB int) {
	sa, sb := ownTables(a), ownTables(b)
	for n := range sa {
		if sb[n] {
			common++
		}
	}
	union := len(sa) + len(sb) - common
	if union == 0 {
		return 0, 0, 0, 0
	}
	return float64(common) / float64(union), common, len(sa), len(sb)
}

// compareTables compares the tables of an unvouched source with the target's own and
// says why when they differ or cannot be compared.
func compareTables(t AppSide, s SourceSide, inner, app string) (tableVerdict, string) {
	switch {
	case !t.Tables.Known:
		return tablesUnknown, fmt.Sprintf("Restore Desk cannot tell whether %s holds %s's data: %s.", inner, app, t.Tables.Why)
	case !s.Tables.Known:
		return tablesUnknown, fmt.Sprintf("Restore Desk cannot tell whether %s holds %s's data: %s.", inner, app, s.Tables.Why)
	}
	share, common, inSrc, inTgt := SharedTables(s.Tables.Names, t.Tables.Names)
	if inSrc == 0 || inTgt == 0 {
		side := t.Tables.From
		if inSrc == 0 {
			side = inner
		}
		return tablesUnknown, fmt.Sprintf("Restore Desk cannot tell whether %s holds %s's data: %s lists no tables to compare.", inner, app, side)
	}
	if share >= minSharedTables {
		return tablesMatch, ""
	}
	db := ""
	if name := strings.TrimSpace(s.DatabaseName); name != "" {
		db = fmt.Sprintf(" (its database is called %q)", name)
	}
	return tablesDiffer, fmt.Sprintf("%s%s does not look like %s's data: it shares %d of its %d tables with %s, which has %d: it looks like another app's data.",
		sentenceStart(inner), db, app, common, inSrc, t.Tables.From, inTgt)
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
