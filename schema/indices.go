package schema

import (
	"fmt"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// parseIndices checks indices (§2.6) in either form. It runs before the
// fields are visited (§2.2 table order), so base entries are checked
// against the declared field names as written and the capability fields.
func parseIndices(v value.Value, p string, r *Resource, fields value.Value) *protocol.Error {
	r.Indices = Indices{Base: []string{}, Search: []string{}, Vector: []string{}}
	known := indexableNames(r, fields)
	switch v.Kind() {
	case value.Absent:
		return nil
	case value.Array:
		base, err := indexList(v, p, known)
		r.Indices.Base = base
		return err
	case value.Object:
		if b := v.Get("base"); !b.IsAbsent() {
			base, err := indexList(b, p+".base", known)
			if err != nil {
				return err
			}
			r.Indices.Base = base
		}
		for _, k := range []string{"search", "vector"} {
			l := v.Get(k)
			if l.IsAbsent() {
				continue
			}
			if l.Kind() != value.Array {
				return mustBe(p+"."+k, "array")
			}
			if l.Len() > 0 {
				return notYet(p + "." + k)
			}
		}
		return nil
	}
	return mustBe(p, "array or object")
}

// indexableNames are the names a base index may use: declared field names
// and the resource's capability fields.
func indexableNames(r *Resource, fields value.Value) map[string]bool {
	known := make(map[string]bool, fields.Len()+2)
	for _, fv := range fields.Elems() {
		if n := fv.Get("name"); n.Kind() == value.String {
			known[n.Str()] = true
		}
	}
	if r.HasTimestamps() {
		known[CreatedAt], known[UpdatedAt] = true, true
	}
	return known
}

func indexList(v value.Value, p string, known map[string]bool) ([]string, *protocol.Error) {
	if v.Kind() != value.Array {
		return nil, mustBe(p, "array")
	}
	out := make([]string, 0, v.Len())
	for k, e := range v.Elems() {
		ep := fmt.Sprintf("%s[%d]", p, k)
		if e.Kind() != value.String {
			return nil, mustBe(ep, "string")
		}
		if !known[e.Str()] {
			return nil, schemaErr(ep, "unknown index field %s", e.Str())
		}
		out = append(out, e.Str())
	}
	return out, nil
}
