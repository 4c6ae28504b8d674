package sqlq

import (
	"strings"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/value"
)

// Statement is one SQL statement with its parameters.
type Statement struct {
	SQL  string
	Args []any
}

// kindsAbove and kindsBelow list the non-null kinds that value.Compare
// orders after / before k (it orders different kinds by kind).
func kindsAbove(k value.Kind) []value.Kind {
	var out []value.Kind
	for x := k + 1; x <= value.Object; x++ {
		out = append(out, x)
	}
	return out
}

func kindsBelow(k value.Kind) []value.Kind {
	var out []value.Kind
	for x := value.Bool; x < k; x++ {
		out = append(out, x)
	}
	return out
}

func anyKind(v Val, kinds []value.Kind) []string {
	out := make([]string, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, v.Kind(k))
	}
	return out
}

// posEq, posGt and posLt compare a value with a cursor value exactly like
// value.Compare (§3.4: nulls last; different kinds by kind).
func (b *Builder) posEq(v Val, c value.Value) string {
	if c.IsNull() {
		return v.Null()
	}
	if c.Kind() >= value.Array {
		return v.Kind(c.Kind())
	}
	return and(v.Kind(c.Kind()), v.Cmp(b, "=", c))
}

func (b *Builder) posGt(v Val, c value.Value) string {
	if c.IsNull() {
		return "FALSE"
	}
	parts := append([]string{v.Null()}, anyKind(v, kindsAbove(c.Kind()))...)
	if c.Kind() < value.Array {
		parts = append(parts, and(v.Kind(c.Kind()), v.Cmp(b, ">", c)))
	}
	return or(parts...)
}

func (b *Builder) posLt(v Val, c value.Value) string {
	if c.IsNull() {
		return not(v.Null())
	}
	parts := anyKind(v, kindsBelow(c.Kind()))
	if c.Kind() < value.Array {
		parts = append(parts, and(v.Kind(c.Kind()), v.Cmp(b, "<", c)))
	}
	return or(parts...)
}

// cursor keeps the rows strictly after (or before) the cursor position in
// the query's order: the lexicographic expansion over Order() terms up to
// the first id term (ids are unique, later terms cannot matter), exactly as
// dfql compares a row with a position.
func (b *Builder) cursor(q *dfql.Query, d Dialect) string {
	terms := q.Order()
	for i, t := range terms {
		if t.Field == dfql.IDField {
			terms = terms[:i+1]
			break
		}
	}
	var alts []string
	var prefix []string
	for i, t := range terms {
		v := d.Doc(q.Resource, t.Field, nil)
		c := q.Cursor.Values[i]
		// "beyond" in the direction of travel: greater for an ascending
		// term when paging forward.
		if t.Desc == q.Cursor.After {
			alts = append(alts, and(append(append([]string{}, prefix...), b.posLt(v, c))...))
		} else {
			alts = append(alts, and(append(append([]string{}, prefix...), b.posGt(v, c))...))
		}
		if i < len(terms)-1 {
			prefix = append(prefix, b.posEq(v, c))
		}
	}
	return or(alts...)
}

// orderBy is the ORDER BY list of a row query, reversed for `before`.
func orderBy(q *dfql.Query, d Dialect, reverse bool) string {
	var parts []string
	for _, t := range q.Order() {
		desc := t.Desc != reverse
		dir := " ASC"
		if desc {
			dir = " DESC"
		}
		if t.Field == dfql.IDField {
			parts = append(parts, "id"+dir)
			break // ids are unique: later terms change nothing
		}
		v := d.Doc(q.Resource, t.Field, nil)
		parts = append(parts, v.Null()+dir, v.Order()+dir)
	}
	return strings.Join(parts, ", ")
}

// where is the shared WHERE clause: namespace, resource and filters. The
// resource is a literal so that partial indexes apply.
func (b *Builder) where(q *dfql.Query, d Dialect, ns string) string {
	return "namespace = " + b.Arg(ns) + " AND resource = " + Quote(q.Resource.Name) +
		" AND " + b.Filter(q.Filter, func(c *dfql.Cond) Val { return d.Doc(q.Resource, c.Field, c.Path) })
}

// RowsSQL selects (id, data) of one page of a row query, with one row more
// than the limit to tell whether more rows exist.
func RowsSQL(q *dfql.Query, d Dialect, ns string) Statement {
	b := NewBuilder(d)
	w := b.where(q, d, ns)
	backward := q.Cursor != nil && !q.Cursor.After
	if q.Cursor != nil {
		w += " AND " + b.cursor(q, d)
	}
	var limit any = d.NoLimit()
	if q.Limit > 0 {
		limit = int64(q.Limit + 1)
	}
	sql := "SELECT id, data FROM datafn_rows WHERE " + w +
		" ORDER BY " + orderBy(q, d, backward) +
		" LIMIT " + b.Arg(limit) + " OFFSET " + b.Arg(int64(q.Offset))
	return Statement{SQL: sql, Args: b.Args}
}

// CountSQL counts the rows matching the filters (§4.9).
func CountSQL(q *dfql.Query, d Dialect, ns string) Statement {
	b := NewBuilder(d)
	return Statement{SQL: "SELECT COUNT(*) FROM datafn_rows WHERE " + b.where(q, d, ns), Args: b.Args}
}
