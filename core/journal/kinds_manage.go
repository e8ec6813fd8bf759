package journal

// Kinds of runs that change one backup.
const (
	KindComment Kind = "comment" // a backup's comment changed
	KindDelete  Kind = "delete"  // a backup deleted
)
