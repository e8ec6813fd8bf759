package cloud

import (
	"testing"
	"time"
)

func TestKindOf(t *testing.T) {
	day := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	created := day("2026-11-12 02:00") // a Thursday
	cases := []struct {
		name string
		s    Snapshot
		want SnapshotKind
	}{
		{"nightly by expiry", Snapshot{Comment: CommentNightly, CreatedAt: created, ExpiresAt: created.AddDate(0, 0, 14)}, KindNightly},
		{"weekly by expiry", Snapshot{Comment: CommentNightly, CreatedAt: created, ExpiresAt: created.AddDate(0, 3, 0)}, KindWeekly},
		{"monthly by expiry", Snapshot{Comment: CommentNightly, CreatedAt: created, ExpiresAt: created.AddDate(1, 0, 0)}, KindMonthly},
		{"weekly by Sunday", Snapshot{Comment: CommentNightly, CreatedAt: day("2026-11-15 02:00")}, KindWeekly},
		{"monthly by first Sunday", Snapshot{Comment: CommentNightly, CreatedAt: day("2026-11-01 02:00")}, KindMonthly},
		{"manual", Snapshot{Comment: CommentManual, CreatedAt: created, ExpiresAt: created.AddDate(0, 3, 0)}, KindManual},
		{"manual with own comment", Snapshot{Comment: "before go-live"}, KindManual},
		{"uploaded", Snapshot{Comment: "Uploaded snapshot"}, KindUploaded},
		{"safety", Snapshot{Comment: SafetyComment("abc")}, KindSafety},
	}
	for _, c := range cases {
		if got := KindOf(c.s); got != c.want {
			t.Errorf("%s: KindOf = %s, want %s", c.name, got, c.want)
		}
	}
}
