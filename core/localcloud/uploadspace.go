package localcloud

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"restoredesk/core/localfs"
)

// diskMargin is kept free beyond the uploads' lengths: the cloud's database and the
// checks of a finished upload need some room too.
const diskMargin = 256 << 20

// reserve admits a new upload of size bytes only if the disk holds it together with what
// the uploads in progress have yet to write (their lengths are known from the start), so
// that uploads started side by side cannot each be promised the same free space. release
// ends the reservation once the upload's row exists (from then on it counts as in
// progress); refused is the sentence for the client, "" when admitted.
func (u *uploads) reserve(ctx context.Context, size int64) (release func(), refused string, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	free, err := localfs.Free(u.dir)
	if err != nil || free < 0 {
		return func() {}, "", nil // unknown: the write itself will say if the disk fills
	}
	pending, err := u.pendingBytes(ctx)
	if err != nil {
		return nil, "", err
	}
	pending += u.reserved
	if free-pending < size+diskMargin {
		if pending > 0 {
			return nil, fmt.Sprintf("The file is %d bytes; this server's disk has %d bytes free, and uploads in progress still need %d of them.", size, free, pending), nil
		}
		return nil, fmt.Sprintf("The file is %d bytes, and this server's disk has only %d bytes free.", size, free), nil
	}
	u.reserved += size
	return func() {
		u.mu.Lock()
		u.reserved -= size
		u.mu.Unlock()
	}, "", nil
}

// pendingBytes is what the unfinished uploads have yet to write: their lengths less the
// bytes their files already hold (tusd's file store keeps an upload's bytes under its id).
func (u *uploads) pendingBytes(ctx context.Context) (int64, error) {
	rows, err := u.c.db.QueryContext(ctx, `SELECT upload_id, size FROM uploads WHERE finished = 0`)
	if err != nil {
		return 0, fmt.Errorf("uploads in progress: %w", err)
	}
	defer rows.Close()
	var sum int64
	for rows.Next() {
		var id string
		var size int64
		if err := rows.Scan(&id, &size); err != nil {
			return 0, fmt.Errorf("uploads in progress: %w", err)
		}
		var written int64
		if fi, err := os.Stat(filepath.Join(u.dir, filepath.Base(id))); err == nil {
			written = fi.Size()
		}
		sum += max(size-written, 0)
	}
	return sum, rows.Err()
}
