package dfql

import (
	"slices"
	"strings"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Result is the outcome of evaluating a query over rows.
type Result struct {
	// Rows is the page of a row query, in result order. The rows are the
	// caller's (not copied); projection happens in AppendResultJSON.
	Rows []*schema.Row
	// Groups holds the group rows of a grouped query, each an object with
	// the groupBy fields then the aliases.
	Groups []value.Value
	// NextCursor is the cursor object of §4.8, or Absent when there is none.
	NextCursor value.Value
	// Count is the number of rows matching the filters (row queries).
	Count int
	// HasCount is true when the query asked for count.
	HasCount bool
}

// Eval runs the query over rows (§4.3). Neither q nor rows is modified, so
// one Query may be evaluated concurrently. Row ids must be unique.
func (q *Query) Eval(rows []*schema.Row) *Result {
	if q.Grouped {
		return q.evalGroups(rows)
	}
	return q.evalRows(rows)
}

// orderKey is one resolved sort term of a row query.
type orderKey struct {
	field int
	desc  bool
}

// rowOrder compares rows by the query's total order (§3.4).
type rowOrder []orderKey

func (q *Query) rowOrder() rowOrder {
	o := make(rowOrder, 0, len(q.Sort)+1)
	for _, t := range q.Sort {
		o = append(o, orderKey{t.Field, t.Desc})
		if t.Field == IDField {
			// Later terms cannot change a total order on unique ids.
			return o
		}
	}
	return append(o, orderKey{field: IDField})
}

// cmp compares two rows; ids are unique so only equal rows give 0.
func (o rowOrder) cmp(a, b *schema.Row) int {
	for _, k := range o {
		var c int
		switch f := k.field; {
		case f == IDField:
			c = strings.Compare(a.ID, b.ID)
		case f < len(a.Vals) && f < len(b.Vals):
			c = cmpVals(&a.Vals[f], &b.Vals[f])
		default:
			c = value.Compare(a.Get(f), b.Get(f))
		}
		if c != 0 {
			if k.desc {
				return -c
			}
			return c
		}
	}
	return 0
}

// cmpPos compares a row with a cursor position (values parallel to Order).
// Like rowOrder, it stops at the first term on id.
func (q *Query) cmpPos(r *schema.Row, pos []value.Value) int {
	for i, t := range q.Sort {
		c := value.Compare(rowValue(r, t.Field, nil), pos[i])
		if t.Desc {
			c = -c
		}
		if c != 0 || t.Field == IDField {
			return c
		}
	}
	return value.Compare(value.Str(r.ID), pos[len(pos)-1])
}

// evalRows is the row pipeline: filter, count, cursor, order, offset, limit,
// nextCursor. Projection is left to AppendResultJSON.
func (q *Query) evalRows(rows []*schema.Row) *Result {
	res := &Result{HasCount: q.Count}
	ord := q.rowOrder()
	backward := q.Cursor != nil && !q.Cursor.After
	if backward {
		// Walk from the cursor towards the start: reverse the order.
		ord = reversed(ord)
	}
	var k int
	if q.Limit > 0 {
		k = q.Offset + q.Limit + 1
	}
	count, all := q.scan(rows, ord, k)
	res.Count = count
	page, more := window(all, q.Offset, q.Limit)
	if backward {
		slices.Reverse(page)
	}
	res.Rows = page
	if more && len(page) > 0 {
		edge := page[len(page)-1]
		if backward {
			edge = page[0]
		}
		res.NextCursor = q.CursorFor(edge)
	}
	return res
}

// window applies offset and limit; more reports rows beyond the page.
func window(all []*schema.Row, offset, limit int) ([]*schema.Row, bool) {
	if offset >= len(all) {
		return []*schema.Row{}, false
	}
	all = all[offset:]
	if limit > 0 && len(all) > limit {
		return all[:limit], true
	}
	return all, false
}

func reversed(o rowOrder) rowOrder {
	out := make(rowOrder, len(o))
	for i, k := range o {
		out[i] = orderKey{k.field, !k.desc}
	}
	return out
}

// CursorFor is the cursor object of a row (§4.8): every sort field, then id,
// with null for null or absent values.
func (q *Query) CursorFor(r *schema.Row) value.Value {
	keys := make([]string, 0, len(q.Sort)+1)
	vals := make([]value.Value, 0, len(q.Sort)+1)
	for _, t := range q.Order() {
		if slices.Contains(keys, t.Name) {
			continue
		}
		keys = append(keys, t.Name)
		vals = append(vals, normNull(rowValue(r, t.Field, nil)))
	}
	return value.Obj(keys, vals)
}
