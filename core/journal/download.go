package journal

import (
	"context"
	"path/filepath"
)

// KindDownload is a backup brought home: an archive of a snapshot requested, fetched to a
// local file and inspected. The run keeps the file's path, size and SHA-256; never the
// archive's link, which is a credential while it is valid.
const KindDownload Kind = "download"

// KindDownloadLink is an archive of a snapshot requested so that its download link can be
// handed to the user who asked. The run keeps which backup, and when the link expires in
// its message; never the link itself.
const KindDownloadLink Kind = "download_link"

// SetFilePath records where a run's file is, once it is known (a download learns its
// file name from the storage host).
func (j *Journal) SetFilePath(ctx context.Context, id int64, path string) error {
	return j.exec(ctx, "record file path", id, `UPDATE runs SET file_path = ?, file_name = ? WHERE id = ?`,
		path, filepath.Base(path), id)
}
