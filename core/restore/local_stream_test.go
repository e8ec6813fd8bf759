package restore_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/localdb"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// streamRows are the rows of the dump streamBed puts in the cloud.
const streamRows = 150_000 + 100_000

// streamBed is an engine that streams every download into pg_restore, a real embedded
// cloud holding a database-only backup of about 16 MB (a
// real pg_dump, uncompressed, so that a stream has a middle), a real PostgreSQL cluster,
// a journal and a folder to download into.
type streamBed struct {
	*bed
	c      *pgtest.Cluster
	tg     restore.Target
	snapID string
	dump   string // the backup's bytes as the cloud holds them
	dir    string
}

func newStreamBed(t *testing.T, snapshot bool, opts ...localcloudtest.Option) *streamBed {
	t.Helper()
	c := pgtest.Start(t)
	c.CreateDatabase(t, "source")
	c.Exec(t, "source", `SET ROLE `+pgtest.User+`;
CREATE TABLE "shop$item" (id bigint PRIMARY KEY, name text, note text);
INSERT INTO "shop$item" SELECT i, 'item ' || i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 150000) AS i;
CREATE TABLE "shop$order" (id bigint PRIMARY KEY, item bigint, qty int);
INSERT INTO "shop$order" SELECT i, i % 150000 + 1, i % 9 FROM generate_series(1, 100000) AS i;`)
	dump := filepath.Join(t.TempDir(), "source.backup")
	if out, err := c.Command("pg_dump", "-Fc", "-Z0", "-O", "-x", "-f", dump, "source").CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	// Always streamed, however fast the embedded cloud sends it on loopback.
	b := newBedOn(t, localcloudtest.Start(t, opts...), filepath.Join(t.TempDir(), "journal.db"), localcloud.DemoUsername, localcloud.DemoAPIKey,
		restore.WithStreamFrom(0))
	tg := b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	spec := localcloud.SnapshotSpec{ArchivePath: dump, DatabaseOnly: true}
	if snapshot {
		// A full snapshot: each database-only archive of it is a file of its own, so a
		// new archive's link serves another object (another ETag) with the same bytes.
		spec = localcloud.SnapshotSpec{ArchivePath: snapshotOf(t, dump)}
	}
	rec, err := b.lc.AddSnapshot(tg.Env.EnvironmentID, spec)
	if err != nil {
		t.Fatal(err)
	}
	return &streamBed{bed: b, c: c, tg: tg, snapID: rec.SnapshotID, dump: dump, dir: t.TempDir()}
}

// snapshotOf packs dump as a snapshot's db/db.backup in a .tar.gz.
func snapshotOf(t *testing.T, dump string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snapshot.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	src, err := os.Open(dump)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: "db/db.backup", Mode: 0o644, Size: st.Size(), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(tw, src); err != nil {
		t.Fatal(err)
	}
	for _, c := range []io.Closer{tw, zw, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func (s *streamBed) request(db string) restore.LocalRequest {
	return restore.LocalRequest{Target: localTarget(s.c, db), Create: true,
		Cloud: &restore.DownloadRequest{Target: s.tg, SnapshotID: s.snapID, Output: s.dir}}
}

func (s *streamBed) plan(t *testing.T, req restore.LocalRequest) *restore.LocalPlan {
	t.Helper()
	p, err := s.e.PlanLocal(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []restore.StepKind
	for _, st := range p.Steps {
		kinds = append(kinds, st.Kind)
	}
	if want := []restore.StepKind{restore.StepArchive, restore.StepStreamRestore, restore.StepCheck, restore.StepRowCheck}; !slices.Equal(kinds, want) {
		t.Fatalf("steps %v, want %v", kinds, want)
	}
	return p
}

// counted records the byte counter and the messages of the streamed step.
type counted struct {
	mu   sync.Mutex
	c    *progress.Counter
	said []string
}

func (c *counted) on(ev restore.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ev.Type == restore.EventBytes && ev.Step == restore.StepStreamRestore:
		c.c = ev.Counter
	case ev.Type == restore.EventMessage && ev.Step == restore.StepStreamRestore:
		c.said = append(c.said, ev.Message)
	}
}

func (c *counted) done() (int64, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c == nil {
		return 0, 0
	}
	return c.c.Load()
}

// A cloud backup restored in one pass gets every row, and leaves the file byte for byte
// what the cloud holds; the step's counter reached the whole file; the download was one
// request (no second read of the dump's head); the journal says every step is done.
func TestStreamedCloudRestoreGetsEveryRowAndAByteExactFile(t *testing.T) {
	s := newStreamBed(t, false)
	ctx := context.Background()
	p := s.plan(t, s.request("streamed"))
	var cnt counted
	res, err := s.e.RunLocal(ctx, p, cnt.on)
	if err != nil || !res.Complete() || res.Check.DBRows != streamRows {
		t.Fatalf("RunLocal: %v; %+v", err, res)
	}
	if got, want := fileSum(t, res.File), fileSum(t, s.dump); got != want {
		t.Fatalf("the saved file's SHA-256 is %s, the cloud's bytes %s", got, want)
	}
	st, err := os.Stat(s.dump)
	if err != nil {
		t.Fatal(err)
	}
	if done, total := cnt.done(); done != st.Size() || total != st.Size() {
		t.Errorf("the step counted %d of %d bytes, want %d", done, total, st.Size())
	}
	if reqs := s.lc.DownloadRequests(); len(reqs) != 1 || reqs[0].Range != "" {
		t.Errorf("download requests %+v, want one whole-file request", reqs)
	}
	if _, err := os.Stat(res.File + ".part"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a .part stayed: %v", err)
	}
	run, err := s.j.Get(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range run.Steps {
		if st.Status != journal.StepDone {
			t.Errorf("journal step %s is %s", st.Kind, st.Status)
		}
	}
	if run.Status != journal.StatusCompleted || run.FileSHA256 != fileSum(t, s.dump) {
		t.Errorf("journal: %s, file SHA-256 %s", run.Status, run.FileSHA256)
	}
}

// The file changed on disk after it was saved and before it was checked: the run fails
// and says plainly that the database holds what arrived and must not be trusted.
func TestStreamedRestoreOfAFileChangedBeforeItsCheckIsNotTrusted(t *testing.T) {
	s := newStreamBed(t, false)
	ctx := context.Background()
	p := s.plan(t, s.request("changed"))
	path := p.Download.Path
	var changeErr error
	res, err := s.e.RunLocal(ctx, p, func(ev restore.Event) {
		if ev.Type == restore.EventStepStarted && ev.Step == restore.StepCheck {
			changeErr = flipLastByte(path)
		}
	})
	if changeErr != nil {
		t.Fatal(changeErr)
	}
	if !errors.Is(err, restore.ErrFileChanged) {
		t.Fatalf("RunLocal = %v, want ErrFileChanged", err)
	}
	ex := explain.Explain(err)
	if !strings.Contains(ex.Summary, `Database "changed" holds what arrived and must not be trusted`) || !strings.Contains(ex.NextStep, `Drop database "changed"`) {
		t.Errorf("summary %q, next %q", ex.Summary, ex.NextStep)
	}
	if res.Check != nil || res.Status != journal.StatusFailed {
		t.Errorf("the row check ran (%v) or the run ended %s", res.Check != nil, res.Status)
	}
}

func flipLastByte(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, st.Size()-1); err != nil {
		return err
	}
	b[0] ^= 0xff
	_, err = f.WriteAt(b, st.Size()-1)
	return err
}

// The journal cannot record the streamed step: nothing is fetched from the archive link,
// no file is written and the database is never created.
func TestStreamedRestoreNotRecordedFetchesNothingAndTouchesNoDatabase(t *testing.T) {
	s := newStreamBed(t, false)
	ctx := context.Background()
	p := s.plan(t, s.request("untouched"))
	refuseStepStart(t, s.j.Path(), restore.StepStreamRestore)
	_, err := s.e.RunLocal(ctx, p, nil)
	if !errors.Is(err, restore.ErrJournalWrite) {
		t.Fatalf("RunLocal = %v, want ErrJournalWrite", err)
	}
	if s := explain.Explain(err).Summary; !strings.Contains(s, `Nothing was downloaded and the database "untouched" was not touched`) {
		t.Errorf("summary %q", s)
	}
	if reqs := s.lc.DownloadRequests(); len(reqs) != 0 {
		t.Errorf("the archive link was fetched: %+v", reqs)
	}
	if dbs := s.c.Databases(t); slices.Contains(dbs, "untouched") {
		t.Errorf("the database was created: %v", dbs)
	}
	left, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("files were written: %v", left)
	}
}

// Cancelled while the backup streams into the database: the error says what state the
// database is in, the .part stays, and the next restore continues the download from it
// (handing what it holds to pg_restore from the disk first) and gets every row.
func TestStreamedRestoreCancelledMidStreamKeepsThePartAndSaysWhatTheDatabaseHolds(t *testing.T) {
	s := newStreamBed(t, false)
	p := s.plan(t, s.request("cancelled"))
	part := p.Download.Path + ".part"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cnt counted
	go func() {
		for ctx.Err() == nil {
			// Once pg_restore created the database and part of the backup went in.
			if done, total := cnt.done(); done > 2<<20 && done < total && slices.Contains(s.c.Databases(t), "cancelled") {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	res, err := s.e.RunLocal(ctx, p, cnt.on)
	if !errors.Is(err, localdb.ErrCancelled) && !errors.Is(err, restore.ErrCancelled) {
		t.Fatalf("RunLocal = %v, want a cancel", err)
	}
	if res.Status != journal.StatusCancelled {
		t.Errorf("the run ended %s", res.Status)
	}
	sum := explain.Explain(err).Summary
	if !strings.Contains(sum, `Database "cancelled" holds part of the backup`) && !strings.Contains(sum, `Database "cancelled" was created and is still empty`) {
		t.Errorf("the summary does not say what the database holds: %q", sum)
	}
	if !strings.Contains(sum, filepath.Base(part)+" keeps") {
		t.Errorf("the summary does not say the .part stays: %q", sum)
	}
	if strings.Contains(sum, "stopped getting the download's bytes") {
		t.Errorf("a cancel is told as a failure of pg_restore's input: %q", sum)
	}
	st, err := os.Stat(part)
	if err != nil || st.Size() == 0 {
		t.Fatalf("the .part did not stay: %v", err)
	}

	// Again, replacing what the cancelled run left: continued from the .part.
	req := s.request("cancelled")
	req.Replace = true
	res, err = s.e.RunLocal(context.Background(), s.plan(t, req), nil)
	if err != nil || !res.Complete() || res.Check.DBRows != streamRows {
		t.Fatalf("the second run: %v; %+v", err, res)
	}
	if fileSum(t, res.File) != fileSum(t, s.dump) {
		t.Error("the continued file is not the cloud's bytes")
	}
	reqs := s.lc.DownloadRequests()
	if last := reqs[len(reqs)-1]; !strings.HasPrefix(last.Range, "bytes=") || last.Range == "bytes=0-" {
		t.Errorf("the second download did not continue the .part: %+v", reqs)
	}
}

// A local restore interrupted while it streamed says the database may hold part of the
// backup and that the .part stays to continue from.
func TestInterruptedStreamedRestoreSaysWhatStays(t *testing.T) {
	ctx := context.Background()
	e, j := localEngine(t)
	id, err := j.Create(ctx, &journal.Run{Kind: restore.KindLocalRestore, Mode: "shop", FilePath: "/tmp/x/shop.backup", FileName: "shop.backup",
		Steps: []journal.Step{{Kind: "archive", Title: "Archive"}, {Kind: string(restore.StepStreamRestore), Title: "Download and restore"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.StepStarted(ctx, id, string(restore.StepStreamRestore), "Download and restore"); err != nil {
		t.Fatal(err)
	}
	_, err = e.Reattach(ctx, id, nil)
	if !errors.Is(err, restore.ErrInterrupted) {
		t.Fatalf("Reattach = %v", err)
	}
	ex := explain.Explain(err)
	if !strings.Contains(ex.Summary, `local database "shop"`) || !strings.Contains(ex.Summary, "the database may hold part of the backup") || !strings.Contains(ex.Summary, "shop.backup.part stays") ||
		!strings.Contains(ex.NextStep, "continues from what was saved") {
		t.Errorf("summary %q, next %q", ex.Summary, ex.NextStep)
	}
}

// The archive link is refused in the middle of the download (it expired, and the
// connection dropped): a new archive is asked for and the download continues, and
// pg_restore still reads the backup once, whole: every row, and the file is the cloud's
// bytes. With a regenerated archive (another object, the same bytes) the host sends it
// from its start again, and what pg_restore had is skipped.
func TestStreamedRestoreSurvivesALinkRefusedMidDownload(t *testing.T) {
	for _, tc := range []struct {
		name     string
		snapshot bool
	}{{"same object", false}, {"regenerated archive", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStreamBed(t, tc.snapshot, localcloudtest.WithFaults(localcloud.Faults{DownloadCutAtByte: 6<<20 + 12345}))
			p := s.plan(t, s.request("renewed"))
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			var cnt counted
			expired := make(chan error, 1)
			go func() {
				for ctx.Err() == nil {
					if done, _ := cnt.done(); done >= 1<<20 {
						expired <- s.lc.ExpireDownloadLinks()
						return
					}
					time.Sleep(time.Millisecond)
				}
				expired <- nil
			}()
			res, err := s.e.RunLocal(ctx, p, cnt.on)
			if eerr := <-expired; eerr != nil {
				t.Fatal(eerr)
			}
			if err != nil || !res.Complete() || res.Check.DBRows != streamRows {
				t.Fatalf("RunLocal: %v; %+v", err, res)
			}
			if fileSum(t, res.File) != fileSum(t, s.dump) {
				t.Error("the saved file is not the cloud's bytes")
			}
			archives := map[string]bool{}
			for _, r := range s.lc.DownloadRequests() {
				archives[r.ArchiveID] = true
			}
			if len(archives) != 2 {
				t.Fatalf("requests to %d archives, want 2 (the link renewed): %+v", len(archives), s.lc.DownloadRequests())
			}
			cnt.mu.Lock()
			defer cnt.mu.Unlock()
			if !slices.ContainsFunc(cnt.said, func(m string) bool { return strings.Contains(m, "link was refused") }) {
				t.Errorf("the step does not tell the renewed link: %q", cnt.said)
			}
		})
	}
}

// A cloud backup whose dump cannot be restored as it arrives (here gzip-wrapped, not a
// raw custom-format dump) is downloaded and then restored from the saved file, in the same
// step, with every row; the step says why.
func TestStreamedRestoreOfADumpThatCannotStreamRestoresTheSavedFile(t *testing.T) {
	c := pgtest.Start(t)
	raw, err := os.ReadFile(fixture("customerportal.backup"))
	if err != nil {
		t.Fatal(err)
	}
	wrapped := filepath.Join(t.TempDir(), "customerportal.backup.gz")
	f, err := os.Create(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(zw.Close(), f.Close()); err != nil {
		t.Fatal(err)
	}
	b := newBed(t)
	tg := b.target(localcloud.DemoAppCustomerPortal, "Acceptance")
	rec, err := b.lc.AddSnapshot(tg.Env.EnvironmentID, localcloud.SnapshotSpec{ArchivePath: wrapped, DatabaseOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s := &streamBed{bed: b, c: c, tg: tg, snapID: rec.SnapshotID, dump: wrapped, dir: t.TempDir()}
	var done []string
	res, err := s.e.RunLocal(context.Background(), s.plan(t, s.request("saved_first")), func(ev restore.Event) {
		if ev.Type == restore.EventStepDone && ev.Step == restore.StepStreamRestore {
			done = append(done, ev.Message)
		}
	})
	if err != nil || !res.Complete() || res.Check.DBRows != 10_005 {
		t.Fatalf("RunLocal: %v; %+v", err, res)
	}
	if len(done) != 1 || !strings.Contains(done[0], "It was restored once saved") {
		t.Errorf("the step said %q", done)
	}
	if fileSum(t, res.File) != fileSum(t, wrapped) {
		t.Error("the saved file is not the cloud's bytes")
	}
}

// A download expected to end before streaming could pay (here: any, the threshold is an
// hour) is restored from the saved file, with the parallel jobs a stream cannot have: the
// step says so, and every row arrives.
func TestStreamedRestoreOfADownloadAboutToEndRestoresTheSavedFileWithJobs(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one processor: pg_restore would run no parallel jobs on the saved file either")
	}
	s := newStreamBed(t, false)
	e := restore.New(s.client, s.j, append(fastEngineOpts(), restore.WithStreamFrom(time.Hour))...)
	p, _, done := s.runWith(t, e, "jobs")
	if len(done) != 1 || !strings.Contains(done[0], "It was restored once saved") || !strings.Contains(done[0], "parallel jobs on the saved file") {
		t.Errorf("the step said %q", done)
	}
	if p.DB == nil || p.DB.Jobs < 2 {
		t.Errorf("the saved file was not restored with parallel jobs: %+v", p.DB)
	}
}

// With the default threshold the engine judges a download by its pace, not by how long
// its first bytes took to come: on a slow line (8 MB/s here, two seconds for the dump) it
// restores what arrives as it arrives, every row arrives, and the saved file is the
// cloud's. (On loopback the same dump comes in a fraction of a second and is restored
// once saved, with parallel jobs: BenchmarkRestoreLocalCloud shows it; a test of it would
// depend on how loaded the machine is, and arriving_test.go holds the estimate itself.)
func TestADownloadOnASlowLineIsRestoredAsItArrives(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one processor: pg_restore would run no parallel jobs on the saved file either, so nothing is judged")
	}
	s := newStreamBed(t, false, localcloudtest.WithFaults(localcloud.Faults{DownloadRate: 8 << 20}))
	e := restore.New(s.client, s.j, fastEngineOpts()...) // the default threshold
	_, res, done := s.runWith(t, e, "paced")
	if got, want := fileSum(t, res.File), fileSum(t, s.dump); got != want {
		t.Fatalf("the saved file's SHA-256 is %s, the cloud's bytes %s", got, want)
	}
	if len(done) != 1 || strings.Contains(done[0], "It was restored once saved") {
		t.Errorf("the step said %q; want the dump restored as it arrived", done)
	}
}

// runWith plans and runs with engine e a local restore of the bed's backup into database
// db, requiring every row; it returns what the download-and-restore step said when done.
func (s *streamBed) runWith(t *testing.T, e *restore.Engine, db string) (*restore.LocalPlan, *restore.LocalResult, []string) {
	t.Helper()
	p, err := e.PlanLocal(context.Background(), s.request(db), nil)
	if err != nil {
		t.Fatal(err)
	}
	var done []string
	res, err := e.RunLocal(context.Background(), p, func(ev restore.Event) {
		if ev.Type == restore.EventStepDone && ev.Step == restore.StepStreamRestore {
			done = append(done, ev.Message)
		}
	})
	if err != nil || !res.Complete() || res.Check.DBRows != streamRows {
		t.Fatalf("RunLocal: %v; %+v", err, res)
	}
	return p, res, done
}
