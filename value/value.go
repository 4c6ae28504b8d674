// Package value is the JSON value model shared by the server, the client
// engine and the query language: a compact tagged Value, a fast parser and
// encoder, and the equality and ordering rules of protocol.md §3.
//
// Rows live in the wasm heap by the hundred thousand, so a Value is a small
// struct (40 bytes) rather than an interface tree: scalars need no extra
// allocation besides string bytes, and arrays and objects keep their
// elements in one slice each.
package value

import "math"

// Kind is the JSON type of a Value. Absent is the zero Kind: a field that is
// not present. Filters, sorting and grouping treat Absent as Null (§3.2).
type Kind uint8

// The kinds of values.
const (
	Absent Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

func (k Kind) String() string {
	switch k {
	case Absent:
		return "absent"
	case Null:
		return "null"
	case Bool:
		return "boolean"
	case Number:
		return "number"
	case String:
		return "string"
	case Array:
		return "array"
	case Object:
		return "object"
	}
	return "invalid"
}

// Value is one JSON value. The zero Value is Absent.
type Value struct {
	kind Kind
	num  float64 // Number; Bool as 0/1
	str  string  // String
	comp *compound
}

type compound struct {
	vals []Value  // array elements, or object values
	keys []string // object keys, parallel to vals; nil for arrays
}

// Constructors.

// NullValue is JSON null.
var NullValue = Value{kind: Null}

// Str makes a string value.
func Str(s string) Value { return Value{kind: String, str: s} }

// Num makes a number value; -0 becomes 0 (§3.1).
func Num(f float64) Value {
	if f == 0 {
		f = 0
	}
	return Value{kind: Number, num: f}
}

// Boolean makes a boolean value.
func Boolean(b bool) Value {
	if b {
		return Value{kind: Bool, num: 1}
	}
	return Value{kind: Bool}
}

// Arr makes an array value that owns elems.
func Arr(elems []Value) Value {
	if elems == nil {
		elems = []Value{}
	}
	return Value{kind: Array, comp: &compound{vals: elems}}
}

// Obj makes an object value that owns keys and vals (same length, keys unique).
func Obj(keys []string, vals []Value) Value {
	if keys == nil {
		keys = []string{}
	}
	return Value{kind: Object, comp: &compound{keys: keys, vals: vals}}
}

// Accessors.

// Kind is the value's JSON type.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is null or absent.
func (v Value) IsNull() bool { return v.kind <= Null }

// IsAbsent reports whether v is absent.
func (v Value) IsAbsent() bool { return v.kind == Absent }

// Str is the string of a String value, else "".
func (v Value) Str() string { return v.str }

// Num is the number of a Number value, else 0.
func (v Value) Num() float64 {
	if v.kind == Number {
		return v.num
	}
	return 0
}

// Bool is the boolean of a Bool value, else false.
func (v Value) Bool() bool { return v.kind == Bool && v.num != 0 }

// IsInteger reports whether v is a Number with an integral value.
func (v Value) IsInteger() bool {
	return v.kind == Number && v.num == math.Trunc(v.num) && !math.IsInf(v.num, 0)
}

// Len is the number of elements of an array or keys of an object.
func (v Value) Len() int {
	if v.comp == nil {
		return 0
	}
	return len(v.comp.vals)
}

// Elems are the elements of an array (or the values of an object). Callers
// must not modify the slice.
func (v Value) Elems() []Value {
	if v.comp == nil {
		return nil
	}
	return v.comp.vals
}

// Keys are the keys of an object in their order. Callers must not modify it.
func (v Value) Keys() []string {
	if v.kind != Object {
		return nil
	}
	return v.comp.keys
}

// Index is element i of an array.
func (v Value) Index(i int) Value { return v.comp.vals[i] }

// Get returns the value of key in an object; Absent when missing or when v
// is not an object.
func (v Value) Get(key string) Value {
	if v.kind != Object {
		return Value{}
	}
	for i, k := range v.comp.keys {
		if k == key {
			return v.comp.vals[i]
		}
	}
	return Value{}
}

// Has reports whether an object has key.
func (v Value) Has(key string) bool {
	if v.kind != Object {
		return false
	}
	for _, k := range v.comp.keys {
		if k == key {
			return true
		}
	}
	return false
}

// With returns a copy of object v with key set to x (appended when new).
// Setting an Absent x removes the key.
func (v Value) With(key string, x Value) Value {
	var keys []string
	var vals []Value
	if v.kind == Object {
		keys = make([]string, 0, len(v.comp.keys)+1)
		vals = make([]Value, 0, len(v.comp.keys)+1)
		for i, k := range v.comp.keys {
			if k == key {
				continue
			}
			keys = append(keys, k)
			vals = append(vals, v.comp.vals[i])
		}
	}
	if x.kind != Absent {
		// Keep the key's old position when it existed.
		if pos := indexOf(v, key); pos >= 0 {
			keys = append(keys, "")
			vals = append(vals, Value{})
			copy(keys[pos+1:], keys[pos:])
			copy(vals[pos+1:], vals[pos:])
			keys[pos], vals[pos] = key, x
		} else {
			keys = append(keys, key)
			vals = append(vals, x)
		}
	}
	return Obj(keys, vals)
}

func indexOf(v Value, key string) int {
	if v.kind != Object {
		return -1
	}
	for i, k := range v.comp.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// Path walks dotted segments into nested objects; a missing step gives Absent.
func (v Value) Path(segs []string) Value {
	for _, s := range segs {
		v = v.Get(s)
		if v.kind == Absent {
			return v
		}
	}
	return v
}
