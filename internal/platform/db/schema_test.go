package db_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// A schema is the set of objects that a database's migrations produce, each
// named by a key ("column clinics.name", "foreign key
// memberships_clinic_id_fkey") and described by an engine-neutral string
// ("text not null", "memberships (clinic_id) -> clinics (id) on delete
// cascade"). Two engines match when they hold the same keys with the same
// descriptions.
//
// Constraints are named as PostgreSQL names them: SQLite keeps no names for
// unnamed constraints, so the SQLite side derives them with PostgreSQL's rule
// (<table>_pkey, <table>_<columns>_key, <table>_<columns>_fkey,
// <table>_<column>_check or <table>_check, numbered on a clash).
type schema map[string]string

// engineSpecific lists the objects that exist (or differ) on one engine by
// design. They are left out of the comparison; each must still exist on its
// engine, so that the list does not outlive what it excuses.
var engineSpecific = []struct {
	dialect db.Dialect
	key     string
	why     string
}{
	{db.SQLite, "table patients_fts", "FTS5 name search; PostgreSQL has patients_search_trgm_idx"},
	{db.SQLite, "column patients.seq", "stable rowid that keys patients_fts"},
	{db.SQLite, "primary key patients_pkey", "on seq; id is unique (patients_id_key), the key on PostgreSQL"},
	{db.SQLite, "unique patients_id_key", "id is the primary key on PostgreSQL"},
	{db.Postgres, "index patients_search_trgm_idx", "trigram name search; SQLite has patients_fts"},
	{db.Postgres, "exclusion appointments_professional_no_overlap", "SQLite refuses overlaps in its single-writer booking transaction"},
	{db.Postgres, "exclusion appointments_room_no_overlap", "SQLite refuses overlaps in its single-writer booking transaction"},
}

// diffSchemas returns the differences between the two engines' schemas
// (after leaving out the engine-specific objects), one line each, sorted.
func diffSchemas(lite, pg schema) []string {
	var out []string
	for _, e := range engineSpecific {
		s := map[db.Dialect]schema{db.SQLite: lite, db.Postgres: pg}[e.dialect]
		if _, ok := s[e.key]; !ok {
			out = append(out, fmt.Sprintf("engine-specific %q is gone from %s: drop it from engineSpecific", e.key, e.dialect))
		}
		delete(lite, e.key)
		delete(pg, e.key)
	}
	keys := slices.Sorted(maps.Keys(lite))
	for k := range pg {
		if _, ok := lite[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		l, inLite := lite[k]
		p, inPG := pg[k]
		switch {
		case !inPG:
			out = append(out, fmt.Sprintf("only on sqlite:   %s: %s", k, l))
		case !inLite:
			out = append(out, fmt.Sprintf("only on postgres: %s: %s", k, p))
		case l != p:
			out = append(out, fmt.Sprintf("differs:          %s: sqlite %q, postgres %q", k, l, p))
		}
	}
	return out
}

// typeFamily maps a declared column type of either engine to an
// engine-neutral family (a UUID is text on SQLite).
func typeFamily(declared string) string {
	t := strings.ToLower(strings.TrimSpace(declared))
	switch {
	case t == "uuid", t == "text", strings.Contains(t, "char"), t == "clob":
		return "text"
	case strings.Contains(t, "int"):
		return "integer"
	case t == "boolean", t == "bool":
		return "boolean"
	case strings.HasPrefix(t, "timestamp"), t == "datetime":
		return "timestamp"
	case t == "bytea", t == "blob":
		return "blob"
	case t == "real", t == "double precision", t == "float", t == "numeric":
		return "number"
	}
	return "unknown type " + declared
}

func columnDesc(declared string, notNull bool) string {
	if notNull {
		return typeFamily(declared) + " not null"
	}
	return typeFamily(declared) + " null"
}

func onColumns(table string, cols []string) string {
	return table + " (" + strings.Join(cols, ", ") + ")"
}

func fkDesc(table string, from []string, target string, to []string, onDelete string) string {
	return onColumns(table, from) + " -> " + onColumns(target, to) + " on delete " + strings.ToLower(onDelete)
}

func indexDesc(table string, cols []string, unique, partial bool) string {
	s := onColumns(table, cols)
	if unique {
		s += " unique"
	}
	if partial {
		s += " partial"
	}
	return s
}

// chooseName is PostgreSQL's ChooseConstraintName for the short names of
// this schema: table_column_suffix, numbered from 1 when taken.
func chooseName(used map[string]bool, table string, cols []string, suffix string) string {
	base := table
	if len(cols) > 0 {
		base += "_" + strings.Join(cols, "_")
	}
	name := base + "_" + suffix
	for i := 1; used[name]; i++ {
		name = fmt.Sprintf("%s_%s%d", base, suffix, i)
	}
	used[name] = true
	return name
}

// sqliteSchema reads the schema of a SQLite database from sqlite_master and
// its pragmas.
func sqliteSchema(ctx context.Context, t *testing.T, d *db.DB) schema {
	t.Helper()
	s := schema{}
	type table struct{ name, kind, sql string }
	var tables []table
	rows, err := d.QueryContext(ctx, `SELECT l.name, l.type, m.sql FROM pragma_table_list l
		JOIN sqlite_master m ON m.name = l.name
		WHERE l.schema = 'main' AND l.name NOT LIKE 'sqlite_%' AND l.type IN ('table', 'virtual')
		ORDER BY l.name`)
	require.NoError(t, err)
	for rows.Next() {
		var tb table
		require.NoError(t, rows.Scan(&tb.name, &tb.kind, &tb.sql))
		tables = append(tables, tb)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())

	// Views (the read models): their columns, in order.
	rows, err = d.QueryContext(ctx, `SELECT m.name, group_concat(c.name, ', ') FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'view' GROUP BY m.name`)
	require.NoError(t, err)
	for rows.Next() {
		var name, cols string
		require.NoError(t, rows.Scan(&name, &cols))
		s["view "+name] = "columns " + cols
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())

	for _, tb := range tables {
		s["table "+tb.name] = "table"
		if tb.kind == "virtual" {
			continue // its columns and shadow tables are the module's business
		}
		used := map[string]bool{}

		// Columns and the primary key. A PRIMARY KEY column other than an
		// INTEGER PRIMARY KEY admits NULL on SQLite (a legacy quirk that
		// PostgreSQL does not share); ids are always set by the stores, so the
		// comparison counts primary-key columns as not null.
		var columns, pk []string
		pkPos := map[int]string{}
		rows, err := d.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, tb.name)
		require.NoError(t, err)
		for rows.Next() {
			var name, typ string
			var notNull bool
			var pkSeq int
			require.NoError(t, rows.Scan(&name, &typ, &notNull, &pkSeq))
			columns = append(columns, name)
			if pkSeq > 0 {
				pkPos[pkSeq] = name
			}
			s["column "+tb.name+"."+name] = columnDesc(typ, notNull || pkSeq > 0)
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		for i := 1; i <= len(pkPos); i++ {
			pk = append(pk, pkPos[i])
		}
		if len(pk) > 0 {
			s["primary key "+chooseName(used, tb.name, nil, "pkey")] = onColumns(tb.name, pk)
		}

		// Constraints in the order PostgreSQL names them (the order of the
		// table's definition): UNIQUE, CHECK and REFERENCES.
		fks := sqliteForeignKeys(ctx, t, d, tb.name)
		uniques := sqliteUniques(ctx, t, d, tb.name)
		for _, c := range parseTableConstraints(tb.sql, columns) {
			switch c.kind {
			case "unique":
				if len(uniques) == 0 {
					t.Errorf("sqlite: %s: UNIQUE in the SQL has no index", tb.name)
					continue
				}
				u := uniques[0]
				uniques = uniques[1:]
				name := c.name
				if name == "" {
					name = chooseName(used, tb.name, u, "key")
				}
				s["unique "+name] = onColumns(tb.name, u)
			case "check":
				name := c.name
				if name == "" {
					var cols []string
					if len(c.columns) == 1 {
						cols = c.columns
					}
					name = chooseName(used, tb.name, cols, "check")
				}
				s["check "+name] = onColumns(tb.name, slices.Sorted(slices.Values(c.columns)))
			case "references":
				if len(fks) == 0 {
					t.Errorf("sqlite: %s: REFERENCES in the SQL has no foreign key", tb.name)
					continue
				}
				fk := fks[0]
				fks = fks[1:]
				name := c.name
				if name == "" {
					name = chooseName(used, tb.name, fk.from, "fkey")
				}
				s["foreign key "+name] = fkDesc(tb.name, fk.from, fk.table, fk.to, fk.onDelete)
			}
		}
		if len(uniques) > 0 || len(fks) > 0 {
			t.Errorf("sqlite: %s: %d unique and %d foreign keys not found in its SQL", tb.name, len(uniques), len(fks))
		}

		// Indexes created by CREATE INDEX.
		rows, err = d.QueryContext(ctx, `SELECT name, "unique", partial FROM pragma_index_list(?) WHERE origin = 'c'`, tb.name)
		require.NoError(t, err)
		type index struct {
			name            string
			unique, partial bool
		}
		var indexes []index
		for rows.Next() {
			var ix index
			require.NoError(t, rows.Scan(&ix.name, &ix.unique, &ix.partial))
			indexes = append(indexes, ix)
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		for _, ix := range indexes {
			s["index "+ix.name] = indexDesc(tb.name, sqliteIndexColumns(ctx, t, d, ix.name), ix.unique, ix.partial)
		}
	}
	return s
}

type sqliteFK struct {
	from, to        []string
	table, onDelete string
}

// sqliteForeignKeys returns a table's foreign keys in the order of its
// definition (pragma_foreign_key_list numbers them from the last).
func sqliteForeignKeys(ctx context.Context, t *testing.T, d *db.DB, table string) []sqliteFK {
	t.Helper()
	rows, err := d.QueryContext(ctx, `SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id DESC, seq`, table)
	require.NoError(t, err)
	defer rows.Close()
	var fks []sqliteFK
	last := -1
	for rows.Next() {
		var id int
		var target, from, to, onDelete string
		require.NoError(t, rows.Scan(&id, &target, &from, &to, &onDelete))
		if id != last {
			fks = append(fks, sqliteFK{table: target, onDelete: onDelete})
			last = id
		}
		fk := &fks[len(fks)-1]
		fk.from = append(fk.from, from)
		fk.to = append(fk.to, to)
	}
	require.NoError(t, rows.Err())
	return fks
}

// sqliteUniques returns the columns of a table's UNIQUE constraints in the
// order of its definition (their automatic indexes are numbered in it).
func sqliteUniques(ctx context.Context, t *testing.T, d *db.DB, table string) [][]string {
	t.Helper()
	rows, err := d.QueryContext(ctx, `SELECT name FROM pragma_index_list(?) WHERE origin = 'u'`, table)
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		names = append(names, name)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	// sqlite_autoindex_<table>_<n>: sort by n.
	num := func(name string) int {
		n, _ := strconv.Atoi(name[strings.LastIndex(name, "_")+1:])
		return n
	}
	slices.SortFunc(names, func(a, b string) int { return num(a) - num(b) })
	var out [][]string
	for _, n := range names {
		out = append(out, sqliteIndexColumns(ctx, t, d, n))
	}
	return out
}

func sqliteIndexColumns(ctx context.Context, t *testing.T, d *db.DB, index string) []string {
	t.Helper()
	rows, err := d.QueryContext(ctx, `SELECT coalesce(name, '(expression)') FROM pragma_index_info(?) ORDER BY seqno`, index)
	require.NoError(t, err)
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		require.NoError(t, rows.Scan(&c))
		cols = append(cols, c)
	}
	require.NoError(t, rows.Err())
	return cols
}

// A sqlConstraint is a UNIQUE, CHECK or REFERENCES clause of a CREATE TABLE
// statement, in the order it appears; columns are those a CHECK names.
type sqlConstraint struct {
	kind, name string
	columns    []string
}

// parseTableConstraints finds the constraints of a SQLite CREATE TABLE
// statement (SQLite keeps CHECK constraints only in the statement's text).
// The primary key is left out (pragma_table_info has it).
func parseTableConstraints(createSQL string, columns []string) []sqlConstraint {
	isColumn := map[string]bool{}
	for _, c := range columns {
		isColumn[strings.ToLower(c)] = true
	}
	toks := dbtest.SQLTokens(createSQL)
	// The table body is between the first "(" and its closing ")".
	start := slices.Index(toks, "(")
	if start < 0 {
		return nil
	}
	var out []sqlConstraint
	depth := 0
	name := ""
	for i := start + 1; i < len(toks); i++ {
		tok := toks[i]
		switch tok {
		case "(":
			depth++
			continue
		case ")":
			depth--
			if depth < 0 {
				return out
			}
			continue
		case ",":
			if depth == 0 {
				name = ""
			}
			continue
		}
		if depth != 0 {
			continue
		}
		switch tok {
		case "constraint":
			if i+1 < len(toks) {
				name = toks[i+1]
				i++
			}
		case "unique":
			out = append(out, sqlConstraint{kind: "unique", name: name})
			name = ""
		case "references":
			out = append(out, sqlConstraint{kind: "references", name: name})
			name = ""
		case "check":
			// The expression: the balanced parentheses that follow.
			c := sqlConstraint{kind: "check", name: name}
			name = ""
			seen := map[string]bool{}
			d := 0
			for j := i + 1; j < len(toks); j++ {
				switch toks[j] {
				case "(":
					d++
				case ")":
					d--
				default:
					id := toks[j]
					if isColumn[id] && !seen[id] && !(j+1 < len(toks) && toks[j+1] == "(") {
						seen[id] = true
					}
				}
				if d == 0 {
					i = j
					break
				}
			}
			for _, col := range columns {
				if seen[strings.ToLower(col)] {
					c.columns = append(c.columns, col)
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// postgresSchema reads the schema of the connection's current schema (the
// test's own) from information_schema and pg_catalog.
func postgresSchema(ctx context.Context, t *testing.T, d *db.DB) schema {
	t.Helper()
	s := schema{}
	query := func(q string, scan func(*stringScanner)) {
		t.Helper()
		rows, err := d.QueryContext(ctx, q)
		require.NoError(t, err)
		defer rows.Close()
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]string, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			scan(&stringScanner{vals: vals})
		}
		require.NoError(t, rows.Err())
	}

	query(`SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`, func(r *stringScanner) {
		s["table "+r.next()] = "table"
	})
	query(`SELECT table_name, string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns
		WHERE table_schema = current_schema()
			AND table_name IN (SELECT table_name FROM information_schema.views WHERE table_schema = current_schema())
		GROUP BY table_name`, func(r *stringScanner) {
		name, cols := r.next(), r.next()
		s["view "+name] = "columns " + cols
	})
	query(`SELECT c.table_name, c.column_name, c.data_type, c.is_nullable
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`, func(r *stringScanner) {
		table, column, typ, nullable := r.next(), r.next(), r.next(), r.next()
		s["column "+table+"."+column] = columnDesc(typ, nullable == "NO")
	})

	// Constraints: columns as arrays in key order. NOT NULL is compared
	// with the columns.
	query(`SELECT con.conname, con.contype::text, rel.relname,
			coalesce((SELECT string_agg(a.attname, ',' ORDER BY k.ord)
				FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum), ''),
			coalesce(frel.relname, ''),
			coalesce((SELECT string_agg(a.attname, ',' ORDER BY k.ord)
				FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum), ''),
			con.confdeltype::text
		FROM pg_constraint con
		JOIN pg_class rel ON rel.oid = con.conrelid
		LEFT JOIN pg_class frel ON frel.oid = con.confrelid
		WHERE con.connamespace = current_schema()::regnamespace AND con.contype <> 'n'`, func(r *stringScanner) {
		name, kind, table, cols, target, targetCols, delType := r.next(), r.next(), r.next(), r.list(), r.next(), r.list(), r.next()
		switch kind {
		case "p":
			s["primary key "+name] = onColumns(table, cols)
		case "u":
			s["unique "+name] = onColumns(table, cols)
		case "c":
			slices.Sort(cols) // the columns the expression names
			s["check "+name] = onColumns(table, cols)
		case "x":
			s["exclusion "+name] = onColumns(table, cols)
		case "f":
			onDelete := map[string]string{"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}[delType]
			s["foreign key "+name] = fkDesc(table, cols, target, targetCols, onDelete)
		default:
			s["constraint "+name] = "kind " + kind
		}
	})

	// Indexes that no constraint owns (those are compared as constraints).
	query(`SELECT i.relname, t.relname, ix.indisunique::text, (ix.indpred IS NOT NULL)::text,
			(SELECT string_agg(pg_get_indexdef(ix.indexrelid, k, true), ',' ORDER BY k)
				FROM generate_series(1, ix.indnatts) k)
		FROM pg_index ix
		JOIN pg_class i ON i.oid = ix.indexrelid
		JOIN pg_class t ON t.oid = ix.indrelid
		WHERE t.relnamespace = current_schema()::regnamespace
			AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid)`, func(r *stringScanner) {
		name, table, unique, partial, cols := r.next(), r.next(), r.next(), r.next(), r.list()
		for i, c := range cols {
			if strings.ContainsAny(c, " ()") {
				cols[i] = "(expression)"
			}
		}
		s["index "+name] = indexDesc(table, cols, unique == "true", partial == "true")
	})
	return s
}

type stringScanner struct{ vals []string }

func (r *stringScanner) next() string {
	v := r.vals[0]
	r.vals = r.vals[1:]
	return v
}

func (r *stringScanner) list() []string {
	v := r.next()
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}
