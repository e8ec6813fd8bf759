package restore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dustin/go-humanize"

	"restoredesk/core/backupdata"
	"restoredesk/core/journal"
	"restoredesk/core/localdb"
	"restoredesk/core/progress"
)

// Bringing back lost rows: after comparing two backups, the rows of one entity that the
// older backup has and the newer lacks (deleted since) are inserted into that entity's
// table in a local PostgreSQL database, in one transaction, through the runner like any
// other run. A row whose id is in the table already is left alone and reported.

// KindRowsRestore is a run that inserts an entity's deleted rows into a local database.
const KindRowsRestore journal.Kind = "rows_restore"

// StepInsertRows inserts the rows in one transaction.
const StepInsertRows StepKind = "insert_rows"

// ErrNothingToBringBack: the entity has no deleted rows, or no id to tell them by.
var ErrNothingToBringBack = errors.New("no rows to bring back")

// RowsRequest is bringing back the rows of Entity that Comparison found deleted between
// its older and its newer backup, into Target.
type RowsRequest struct {
	Profile    string // recorded in the journal
	Comparison *backupdata.Comparison
	Entity     string
	Target     localdb.Target
}

// RowsPlan is a checked RowsRequest: the entity's rows can be told by id, the database
// answers and has the entity's table with every column of the rows.
type RowsPlan struct {
	Outline // a plain yes: rows are added to a database the user named
	Request RowsRequest
	Diff    backupdata.EntityDiff
	table   localdb.RowTable
}

// ConfirmWith confirms the plan with anything: its confirmation is a plain yes.
func (p *RowsPlan) ConfirmWith(string) bool { return true }

// RowsResult is how bringing back the rows ended.
type RowsResult struct {
	Result
	Inserted localdb.Inserted
}

// PlanRows checks a RowsRequest, changing nothing.
func (e *Engine) PlanRows(ctx context.Context, req RowsRequest) (*RowsPlan, error) {
	cmp := req.Comparison
	if cmp == nil {
		return nil, planErr("Compare two backups first: the rows to bring back are the ones deleted between them.", "", ErrInvalidRequest)
	}
	d, err := cmp.Find(req.Entity)
	if err != nil {
		return nil, err
	}
	between := fmt.Sprintf("the backup of %s and the one of %s", when(cmp.Older.When(), e.now()), when(cmp.Newer.When(), e.now()))
	switch {
	case !d.ByID:
		return nil, planErr(fmt.Sprintf("%s has no id, so its deleted rows cannot be told apart from edited ones and are not brought back one by one.", d.Entity),
			"Restore the older backup into a local database to get at its rows.", ErrNothingToBringBack)
	case d.Deleted == 0:
		return nil, planErr(fmt.Sprintf("No row of %s was deleted between %s: there is nothing to bring back.", d.Entity, between), "", ErrNothingToBringBack)
	case req.Target.Database == "":
		return nil, planErr("Name the local database to bring the rows back into.", "", ErrInvalidRequest)
	}
	cols, err := cmp.Columns(d.Entity, backupdata.Deleted)
	if err != nil {
		return nil, err
	}
	tb := localdb.RowTable{Schema: d.Schema, Name: d.Table, IDColumn: slices.IndexFunc(cols, func(c backupdata.Column) bool { return c.Name == "id" })}
	for _, c := range cols {
		tb.Columns = append(tb.Columns, c.Name)
	}
	if err := req.Target.CheckTable(ctx, tb); err != nil {
		return nil, localErr("", err)
	}
	db := req.Target.Database
	p := &RowsPlan{Request: req, Diff: d, table: tb}
	p.Steps = []Step{{Kind: StepInsertRows, Title: fmt.Sprintf("Insert the %s deleted rows of %s into table %s.%s of database %q, in one transaction",
		humanize.Comma(d.Deleted), d.Entity, d.Schema, d.Table, db)}}
	p.Notes = []string{
		fmt.Sprintf("%s of %s are in %s but not in the newer one: they are added to database %q.", rowCount(d.Deleted), d.Entity, between, db),
		"A row whose id is in the table already is left as it is and reported, never overwritten; nothing else in the database changes.",
		"The rows are written in one transaction: if one cannot be written, none is.",
	}
	p.Confirm = Confirmation{Kind: ConfirmYes, Verb: fmt.Sprintf("add the rows to database %q", db)}
	return p, nil
}

func rowCount(n int64) string {
	if n == 1 {
		return "1 row"
	}
	return humanize.Comma(n) + " rows"
}

// RunRows carries out a rows plan as one journaled run through the runner: the insert is
// recorded before anything is written (if that record fails, the database is never
// touched), then the rows are read from the older backup and inserted in one
// transaction. onEvent (may be nil, or Follow(u)) gets the step events; the step's
// EventBytes counts the backup's bytes read. Cancelling ctx rolls the transaction back.
func (e *Engine) RunRows(ctx context.Context, p *RowsPlan, onEvent func(Event)) (*RowsResult, error) {
	if p == nil || len(p.Steps) == 0 || p.Request.Comparison == nil {
		return nil, planErr("There is no plan to run.", "Make a plan first.", ErrInvalidRequest)
	}
	req, cmp := p.Request, p.Request.Comparison
	jr := &journal.Run{
		Kind: KindRowsRestore, Profile: req.Profile, FilePath: cmp.Older.Path, FileName: fileName(cmp.Older.Path),
		AppID: req.Target.String(), Mode: req.Target.Database,
	}
	r, release, err := e.beginSteps(ctx, jr, p.Steps, "write to the database", onEvent)
	if err != nil {
		return nil, err
	}
	defer release()
	out := &RowsResult{}
	err = r.stepWith(ctx, StepInsertRows, func(ctx context.Context) (string, error) {
		read := progress.NewCounter(0, cmp.Older.Size)
		r.emit(Event{Step: StepInsertRows, Type: EventBytes, Counter: read})
		ins, err := req.Target.InsertRows(ctx, p.table, func(send func([]*string) error) error {
			var vals []*string
			_, err := cmp.EachRow(ctx, p.Diff.Entity, backupdata.Deleted, read, func(row []backupdata.Value) error {
				vals = vals[:0]
				for _, v := range row {
					if v.Null {
						vals = append(vals, nil)
					} else {
						vals = append(vals, &v.Text)
					}
				}
				return send(vals)
			})
			return err
		})
		if err != nil {
			return "", localErr(StepInsertRows, err)
		}
		out.Inserted = ins
		r.final = rowsSummary(p, ins)
		return r.final, nil
	})
	res, err := r.finish(ctx, err)
	out.Result = *res
	return out, err
}

// rowsSummary says what the insert did.
func rowsSummary(p *RowsPlan, ins localdb.Inserted) string {
	s := fmt.Sprintf("%s of %s are back in database %q.", rowCount(ins.Rows), p.Diff.Entity, p.Request.Target.Database)
	if ins.Conflicts > 0 {
		ids := strings.Join(ins.ConflictIDs, ", ")
		if int64(len(ins.ConflictIDs)) < ins.Conflicts {
			ids += ", …"
		}
		s += fmt.Sprintf(" %s left out: a row with the same id is there already, and was not overwritten (id %s).", rowCount(ins.Conflicts), ids)
	}
	return s
}
