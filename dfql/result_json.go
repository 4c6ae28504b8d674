package dfql

import (
	"strconv"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// AppendResultJSON appends the wire form of a result (§4.2):
// `{"data":[...],"nextCursor":...}` plus `"count"` when asked for, or
// `{"groups":[...],"nextCursor":null}` for a grouped query. Rows are
// projected with the query's select/omit: id first, then fields in schema
// order, absent fields left out.
func (q *Query) AppendResultJSON(dst []byte, r *Result) []byte {
	if q.Grouped {
		dst = append(dst, `{"groups":[`...)
		for i, g := range r.Groups {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = value.AppendJSON(dst, g)
		}
		return append(dst, `],"nextCursor":null}`...)
	}
	dst = append(dst, `{"data":[`...)
	for i, row := range r.Rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = q.AppendRowJSON(dst, row)
	}
	dst = append(dst, `],"nextCursor":`...)
	dst = value.AppendJSON(dst, r.NextCursor)
	if r.HasCount {
		dst = append(dst, `,"count":`...)
		dst = strconv.AppendInt(dst, int64(r.Count), 10)
	}
	return append(dst, '}')
}

// AppendRowJSON appends one row projected by the query's select/omit.
func (q *Query) AppendRowJSON(dst []byte, row *schema.Row) []byte {
	dst = append(dst, `{"id":`...)
	dst = value.AppendString(dst, row.ID)
	for _, f := range q.Project {
		v := row.Get(f)
		if v.IsAbsent() {
			continue
		}
		dst = append(dst, ',')
		dst = value.AppendString(dst, q.Resource.Fields[f].Name)
		dst = append(dst, ':')
		dst = value.AppendJSON(dst, v)
	}
	return append(dst, '}')
}
