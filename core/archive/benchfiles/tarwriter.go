package benchfiles

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// TarWriter writes the entries of a Mendix snapshot's tar as Mendix Cloud lays them out:
// .metadata, db/db.backup, then the documents under tree/ named by their UUIDs.
type TarWriter struct{ *tar.Writer }

// NewTarWriter writes the tar to w.
func NewTarWriter(w io.Writer) TarWriter { return TarWriter{tar.NewWriter(w)} }

var snapshotTime = time.Date(2026, 11, 25, 1, 30, 0, 0, time.UTC)

// Add writes a regular file of size bytes read from r.
func (t TarWriter) Add(name string, size int64, r io.Reader) error {
	if err := t.WriteHeader(&tar.Header{Name: name, Size: size, Mode: 0o644, ModTime: snapshotTime, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := io.Copy(t, r)
	return err
}

// Head writes .metadata and db/db.backup, the dump of dumpSize bytes read from dump;
// filesSize is what .metadata says the documents take.
func (t TarWriter) Head(dump io.Reader, dumpSize, filesSize int64) error {
	meta := fmt.Sprintf(`{"duration": "41", "dumpSize": "%d", "modelVersion": "3.2.0.117", "databaseSize": "%d", "filesSize": "%d"}`,
		dumpSize, dumpSize*4, filesSize)
	if err := t.Add(".metadata", int64(len(meta)), strings.NewReader(meta)); err != nil {
		return err
	}
	return t.Add("db/db.backup", dumpSize, dump)
}

// Doc writes a document under a UUID drawn from rng, in the tree/xx/yy/ folders.
func (t TarWriter) Doc(rng *rand.Rand, doc []byte) error {
	id := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff)
	return t.Add("tree/"+id[0:2]+"/"+id[2:4]+"/"+id, int64(len(doc)), bytes.NewReader(doc))
}
