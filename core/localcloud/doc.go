// Package localcloud owns the embedded cloud: an HTTP server that speaks the same Deploy API
// v1 and Backups API v2 as Mendix Cloud (paths, JSON field names, status and error codes as in
// docs/cloud-api.md), plus Restore Desk's tus 1.0 upload extension, over SQLite and plain
// files in one data directory.
//
// What it keeps in the data directory:
//
//	localcloud.db            accounts (API keys hashed), apps, environments, permissions,
//	                         snapshots, archives, restores, start jobs, uploads
//	envs/<EnvironmentId>/    the environment's data: CURRENT names the live generation folder
//	                         (gen-*), which holds .metadata, db/db.backup and tree/xx/yy/<uuid>
//	blobs/                   snapshot archives (gzip → tar, or a raw database dump), named by
//	                         their SHA-256 so equal archives are stored once
//	archives/                database-only downloads cut out of a snapshot
//	uploads/                 tus uploads in progress
//
// Snapshots are real archives: creating one packs the environment's data folder; a restore
// extracts the snapshot into a new generation folder beside the live one and switches CURRENT
// with an atomic rename, so a failed restore leaves the environment byte-for-byte unchanged.
// Jobs (snapshot, archive, restore, start, stop, upload check) run asynchronously, are stored
// in SQLite and are resumed when the cloud is opened again on the same directory.
//
// Optional per-request latency and deterministic fault injection (Faults) make the cloud
// behave like a real network for tests and demos. The package never imports core/cloud: the
// client and this server meet only over HTTP.
package localcloud
