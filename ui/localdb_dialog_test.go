package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/profiles"
	"restoredesk/core/progress"
)

// fillLocalDB types a connection into the dialog last shown, as a user would.
func fillLocalDB(h *harness, c *pgtest.Cluster, db, password string) {
	h.on(func() {
		d := h.last.localDlg
		d.host.SetText(c.Host)
		d.port.SetText(strconv.Itoa(c.Port))
		d.user.SetText(pgtest.User)
		d.password.SetText(password)
		d.database.SetText(db)
	})
	h.idle()
}

// Against a real throwaway PostgreSQL: the fixture dump is restored from the dialog, the
// report says every row arrived, the connection is remembered for the profile with the
// password only in the secret store, and a second restore into the now full database is
// refused until replacing is chosen.
func TestLocalDB_RestoresTheDumpAndReportsEveryRow(t *testing.T) {
	c := sharedPostgres(t)
	h := newHarness(t)
	path := fixture(t, "customerportal.backup")
	h.demo()
	h.on(func() { h.u.act.showLocalDB(h.u.lists.sess, path) })
	h.idle()
	fillLocalDB(h, c, "customer_copy", pgtest.Password)
	h.on(func() {
		d := h.last.localDlg
		if d.current == nil || d.okBtn.Disabled() {
			t.Fatalf("no local plan to confirm: %q", texts(h.u.k.win.Canvas()))
		}
		if !shows(h.u.k.win.Canvas(), "pg_restore") {
			t.Errorf("the dialog does not show the engine's plan: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(d.okBtn)
	})
	v := h.finished(h.lastJob())
	if v.State != progress.RunCompleted {
		t.Fatalf("the local restore ended %s: %v", v.State, v.Err)
	}
	h.on(func() {
		r := h.last.localReport
		if r == nil || !strings.HasSuffix(r.summary, "every row arrived.") {
			t.Fatalf("no every-row-arrived report: %q", texts(h.u.k.win.Canvas()))
		}
		if !shows(h.u.k.win.Canvas(), "every row arrived") {
			t.Errorf("the report dialog does not say it: %q", texts(h.u.k.win.Canvas()))
		}
		// How to open the result, to copy: psql with the address, never the password.
		want := fmt.Sprintf("psql 'postgresql://%s@%s:%d/customer_copy'", pgtest.User, c.Host, c.Port)
		if r.connect == nil || r.connect.Text != want || !r.connect.Selectable || !shows(h.u.k.win.Canvas(), want) {
			t.Errorf("the report does not show %q to copy: %q", want, texts(h.u.k.win.Canvas()))
		}
		if shows(h.u.k.win.Canvas(), pgtest.Password) {
			t.Errorf("the report shows the password: %q", texts(h.u.k.win.Canvas()))
		}
	})
	h.idle()

	b, err := os.ReadFile(filepath.Join(h.dir, "profiles.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), pgtest.Password) || !strings.Contains(string(b), "customer_copy") {
		t.Errorf("profiles.json must remember the connection without the password:\n%s", b)
	}
	pw, err := h.store.Secrets().Get(context.Background(), profiles.DatabaseSecretName(DemoProfile, c.Host, c.Port, pgtest.User))
	if err != nil || pw != pgtest.Password {
		t.Errorf("the password is not in the secret store (%q, %v)", pw, err)
	}

	// Again: the remembered connection and password fill the dialog, and the engine
	// refuses the now full database until replacing is chosen.
	h.on(func() { h.u.act.showLocalDB(h.u.lists.sess, path) })
	h.idle()
	h.on(func() {
		d := h.last.localDlg
		if d.database.Text != "customer_copy" || d.password.Text != pgtest.Password || d.port.Text != strconv.Itoa(c.Port) {
			t.Fatalf("the connection was not remembered: %q", texts(h.u.k.win.Canvas()))
		}
		if d.current != nil || !d.okBtn.Disabled() || !d.replace.Visible() {
			t.Fatalf("a full database can be restored into without replacing: %q", texts(h.u.k.win.Canvas()))
		}
		d.replace.SetChecked(true)
	})
	h.idle()
	h.on(func() {
		if h.last.localDlg.current == nil || h.last.localDlg.okBtn.Disabled() {
			t.Fatalf("replacing on purpose is not allowed: %q", texts(h.u.k.win.Canvas()))
		}
	})
}

// A wrong password is the engine's plain refusal in the dialog, and nothing can be run.
func TestLocalDB_WrongPasswordIsRefusedInTheDialog(t *testing.T) {
	c := sharedPostgres(t)
	h := newHarness(t)
	path := fixture(t, "customerportal.backup")
	h.demo()
	h.on(func() { h.u.act.showLocalDB(h.u.lists.sess, path) })
	h.idle()
	fillLocalDB(h, c, "never_made", "wrong")
	h.on(func() {
		d := h.last.localDlg
		if d.current != nil || !d.okBtn.Disabled() || !shows(h.u.k.win.Canvas(), "refused the login") {
			t.Fatalf("a wrong password is not refused plainly: %q", texts(h.u.k.win.Canvas()))
		}
	})
	for _, db := range c.Databases(t) {
		if db == "never_made" {
			t.Error("a refused plan created the database")
		}
	}
}

// "Open in local database…" on a cloud backup checks the database first, then downloads
// the backup (database only) and restores the file as one job, then the report.
func TestLocalDB_FromACloudBackupDownloadsThenRestores(t *testing.T) {
	c := sharedPostgres(t)
	h, _, _ := downloadHarness(t)
	h.on(func() { h.u.act.openLocalSelected() })
	h.idle()
	fillLocalDB(h, c, "from_cloud", pgtest.Password)
	h.on(func() {
		d := h.last.localDlg
		if d.current == nil || d.current.Download == nil || d.okBtn.Disabled() || !d.current.Download.Request.DBOnly {
			t.Fatalf("no database-only download planned: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(d.okBtn)
	})
	if v := h.finished(h.lastJob()); v.State != progress.RunCompleted {
		t.Fatalf("the download and restore ended %s: %v", v.State, v.Err)
	}
	h.waitFor("the local restore's report", func() bool { return h.last.localReport != nil })
	h.on(func() {
		if r := h.last.localReport; !strings.HasSuffix(r.summary, "every row arrived.") {
			t.Fatalf("report %q", r.summary)
		}
		if n := len(h.u.jobs.jobs); n != 1 {
			t.Errorf("%d jobs, want one: the download and the restore", n)
		}
	})
}

// A dropped file, once checked, can be opened in a local database; the jobs panel's
// button asks for any backup file.
func TestLocalDB_FromADroppedFileAndTheToolbar(t *testing.T) {
	h := newHarness(t)
	path := fixture(t, "customerportal.backup")
	h.demo()
	h.open("customerportal", "Test")
	h.on(func() { h.u.act.handleDrop(fyne.Position{}, []fyne.URI{storage.NewFileURI(path)}) })
	h.idle()
	h.on(func() {
		b := button(h.u.k.win.Canvas(), "Open in local database…")
		if b == nil {
			t.Fatalf("the check of a dropped file offers no Open in local database…: %q", texts(h.u.k.win.Canvas()))
		}
		test.Tap(b)
	})
	h.idle()
	h.on(func() {
		if d := h.last.localDlg; d == nil || d.file != path || !shows(h.u.k.win.Canvas(), "Backup: "+path) {
			t.Fatalf("the local database dialog is not open on %s: %q", path, texts(h.u.k.win.Canvas()))
		}
		h.last.localDlg.dialog.Hide()
		h.last.chooser = nil
		test.Tap(button(h.u.k.win.Canvas(), "Open a backup file in a local database…"))
		if h.last.chooser == nil {
			t.Fatal("the jobs panel's Open a backup file in a local database… opens no file chooser")
		}
	})
}

// Ticking Replace confirms replacing one database: naming another one clears the tick at
// once, and a second database that is not empty needs Replace ticked again before the
// restore can be confirmed.
func TestLocalDB_ReplaceIsConfirmedAgainForAnotherDatabase(t *testing.T) {
	c := sharedPostgres(t)
	for _, db := range []string{"full_a", "full_b"} {
		c.CreateDatabase(t, db)
		c.Exec(t, db, "CREATE TABLE mine (id int)")
	}
	h := newHarness(t)
	path := fixture(t, "customerportal.backup")
	h.demo()
	h.on(func() { h.u.act.showLocalDB(h.u.lists.sess, path) })
	h.idle()
	fillLocalDB(h, c, "full_a", pgtest.Password)
	h.on(func() {
		d := h.last.localDlg
		if !d.replace.Visible() || !d.okBtn.Disabled() {
			t.Fatalf("full_a is not refused until replacing is chosen: %q", texts(h.u.k.win.Canvas()))
		}
		d.replace.SetChecked(true)
	})
	h.idle()
	h.on(func() {
		d := h.last.localDlg
		if d.current == nil || d.okBtn.Disabled() {
			t.Fatalf("replacing full_a on purpose is not allowed: %q", texts(h.u.k.win.Canvas()))
		}
		test.Type(d.database, "x") // full_ax: another database
		if d.replace.Checked || d.replace.Visible() {
			t.Errorf("after the database name changed, Replace is still ticked (%v) or shown (%v)", d.replace.Checked, d.replace.Visible())
		}
		d.database.SetText("full_b")
	})
	h.idle()
	h.on(func() {
		d := h.last.localDlg
		if d.current != nil || !d.okBtn.Disabled() {
			t.Fatalf("full_b can be replaced with the tick given for full_a: %q", texts(h.u.k.win.Canvas()))
		}
		if !d.replace.Visible() || d.replace.Checked {
			t.Errorf("Replace for full_b: shown %v, ticked %v; want shown and not ticked", d.replace.Visible(), d.replace.Checked)
		}
		// The same holds for the other connection fields.
		d.replace.SetChecked(true)
	})
	h.idle()
	h.on(func() {
		d := h.last.localDlg
		if d.okBtn.Disabled() {
			t.Fatalf("replacing full_b on purpose is not allowed: %q", texts(h.u.k.win.Canvas()))
		}
		for _, e := range []*widget.Entry{d.host, d.port, d.user} {
			d.replace.Show()
			d.replace.SetChecked(true)
			e.SetText(e.Text + " ")
			if d.replace.Checked || d.replace.Visible() {
				t.Errorf("after a connection field changed, Replace is still ticked (%v) or shown (%v)", d.replace.Checked, d.replace.Visible())
			}
			e.SetText(strings.TrimSpace(e.Text))
		}
		d.dialog.Hide()
	})
	h.idle()
}
