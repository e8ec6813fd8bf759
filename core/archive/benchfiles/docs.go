package benchfiles

import (
	"math"
	"math/rand/v2"
)

// docKind is one sort of file document that users upload to a Mendix app.
type docKind struct {
	share     float64 // of all documents, by count
	median    float64 // typical size in bytes; sizes spread log-normally around it
	textShare float64 // part of the bytes that is text; the rest is already compressed
}

// realisticDocs: invoices, contracts and reports as PDF (whose page streams are
// Flate-compressed, with some plain object syntax around them); photos, scans and
// screenshots as JPEG or PNG; office files, which are ZIP containers; CSV, XML and text
// exports. By bytes about 95% is already compressed.
var realisticDocs = []docKind{
	{share: 0.35, median: 120 << 10, textShare: 0.1}, // PDF
	{share: 0.30, median: 300 << 10},                 // JPEG, PNG
	{share: 0.15, median: 40 << 10},                  // DOCX, XLSX
	{share: 0.20, median: 16 << 10, textShare: 1},    // CSV, XML, TXT
}

// AppendDoc appends one file document of the realistic mix above to b, its size scaled by
// scale (1: the medians above; the snapshot here uses smaller ones, see Snapshot).
func AppendDoc(b []byte, rng *rand.Rand, scale float64) []byte {
	p := rng.Float64()
	k := realisticDocs[len(realisticDocs)-1]
	for _, d := range realisticDocs {
		if p < d.share {
			k = d
			break
		}
		p -= d.share
	}
	size := int(k.median * scale * math.Exp(rng.NormFloat64()))
	size = max(200, min(size, 8<<20))
	text := int(float64(size) * k.textShare)
	b = AppendProse(b, rng, text)
	return append(b, RandomBytes(rng.Uint64(), size-text)...)
}

// Words are what generated text and rows are made of.
var Words = []string{
	"order", "customer", "invoice", "delivery", "Amsterdam", "Rotterdam", "pending", "shipped",
	"returned", "priority", "standard", "express", "account", "manager", "Utrecht", "product",
	"warehouse", "quantity", "discount", "payment", "received", "approved", "rejected", "review",
	"the", "and", "for", "with", "was", "not", "has", "been", "will", "from", "please", "contact",
	"support", "ticket", "escalated", "resolved", "meeting", "planned", "quarter", "budget",
}

// AppendProse appends n bytes of text, like a document or CSV export.
func AppendProse(b []byte, rng *rand.Rand, n int) []byte {
	size := len(b) + n
	for len(b) < size {
		b = append(b, Words[rng.IntN(len(Words))]...)
		if rng.IntN(12) == 0 {
			b = append(b, ".\n"...)
		} else {
			b = append(b, ' ')
		}
	}
	return b[:size]
}

// RandomBytes is n incompressible bytes from seed, like photos and PDFs among file
// documents.
func RandomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}
