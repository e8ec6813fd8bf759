package localfs

import "errors"

// ErrLocked: another open file (in this process or another one) holds the lock.
var ErrLocked = errors.New("locked by another process")
