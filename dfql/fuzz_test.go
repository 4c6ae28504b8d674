package dfql

import (
	"bytes"
	"slices"
	"testing"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// FuzzQuery feeds a query document and a JSON array of task records (any
// shapes, including values that break the schema) through ParseQuery and
// Eval. It checks that nothing panics, that every rejection carries a code
// and a path, that evaluation is deterministic, and that the result matches
// a naive reference pipeline: filter with the tree evaluator, sort every
// row, cut the cursor window, offset and limit.
func FuzzQuery(f *testing.F) {
	f.Add(`{"resource":"task","sort":["title"],"limit":2}`, qRowsJSON)
	s := fixture(f)
	res := s.Resource("task")
	f.Fuzz(func(t *testing.T, query, rowsDoc string) {
		qv, err := value.ParseString(query)
		if err != nil {
			return
		}
		rows := fuzzRows(res, rowsDoc)
		for _, opt := range []Options{{MaxLimit: 100}, {}} {
			q, perr := ParseQuery(s, qv, opt)
			if perr != nil {
				if perr.Code == "" || perr.Path == "" || perr.Message == "" {
					t.Fatalf("rejection without code, path or message: %#v", perr)
				}
				continue
			}
			checkEval(t, q, rows)
		}
	})
}

// qRowsJSON is data set Q with ids, the default rows of the seeds.
const qRowsJSON = `[{"id":"task:1","title":"apple","status":"active","prio":2,"tags":["home","urgent"],"meta":{"color":"red","size":3},"due":1700000000000},` +
	`{"id":"task:2","title":"Banana","status":"done","prio":null,"tags":[],"meta":{"color":"blue"}},` +
	`{"id":"task:3","title":"cherry","status":"active","prio":1,"tags":["work"]},` +
	`{"id":"task:4","title":"Äpfel","status":"active","tags":["urgent"],"due":null},` +
	`{"id":"task:5","title":"😀","status":"done","prio":5},` +
	`{"id":"task:6","title":"Ａ","status":"active","prio":2},` +
	`{"id":"task:7","title":"","status":"active"}]`

// fuzzRows decodes records leniently: objects with a string id, first
// occurrence of an id wins.
func fuzzRows(res *schema.Resource, doc string) []*schema.Row {
	v, err := value.ParseString(doc)
	if err != nil || v.Kind() != value.Array {
		return nil
	}
	seen := map[string]bool{}
	var rows []*schema.Row
	for _, e := range v.Elems() {
		id := e.Get("id")
		if e.Kind() != value.Object || id.Kind() != value.String || seen[id.Str()] {
			continue
		}
		seen[id.Str()] = true
		r := res.RowFromObject(e)
		rows = append(rows, &r)
	}
	return rows
}

func checkEval(t *testing.T, q *Query, rows []*schema.Row) {
	r1 := q.Eval(rows)
	j1 := q.AppendResultJSON(nil, r1)
	j2 := q.AppendResultJSON(nil, q.Eval(rows))
	if !bytes.Equal(j1, j2) {
		t.Fatalf("evaluation is not deterministic:\n%s\n%s", j1, j2)
	}
	if _, err := value.Parse(j1); err != nil {
		t.Fatalf("result is not JSON: %v\n%s", err, j1)
	}
	if q.Grouped {
		checkGroups(t, q, rows, r1)
		return
	}
	want, more, count := reference(q, rows)
	if count != r1.Count {
		t.Fatalf("count %d, reference %d", r1.Count, count)
	}
	if !slices.Equal(rowIDs(r1.Rows), rowIDs(want)) {
		t.Fatalf("rows %v, reference %v", rowIDs(r1.Rows), rowIDs(want))
	}
	if more == r1.NextCursor.IsAbsent() {
		t.Fatalf("nextCursor %s, reference more=%v", r1.NextCursor, more)
	}
}

// reference is the row pipeline written the slow, obvious way.
func reference(q *Query, rows []*schema.Row) (page []*schema.Row, more bool, count int) {
	var all []*schema.Row
	for _, r := range rows {
		if MatchRow(q.Filter, r) {
			count++
			all = append(all, r)
		}
	}
	order := q.Order()
	key := func(r *schema.Row) []value.Value {
		out := make([]value.Value, len(order))
		for i, t := range order {
			out[i] = rowValue(r, t.Field, nil)
		}
		return out
	}
	slices.SortFunc(all, func(a, b *schema.Row) int { return naiveCmp(order, key(a), key(b)) })
	var in []*schema.Row
	for _, r := range all {
		if q.Cursor == nil {
			in = append(in, r)
			continue
		}
		c := naiveCmp(order, key(r), q.Cursor.Values)
		if (q.Cursor.After && c > 0) || (!q.Cursor.After && c < 0) {
			in = append(in, r)
		}
	}
	if q.Cursor != nil && !q.Cursor.After {
		end := max(len(in)-q.Offset, 0)
		start := 0
		if q.Limit > 0 {
			start = max(end-q.Limit, 0)
		}
		return in[start:end], q.Limit > 0 && start > 0 && end > start, count
	}
	if q.Offset >= len(in) {
		return nil, false, count
	}
	in = in[q.Offset:]
	if q.Limit > 0 && len(in) > q.Limit {
		return in[:q.Limit], true, count
	}
	return in, false, count
}

// naiveCmp orders two position keys term by term with value.Compare.
func naiveCmp(order []SortTerm, a, b []value.Value) int {
	for i, t := range order {
		c := value.Compare(a[i], b[i])
		if t.Desc {
			c = -c
		}
		if c != 0 || t.Field == IDField {
			return c
		}
	}
	return 0
}

func rowIDs(rows []*schema.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// checkGroups compares the group counts with a naive filter: without having,
// offset and limit, the `count *` aliases add up to the matching rows.
func checkGroups(t *testing.T, q *Query, rows []*schema.Row, r *Result) {
	if q.Having != nil || q.Offset > 0 || q.Limit > 0 {
		return
	}
	matched := 0
	for _, row := range rows {
		if MatchRow(q.Filter, row) {
			matched++
		}
	}
	for _, a := range q.Aggs {
		if a.Op != AggCount || a.Field != AggStar {
			continue
		}
		total := 0
		for _, g := range r.Groups {
			total += int(g.Get(a.Alias).Num())
		}
		if total != matched {
			t.Fatalf("groups count %d rows, filter keeps %d", total, matched)
		}
	}
}
