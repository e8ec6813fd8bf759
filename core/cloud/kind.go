package cloud

import (
	"strings"
	"time"
)

// SnapshotKind is what kind of backup a snapshot is. The API has no such field: it is
// derived from the comment Mendix Cloud writes and from the retention rules
// (cloud-api.md §5).
type SnapshotKind string

// Backup kinds as the portal shows them, plus the ones Restore Desk makes.
const (
	KindNightly  SnapshotKind = "nightly"
	KindWeekly   SnapshotKind = "weekly"
	KindMonthly  SnapshotKind = "monthly"
	KindManual   SnapshotKind = "manual"
	KindUploaded SnapshotKind = "uploaded"
	KindSafety   SnapshotKind = "safety" // taken by Restore Desk before a restore
)

// Comments written by Mendix Cloud and Restore Desk.
const (
	CommentNightly      = "Automatically created nightly snapshot"
	CommentManual       = "Manually created snapshot"
	CommentUploaded     = "Uploaded snapshot"
	SafetyCommentPrefix = "Safety backup before restoring "
)

// SafetyComment is the comment of the safety backup taken before restoring snapshotID.
func SafetyComment(snapshotID string) string {
	return SafetyCommentPrefix + snapshotID + " (Restore Desk)"
}

// KindOf derives the kind of s. Automatic backups are told apart by how long they are
// kept (nightly 2 weeks, weekly 3 months, monthly 1 year), or, without an expiry, by the
// day they were made (Sunday: weekly; first Sunday of the month: monthly).
func KindOf(s Snapshot) SnapshotKind {
	c := strings.TrimSpace(s.Comment)
	switch {
	case strings.EqualFold(c, CommentUploaded):
		return KindUploaded
	case strings.HasPrefix(c, SafetyCommentPrefix):
		return KindSafety
	case !strings.HasPrefix(strings.ToLower(c), "automatically created"):
		return KindManual
	}
	if !s.ExpiresAt.IsZero() && !s.CreatedAt.IsZero() {
		switch kept := s.ExpiresAt.Sub(s.CreatedAt); {
		case kept >= 200*24*time.Hour:
			return KindMonthly
		case kept >= 45*24*time.Hour:
			return KindWeekly
		default:
			return KindNightly
		}
	}
	if s.CreatedAt.IsZero() || s.CreatedAt.Weekday() != time.Sunday {
		return KindNightly
	}
	if s.CreatedAt.Day() <= 7 {
		return KindMonthly
	}
	return KindWeekly
}

// Label is the kind as the portal and Restore Desk's lists show it.
func (k SnapshotKind) Label() string {
	switch k {
	case KindNightly:
		return "Nightly"
	case KindWeekly:
		return "Weekly"
	case KindMonthly:
		return "Monthly"
	case KindManual:
		return "Manual"
	case KindUploaded:
		return "Uploaded"
	case KindSafety:
		return "Safety"
	}
	return string(k)
}
