package schema

import (
	"strings"
	"unicode/utf8"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Mutation operations that carry a record (§5.1).
const (
	OpInsert  = "insert"
	OpMerge   = "merge"
	OpReplace = "replace"
	OpDelete  = "delete"
)

// ValidateID checks a mutation id (§5.3 step 3): a string of at most 255
// code points that starts with "P:" and has at least one character after
// it, satisfying a declared id field's constraints.
func (r *Resource) ValidateID(id value.Value) *protocol.Error {
	if id.Kind() != value.String {
		return protocol.Invalid("id", "id must be string")
	}
	s := id.Str()
	if len(s) > MaxIDLen && utf8.RuneCountInString(s) > MaxIDLen {
		return protocol.Invalid("id", "id must be at most %d characters", MaxIDLen)
	}
	if !r.HasPrefix(s) {
		return protocol.Errorf(protocol.CodeInvalid, "id", "Invalid id: does not match required prefix")
	}
	if r.IDField != nil {
		return r.CheckField(r.IDField, id, "id")
	}
	return nil
}

// HasPrefix reports whether id is "P:" followed by at least one character.
func (r *Resource) HasPrefix(id string) bool {
	return len(id) > len(r.Prefix)+1 && id[len(r.Prefix)] == ':' && strings.HasPrefix(id, r.Prefix)
}

// ValidateRecord checks the record of an insert, merge or replace of id
// (§5.3 steps 4-7) and returns it cleaned: without "id", without readonly
// fields, supplied fields in schema order. Defaults are not added; step 7
// checks required fields as if they were. A delete has no record: it gives
// Absent and no error.
func (r *Resource) ValidateRecord(op string, id string, record value.Value) (value.Value, *protocol.Error) {
	switch op {
	case OpInsert, OpMerge, OpReplace:
	case OpDelete:
		return value.Value{}, nil
	default:
		return value.Value{}, protocol.Unsupported("operation", "mutation.operation."+op)
	}
	if record.Kind() != value.Object {
		return value.Value{}, protocol.Invalid("record", "record must be object")
	}
	if err := r.checkKeys(id, record); err != nil {
		return value.Value{}, err
	}
	keys := make([]string, 0, record.Len())
	vals := make([]value.Value, 0, record.Len())
	for i := range r.Fields {
		f := &r.Fields[i]
		v := record.Get(f.Name)
		if v.IsAbsent() || f.ReadOnly {
			continue
		}
		if err := r.CheckField(f, v, "record."+f.Name); err != nil {
			return value.Value{}, err
		}
		keys = append(keys, f.Name)
		vals = append(vals, v)
	}
	if op != OpMerge {
		if err := r.checkRequired(record); err != nil {
			return value.Value{}, err
		}
	}
	return value.Obj(keys, vals), nil
}

// checkKeys is step 5 before the drop of readonly fields: the first unknown
// key in code point order, then record.id against id.
func (r *Resource) checkKeys(id string, record value.Value) *protocol.Error {
	unknown := ""
	found := false
	for i, k := range record.Keys() {
		if record.Elems()[i].IsAbsent() || k == "id" || r.FieldIndex(k) >= 0 {
			continue
		}
		if !found || k < unknown {
			unknown, found = k, true
		}
	}
	if found {
		return protocol.UnknownField("record."+unknown, "record."+unknown)
	}
	if rid := record.Get("id"); !rid.IsAbsent() && (rid.Kind() != value.String || rid.Str() != id) {
		return protocol.Invalid("record.id", "record.id must match id")
	}
	return nil
}

// checkRequired is step 7: a required field that neither the record (its
// writable part) nor a default supplies. An explicit null is a value: a
// required field that is nullable accepts it. The id field is always
// supplied by the mutation's id.
func (r *Resource) checkRequired(record value.Value) *protocol.Error {
	for i := range r.Fields {
		f := &r.Fields[i]
		if !f.Required || !f.Default.IsAbsent() {
			continue
		}
		if f.ReadOnly || record.Get(f.Name).IsAbsent() {
			return protocol.Invalid("record."+f.Name, "record.%s is required", f.Name)
		}
	}
	return nil
}

// WithDefaults returns record with the default of every field it lacks
// added after its own keys, in schema order. Values are immutable, so the
// shared default is as good as a copy. Fields without a default stay absent;
// timestamps fields get null.
func (r *Resource) WithDefaults(record value.Value) value.Value {
	n := record.Len()
	keys := append(make([]string, 0, n+len(r.Fields)), record.Keys()...)
	vals := append(make([]value.Value, 0, n+len(r.Fields)), record.Elems()...)
	added := false
	for i := range r.Fields {
		f := &r.Fields[i]
		if f.Default.IsAbsent() || !record.Get(f.Name).IsAbsent() {
			continue
		}
		if j := indexOfKey(keys, f.Name); j >= 0 {
			vals[j] = f.Default // the key was present with an Absent value
		} else {
			keys = append(keys, f.Name)
			vals = append(vals, f.Default)
		}
		added = true
	}
	if !added && record.Kind() == value.Object {
		return record
	}
	return value.Obj(keys, vals)
}

func indexOfKey(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

// Writable reports whether name is a field of the resource that callers may
// write: declared, not readonly, not "id".
func (r *Resource) Writable(name string) bool {
	i := r.FieldIndex(name)
	return i >= 0 && !r.Fields[i].ReadOnly
}

// Field returns the field with this name, or nil ("id" is not in Fields:
// see IDField).
func (r *Resource) Field(name string) *Field {
	if i := r.FieldIndex(name); i >= 0 {
		return &r.Fields[i]
	}
	return nil
}
