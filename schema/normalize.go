package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"github.com/datafn/datafn-go/value"
)

// NormalizedJSON returns the canonical JSON of the normalised schema (§2.8),
// the bytes the schema hash is computed from.
func (s *Schema) NormalizedJSON() []byte {
	return append([]byte(nil), s.normJSON...)
}

func hashOf(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// normalized is the normalised schema document: version when given and the
// resources. The schema-wide capabilities, relations and namespaced are
// folded away: each resource lists its effective capabilities.
func (s *Schema) normalized() value.Value {
	res := make([]value.Value, len(s.Resources))
	for i, r := range s.Resources {
		res[i] = r.normalized()
	}
	keys := []string{"resources"}
	vals := []value.Value{value.Arr(res)}
	if s.Version != nil {
		keys = append(keys, "version")
		vals = append(vals, value.Num(float64(*s.Version)))
	}
	return value.Obj(keys, vals)
}

// normalized lists a declared id field first, then Fields.
func (r *Resource) normalized() value.Value {
	fields := make([]value.Value, 0, len(r.Fields)+1)
	if r.IDField != nil {
		fields = append(fields, r.IDField.normalized())
	}
	for i := range r.Fields {
		fields = append(fields, r.Fields[i].normalized())
	}
	indices := value.Obj(
		[]string{"base", "search", "vector"},
		[]value.Value{strArr(r.Indices.Base), strArr(r.Indices.Search), strArr(r.Indices.Vector)},
	)
	return value.Obj(
		[]string{"name", "version", "idPrefix", "isRemoteOnly", "capabilities", "fields", "indices"},
		[]value.Value{
			value.Str(r.Name), value.Num(float64(r.Version)), value.Str(r.Prefix),
			value.Boolean(r.RemoteOnly), strArr(r.Capabilities), value.Arr(fields), indices,
		},
	)
}

func (f *Field) normalized() value.Value {
	keys := []string{"name", "type", "required", "nullable", "readonly"}
	vals := []value.Value{
		value.Str(f.Name), value.Str(string(f.Type)),
		value.Boolean(f.Required), value.Boolean(f.Nullable), value.Boolean(f.ReadOnly),
	}
	add := func(k string, v value.Value) {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	if !f.Default.IsAbsent() {
		add("default", f.Default)
	}
	if f.Enum != nil {
		add("enum", value.Arr(append([]value.Value(nil), f.Enum...)))
	}
	if f.Min != nil {
		add("min", value.Num(*f.Min))
	}
	if f.Max != nil {
		add("max", value.Num(*f.Max))
	}
	if f.MinLength != nil {
		add("minLength", value.Num(float64(*f.MinLength)))
	}
	if f.MaxLength != nil {
		add("maxLength", value.Num(float64(*f.MaxLength)))
	}
	if f.Regexp != nil {
		add("pattern", value.Str(f.Pattern))
	}
	return value.Obj(keys, vals)
}

func strArr(ss []string) value.Value {
	out := make([]value.Value, len(ss))
	for i, s := range ss {
		out[i] = value.Str(s)
	}
	return value.Arr(out)
}

// appendCanonical appends the canonical JSON of v: object keys sorted in
// code point order (byte order of UTF-8) at every level, no whitespace,
// numbers in shortest form. Absent object members are left out.
func appendCanonical(dst []byte, v value.Value) []byte {
	switch v.Kind() {
	case value.Array:
		dst = append(dst, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCanonical(dst, e)
		}
		return append(dst, ']')
	case value.Object:
		keys, vals := v.Keys(), v.Elems()
		order := make([]int, len(keys))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return keys[order[a]] < keys[order[b]] })
		dst = append(dst, '{')
		n := 0
		for _, i := range order {
			if vals[i].IsAbsent() {
				continue
			}
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			dst = value.AppendString(dst, keys[i])
			dst = append(dst, ':')
			dst = appendCanonical(dst, vals[i])
		}
		return append(dst, '}')
	}
	return value.AppendJSON(dst, v)
}
