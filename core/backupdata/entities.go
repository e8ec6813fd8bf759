package backupdata

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"restoredesk/core/archive"
	"restoredesk/core/explain"
	"restoredesk/core/progress"
)

// Entity is one table of a backup, named as Mendix names it.
type Entity struct {
	// Name is the entity's name, "Sales.Order": from the dump's mendixsystem$entity table
	// when it has one, else from the table's name ("sales$order" gives "sales.order").
	Name   string `json:"name"`
	Table  string `json:"table"`
	Schema string `json:"schema"`
	Rows   int64  `json:"rows"`
	// System is set for the tables of Mendix's own modules (System, and the runtime's
	// mendixsystem bookkeeping), which owners seldom look for.
	System bool `json:"system"`
}

// Listing is what ListEntities found.
type Listing struct {
	Source *Source `json:"-"`
	// Entities holds the app's own entities by name, then the system ones.
	Entities []Entity `json:"entities"`
	// Named says the names came from the dump's mendixsystem$entity table.
	Named bool `json:"named_by_mendix"`
}

// entityTable is the table in which the Mendix runtime records each entity's table.
const entityTable = "mendixsystem$entity"

// namer names tables as entities.
type namer map[string]string // table name (lower case) → entity name

// learn reads one row of mendixsystem$entity.
func (n namer) learn(cols []Column, fields [][]byte) {
	var entity, table string
	for i, c := range cols {
		if i >= len(fields) || isNull(fields[i]) {
			continue
		}
		switch c.Name {
		case "entity_name":
			entity = decodeText(fields[i])
		case "table_name":
			table = decodeText(fields[i])
		}
	}
	if entity != "" && table != "" {
		n[strings.ToLower(table)] = entity
	}
}

func (n namer) entity(schema, table string) Entity {
	e := Entity{Name: n[strings.ToLower(table)], Table: table, Schema: schema}
	if e.Name == "" {
		e.Name = strings.Replace(table, "$", ".", 1)
	}
	module, _, found := strings.Cut(strings.ToLower(table), "$")
	e.System = found && (module == "system" || module == "mendixsystem")
	return e
}

// read reads the rows of a mendixsystem$entity table into n and counts them.
func (n namer) read(td archive.TableData, r io.Reader) (int64, error) {
	cols, err := tableColumns(td.Copy, td.Definition)
	if err != nil {
		return 0, err
	}
	lr := newLineReader(r)
	var fields [][]byte
	for rows := int64(0); ; rows++ {
		line, err := lr.next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		fields = splitFields(fields[:0], line)
		n.learn(cols, fields)
	}
}

// ListEntities reads the whole backup once, in constant memory, and lists its entities
// with their row counts. read, if not nil, counts the file's bytes read.
func ListEntities(ctx context.Context, src *Source, read *progress.Counter) (*Listing, error) {
	if read != nil {
		read.SetTotal(src.Size)
	}
	dd, f, err := src.dump(ctx, read)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := namer{}
	l := &Listing{Source: src}
	for {
		td, r, err := dd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, src.readError(ctx, err)
		}
		e := Entity{Schema: td.Schema, Table: td.Name}
		if td.Name == entityTable {
			l.Named = true
			if e.Rows, err = names.read(td, r); err != nil {
				return nil, src.readError(ctx, err)
			}
		} else if e.Rows, err = archive.CountCopyRows(r); err != nil {
			return nil, src.readError(ctx, err)
		}
		l.Entities = append(l.Entities, e)
	}
	for i, e := range l.Entities {
		named := names.entity(e.Schema, e.Table)
		named.Rows = e.Rows
		l.Entities[i] = named
	}
	sortEntities(l.Entities)
	return l, nil
}

// sortEntities puts the app's own entities first, each group by name.
func sortEntities(es []Entity) {
	slices.SortStableFunc(es, func(a, b Entity) int {
		if a.System != b.System {
			if a.System {
				return 1
			}
			return -1
		}
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
}

// Find returns the entity named name: its entity name or table name, in any case.
func (l *Listing) Find(name string) (Entity, error) {
	return findEntity(l.Entities, name)
}

func findEntity(es []Entity, name string) (Entity, error) {
	for _, e := range es {
		if strings.EqualFold(e.Name, name) || strings.EqualFold(e.Table, name) || strings.EqualFold(e.Schema+"."+e.Table, name) {
			return e, nil
		}
	}
	return Entity{}, explain.NewMistake(fmt.Sprintf("The backup has no entity or table named %q.", name),
		"List the backup's entities to see their names, e.g. Sales.Order.", nil)
}
