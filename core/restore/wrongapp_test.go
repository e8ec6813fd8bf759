package restore

import (
	"strings"
	"testing"
)

func orderDeskTest() AppSide {
	return AppSide{AppID: "orderdesk", AppName: "Order Desk", Mode: "Test", ModelVersion: "2.3.0.351"}
}

func TestCheckFitAnotherLineOfModelVersionsNeedsTheTypedName(t *testing.T) {
	c := CheckFit(orderDeskTest(), SourceSide{What: "files_and_database.tar.gz", ModelVersion: "1.4.0.211", DatabaseName: "customerportal"})
	if c.Fit != FitWrongApp || !c.NeedsTypedName() {
		t.Fatalf("fit = %v, want FitWrongApp", c.Fit)
	}
	if len(c.Warnings) != 1 {
		t.Fatalf("warnings = %q, want one", c.Warnings)
	}
	for _, want := range []string{"files_and_database.tar.gz was made with model version 1.4.0.211", "2.3.0.351", "Test of Order Desk", "another app's data"} {
		if !strings.Contains(c.Warnings[0], want) {
			t.Errorf("warning %q does not say %q", c.Warnings[0], want)
		}
	}
	if !strings.Contains(c.Next, "type Test to confirm") || !strings.Contains(c.Next, "choose a backup of Order Desk") {
		t.Errorf("next = %q", c.Next)
	}
}

func TestCheckFitOlderModelOfTheSameAppIsTheSofterWarning(t *testing.T) {
	c := CheckFit(orderDeskTest(), SourceSide{What: "the backup of 12 Nov 00:12", AppID: "orderdesk", ModelVersion: "2.1.1.325"})
	if c.Fit != FitOtherModel || c.NeedsTypedName() {
		t.Fatalf("fit = %v, want FitOtherModel without a typed name", c.Fit)
	}
	w := strings.Join(c.Warnings, " ")
	for _, want := range []string{"The backup of 12 Nov 00:12 was made with model version 2.1.1.325, older than the 2.3.0.351", "deploy the matching model (2.1.1.325) to Test"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q does not say %q", w, want)
		}
	}
	newer := CheckFit(AppSide{AppID: "orderdesk", Mode: "Production", ModelVersion: "2.1.0.322"}, SourceSide{ModelVersion: "2.3.0.351"})
	if newer.Fit != FitOtherModel || !strings.Contains(newer.Warnings[0], "newer than the 2.1.0.322") {
		t.Errorf("newer model: %+v", newer)
	}
}

func TestCheckFitSameDataIsFine(t *testing.T) {
	tgt := orderDeskTest()
	tgt.Databases = []string{"orderdesk_test"}
	for _, s := range []SourceSide{
		{AppID: "orderdesk", ModelVersion: "2.3.0.351", DatabaseName: "OrderDesk_Test"},
		{},                         // nothing known: nothing decided
		{ModelVersion: "2.3-beta"}, // an odd version decides nothing
		{ModelVersion: "2.3.0.351", DatabaseName: "orderdesk_test"},
	} {
		if c := CheckFit(tgt, s); c.Fit != FitSame || len(c.Warnings) != 0 || c.Next != "" {
			t.Errorf("CheckFit(%+v) = %+v, want FitSame and no words", s, c)
		}
	}
	// The target's model unknown: the source's version alone decides nothing.
	if c := CheckFit(AppSide{AppID: "orderdesk", Mode: "Test"}, SourceSide{ModelVersion: "1.4.0.211"}); c.Fit != FitSame {
		t.Errorf("unknown target model: %+v", c)
	}
}

func TestCheckFitDatabaseNameOtherThanEarlierRunsUsed(t *testing.T) {
	tgt := orderDeskTest()
	tgt.Databases = []string{"orderdesk_test", "", "ORDERDESK_TEST", "od_legacy"}
	c := CheckFit(tgt, SourceSide{What: "customerportal.backup", DatabaseName: "customerportal"})
	if c.Fit != FitWrongApp {
		t.Fatalf("fit = %v, want FitWrongApp", c.Fit)
	}
	want := `The database in customerportal.backup is called "customerportal", but earlier backups and restores of Test used "orderdesk_test" or "od_legacy"`
	if !strings.Contains(c.Warnings[0], want) {
		t.Errorf("warning = %q, want it to contain %q", c.Warnings[0], want)
	}
	// No earlier names known: the name alone decides nothing.
	if c := CheckFit(orderDeskTest(), SourceSide{DatabaseName: "customerportal"}); c.Fit != FitSame {
		t.Errorf("no known names: %+v", c)
	}
}

func TestCheckFitSnapshotOfAnotherAppAndEveryReasonListed(t *testing.T) {
	tgt := orderDeskTest()
	tgt.Databases = []string{"orderdesk_test"}
	c := CheckFit(tgt, SourceSide{AppID: "customerportal", AppName: "Customer Portal", ModelVersion: "2.0.0.9", DatabaseName: "customerportal"})
	if c.Fit != FitWrongApp {
		t.Fatalf("fit = %v", c.Fit)
	}
	if len(c.Warnings) != 3 {
		t.Fatalf("warnings = %q, want app, database and model", c.Warnings)
	}
	if !strings.HasPrefix(c.Warnings[0], "The backup was made of Customer Portal, another app than Order Desk") {
		t.Errorf("first warning = %q, want the other app first", c.Warnings[0])
	}
	if !strings.Contains(c.Warnings[2], "older than the 2.3.0.351") {
		t.Errorf("last warning = %q, want the model note", c.Warnings[2])
	}
}

func TestParseModelVersion(t *testing.T) {
	for in, ok := range map[string]bool{"2.3.0.351": true, "1": true, " 1.2 ": true, "": false, "1.2.3.4.5": false, "a.b": false, "1.-2": false, ".1": false} {
		if _, got := parseModelVersion(in); got != ok {
			t.Errorf("parseModelVersion(%q) ok = %v, want %v", in, got, ok)
		}
	}
}

// Another line is caught in both directions: a newer major into an older one as well.
func TestCheckFitAnotherLineEitherWay(t *testing.T) {
	for _, c := range []struct{ target, source string }{
		{"2.3.0.351", "1.4.0.211"},
		{"2.3.0.351", "3.0.0.12"},
		{"1.8.82.e3c1a393", "2.0.0.0aa1b2c3"},
		{"1.8.82.e3c1a393", "0.9.1.0aa1b2c3"},
		{"2.3.0.351", "3.1.4.e3c1a393"},
	} {
		got := CheckFit(AppSide{AppID: "orderdesk", Mode: "Test", ModelVersion: c.target}, SourceSide{ModelVersion: c.source})
		if got.Fit != FitWrongApp || len(got.Warnings) != 1 || !strings.Contains(got.Warnings[0], "from another line than the "+c.target) {
			t.Errorf("%s into %s: %+v, want the other-line verdict", c.source, c.target, got)
		}
	}
}

func TestParseModelVersionGitStyle(t *testing.T) {
	for in, ok := range map[string]bool{
		"1.8.82.e3c1a393": true, "1.8.82.E3C1A393": true, "10.24.16.96987": true, "1.8.82.e3c1a3935d0c0ffee": true,
		"1.8.82.xyz12345": false, "1.8.e3c1a393": false, "e3c1a393": false, "1.8.82.e3c": false, "1.+8": false, "1.-0": false,
	} {
		if _, got := parseModelVersion(in); got != ok {
			t.Errorf("parseModelVersion(%q) ok = %v, want %v", in, got, ok)
		}
	}
	v, _ := parseModelVersion("1.8.82.e3c1a393")
	for other, same := range map[string]bool{"1.8.82.E3C1A393": true, "1.8.82.e3c1a3935d0c": true, "1.8.82.e3c1": true,
		"1.8.82.e3c1a394": false, "1.8.82": false, "1.8.82.393": false, "1.8.83.e3c1a393": false} {
		o, ok := parseModelVersion(other)
		if !ok {
			t.Fatalf("parseModelVersion(%q) failed", other)
		}
		if v.same(o) != same || o.same(v) != same {
			t.Errorf("1.8.82.e3c1a393 same as %s = %v, want %v", other, v.same(o), same)
		}
	}
	for other, want := range map[string]int{"1.8.80.ffffffff": 1, "1.8.90.00000000": -1, "1.10.0.aaaa": -1, "1.8.82.0001": 0, "1.8.82.351": 0} {
		o, _ := parseModelVersion(other)
		if got := v.compare(o); got != want {
			t.Errorf("1.8.82.e3c1a393 compared with %s = %d, want %d", other, got, want)
		}
	}
	old, _ := parseModelVersion("2.1.1.325")
	cur, _ := parseModelVersion("2.1.1.351")
	if old.compare(cur) != -1 || cur.compare(old) != 1 || old.same(cur) {
		t.Error("numbered builds are not compared by their fourth part")
	}
}
