package archive

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// A DEFLATE decoder (RFC 1951) built for the one job inflating is in an inspection:
// streaming a whole gzip member out as fast as one core allows. Inflating is the step
// every other step of an inspection waits for, and a Mendix snapshot's documents are
// mostly already compressed, which gzip codes as Huffman blocks of nearly all literals:
// there the general-purpose decoders spend most of their time refilling their bit
// buffer a byte at a time. This one keeps 64 bits in hand, refilled eight bytes at a
// time straight from the bufio.Reader's buffer, decodes a symbol with one lookup in an
// 11-bit table for nearly every code, and writes into one large window, handed to its
// writer a megabyte at a time.
//
// Every code and distance is checked: damaged input ends with a *corruptError or
// io.ErrUnexpectedEOF, never a panic (FuzzInflate holds it to klauspost/compress).

// corruptError is damaged deflate data, near the given compressed offset of the stream.
type corruptError struct {
	off    int64
	reason string
}

func (e *corruptError) Error() string {
	return fmt.Sprintf("invalid deflate data near byte %d: %s", e.off, e.reason)
}

// Table entries: bits 0-4 the code's length (bits 5-7 stay zero, so an entry shifts the
// bit buffer by itself: the hot loop needs no mask there), bits 8-11 the extra bits that
// follow it (lengths and distances), bits 12-15 its kind, bits 16-31 its value (the
// literal, the base length or distance, or for a subtable link, where the subtable
// starts). A literal has a kind bit of its own, tested alone.
const (
	entLenMask   = 0x1f
	entKindMask  = 0xf000
	kindInvalid  = 0x0000
	kindLength   = 0x1000
	kindEnd      = 0x2000
	kindSubtable = 0x3000
	kindDistance = 0x4000
	kindLiteral  = 0x8000

	litTableBits  = 11
	distTableBits = 8
	maxCodeLen    = 15
	maxLitSyms    = 288
	maxDistSyms   = 32
)

// Length and distance bases and extra bits, by symbol (RFC 1951, section 3.2.5).
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// The order in which code length code lengths are stored.
	codeLenOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// huffTable decodes one code: a primary table indexed by the next litTableBits bits
// (distTableBits for distances, which use only the start of it), and subtables for the
// longer codes, indexed by the bits after those.
type huffTable struct {
	primary [1 << litTableBits]uint32
	sub     []uint32
	subBits uint
}

// entryFor is the table entry of symbol sym of the literal/length code or, when dist, of
// the distance code; 0 (invalid) for the symbols that are never valid in a stream.
func entryFor(sym int, n uint8, dist bool) uint32 {
	e := uint32(n)
	switch {
	case dist && sym < len(distBase):
		return e | kindDistance | uint32(distExtra[sym])<<8 | uint32(distBase[sym])<<16
	case dist:
		return kindInvalid
	case sym < 256:
		return e | kindLiteral | uint32(sym)<<16
	case sym == 256:
		return e | kindEnd
	case sym-257 < len(lengthBase):
		return e | kindLength | uint32(lengthExtra[sym-257])<<8 | uint32(lengthBase[sym-257])<<16
	}
	return kindInvalid
}

// build fills t from the code lengths of the symbols. It refuses an over-subscribed code,
// and an incomplete one unless it is a single code of length 1 (or no code at all, for
// distances: a block of literals only), as zlib does.
func build(t *huffTable, lens []uint8, dist bool) error {
	tableBits := uint(litTableBits)
	if dist {
		tableBits = distTableBits
	}
	var count [maxCodeLen + 1]int
	for _, n := range lens {
		count[n]++
	}
	count[0] = 0
	left, used, maxLen := 1, 0, uint(0)
	for n := 1; n <= maxCodeLen; n++ {
		left = left<<1 - count[n]
		if left < 0 {
			return errors.New("over-subscribed Huffman code")
		}
		used += count[n]
		if count[n] > 0 {
			maxLen = uint(n)
		}
	}
	if left > 0 && !(used == 1 && maxLen == 1) && !(dist && used == 0) {
		return errors.New("incomplete Huffman code")
	}
	clear(t.primary[:1<<tableBits])
	t.sub = t.sub[:0]
	t.subBits = 0
	if maxLen > tableBits {
		t.subBits = maxLen - tableBits
	}
	// The first code of each length, as in RFC 1951, section 3.2.2.
	var next [maxCodeLen + 1]uint32
	code := uint32(0)
	for n := 1; n <= maxCodeLen; n++ {
		next[n] = code
		code = (code + uint32(count[n])) << 1
	}
	for sym, n := range lens {
		if n == 0 {
			continue
		}
		rev := reverseBits(next[n], uint(n))
		next[n]++
		e := entryFor(sym, n, dist)
		if e == kindInvalid {
			e = uint32(n) // a valid code for a symbol never allowed: decoding it fails
		}
		if uint(n) <= tableBits {
			for i := rev; i < 1<<tableBits; i += 1 << n {
				t.primary[i] = e
			}
			continue
		}
		// A long code: its low tableBits bits pick the subtable, the rest the entry.
		head := rev & (1<<tableBits - 1)
		link := t.primary[head]
		if link&entKindMask != kindSubtable {
			link = kindSubtable | uint32(len(t.sub))<<16
			t.primary[head] = link
			n := len(t.sub)
			t.sub = slices.Grow(t.sub, 1<<t.subBits)[:n+1<<t.subBits]
			clear(t.sub[n:])
		}
		base := int(link >> 16)
		for i := rev >> tableBits; i < 1<<t.subBits; i += 1 << (uint(n) - tableBits) {
			t.sub[base+int(i)] = e
		}
	}
	return nil
}

func reverseBits(code uint32, n uint) uint32 {
	var r uint32
	for range n {
		r = r<<1 | code&1
		code >>= 1
	}
	return r
}

// fixedTables are RFC 1951's fixed codes, built once; they always build (the lengths are
// the RFC's constants), and should they not, the block is refused rather than the program.
var fixedTables = sync.OnceValues(func() (*fixedCodes, error) {
	var lens [maxLitSyms]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	lt, dt := new(huffTable), new(huffTable)
	var dlens [maxDistSyms]uint8
	for i := range dlens {
		dlens[i] = 5
	}
	if err := build(lt, lens[:], false); err != nil {
		return nil, fmt.Errorf("the fixed literal code: %w", err)
	}
	if err := build(dt, dlens[:], true); err != nil {
		return nil, fmt.Errorf("the fixed distance code: %w", err)
	}
	return &fixedCodes{lit: lt, dist: dt}, nil
})

type fixedCodes struct{ lit, dist *huffTable }

// Window: the 32 KiB a match may reach back, then room for up to a megabyte of output
// (less for a small input: the fuzzer and the tests inflate thousands of them), then
// slack for the last match and the eight-byte copies that may write past a match's end.
const (
	windowHistory = 32 << 10
	windowOutMin  = 64 << 10
	windowOut     = 1 << 20
	windowSlack   = 258 + 16
)

// deflateDecoder inflates one deflate stream from br (Reset starts the next).
type deflateDecoder struct {
	br      *bufio.Reader
	in      []byte // br's buffered bytes, peeked
	ip      int    // next byte of in to load into bits
	pad     int    // zero bytes loaded past the end of the input
	bits    uint64
	nbits   uint
	inBase  int64 // compressed bytes discarded from br before in
	win     []byte
	winSize int
	sink    windowSink // takes the windows, when not nil
	full    int        // when op reaches it, the window is handed out
	op      int        // next byte of win to write
	flushed int        // win[:flushed] has been handed out
	out     int64
	final   bool
	// writeFailed: the writer refused output (limit, cancel, stop): nothing more goes to it.
	writeFailed bool
	lit         huffTable
	dist        huffTable
	lens        [maxLitSyms + maxDistSyms]uint8
	cl          huffTable // the code length code
}

// windowSize is the size of a whole window: history, output and slack.
const windowSize = windowHistory + windowOut + windowSlack

// newDeflateDecoder makes a decoder whose window holds four times br's buffer, within
// windowOutMin and windowOut. The window is made when the first stream is inflated, or
// taken from the writer if it is a windowSink.
func newDeflateDecoder(br *bufio.Reader) *deflateDecoder {
	out := min(windowOut, max(windowOutMin, 4*br.Size()))
	d := &deflateDecoder{winSize: windowHistory + out + windowSlack}
	d.Reset(br)
	return d
}

// windowSink takes the decoder's windows themselves (see inflateInto), so that inflated
// bytes reach it without a copy: the decoder takes each window from it, and hands it
// over with the bytes inflated into it, win[from:to], when the window is full or the
// stream ends. Its windows are winSize bytes long.
type windowSink interface {
	window() ([]byte, error)
	hand(win []byte, from, to int) error
}

// setWindow gives the decoder a window when it has none: the sink's, or a new one.
func (d *deflateDecoder) setWindow() error {
	if d.win != nil {
		return nil
	}
	if d.sink == nil {
		d.win = make([]byte, d.winSize)
	} else {
		win, err := d.sink.window()
		if err != nil {
			return err
		}
		d.win = win
	}
	d.full = len(d.win) - windowSlack
	return nil
}

// Reset starts a new stream read from br.
func (d *deflateDecoder) Reset(br *bufio.Reader) {
	d.br, d.in, d.ip, d.pad, d.bits, d.nbits = br, nil, 0, 0, 0, 0
	d.inBase, d.op, d.flushed, d.out, d.final, d.writeFailed = 0, 0, 0, 0, false, false
}

func (d *deflateDecoder) corrupt(reason string) error {
	if d.pad > int(d.nbits/8) {
		return io.ErrUnexpectedEOF // it read into the zeros loaded past the end of the input
	}
	return &corruptError{off: d.inBase + int64(d.ip) - int64(max(0, int(d.nbits/8)-d.pad)), reason: reason}
}

// refillSlow loads whole bytes into bits, taking more input from br when in is used up;
// past the end of the input it loads zeros, and fails once the stream has used more
// than a few of them.
func (d *deflateDecoder) refillSlow() error {
	for d.nbits <= 56 {
		if d.ip+8 <= len(d.in) {
			d.bits |= binary.LittleEndian.Uint64(d.in[d.ip:]) << d.nbits
			d.ip += int(63-d.nbits) >> 3
			d.nbits |= 56
			return nil
		}
		if d.ip < len(d.in) {
			d.bits |= uint64(d.in[d.ip]) << d.nbits
			d.ip++
			d.nbits += 8
			continue
		}
		if err := d.more(); err != nil {
			if err != io.EOF {
				return err
			}
			if d.pad >= 16 {
				return io.ErrUnexpectedEOF
			}
			d.pad++
			d.nbits += 8
		}
	}
	return nil
}

// more hands br back the bytes used so far and peeks at what it holds next. The bytes
// loaded into bits but not used yet stay in br, so finish can give them back.
func (d *deflateDecoder) more() error {
	if d.pad > 0 {
		return io.EOF
	}
	held := int(d.nbits / 8)
	if _, err := d.br.Discard(d.ip - held); err != nil {
		return err
	}
	d.inBase += int64(d.ip - held)
	d.ip = held
	buf, err := d.br.Peek(d.br.Size())
	d.in = buf
	if len(buf) > held {
		return nil
	}
	if err == nil || err == bufio.ErrBufferFull {
		return io.ErrNoProgress
	}
	return err
}

// finish gives back to br the bytes loaded but not used, so the gzip trailer is read
// from the byte after the stream (whose last bits are padding).
func (d *deflateDecoder) finish() error {
	unused := int(d.nbits / 8)
	if d.pad > unused {
		return io.ErrUnexpectedEOF // the stream ended in the zeros loaded past the input
	}
	d.ip -= unused - d.pad
	d.bits, d.nbits, d.pad = 0, 0, 0
	_, err := d.br.Discard(d.ip)
	d.inBase += int64(d.ip)
	d.ip, d.in = 0, nil
	return err
}

func (d *deflateDecoder) need(n uint) error {
	if d.nbits < n {
		return d.refillSlow()
	}
	return nil
}

func (d *deflateDecoder) take(n uint) uint32 {
	v := uint32(d.bits & (1<<n - 1))
	d.bits >>= n
	d.nbits -= n
	return v
}

// WriteTo inflates the stream to its end, writing the output to w, and returns how many
// bytes it inflated.
func (d *deflateDecoder) WriteTo(w io.Writer) (int64, error) {
	d.sink = nil
	return d.inflate(w)
}

// inflateInto inflates the stream to its end into sink's windows, and returns how many
// bytes it inflated.
func (d *deflateDecoder) inflateInto(sink windowSink) (int64, error) {
	d.sink = sink
	return d.inflate(nil)
}

// inflate inflates the stream to its end, handing the output to w or, when w is nil, to
// d.sink.
func (d *deflateDecoder) inflate(w io.Writer) (int64, error) {
	if err := d.setWindow(); err != nil {
		d.writeFailed = true
		return d.out, err
	}
	for !d.final {
		if err := d.need(3); err != nil {
			return d.out, err
		}
		hdr := d.take(3)
		d.final = hdr&1 == 1
		var err error
		switch hdr >> 1 {
		case 0:
			err = d.stored(w)
		case 1:
			var fc *fixedCodes
			if fc, err = fixedTables(); err == nil {
				err = d.huffman(w, fc.lit, fc.dist)
			}
		case 2:
			if err = d.readTables(); err == nil {
				err = d.huffman(w, &d.lit, &d.dist)
			}
		default:
			err = d.corrupt("reserved block type")
		}
		if err != nil {
			if !d.writeFailed {
				// Hand on what was inflated before the damage: the entries it completes
				// count.
				d.flush(w, true)
			}
			return d.out, err
		}
	}
	if err := d.flush(w, true); err != nil {
		return d.out, err
	}
	return d.out, d.finish()
}

// flush hands the window's new bytes to w; when the window is full (or always, at the
// stream's end) it keeps only the history a match may reach.
func (d *deflateDecoder) flush(w io.Writer, all bool) error {
	if d.sink != nil {
		return d.swap(all)
	}
	if d.op > d.flushed {
		n, err := w.Write(d.win[d.flushed:d.op])
		d.out += int64(n)
		if err != nil {
			d.writeFailed = true
			return err
		}
		d.flushed = d.op
	}
	if all || d.op < d.full {
		return nil
	}
	copy(d.win, d.win[d.op-windowHistory:d.op])
	d.op, d.flushed = windowHistory, windowHistory
	return nil
}

// swap is flush for a windowSink: a full window is handed over whole and inflating goes
// on in a new one, which starts with the history; at the stream's end the window is
// handed over and the next stream takes a new one.
func (d *deflateDecoder) swap(all bool) error {
	if !all && d.op < d.full {
		return nil
	}
	var next []byte
	if !all {
		var err error
		if next, err = d.sink.window(); err != nil {
			d.writeFailed = true
			return err
		}
	}
	old, from, to := d.win, d.flushed, d.op
	d.win, d.op, d.flushed = next, 0, 0
	if next != nil {
		d.op = copy(next, old[max(0, to-windowHistory):to])
		d.flushed = d.op
		d.full = len(next) - windowSlack
	}
	if err := d.sink.hand(old, from, to); err != nil {
		d.writeFailed = true
		return err
	}
	d.out += int64(to - from)
	return nil
}

// stored copies a stored block.
func (d *deflateDecoder) stored(w io.Writer) error {
	d.take(d.nbits % 8) // to the byte boundary
	if err := d.need(32); err != nil {
		return err
	}
	n := d.take(16)
	if nn := d.take(16); n != ^nn&0xffff {
		return d.corrupt("stored block length does not match its complement")
	}
	// Bytes already in bits first, then straight from the input.
	for n > 0 && d.nbits >= 8 {
		if d.pad > 0 && d.nbits/8 <= uint(d.pad) {
			return io.ErrUnexpectedEOF
		}
		d.win[d.op] = byte(d.take(8))
		d.op++
		n--
	}
	if n > 0 {
		// What is left comes straight from the input: bits (empty now) must not keep
		// the bytes a refill loaded past those it counted.
		d.bits = 0
	}
	for n > 0 {
		if d.op >= d.full {
			if err := d.flush(w, false); err != nil {
				return err
			}
		}
		if d.ip >= len(d.in) {
			if err := d.more(); err != nil {
				return noEOF(err)
			}
		}
		c := copy(d.win[d.op:d.full], d.in[d.ip:min(len(d.in), d.ip+int(n))])
		d.op += c
		d.ip += c
		n -= uint32(c)
	}
	return nil
}

// readTables reads a dynamic block's code lengths and builds its tables.
func (d *deflateDecoder) readTables() error {
	if err := d.need(14); err != nil {
		return err
	}
	nlit := int(d.take(5)) + 257
	ndist := int(d.take(5)) + 1
	nclen := int(d.take(4)) + 4
	if nlit > 286 || ndist > 30 {
		return d.corrupt("too many length or distance symbols")
	}
	var clens [19]uint8
	for i := range nclen {
		if err := d.need(3); err != nil {
			return err
		}
		clens[codeLenOrder[i]] = uint8(d.take(3))
	}
	if err := build(&d.cl, clens[:], false); err != nil {
		return d.corrupt("code length code: " + err.Error())
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		sym, err := d.symbol(&d.cl)
		if err != nil {
			return err
		}
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var val uint8
		if err := d.need(7); err != nil {
			return err
		}
		switch sym {
		case 16:
			if i == 0 {
				return d.corrupt("repeated code length with nothing before it")
			}
			rep, val = 3+int(d.take(2)), lens[i-1]
		case 17:
			rep = 3 + int(d.take(3))
		default:
			rep = 11 + int(d.take(7))
		}
		if i+rep > len(lens) {
			return d.corrupt("code lengths run past their count")
		}
		for ; rep > 0; rep-- {
			lens[i] = val
			i++
		}
	}
	if lens[256] == 0 {
		return d.corrupt("no end-of-block code")
	}
	if err := build(&d.lit, lens[:nlit], false); err != nil {
		return d.corrupt("literal/length code: " + err.Error())
	}
	if err := build(&d.dist, lens[nlit:], true); err != nil {
		return d.corrupt("distance code: " + err.Error())
	}
	return nil
}

// symbol decodes one symbol of the code length code (built as a literal table: its
// symbols 0-18 come out as literals).
func (d *deflateDecoder) symbol(t *huffTable) (int, error) {
	if err := d.need(maxCodeLen); err != nil {
		return 0, err
	}
	e := t.primary[d.bits&(1<<litTableBits-1)]
	if e&entKindMask != kindLiteral {
		return 0, d.corrupt("invalid code length code")
	}
	d.take(uint(e & entLenMask))
	return int(e >> 16), nil
}

// huffman decodes a Huffman-coded block into the window.
func (d *deflateDecoder) huffman(w io.Writer, lt, dt *huffTable) error {
	const litMask = 1<<litTableBits - 1
	win, full := d.win, d.full
	// Locals, so the loop keeps them in registers.
	bits, nbits, op := d.bits, d.nbits, d.op
	save := func() { d.bits, d.nbits, d.op = bits, nbits, op }
	load := func() { bits, nbits, op, win, full = d.bits, d.nbits, d.op, d.win, d.full }
	for {
		if op >= full {
			save()
			if err := d.flush(w, false); err != nil {
				return err
			}
			load()
		}
		// fast's refill needs at most 63 bits in hand (a refill byte by byte may leave 64).
		if op < full && d.ip+8 <= len(d.in) && nbits < 64 {
			save()
			end, err := d.fast(lt, dt)
			if end || err != nil {
				return err
			}
			load()
			continue
		}
		// The careful way, one symbol at a time, near the end of the input held.
		// 56 bits cover a literal/length code with its extra bits (20) and a distance
		// code with its extra bits (28).
		if nbits < 48 {
			if d.ip+8 <= len(d.in) {
				bits |= binary.LittleEndian.Uint64(d.in[d.ip:]) << nbits
				d.ip += int(63-nbits) >> 3
				nbits |= 56
			} else {
				save()
				if err := d.refillSlow(); err != nil {
					return noEOF(err)
				}
				load()
			}
		}
		e := lt.primary[bits&litMask]
		if e&entKindMask == kindLiteral {
			// Up to three literals without a refill (3 × 15 bits ≤ 48).
			for range 3 {
				bits >>= e & entLenMask
				nbits -= uint(e & entLenMask)
				win[op] = byte(e >> 16)
				op++
				e = lt.primary[bits&litMask]
				if e&entKindMask != kindLiteral {
					break
				}
			}
			continue
		}
		if e&entKindMask == kindSubtable {
			e = lt.sub[int(e>>16)+int(bits>>litTableBits&(1<<lt.subBits-1))]
			if e&entKindMask == kindLiteral {
				bits >>= e & entLenMask
				nbits -= uint(e & entLenMask)
				win[op] = byte(e >> 16)
				op++
				continue
			}
		}
		switch e & entKindMask {
		case kindEnd:
			bits >>= e & entLenMask
			nbits -= uint(e & entLenMask)
			save()
			return nil
		case kindLength:
		default:
			save()
			return d.corrupt("invalid literal/length code")
		}
		var length, dist int
		length, bits, nbits = codeValue(e, bits, nbits)
		if e = dt.lookup(bits, distTableBits); e&entKindMask != kindDistance {
			save()
			return d.corrupt("invalid distance code")
		}
		dist, bits, nbits = codeValue(e, bits, nbits)
		if int(nbits) < 0 || nbits > 64 {
			save()
			return d.corrupt("bit buffer underrun")
		}
		if dist > op {
			save()
			return d.corrupt("distance too far back")
		}
		copyMatch(win, op, dist, length)
		op += length
	}
}

// lookup is the entry of the code bits start with, tableBits being the primary table's
// index bits: the primary table's entry, or the one of the subtable it links to.
func (t *huffTable) lookup(bits uint64, tableBits uint) uint32 {
	e := t.primary[bits&(1<<tableBits-1)]
	if e&entKindMask == kindSubtable {
		e = t.sub[int(e>>16)+int(bits>>tableBits&(1<<t.subBits-1))]
	}
	return e
}

// codeValue takes a length or distance code (entry e) and its extra bits from bits, and
// returns its value and what is left of bits.
func codeValue(e uint32, bits uint64, nbits uint) (int, uint64, uint) {
	bits >>= e & entLenMask
	nbits -= uint(e & entLenMask)
	extra := (e >> 8) & 0xf
	v := int(e>>16) + int(bits&(1<<extra-1))
	return v, bits >> extra, nbits - uint(extra)
}

// copyMatch copies length bytes from dist bytes back in win to op, eight bytes at a time
// where the match starts at least eight back (each read is then of bytes already
// written; the window's slack takes what passes the match's end).
func copyMatch(win []byte, op, dist, length int) {
	src := op - dist
	if dist >= 8 {
		for i := 0; i < length; i += 8 {
			binary.LittleEndian.PutUint64(win[op+i:], binary.LittleEndian.Uint64(win[src+i:]))
		}
		return
	}
	for i := range length {
		win[op+i] = win[src+i]
	}
}

// fast decodes a Huffman-coded block while the input held has eight more bytes and the
// window has room for the longest match: there no refill can run out and no write can
// pass the window's end, so the loop checks neither but once per round. It returns at
// the end of the block (end), at damage, or when either runs short, for huffman to go on
// the careful way. Everything the loop touches is a local, so it stays in registers:
// decoding a literal is then one table lookup and one shift, and the lookup of the next
// literal waits only on those.
func (d *deflateDecoder) fast(lt, dt *huffTable) (end bool, err error) {
	const litMask = 1<<litTableBits - 1
	const distMask = 1<<distTableBits - 1
	in, ip, inEnd := d.in, d.ip, len(d.in)-8
	win, op, full := d.win, d.op, d.full
	bits, nbits := d.bits, d.nbits
	for op < full && ip <= inEnd {
		// At least 56 bits after this: three literals (15 bits at most each), or a
		// length with its extra bits (20) and a distance with its extra bits (28).
		bits |= binary.LittleEndian.Uint64(in[ip:]) << (nbits & 63)
		ip += int(63-nbits) >> 3
		nbits |= 56
		e := lt.primary[bits&litMask]
		if e&kindLiteral != 0 {
			for range 3 { // three literals without a refill
				bits >>= e & 63
				nbits -= uint(e & entLenMask)
				win[op] = byte(e >> 16)
				op++
				if e = lt.primary[bits&litMask]; e&kindLiteral == 0 {
					break
				}
			}
			continue
		}
		if e&entKindMask == kindSubtable {
			e = lt.sub[int(e>>16)+int(bits>>litTableBits&(1<<lt.subBits-1))]
		}
		switch e & entKindMask {
		case kindLiteral:
			bits >>= e & 63
			nbits -= uint(e & entLenMask)
			win[op] = byte(e >> 16)
			op++
			continue
		case kindLength:
		case kindEnd:
			d.ip, d.op, d.bits, d.nbits = ip, op, bits>>(e&63), nbits-uint(e&entLenMask)
			return true, nil
		default:
			d.ip, d.op, d.bits, d.nbits = ip, op, bits, nbits
			return false, d.corrupt("invalid literal/length code")
		}
		bits >>= e & 63
		nbits -= uint(e & entLenMask)
		extra := (e >> 8) & 0xf
		length := int(e>>16) + int(bits&(1<<extra-1))
		bits >>= extra
		nbits -= uint(extra)

		e = dt.primary[bits&distMask]
		if e&entKindMask == kindSubtable {
			e = dt.sub[int(e>>16)+int(bits>>distTableBits&(1<<dt.subBits-1))]
		}
		if e&entKindMask != kindDistance {
			d.ip, d.op, d.bits, d.nbits = ip, op, bits, nbits
			return false, d.corrupt("invalid distance code")
		}
		bits >>= e & 63
		nbits -= uint(e & entLenMask)
		extra = (e >> 8) & 0xf
		dist := int(e>>16) + int(bits&(1<<extra-1))
		bits >>= extra
		nbits -= uint(extra)
		if dist > op {
			d.ip, d.op, d.bits, d.nbits = ip, op, bits, nbits
			return false, d.corrupt("distance too far back")
		}
		src := op - dist
		if dist >= 8 {
			// Eight bytes at a time: each read is of bytes already written.
			for i := 0; i < length; i += 8 {
				binary.LittleEndian.PutUint64(win[op+i:], binary.LittleEndian.Uint64(win[src+i:]))
			}
		} else {
			for i := range length {
				win[op+i] = win[src+i]
			}
		}
		op += length
	}
	d.ip, d.op, d.bits, d.nbits = ip, op, bits, nbits
	return false, nil
}
