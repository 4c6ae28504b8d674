package sqlq

import (
	"fmt"
	"slices"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Querier runs one statement for Run: row is called for each result row
// with a function that scans its columns (like sql.Rows.Scan).
type Querier interface {
	Query(st Statement, row func(scan func(dest ...any) error) error) error
}

// Run executes a validated query in the database and returns what
// dfql.Query.Eval would return over the same rows.
func Run(q *dfql.Query, d Dialect, ns string, db Querier) (*dfql.Result, error) {
	if q.Grouped {
		return runGroups(q, d, ns, db)
	}
	res := &dfql.Result{HasCount: q.Count}
	if q.Count {
		err := db.Query(CountSQL(q, d, ns), func(scan func(...any) error) error {
			var n int64
			err := scan(&n)
			res.Count = int(n)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	var rows []*schema.Row
	err := db.Query(RowsSQL(q, d, ns), func(scan func(...any) error) error {
		var id string
		var data []byte
		if err := scan(&id, &data); err != nil {
			return err
		}
		r, err := RowOf(q.Resource, id, data)
		rows = append(rows, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	more := q.Limit > 0 && len(rows) > q.Limit
	if more {
		rows = rows[:q.Limit]
	}
	backward := q.Cursor != nil && !q.Cursor.After
	if backward {
		slices.Reverse(rows)
	}
	if rows == nil {
		rows = []*schema.Row{}
	}
	res.Rows = rows
	if more && len(rows) > 0 {
		edge := rows[len(rows)-1]
		if backward {
			edge = rows[0]
		}
		res.NextCursor = q.CursorFor(edge)
	}
	return res, nil
}

// RowOf turns a stored row into a schema.Row of res. data may carry a
// binary jsonb version byte (1).
func RowOf(res *schema.Resource, id string, data []byte) (*schema.Row, error) {
	if len(data) > 0 && data[0] == 1 {
		data = data[1:]
	}
	v, err := value.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("sqlq: row %s: %w", id, err)
	}
	r := &schema.Row{ID: id, Vals: make([]value.Value, len(res.Fields))}
	for i, f := range res.Fields {
		r.Vals[i] = v.Get(f.Name)
	}
	return r, nil
}

func runGroups(q *dfql.Query, d Dialect, ns string, db Querier) (*dfql.Result, error) {
	st, cols := GroupSQL(q, d, ns)
	names := q.Columns()
	res := &dfql.Result{Groups: []value.Value{}}
	err := db.Query(st, func(scan func(...any) error) error {
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := scan(ptrs...); err != nil {
			return err
		}
		vals := make([]value.Value, len(cols))
		for i, c := range cols {
			v, err := scalar(raw[i], c.Kind)
			if err != nil {
				return err
			}
			vals[i] = v
		}
		res.Groups = append(res.Groups, value.Obj(names, vals))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// scalar turns a database scalar back into a JSON value of kind k.
func scalar(x any, k value.Kind) (value.Value, error) {
	switch x := x.(type) {
	case nil:
		return value.NullValue, nil
	case int64:
		if k == value.Bool {
			return value.Boolean(x != 0), nil
		}
		return value.Num(float64(x)), nil
	case float64:
		if k == value.Bool {
			return value.Boolean(x != 0), nil
		}
		return value.Num(x), nil
	case bool:
		return value.Boolean(x), nil
	case string:
		return value.Str(x), nil
	case []byte:
		return value.Str(string(x)), nil
	}
	return value.Value{}, fmt.Errorf("sqlq: unexpected column type %T", x)
}
