package localcloud

import "time"

// Retention as Mendix Cloud keeps backups (cloud-api.md §5): nightly 2 weeks, weekly (Sunday)
// 3 months, monthly (first Sunday of the month) 1 year, manual 3 months. An uploaded backup is
// kept like a manual one.

// automaticKind is the kind of the automatic backup made at t: the Sunday one is kept as the
// weekly backup, the first Sunday of the month as the monthly one.
func automaticKind(t time.Time) string {
	t = t.UTC()
	if t.Weekday() != time.Sunday {
		return kindNightly
	}
	if t.Day() <= 7 {
		return kindMonthly
	}
	return kindWeekly
}

// expiresAt is when a completed backup of kind, made at created, expires.
func expiresAt(kind string, created time.Time) time.Time {
	created = created.UTC()
	switch kind {
	case kindNightly:
		return created.Add(14 * 24 * time.Hour)
	case kindWeekly:
		return created.AddDate(0, 3, 0)
	case kindMonthly:
		return created.AddDate(1, 0, 0)
	default: // manual, uploaded
		return created.AddDate(0, 3, 0)
	}
}

// SnapshotKind names how a backup came to be; it decides how long it is kept.
type SnapshotKind string

// Snapshot kinds for seeding (AddSnapshot).
const (
	KindNightly  SnapshotKind = kindNightly
	KindWeekly   SnapshotKind = kindWeekly
	KindMonthly  SnapshotKind = kindMonthly
	KindManual   SnapshotKind = kindManual
	KindUploaded SnapshotKind = kindUploaded
	// KindAutomatic picks nightly, weekly or monthly from the creation time.
	KindAutomatic SnapshotKind = "automatic"
)

// ExpiresAt is the expiry Mendix Cloud gives a backup of kind made at created.
func ExpiresAt(kind SnapshotKind, created time.Time) time.Time {
	k := string(kind)
	if kind == KindAutomatic {
		k = automaticKind(created)
	}
	return expiresAt(k, created)
}
