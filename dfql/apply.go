package dfql

import (
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Outcome is the effect of applying a mutation to the stored row.
type Outcome struct {
	// Row is the row after the mutation; nil when there is none (deleted, or
	// a delete of a missing row). Unchanged rows are returned as given.
	Row *schema.Row
	// ChangeOp is the change to record (§8.3): "insert", "replace", "merge"
	// or "delete"; "" when nothing changed. A merge or /push replace that
	// creates the row records "insert".
	ChangeOp string
	// ChangeData is the full row object (id first) for insert and replace,
	// the patch for merge (the record's keys plus updatedAt with timestamps,
	// without id), Absent for delete.
	ChangeData value.Value
}

// Apply executes a validated mutation against the stored row cur (nil when
// missing) at time now: the guard (§5.5), the operation (§5.4; push selects
// the /push column) and the write-time fields (§5.6). It does not modify cur.
func Apply(res *schema.Resource, cur *schema.Row, m *Mutation, now int64, push bool) (Outcome, *protocol.Error) {
	if m.If != nil && (cur == nil || !MatchRow(m.If, cur)) {
		return Outcome{}, protocol.Errorf(protocol.CodeConflict, "if", "Guard condition not met")
	}
	switch m.Op {
	case OpInsert:
		return applyInsert(res, cur, m, now, push)
	case OpMerge:
		if cur == nil {
			return createByMerge(res, m, now)
		}
		row, patch := mergeRow(res, cur, m.Record, now)
		return Outcome{Row: row, ChangeOp: OpMerge, ChangeData: patch}, nil
	case OpReplace:
		if cur == nil && !push {
			return Outcome{}, notFound(m.ID)
		}
		if cur == nil {
			return created(res, newRow(res, m.ID, m.Record, now, nil)), nil
		}
		row := newRow(res, m.ID, m.Record, now, cur)
		return Outcome{Row: row, ChangeOp: OpReplace, ChangeData: res.RowObject(row)}, nil
	case OpDelete:
		if cur == nil {
			return Outcome{}, nil
		}
		return Outcome{ChangeOp: OpDelete}, nil
	}
	return Outcome{}, protocol.Unsupported("operation", "mutation.operation."+m.Op)
}

func applyInsert(res *schema.Resource, cur *schema.Row, m *Mutation, now int64, push bool) (Outcome, *protocol.Error) {
	row := newRow(res, m.ID, m.Record, now, nil)
	if cur == nil {
		return created(res, row), nil
	}
	if push && sameWritable(res, cur, row) {
		return Outcome{Row: cur}, nil
	}
	return Outcome{}, protocol.Errorf(protocol.CodeConflict, "id", "Record already exists")
}

func createByMerge(res *schema.Resource, m *Mutation, now int64) (Outcome, *protocol.Error) {
	row := newRow(res, m.ID, m.Record, now, nil)
	if !hasRequired(res, row) {
		return Outcome{}, notFound(m.ID)
	}
	return created(res, row), nil
}

func created(res *schema.Resource, row *schema.Row) Outcome {
	return Outcome{Row: row, ChangeOp: OpInsert, ChangeData: res.RowObject(row)}
}

func notFound(id string) *protocol.Error {
	return protocol.Errorf(protocol.CodeNotFound, "id", "Record not found: %s", id)
}

// newRow is `{id, …record}` plus defaults plus the timestamps set to now;
// with prev (a replace of an existing row) createdAt is kept from prev.
// Readonly keys of record are ignored.
func newRow(res *schema.Resource, id string, record value.Value, now int64, prev *schema.Row) *schema.Row {
	row := &schema.Row{ID: id, Vals: make([]value.Value, len(res.Fields))}
	vals := record.Elems()
	for i, k := range record.Keys() {
		if j := res.FieldIndex(k); j >= 0 && !res.Fields[j].ReadOnly {
			row.Vals[j] = vals[i]
		}
	}
	for j := range res.Fields {
		if row.Vals[j].IsAbsent() {
			row.Vals[j] = res.Fields[j].Default
		}
	}
	if res.HasTimestamps() {
		c, u := stampFields(res)
		row.Vals[c] = value.Num(float64(now))
		row.Vals[u] = value.Num(float64(now))
		if prev != nil {
			row.Vals[c] = prev.Get(c)
		}
	}
	return row
}

// mergeRow replaces cur's values for the record's keys and stamps
// updatedAt; it returns the new row and the patch to record.
func mergeRow(res *schema.Resource, cur *schema.Row, record value.Value, now int64) (*schema.Row, value.Value) {
	row := &schema.Row{ID: cur.ID, Vals: make([]value.Value, len(res.Fields))}
	copy(row.Vals, cur.Vals)
	keys := make([]string, 0, record.Len()+1)
	pvals := make([]value.Value, 0, record.Len()+1)
	vals := record.Elems()
	for i, k := range record.Keys() {
		if j := res.FieldIndex(k); j >= 0 && !res.Fields[j].ReadOnly && !vals[i].IsAbsent() {
			row.Vals[j] = vals[i]
			keys = append(keys, k)
			pvals = append(pvals, vals[i])
		}
	}
	if res.HasTimestamps() {
		_, u := stampFields(res)
		row.Vals[u] = value.Num(float64(now))
		keys = append(keys, res.Fields[u].Name)
		pvals = append(pvals, row.Vals[u])
	}
	return row, value.Obj(keys, pvals)
}

func stampFields(res *schema.Resource) (createdAt, updatedAt int) {
	return res.FieldIndex("createdAt"), res.FieldIndex("updatedAt")
}

// hasRequired reports whether a row built from record plus defaults has a
// value for every required field (an explicit null counts as a value).
func hasRequired(res *schema.Resource, row *schema.Row) bool {
	for j := range res.Fields {
		if res.Fields[j].Required && row.Get(j).IsAbsent() {
			return false
		}
	}
	return true
}

// sameWritable compares the writable fields of two rows as JSON values,
// absent the same as null (§5.4, the /push insert column).
func sameWritable(res *schema.Resource, a, b *schema.Row) bool {
	for j := range res.Fields {
		if !res.Fields[j].ReadOnly && !value.Equal(a.Get(j), b.Get(j)) {
			return false
		}
	}
	return true
}

// Reapply computes the row a pending local mutation produces over cur with
// the read-your-writes rules of §12.5: no guards and no existence checks,
// timestamps set to ts. It returns nil when the row does not exist after it.
func Reapply(res *schema.Resource, cur *schema.Row, op string, id string, record value.Value, ts int64) *schema.Row {
	switch op {
	case OpInsert:
		return newRow(res, id, record, ts, nil)
	case OpReplace:
		return newRow(res, id, record, ts, cur)
	case OpMerge:
		if cur != nil {
			row, _ := mergeRow(res, cur, record, ts)
			return row
		}
		if row := newRow(res, id, record, ts, nil); hasRequired(res, row) {
			return row
		}
		return nil
	case OpDelete:
		return nil
	}
	return cur
}
