package engine

import (
	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// query is a validated query with the local evaluation the engine needs.
type query struct {
	q   *dfql.Query
	res *schema.Resource
}

// parseQuery validates a completed query with the client's rules: the
// server's validator without the limit cap (§4.11).
func parseQuery(s *schema.Schema, v value.Value) (*query, error) {
	q, err := dfql.ParseQuery(s, v, dfql.Options{})
	if err != nil {
		return nil, err
	}
	return &query{q: q, res: q.Resource}, nil
}

// eval runs the query over resident rows (§12.3 local engine).
func (q *query) eval(rows []*schema.Row) protocol.QueryResult {
	return q.result(q.q.Eval(rows))
}

// result turns a dfql result into the wire result, rows projected.
func (q *query) result(r *dfql.Result) protocol.QueryResult {
	if q.q.Grouped {
		return protocol.GroupResult(r.Groups)
	}
	data := make([]value.Value, len(r.Rows))
	for i, row := range r.Rows {
		data[i] = q.project(row)
	}
	out := protocol.RowResult(data, orNull(r.NextCursor))
	if r.HasCount {
		n := int64(r.Count)
		out.Count = &n
	}
	return out
}

// project builds the output row of select/omit (§4.4).
func (q *query) project(row *schema.Row) value.Value {
	keys := make([]string, 1, 1+len(q.q.Project))
	vals := make([]value.Value, 1, 1+len(q.q.Project))
	keys[0], vals[0] = "id", value.Str(row.ID)
	for _, i := range q.q.Project {
		if v := row.Get(i); !v.IsAbsent() {
			keys = append(keys, q.res.Fields[i].Name)
			vals = append(vals, v)
		}
	}
	return value.Obj(keys, vals)
}

func orNull(v value.Value) value.Value {
	if v.IsAbsent() {
		return value.NullValue
	}
	return v
}

// matches reports whether a row object passes the query's filters.
func (q *query) matches(obj value.Value) bool {
	row := q.res.RowFromObject(obj)
	return dfql.MatchRow(q.q.Filter, &row)
}

// orderCutProject orders rows by the query's order, cuts them to its limit
// and projects them, ignoring filters, cursor, offset and count (the
// hydrating overlay, §12.3).
func (q *query) orderCutProject(objs []value.Value) protocol.QueryResult {
	cp := *q.q
	cp.Filter, cp.Cursor, cp.Offset, cp.Count = dfql.And{}, nil, 0, false
	rows := make([]*schema.Row, len(objs))
	for i, o := range objs {
		r := q.res.RowFromObject(o)
		rows[i] = &r
	}
	return (&query{q: &cp, res: q.res}).eval(rows)
}

// sortFields are the names of the fields the query sorts by.
func (q *query) sortFields() []string {
	var out []string
	for _, t := range q.q.Sort {
		if t.Field == dfql.IDField {
			out = append(out, "id")
		} else {
			out = append(out, q.res.Fields[t.Field].Name)
		}
	}
	return out
}

// validateMutation validates a completed mutation (§5.3) into the engine's
// form; raw keeps the mutation with the cleaned record (readonly fields
// dropped), as the changelog stores it (§11.5).
func validateMutation(s *schema.Schema, v value.Value) (*mutation, error) {
	pm, err := dfql.ParseMutation(s, v)
	if err != nil {
		return nil, err
	}
	m := decodeMutation(v)
	m.parsed = pm
	m.record = pm.Record
	if pm.Op != OpDelete {
		m.raw = v.With("record", pm.Record)
	}
	return m, nil
}

// reapplyObj applies the re-apply rules of §12.5 to a stored row object.
func reapplyObj(res *schema.Resource, m *mutation, cur value.Value, exists bool, ts int64) (value.Value, bool) {
	var cr *schema.Row
	if exists {
		r := res.RowFromObject(cur)
		cr = &r
	}
	row := dfql.Reapply(res, cr, m.op, m.id, m.record, ts)
	if row == nil {
		return value.Value{}, false
	}
	return res.RowObject(row), true
}

// applyObj applies a mutation on the local path with the /mutation rules
// (§5.4, §5.5, §5.6) to a stored row object.
func applyObj(res *schema.Resource, m *mutation, cur value.Value, exists bool, now int64) (value.Value, bool, *protocol.Error) {
	var cr *schema.Row
	if exists {
		r := res.RowFromObject(cur)
		cr = &r
	}
	out, err := dfql.Apply(res, cr, m.parsed, now, false)
	if err != nil {
		return value.Value{}, false, err
	}
	if out.Row == nil {
		return value.Value{}, false, nil
	}
	return res.RowObject(out.Row), true, nil
}
