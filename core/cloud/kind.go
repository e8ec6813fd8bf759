package cloud

import (
	"strings"
	"sync"
	"time"
)

// SnapshotKind is what kind of backup a snapshot is. The API has no such field, and the
// comment is the user's to edit, so the kind is derived first from what nobody can edit:
// how long Mendix Cloud keeps the backup (its creation and expiry times) and the status
// message of an upload. Only where those leave a choice (weekly and manual backups are
// both kept three months) does the comment decide, as it read when the client first saw
// the backup (docs/cloud-api.md, "Backup kinds and retention").
type SnapshotKind string

// Backup kinds as the portal shows them, plus the ones Restore Desk makes.
const (
	KindNightly  SnapshotKind = "nightly"
	KindWeekly   SnapshotKind = "weekly"
	KindMonthly  SnapshotKind = "monthly"
	KindManual   SnapshotKind = "manual"
	KindUploaded SnapshotKind = "uploaded"
	KindPipeline SnapshotKind = "pipeline" // made by a Mendix pipeline before a deployment
	KindSafety   SnapshotKind = "safety"   // taken by Restore Desk before a restore
)

// Kinds lists every kind, in the order filters offer them.
func Kinds() []SnapshotKind {
	return []SnapshotKind{KindNightly, KindWeekly, KindMonthly, KindManual, KindPipeline, KindUploaded, KindSafety}
}

// Comments and status messages written by Mendix Cloud and Restore Desk.
const (
	CommentNightly      = "Automatically created nightly snapshot"
	CommentManual       = "Manually created snapshot"
	CommentUploaded     = "Uploaded snapshot"
	CommentPipeline     = "Backup created by Mendix pipeline"
	SafetyCommentPrefix = "Safety backup before restoring "
	// StatusUploaded is the status message of a finished upload: unlike its comment, no
	// user can change it.
	StatusUploaded = "Completed extraction"
)

// How long Mendix Cloud keeps each kind (docs/cloud-api.md, "Backup kinds and
// retention"): nightly two weeks (30 days under an older rule), weekly three months,
// monthly a year, manual three months. The bounds sit far from every documented period.
const (
	nightlyAtMost  = 45 * 24 * time.Hour  // nightly: 14 days (formerly 30)
	monthlyAtLeast = 200 * 24 * time.Hour // monthly: 1 year; weekly and manual: 3 months
)

// SafetyComment is the comment of the safety backup taken before restoring snapshotID.
func SafetyComment(snapshotID string) string {
	return SafetyCommentPrefix + snapshotID + " (Restore Desk)"
}

// Automatic reports whether Mendix Cloud made the backup on its own schedule: such
// backups expire by themselves, and Restore Desk does not delete them.
func (k SnapshotKind) Automatic() bool {
	return k == KindNightly || k == KindWeekly || k == KindMonthly
}

// KindOf is the kind of s: the one the client derived when it read s (see Client), or,
// for a snapshot that did not come through a client, the one its fields tell now.
func KindOf(s Snapshot) SnapshotKind {
	if s.Kind != "" {
		return s.Kind
	}
	if k := fixedKind(s); k != "" {
		return k
	}
	return commentKind(s)
}

// fixedKind is the kind what no user can edit decides: an upload's status message, a
// nightly's or a monthly's retention. "" when they leave a choice (three months kept:
// weekly or manual; no expiry yet).
func fixedKind(s Snapshot) SnapshotKind {
	if strings.EqualFold(strings.TrimSpace(s.StatusMessage), StatusUploaded) {
		return KindUploaded
	}
	if s.ExpiresAt.IsZero() || s.CreatedAt.IsZero() {
		return ""
	}
	switch kept := s.ExpiresAt.Sub(s.CreatedAt); {
	case kept <= 0:
		return ""
	case kept <= nightlyAtMost:
		return KindNightly
	case kept >= monthlyAtLeast:
		return KindMonthly
	}
	return ""
}

// commentKind reads the kind from the comment, for what the times leave open. An
// automatic backup kept three months is a weekly one; without an expiry, the day tells
// (Sunday: weekly; the first Sunday of the month: monthly).
func commentKind(s Snapshot) SnapshotKind {
	c := strings.TrimSpace(s.Comment)
	switch {
	case strings.EqualFold(c, CommentUploaded):
		return KindUploaded
	case strings.HasPrefix(c, SafetyCommentPrefix):
		return KindSafety
	case strings.EqualFold(c, CommentPipeline):
		return KindPipeline
	case !strings.HasPrefix(strings.ToLower(c), "automatically created"):
		return KindManual
	case !s.ExpiresAt.IsZero():
		return KindWeekly
	case s.CreatedAt.IsZero() || s.CreatedAt.Weekday() != time.Sunday:
		return KindNightly
	case s.CreatedAt.Day() <= 7:
		return KindMonthly
	}
	return KindWeekly
}

// KindMemory keeps the kind each backup had when a client first saw it, so that a
// comment edited later does not change it. The client keeps one in memory; WithKindMemory
// gives it one that lasts longer.
type KindMemory interface {
	Recall(snapshotID string) (SnapshotKind, bool)
	Remember(snapshotID string, k SnapshotKind)
}

// WithKindMemory makes the client remember first-seen kinds in m.
func WithKindMemory(m KindMemory) Option {
	return func(c *Client) {
		if m != nil {
			c.kinds = m
		}
	}
}

// memKinds is the default KindMemory: for the client's lifetime.
type memKinds struct {
	mu sync.Mutex
	m  map[string]SnapshotKind
}

func newMemKinds() *memKinds { return &memKinds{m: map[string]SnapshotKind{}} }

func (m *memKinds) Recall(id string) (SnapshotKind, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.m[id]
	return k, ok
}

func (m *memKinds) Remember(id string, k SnapshotKind) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[id] = k
}

// setKind fills s.Kind: what the times decide, else what the comment said when this
// client (or its memory) first saw the backup.
func (c *Client) setKind(s *Snapshot) {
	if k := fixedKind(*s); k != "" {
		s.Kind = k
		return
	}
	if s.SnapshotID != "" {
		if k, ok := c.kinds.Recall(s.SnapshotID); ok {
			s.Kind = k
			return
		}
	}
	s.Kind = commentKind(*s)
	if s.SnapshotID != "" {
		c.kinds.Remember(s.SnapshotID, s.Kind)
	}
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
	case KindPipeline:
		return "Pipeline"
	case KindSafety:
		return "Safety"
	}
	return string(k)
}
