package progress

import "github.com/dustin/go-humanize"

// Size is a byte count for people, in decimal units as file managers show them:
// "1.2 MB", "830 kB". Every size Restore Desk shows or writes goes through it.
func Size(n int64) string {
	if n < 0 {
		return "unknown size"
	}
	return humanize.Bytes(uint64(n))
}

// Rate is a transfer rate: "4.1 MB/s".
func Rate(bytesPerSecond float64) string {
	if bytesPerSecond <= 0 {
		return ""
	}
	return Size(int64(bytesPerSecond)) + "/s"
}
