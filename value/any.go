package value

import (
	"encoding/json"
	"math"
	"slices"
	"unicode/utf8"
)

func marshalAny(x any) ([]byte, error) { return json.Marshal(x) }

// ToAny converts v into plain Go values (map[string]any, []any, string,
// float64, bool, nil), for tests and for callers that need encoding/json.
func ToAny(v Value) any {
	switch v.kind {
	case Bool:
		return v.Bool()
	case Number:
		return v.num
	case String:
		return v.str
	case Array:
		out := make([]any, len(v.comp.vals))
		for i, e := range v.comp.vals {
			out[i] = ToAny(e)
		}
		return out
	case Object:
		out := make(map[string]any, len(v.comp.keys))
		for i, k := range v.comp.keys {
			if v.comp.vals[i].kind != Absent {
				out[k] = ToAny(v.comp.vals[i])
			}
		}
		return out
	}
	return nil
}

// FromPlain is FromAny without encoding/json, for the plain values ToAny
// makes (map[string]any, []any, string, float64, bool, nil) and a few more
// (other numbers, []string, map[string]string, Value). Map keys come in
// sorted order, as encoding/json writes them. ok is false for any other
// type, and for NaN and infinities, which JSON cannot carry. It keeps
// encoding/json's reflection out of datafn.wasm.
func FromPlain(x any) (v Value, ok bool) {
	switch x := x.(type) {
	case nil:
		return NullValue, true
	case bool:
		return Boolean(x), true
	case string:
		return plainStr(x), true
	case float64:
		return plainNum(x)
	case float32:
		return plainNum(float64(x))
	case int:
		return Num(float64(x)), true
	case int64:
		return Num(float64(x)), true
	case int32:
		return Num(float64(x)), true
	case uint:
		return Num(float64(x)), true
	case uint64:
		return Num(float64(x)), true
	case uint32:
		return Num(float64(x)), true
	case Value:
		if x.kind == Absent {
			return NullValue, true // MarshalJSON writes null
		}
		return x, true
	case []any:
		if x == nil {
			return NullValue, true
		}
		out := make([]Value, len(x))
		for i, e := range x {
			if out[i], ok = FromPlain(e); !ok {
				return Value{}, false
			}
		}
		return Arr(out), true
	case []string:
		if x == nil {
			return NullValue, true
		}
		out := make([]Value, len(x))
		for i, e := range x {
			out[i] = plainStr(e)
		}
		return Arr(out), true
	case map[string]any:
		if x == nil {
			return NullValue, true
		}
		keys := sortedKeys(x)
		vals := make([]Value, len(keys))
		for i, k := range keys {
			keys[i] = plainStr(k).str
			if vals[i], ok = FromPlain(x[k]); !ok {
				return Value{}, false
			}
		}
		return Obj(keys, vals), true
	case map[string]string:
		if x == nil {
			return NullValue, true
		}
		keys := sortedKeys(x)
		vals := make([]Value, len(keys))
		for i, k := range keys {
			vals[i] = plainStr(x[k])
		}
		return Obj(keys, vals), true
	}
	return Value{}, false
}

// plainStr is Str with each byte of invalid UTF-8 replaced by U+FFFD, as
// encoding/json writes it.
func plainStr(s string) Value {
	if utf8.ValidString(s) {
		return Str(s)
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return Str(string(b))
}

func plainNum(f float64) (Value, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}, false
	}
	return Num(f), true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
