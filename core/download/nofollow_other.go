//go:build !unix

package download

// noFollow: this system's open has no flag to refuse a link; openRegular compares what it
// opened with what the name is instead.
const noFollow = 0
