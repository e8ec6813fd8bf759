package restore

import (
	"strings"
	"testing"
)

// The share leaves out the platform's tables (every Mendix app has them), ignores case and
// the public schema, and is tables in both over tables in either.
func TestSharedTablesCountsTheAppsOwnTables(t *testing.T) {
	a := []string{"public.sales$order", "public.Sales$Customer", "public.system$user", "public.mendixsystem$entity"}
	b := []string{"sales$order", "public.sales$customer", "public.sales$return", "public.system$filedocument"}
	share, common, inA, inB := SharedTables(a, b)
	if common != 2 || inA != 2 || inB != 3 || share != 2.0/3 {
		t.Errorf("share %.2f (%d common, %d, %d), want 2 of 3 own tables", share, common, inA, inB)
	}
	// Two bare apps (platform tables only) are still compared, on those.
	if share, _, _, _ := SharedTables([]string{"public.system$user"}, []string{"public.system$user"}); share != 1 {
		t.Errorf("bare apps: share %.2f, want 1", share)
	}
	if share, _, inA, _ := SharedTables(nil, b); share != 0 || inA != 0 {
		t.Errorf("no tables: share %.2f, %d", share, inA)
	}
}

func acceptance(tables ...string) AppSide {
	return AppSide{AppID: "orderdesk", AppName: "Order Desk", Mode: "Acceptance",
		Tables: TableList{Names: tables, Known: true, From: "Acceptance's newest backup (4 Dec 00:26)"}}
}

func TestCheckFitComparesTheTablesOfAnUnvouchedSource(t *testing.T) {
	own := []string{"public.sales$order", "public.sales$customer", "public.sales$product", "public.warehouse$stock"}
	file := func(tables ...string) SourceSide {
		return SourceSide{What: "x.backup", DatabaseName: "x", Unvouched: true, Tables: TableList{Names: tables, Known: true}}
	}
	// Half in common passes; less does not.
	if c := CheckFit(acceptance(own...), file("sales$order", "sales$customer", "sales$product", "sales$return", "sales$discount")); c.Fit != FitSame {
		t.Errorf("3 of 6 in common: %+v, want the same app", c)
	}
	c := CheckFit(acceptance(own...), file("sales$order", "hr$employee", "hr$payslip"))
	if c.Fit != FitWrongApp || !strings.Contains(c.Warnings[0], "it shares 1 of its 3 tables with Acceptance's newest backup (4 Dec 00:26), which has 4") {
		t.Errorf("1 of 6 in common: %+v", c)
	}
	// A side that lists no tables cannot be compared: the warning names it.
	c = CheckFit(acceptance(own...), file())
	if c.Fit != FitCannotTell || !strings.HasSuffix(c.Warnings[0], "x.backup lists no tables to compare.") {
		t.Errorf("a source without tables: %+v, want cannot tell, naming the file", c)
	}
	c = CheckFit(acceptance(), file("sales$order"))
	if c.Fit != FitCannotTell || !strings.HasSuffix(c.Warnings[0], "Acceptance's newest backup (4 Dec 00:26) lists no tables to compare.") {
		t.Errorf("a target without tables: %+v, want cannot tell, naming its backup", c)
	}
	// A source vouched for (a backup Mendix made of this app) is not judged by its tables.
	vouched := file("hr$employee")
	vouched.Unvouched = false
	if c := CheckFit(acceptance(own...), vouched); c.Fit != FitSame {
		t.Errorf("a vouched source is judged by its tables: %+v", c)
	}
}

func TestCheckFitCannotTellWithoutTheTargetsTables(t *testing.T) {
	tgt := AppSide{AppID: "orderdesk", AppName: "Order Desk", Mode: "Acceptance",
		Tables: TableList{Why: "Acceptance has no completed backup of its own to compare it with"}}
	src := SourceSide{What: "x.backup", DatabaseName: "orderdesk_acc", Unvouched: true, Tables: TableList{Names: []string{"sales$order"}, Known: true}}
	c := CheckFit(tgt, src)
	if c.Fit != FitCannotTell || !c.NeedsTypedName() || len(c.Warnings) != 1 ||
		c.Warnings[0] != "Restore Desk cannot tell whether x.backup holds Order Desk's data: Acceptance has no completed backup of its own to compare it with." {
		t.Errorf("%+v, want cannot tell", c)
	}
	if !strings.Contains(c.Next, "type Acceptance to confirm") {
		t.Errorf("next %q", c.Next)
	}
	// Earlier restores here used the dump's database name: that vouches for it.
	tgt.Databases = []string{"OrderDesk_Acc"}
	if c := CheckFit(tgt, src); c.Fit != FitSame {
		t.Errorf("a known database name: %+v, want the same app", c)
	}
	// Another reason already says it is another app's: that stays the verdict.
	tgt.Databases, tgt.ModelVersion, src.ModelVersion = nil, "2.3.0.351", "7.0.0.1"
	if c := CheckFit(tgt, src); c.Fit != FitWrongApp || len(c.Warnings) != 1 {
		t.Errorf("another line of models: %+v, want the wrong app alone", c)
	}
}
