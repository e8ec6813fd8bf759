package download

import (
	"crypto/sha256"
	"hash"
	"sync"
)

// hashPipe hashes written chunks on a goroutine of its own, so reading the network,
// writing the file and hashing overlap. Buffers circulate: free → (filled, written) →
// hashed → free, so memory stays at n buffers whatever the file size.
type hashPipe struct {
	h       hash.Hash
	free    chan []byte
	work    chan []byte
	pending sync.WaitGroup
	done    chan struct{}
}

func newHashPipe(n, size int) *hashPipe {
	p := &hashPipe{h: sha256.New(), free: make(chan []byte, n), work: make(chan []byte, n), done: make(chan struct{})}
	for range n {
		p.free <- make([]byte, size)
	}
	go func() {
		defer close(p.done)
		for b := range p.work {
			p.h.Write(b)
			p.free <- b[:cap(b)]
			p.pending.Done()
		}
	}()
	return p
}

// buffer waits for a free buffer.
func (p *hashPipe) buffer() []byte { return <-p.free }

// submit hashes b (a buffer from buffer) after the chunks submitted before it.
func (p *hashPipe) submit(b []byte) {
	p.pending.Add(1)
	p.work <- b
}

// giveBack returns a buffer that holds nothing to hash.
func (p *hashPipe) giveBack(b []byte) { p.free <- b[:cap(b)] }

// sum waits for the submitted chunks: the hash is then up to date and may be read,
// reset or written to directly.
func (p *hashPipe) sum() hash.Hash {
	p.pending.Wait()
	return p.h
}

// close ends the hashing goroutine.
func (p *hashPipe) close() {
	close(p.work)
	<-p.done
}
