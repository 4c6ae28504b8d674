package schema

import (
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"sort"

	"github.com/datafn/datafn-go/value"
)

// NormalizedJSON returns the canonical JSON of the normalised schema (§2.8),
// the bytes the schema hash is computed from.
func (s *Schema) NormalizedJSON() []byte {
	return append([]byte(nil), s.normJSON...)
}

func hashOf(canonical []byte) string {
	sum := sha256Sum(canonical)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// sha256Sum is SHA-256 (FIPS 180-4) in plain Go: crypto/sha256 brings the
// FIPS 140 module along, about 0.15 MB of datafn.wasm, for one hash of a
// few kilobytes per client.
func sha256Sum(msg []byte) [32]byte {
	h := [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}
	// The message, a 1 bit, zeros and the bit length fill whole blocks.
	n := len(msg)
	padded := make([]byte, (n+8)/64*64+64)
	copy(padded, msg)
	padded[n] = 0x80
	binary.BigEndian.PutUint64(padded[len(padded)-8:], uint64(n)*8)
	var w [64]uint32
	for block := padded; len(block) > 0; block = block[64:] {
		for i := 0; i < 16; i++ {
			w[i] = binary.BigEndian.Uint32(block[4*i:])
		}
		for i := 16; i < 64; i++ {
			s0 := bits.RotateLeft32(w[i-15], -7) ^ bits.RotateLeft32(w[i-15], -18) ^ w[i-15]>>3
			s1 := bits.RotateLeft32(w[i-2], -17) ^ bits.RotateLeft32(w[i-2], -19) ^ w[i-2]>>10
			w[i] = w[i-16] + s0 + w[i-7] + s1
		}
		a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
		for i := 0; i < 64; i++ {
			t1 := hh + (bits.RotateLeft32(e, -6) ^ bits.RotateLeft32(e, -11) ^ bits.RotateLeft32(e, -25)) + (e&f ^ ^e&g) + sha256K[i] + w[i]
			t2 := (bits.RotateLeft32(a, -2) ^ bits.RotateLeft32(a, -13) ^ bits.RotateLeft32(a, -22)) + (a&b ^ a&c ^ b&c)
			hh, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
		}
		h[0] += a
		h[1] += b
		h[2] += c
		h[3] += d
		h[4] += e
		h[5] += f
		h[6] += g
		h[7] += hh
	}
	var sum [32]byte
	for i, x := range h {
		binary.BigEndian.PutUint32(sum[4*i:], x)
	}
	return sum
}

var sha256K = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
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
