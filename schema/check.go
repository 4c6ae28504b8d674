package schema

import (
	"unicode/utf8"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// CheckField applies the rules of field f to a supplied value v (§5.3 step
// 6), naming the value path in messages ("record.title", "id"). Absent
// values are not supplied and pass. Null passes only a nullable field and is
// not checked further.
func (r *Resource) CheckField(f *Field, v value.Value, path string) *protocol.Error {
	switch {
	case v.IsAbsent():
		return nil
	case v.Kind() == value.Null:
		if !f.Nullable {
			return protocol.Invalid(path, "%s must not be null", path)
		}
		return nil
	case !typeMatches(f.Type, v):
		return protocol.Invalid(path, "%s must be %s", path, f.Type)
	}
	if f.Enum != nil && !inEnum(f.Enum, v) {
		return protocol.Invalid(path, "%s is not an allowed value", path)
	}
	if err := checkRange(f, v, path); err != nil {
		return err
	}
	if err := checkLength(f, v, path); err != nil {
		return err
	}
	if f.Regexp != nil && !f.Regexp.MatchString(v.Str()) {
		return protocol.Invalid(path, "%s does not match pattern", path)
	}
	return nil
}

// typeMatches reports whether a non-null value has the field type (§2.4).
func typeMatches(t Type, v value.Value) bool {
	switch t {
	case TypeString:
		return v.Kind() == value.String
	case TypeNumber:
		return v.Kind() == value.Number
	case TypeBoolean:
		return v.Kind() == value.Bool
	case TypeDate:
		return v.IsInteger() && v.Num() >= -MaxDate && v.Num() <= MaxDate
	case TypeObject:
		return v.Kind() == value.Object
	case TypeArray:
		return v.Kind() == value.Array
	}
	return true // json
}

func inEnum(enum []value.Value, v value.Value) bool {
	for _, e := range enum {
		if value.ScalarEqual(e, v) {
			return true
		}
	}
	return false
}

func checkRange(f *Field, v value.Value, path string) *protocol.Error {
	if v.Kind() != value.Number {
		return nil
	}
	if f.Min != nil && v.Num() < *f.Min {
		return protocol.Invalid(path, "%s must be >= %s", path, value.AppendNumber(nil, *f.Min))
	}
	if f.Max != nil && v.Num() > *f.Max {
		return protocol.Invalid(path, "%s must be <= %s", path, value.AppendNumber(nil, *f.Max))
	}
	return nil
}

// checkLength counts strings in code points and arrays in elements (§3.5).
func checkLength(f *Field, v value.Value, path string) *protocol.Error {
	if f.MinLength == nil && f.MaxLength == nil {
		return nil
	}
	var n int
	switch v.Kind() {
	case value.String:
		n = utf8.RuneCountInString(v.Str())
	case value.Array:
		n = v.Len()
	default:
		return nil
	}
	if f.MinLength != nil && n < *f.MinLength {
		return protocol.Invalid(path, "%s length must be >= %d", path, *f.MinLength)
	}
	if f.MaxLength != nil && n > *f.MaxLength {
		return protocol.Invalid(path, "%s length must be <= %d", path, *f.MaxLength)
	}
	return nil
}

// Holds reports whether v has the type of field f, or is null for a
// nullable field: the check the client makes on rows the server sends,
// which may predate later enum, range or length rules.
func (f *Field) Holds(v value.Value) bool {
	if v.Kind() == value.Null {
		return f.Nullable
	}
	return typeMatches(f.Type, v)
}
