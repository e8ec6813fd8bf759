package localcloud

import (
	"archive/tar"
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/google/uuid"
)

// The demo account: built from the fixture backups in demodata/, with a backup history
// relative to the moment the data directory was created.

// Demo credentials and apps. Stable: tests and documentation use them.
const (
	DemoUsername   = "demo@example.com"
	DemoAPIKey     = "demo-api-key"
	ViewerUsername = "viewer@example.com" // API rights on customerportal; no backups access on its Production
	ViewerAPIKey   = "viewer-api-key"

	DemoAppCustomerPortal = "customerportal" // licensed: Test, Acceptance, Production
	DemoAppOrderDesk      = "orderdesk"      // licensed: Test, Acceptance, Production
	DemoAppExpenseTracker = "expensetracker" // Free App: Sandbox
)

var (
	//go:embed demodata/files_and_database-1a2b3c4d-202611250130.tar.gz
	fixtureSnapshot []byte
	//go:embed demodata/customerportal.backup
	fixtureDump []byte
)

type demoApp struct {
	id, name   string
	free       bool
	mendix     string
	versions   []string
	docPrefix  string
	envs       []demoEnv
	manualNote string
}

type demoEnv struct {
	mode     string
	status   string
	schedule []demoDeploy // model versions over time, oldest first
	uploaded bool         // has an uploaded database-only backup
}

// demoDeploy: from `since` days ago on, model version index `v` ran.
type demoDeploy struct{ since, v int }

var demoApps = []demoApp{
	{
		id: DemoAppCustomerPortal, name: "Customer Portal", mendix: "10.24.2.74553", docPrefix: "INV",
		versions:   []string{"1.2.0.180", "1.3.0.195", "1.4.0.211", "1.5.0.226", "1.6.0.240"},
		manualNote: "Before importing the spring price list",
		envs: []demoEnv{
			{mode: "Test", status: statusStopped, schedule: []demoDeploy{{99, 2}, {16, 3}, {3, 4}}},
			{mode: "Acceptance", status: statusStopped, schedule: []demoDeploy{{99, 1}, {20, 2}, {5, 3}}, uploaded: true},
			{mode: "Production", status: statusRunning, schedule: []demoDeploy{{99, 0}, {30, 1}, {12, 2}}},
		},
	},
	{
		id: DemoAppOrderDesk, name: "Order Desk", mendix: "9.24.28.58932", docPrefix: "ORD",
		versions:   []string{"2.0.0.310", "2.1.0.322", "2.1.1.325", "2.2.0.340", "2.3.0.351"},
		manualNote: "Before the warehouse migration",
		envs: []demoEnv{
			{mode: "Test", status: statusStopped, schedule: []demoDeploy{{99, 2}, {18, 3}, {4, 4}}},
			{mode: "Acceptance", status: statusStopped, schedule: []demoDeploy{{99, 1}, {22, 2}, {7, 3}}},
			{mode: "Production", status: statusRunning, schedule: []demoDeploy{{99, 0}, {27, 1}, {10, 2}}},
		},
	},
	{
		id: DemoAppExpenseTracker, name: "Expense Tracker", free: true, mendix: "10.18.1.55223", docPrefix: "EXP",
		versions: []string{"0.9.0.41", "0.9.1.44", "1.0.0.52"},
		envs: []demoEnv{
			{mode: "Sandbox", status: statusRunning, schedule: []demoDeploy{{99, 0}, {25, 1}, {9, 2}}},
		},
	},
}

// demoDoc is a generated file document (tree/xx/yy/<uuid>).
type demoDoc struct{ id, body string }

// demoDocs are the documents an app holds at model version index v: they accumulate.
func demoDocs(app demoApp, v int) []demoDoc {
	var docs []demoDoc
	for n := 1; n <= 1+v; n++ {
		id := uuid.NewSHA1(idNamespace, []byte(fmt.Sprintf("doc/%s/%d", app.id, n))).String()
		body := fmt.Sprintf("%s — %s-2026-%04d\nCustomer: %s\nAmount: EUR %d.%02d\nStatus: %s\n",
			app.name, app.docPrefix, 1000+n*7, demoCustomers[n%len(demoCustomers)], 120+n*37%900, n*13%100,
			[]string{"open", "paid", "sent", "archived"}[n%4])
		docs = append(docs, demoDoc{id: id, body: body + strings.Repeat("·", 200+n*31%400) + "\n"})
	}
	return docs
}

var demoCustomers = []string{"Van Dijk Installaties", "Nordlicht GmbH", "Hartley & Sons", "Casa Moreno", "Lindqvist AB",
	"Oakridge Dental", "Kowalski Transport", "Bakker Bloemen"}

func (d demoEnv) versionAt(daysAgo int) int {
	v := d.schedule[0].v
	for _, s := range d.schedule {
		if daysAgo <= s.since {
			v = s.v
		}
	}
	return v
}

// demoEntries is the content of the app's full snapshot at model version index v: the
// fixture's database and files, the app's documents, and a .metadata.
func demoEntries(da demoApp, v int) ([]memEntry, error) {
	fixture, err := fixtureEntries()
	if err != nil {
		return nil, err
	}
	var db []byte
	var tree []memEntry
	var files int64
	for _, e := range fixture {
		switch {
		case e.name == dbEntry:
			db = e.body
		case strings.HasPrefix(e.name, treeDir+"/"):
			tree = append(tree, e)
			files += int64(len(e.body))
		}
	}
	for _, d := range demoDocs(da, v) {
		tree = append(tree, memEntry{name: treeDir + "/" + d.id[0:2] + "/" + d.id[2:4] + "/" + d.id, body: []byte(d.body)})
		files += int64(len(d.body))
	}
	sort.Slice(tree, func(i, j int) bool { return tree[i].name < tree[j].name })
	meta, err := json.Marshal(snapshotMetadata{Duration: "3", DumpSize: strconv.Itoa(len(db)), ModelVersion: da.versions[v],
		DatabaseSize: "9240576", FilesSize: strconv.FormatInt(files, 10)})
	if err != nil {
		return nil, err
	}
	return append([]memEntry{{name: metadataEntry, body: meta}, {name: dbEntry, body: db}}, tree...), nil
}

// demoArchive is one demo snapshot's content, in memory and packed.
type demoArchive struct {
	entries []memEntry
	packed  []byte
}

// demoArchiveTime is the time inside the demo archives: fixed, so they pack to the same bytes
// every time and are computed once per process (many tests start a demo cloud).
var demoArchiveTime = time.Date(2025, 11, 25, 19, 46, 0, 0, time.UTC)

var demoCache struct {
	sync.Mutex
	archives map[string]*demoArchive
}

func demoArchiveFor(da demoApp, v int) (*demoArchive, error) {
	key := da.id + "/" + strconv.Itoa(v)
	demoCache.Lock()
	defer demoCache.Unlock()
	if a, ok := demoCache.archives[key]; ok {
		return a, nil
	}
	entries, err := demoEntries(da, v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := packEntries(&buf, entries, demoArchiveTime); err != nil {
		return nil, err
	}
	if demoCache.archives == nil {
		demoCache.archives = map[string]*demoArchive{}
	}
	a := &demoArchive{entries: entries, packed: buf.Bytes()}
	demoCache.archives[key] = a
	return a, nil
}

// fixtureEntries are the regular files of the embedded fixture snapshot.
func fixtureEntries() ([]memEntry, error) {
	zr, err := gzip.NewReader(bytes.NewReader(fixtureSnapshot))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var out []memEntry
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out = append(out, memEntry{name: h.Name, body: b})
	}
}

// seedDemo creates the demo accounts, apps, data and backup history.
func (c *Cloud) seedDemo(ctx context.Context) error {
	if err := c.AddAccount(DemoUsername, DemoAPIKey); err != nil {
		return err
	}
	if err := c.AddAccount(ViewerUsername, ViewerAPIKey); err != nil {
		return err
	}
	dumpBlob, dumpSize, err := c.storeBlob(func(w io.Writer) error {
		_, err := w.Write(fixtureDump)
		return err
	}, ".backup")
	if err != nil {
		return err
	}
	now := c.nowUTC()
	for ai, da := range demoApps {
		spec := AppSpec{AppID: da.id, Name: da.name, Free: da.free, Team: []string{DemoUsername}}
		for _, de := range da.envs {
			es := EnvSpec{Mode: de.mode, Status: de.status, ModelVersion: da.versions[de.versionAt(0)],
				MendixVersion: da.mendix, NoData: true}
			if da.id == DemoAppCustomerPortal {
				es.Access = []Access{{Username: ViewerUsername, APIRights: true, Backups: de.mode != "Production"}}
			}
			spec.Environments = append(spec.Environments, es)
		}
		app, err := c.AddApp(spec)
		if err != nil {
			return err
		}
		// One archive per model version, shared by every snapshot of that version.
		blobs := map[int]snapRow{}
		blobFor := func(v int) (snapRow, error) {
			if b, ok := blobs[v]; ok {
				return b, nil
			}
			arch, err := demoArchiveFor(da, v)
			if err != nil {
				return snapRow{}, err
			}
			name, size, err := c.storeBlob(func(w io.Writer) error {
				_, err := w.Write(arch.packed)
				return err
			}, ".tar.gz")
			b := snapRow{Blob: name, Size: size, ModelVersion: da.versions[v], Content: contentFull}
			blobs[v] = b
			return b, err
		}
		for ei, de := range da.envs {
			env := app.Environments[ei]
			arch, err := demoArchiveFor(da, de.versionAt(0))
			if err != nil {
				return err
			}
			if err := c.writeEnvData(env.EnvironmentID, arch.entries); err != nil {
				return err
			}
			hist, err := demoHistory(now, ai, ei, da, de, blobFor)
			if err != nil {
				return err
			}
			if de.uploaded {
				at := dayAt(now, 11, 15, 4)
				hist = append(hist, snapRow{Kind: kindUploaded, Comment: commentUploaded, State: stateCompleted,
					StatusMessage: msgUploadCompleted, Blob: dumpBlob, Size: dumpSize, Content: contentDatabase,
					CreatedAt: at, UpdatedAt: at.Add(90 * time.Second), FinishedAt: at.Add(90 * time.Second),
					ExpiresAt: expiresAt(kindUploaded, at)})
			}
			err = c.inTx(ctx, func(tx *sql.Tx) error {
				for _, s := range hist {
					s.ID = uuid.NewString()
					s.EnvID = env.EnvironmentID
					if err := insertSnapshot(ctx, tx, s); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	c.log.Info("demo data seeded", "apps", len(demoApps))
	return nil
}

// dayAt is daysAgo days before now, at hh:mm UTC.
func dayAt(now time.Time, daysAgo, hh, mm int) time.Time {
	d := now.UTC().AddDate(0, 0, -daysAgo)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, time.UTC)
}

// demoHistory is an environment's backups over the last five weeks, as Mendix Cloud keeps
// them: a nightly backup each night (kept 2 weeks; Sunday's 3 months, the first Sunday's a
// year), one nightly that failed and was retried, and manual backups.
func demoHistory(now time.Time, ai, ei int, da demoApp, de demoEnv, blobFor func(int) (snapRow, error)) ([]snapRow, error) {
	var out []snapRow
	add := func(at time.Time, kind, comment string, took time.Duration, failed bool, daysAgo int) error {
		if !at.Add(took).Before(now) {
			return nil // not finished yet at seeding time
		}
		exp := expiresAt(kind, at)
		if !exp.After(now) {
			return nil // expired and gone
		}
		s := snapRow{Kind: kind, Comment: comment, CreatedAt: at, UpdatedAt: at.Add(took), FinishedAt: at.Add(took),
			ExpiresAt: exp, Content: contentFull}
		if failed {
			s.State = stateFailed
			s.StatusMessage = "Creating the backup failed: the database did not respond in time. The nightly backup was retried."
		} else {
			b, err := blobFor(de.versionAt(daysAgo))
			if err != nil {
				return err
			}
			s.State, s.StatusMessage, s.Blob, s.Size, s.ModelVersion = stateCompleted, msgSnapshotCompleted, b.Blob, b.Size, b.ModelVersion
		}
		out = append(out, s)
		return nil
	}
	for daysAgo := 35; daysAgo >= 0; daysAgo-- {
		at := dayAt(now, daysAgo, 0, 12+7*ei+3*ai)
		took := time.Duration(150+17*daysAgo+11*ei) * time.Second
		if daysAgo == 6 {
			if err := add(at, kindNightly, commentNightly, 40*time.Second, true, daysAgo); err != nil {
				return nil, err
			}
			at = at.Add(time.Hour) // the retry
		}
		kind := automaticKind(at)
		if err := add(at, kind, commentFor(kind), took, false, daysAgo); err != nil {
			return nil, err
		}
	}
	if !da.free {
		if err := add(dayAt(now, 9, 14, 32+ei), kindManual, da.manualNote, 4*time.Minute, false, 9); err != nil {
			return nil, err
		}
		if err := add(dayAt(now, 2, 10, 5+ei), kindManual, commentManual, 3*time.Minute, false, 2); err != nil {
			return nil, err
		}
	}
	return out, nil
}
