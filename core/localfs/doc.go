// Package localfs owns what Restore Desk needs of this computer's file system that differs
// from one operating system to the next: a lock on an open file that the system drops when
// its holder dies, the free space of a folder, and the user's data folder. Each exists once
// here so the journal, the download and the embedded cloud cannot drift apart.
package localfs
