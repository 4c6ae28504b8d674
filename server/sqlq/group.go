package sqlq

import (
	"strings"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/value"
)

// Column is one output column of a grouped query: its SQL and the kind of
// its non-null values (to turn database scalars back into JSON values).
type Column struct {
	SQL  string
	Kind value.Kind
}

// GroupSQL translates a grouped query (§4.10): filter, GROUP BY, aggregate,
// HAVING, order, offset and limit all in the database. The columns are the
// groupBy fields then the aggregations, as dfql's Columns.
func GroupSQL(q *dfql.Query, d Dialect, ns string) (Statement, []Column) {
	b := NewBuilder(d)
	w := b.where(q, d, ns)
	var cols []Column
	var keys []string
	for _, f := range q.GroupBy {
		expr, k := d.GroupKey(q.Resource, f)
		cols = append(cols, Column{expr, k})
		keys = append(keys, expr)
	}
	for _, a := range q.Aggs {
		expr, k := d.Agg(q.Resource, a)
		cols = append(cols, Column{expr, k})
	}
	vals := make([]Val, len(cols))
	sel := make([]string, len(cols))
	for i, c := range cols {
		vals[i] = d.Column(c.SQL, c.Kind)
		sel[i] = c.SQL
	}
	sql := "SELECT " + strings.Join(sel, ", ") + " FROM datafn_rows WHERE " + w
	var having []string
	if len(keys) > 0 {
		sql += " GROUP BY " + strings.Join(keys, ", ")
	} else {
		// Aggregations without groupBy: one group, none when no row matches.
		having = append(having, "COUNT(*) > 0")
	}
	if q.Having != nil {
		having = append(having, b.Filter(q.Having, func(c *dfql.Cond) Val { return vals[c.Field] }))
	}
	if len(having) > 0 {
		sql += " HAVING " + strings.Join(having, " AND ")
	}
	var order []string
	for _, t := range q.GroupOrder() {
		dir := " ASC"
		if t.Desc {
			dir = " DESC"
		}
		order = append(order, vals[t.Field].Null()+dir, vals[t.Field].Order()+dir)
	}
	if len(order) > 0 {
		sql += " ORDER BY " + strings.Join(order, ", ")
	}
	var limit any = d.NoLimit()
	if q.Limit > 0 {
		limit = int64(q.Limit)
	}
	sql += " LIMIT " + b.Arg(limit) + " OFFSET " + b.Arg(int64(q.Offset))
	return Statement{SQL: sql, Args: b.Args}, cols
}
