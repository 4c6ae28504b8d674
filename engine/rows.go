package engine

import (
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// The mutation operations of §5.1.
const (
	OpInsert  = "insert"
	OpMerge   = "merge"
	OpReplace = "replace"
	OpDelete  = "delete"
)

// fullRow builds {id, …record} plus defaults plus the timestamps of a
// resource with that capability (§5.4, §5.6), keys in schema order.
// createdAt is kept from prev when keepCreated is set and prev has one.
func fullRow(res *schema.Resource, id string, record value.Value, now int64, prev value.Value, keepCreated bool) value.Value {
	keys := []string{"id"}
	vals := []value.Value{value.Str(id)}
	stamps := res.HasTimestamps()
	for i := range res.Fields {
		f := &res.Fields[i]
		v := record.Get(f.Name)
		switch {
		case stamps && f.Capability && f.Name == "createdAt":
			v = value.Num(float64(now))
			if c := prev.Get("createdAt"); keepCreated && !c.IsAbsent() {
				v = c
			}
		case stamps && f.Capability && f.Name == "updatedAt":
			v = value.Num(float64(now))
		case v.IsAbsent() && !f.Default.IsAbsent():
			v = f.Default
		}
		if !v.IsAbsent() {
			keys = append(keys, f.Name)
			vals = append(vals, v)
		}
	}
	return value.Obj(keys, vals)
}

// mergeRow replaces the record's top-level keys in row (§5.4: nested objects
// are replaced whole) and stamps updatedAt.
func mergeRow(res *schema.Resource, row, record value.Value, now int64) value.Value {
	for i, k := range record.Keys() {
		row = row.With(k, record.Elems()[i])
	}
	if res.HasTimestamps() {
		row = row.With("updatedAt", value.Num(float64(now)))
	}
	return row
}

// suppliesRequired reports whether record plus defaults gives every required
// field a value (a merge of a missing row may then create it, §5.4).
func suppliesRequired(res *schema.Resource, record value.Value) bool {
	for i := range res.Fields {
		f := &res.Fields[i]
		if f.Required && record.Get(f.Name).IsAbsent() && f.Default.IsAbsent() {
			return false
		}
	}
	return true
}

// reapply computes the effect of a pending mutation over the current row
// with the rules of §12.5 (no guard, no existence checks). ok is false when
// the row is absent afterwards.
func reapply(res *schema.Resource, m *mutation, cur value.Value, exists bool, ts int64) (value.Value, bool) {
	switch m.op {
	case OpInsert:
		return fullRow(res, m.id, m.record, ts, value.Value{}, false), true
	case OpReplace:
		return fullRow(res, m.id, m.record, ts, cur, exists), true
	case OpMerge:
		if exists {
			return mergeRow(res, cur, m.record, ts), true
		}
		if suppliesRequired(res, m.record) {
			return fullRow(res, m.id, m.record, ts, value.Value{}, false), true
		}
		return value.Value{}, false
	}
	return value.Value{}, false // delete
}

// applyLocal computes the effect of a mutation on the local path with the
// /mutation rules of §5.4 and the guard of §5.5. guard reports whether the
// mutation's "if" filter holds for a row.
func applyLocal(res *schema.Resource, m *mutation, cur value.Value, exists bool, now int64,
	guard func(row value.Value) bool) (value.Value, bool, *protocol.Error) {
	if !m.guard.IsAbsent() && (!exists || !guard(cur)) {
		return value.Value{}, false, protocol.Errorf(protocol.CodeConflict, "if", "Guard condition not met")
	}
	switch m.op {
	case OpInsert:
		if exists {
			return value.Value{}, false, protocol.Errorf(protocol.CodeConflict, "id", "Record already exists")
		}
	case OpReplace:
		if !exists {
			return value.Value{}, false, notFound(m.id)
		}
	case OpMerge:
		if !exists && !suppliesRequired(res, m.record) {
			return value.Value{}, false, notFound(m.id)
		}
	case OpDelete:
		return value.Value{}, false, nil
	}
	row, ok := reapply(res, m, cur, exists, now)
	return row, ok, nil
}

func notFound(id string) *protocol.Error {
	return protocol.Errorf(protocol.CodeNotFound, "id", "Record not found: %s", id)
}
