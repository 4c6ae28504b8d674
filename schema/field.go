package schema

import (
	"fmt"
	"regexp"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Capability field names added by timestamps (§2.5).
const (
	CreatedAt = "createdAt"
	UpdatedAt = "updatedAt"
)

// forbiddenNames match the name pattern but are forbidden keys on the wire
// (§2.3, §6.4).
var forbiddenNames = map[string]bool{"__proto__": true, "constructor": true, "prototype": true}

// fieldTypes maps declared type names to normalised types.
var fieldTypes = map[string]Type{
	"string": TypeString, "number": TypeNumber, "boolean": TypeBoolean, "date": TypeDate,
	"object": TypeObject, "array": TypeArray, "json": TypeJSON, "id": TypeString,
}

// parseFields checks each field of a resource, then appends capability
// fields and builds the name index.
func parseFields(fields value.Value, p string, r *Resource) *protocol.Error {
	seen := make(map[string]bool, fields.Len())
	ts := r.HasTimestamps()
	for j, fv := range fields.Elems() {
		f, err := parseField(fv, fmt.Sprintf("%s[%d]", p, j), r, seen, ts)
		if err != nil {
			return err
		}
		if f.Name == "id" {
			r.IDField = &f
			continue
		}
		r.Fields = append(r.Fields, f)
	}
	if ts {
		for _, n := range []string{CreatedAt, UpdatedAt} {
			r.Fields = append(r.Fields, Field{
				Name: n, Type: TypeDate, Nullable: true, ReadOnly: true,
				Default: value.NullValue, Capability: true,
			})
		}
	}
	r.byName = make(map[string]int, len(r.Fields))
	r.keyJSON = make([][]byte, len(r.Fields))
	for i := range r.Fields {
		r.byName[r.Fields[i].Name] = i
		r.keyJSON[i] = append(value.AppendString(nil, r.Fields[i].Name), ':')
	}
	return nil
}

// parseField visits a field's keys in the order of the §2.3 table.
func parseField(fv value.Value, p string, r *Resource, seen map[string]bool, ts bool) (Field, *protocol.Error) {
	if fv.Kind() != value.Object {
		return Field{}, mustBe(p, "object")
	}
	var f Field
	if err := fieldName(fv.Get("name"), p+".name", r, seen, ts, &f); err != nil {
		return f, err
	}
	if err := fieldType(fv.Get("type"), p+".type", &f); err != nil {
		return f, err
	}
	if err := fieldFlags(fv, p, &f); err != nil {
		return f, err
	}
	// The default must pass the constraints, which come after it in the
	// table: read them first, and report their error only when the default
	// itself is fine (or cannot be judged because they are broken).
	cerr := parseConstraints(fv, p, &f)
	if def := fv.Get("default"); !def.IsAbsent() {
		dp := p + ".default"
		if f.Name == "id" {
			return f, schemaErr(dp, "%s does not satisfy the field rules", dp)
		}
		if cerr == nil {
			if r.CheckField(&f, def, dp) != nil {
				return f, schemaErr(dp, "%s does not satisfy the field rules", dp)
			}
			f.Default = def
		}
	}
	if cerr != nil {
		return f, cerr
	}
	for _, k := range []string{"unique", "encrypt", "volatile"} {
		v := fv.Get(k)
		if v.IsAbsent() {
			continue
		}
		if v.Kind() != value.Bool {
			return f, mustBe(p+"."+k, "boolean")
		}
		if v.Bool() {
			return f, notYet(p + "." + k)
		}
	}
	return f, nil
}

func fieldName(v value.Value, p string, r *Resource, seen map[string]bool, ts bool, f *Field) *protocol.Error {
	if v.Kind() != value.String {
		return mustBe(p, "string")
	}
	name := v.Str()
	if !validName(name) || forbiddenNames[name] {
		return schemaErr(p, "invalid name %s", name)
	}
	if seen[name] {
		return schemaErr(p, "duplicate field name %s", name)
	}
	seen[name] = true
	if ts && (name == CreatedAt || name == UpdatedAt) {
		return protocol.Errorf(protocol.CodeCapFieldCollision, p, "Capability field collision: %s.%s", r.Name, name)
	}
	f.Name = name
	return nil
}

func fieldType(v value.Value, p string, f *Field) *protocol.Error {
	if v.Kind() != value.String {
		return mustBe(p, "string")
	}
	if v.Str() == "file" {
		return notYet(p)
	}
	t, ok := fieldTypes[v.Str()]
	if !ok {
		return schemaErr(p, "unknown field type %s", v.Str())
	}
	if f.Name == "id" && t != TypeString {
		// A declared id field constrains ids, which are strings (§2.3).
		return mustBe(p, "string")
	}
	f.Type = t
	return nil
}

// fieldFlags reads required, nullable and readonly. The id field is never
// nullable nor readonly.
func fieldFlags(fv value.Value, p string, f *Field) *protocol.Error {
	isID := f.Name == "id"
	f.Required = isID
	for _, k := range []string{"required", "nullable", "readonly"} {
		v := fv.Get(k)
		if v.IsAbsent() {
			continue
		}
		if v.Kind() != value.Bool {
			return mustBe(p+"."+k, "boolean")
		}
		switch k {
		case "required":
			f.Required = v.Bool()
		case "nullable":
			f.Nullable = v.Bool()
		case "readonly":
			f.ReadOnly = v.Bool()
		}
		if isID && k != "required" && v.Bool() {
			return mustBe(p+"."+k, "false")
		}
	}
	return nil
}

func doesNotApply(p string, t Type) *protocol.Error {
	return schemaErr(p, "%s does not apply to type %s", p, t)
}

// parseConstraints reads enum, min, max, minLength, maxLength and pattern in
// this order.
func parseConstraints(fv value.Value, p string, f *Field) *protocol.Error {
	if err := parseEnum(fv.Get("enum"), p+".enum", f); err != nil {
		return err
	}
	if err := parseRange(fv, p, f); err != nil {
		return err
	}
	if err := parseLengths(fv, p, f); err != nil {
		return err
	}
	return parsePattern(fv.Get("pattern"), p+".pattern", f)
}

func parseEnum(v value.Value, p string, f *Field) *protocol.Error {
	if v.IsAbsent() {
		return nil
	}
	want := value.String
	switch f.Type {
	case TypeString:
	case TypeNumber:
		want = value.Number
	default:
		return doesNotApply(p, f.Type)
	}
	if v.Kind() != value.Array || v.Len() == 0 {
		return mustBe(p, "a non-empty array")
	}
	for k, e := range v.Elems() {
		if e.Kind() != want {
			ep := fmt.Sprintf("%s[%d]", p, k)
			return schemaErr(ep, "%s does not satisfy the field rules", ep)
		}
	}
	f.Enum = append([]value.Value(nil), v.Elems()...)
	return nil
}

func parseRange(fv value.Value, p string, f *Field) *protocol.Error {
	for _, k := range []string{"min", "max"} {
		v := fv.Get(k)
		if v.IsAbsent() {
			continue
		}
		if f.Type != TypeNumber && f.Type != TypeDate {
			return doesNotApply(p+"."+k, f.Type)
		}
		if v.Kind() != value.Number {
			return mustBe(p+"."+k, "number")
		}
		n := v.Num()
		if k == "min" {
			f.Min = &n
		} else {
			f.Max = &n
		}
	}
	if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
		return schemaErr(p+".max", "min must not exceed max")
	}
	return nil
}

func parseLengths(fv value.Value, p string, f *Field) *protocol.Error {
	for _, k := range []string{"minLength", "maxLength"} {
		v := fv.Get(k)
		if v.IsAbsent() {
			continue
		}
		if f.Type != TypeString && f.Type != TypeArray {
			return doesNotApply(p+"."+k, f.Type)
		}
		n, ok := intOf(v)
		if !ok || n < 0 {
			return mustBe(p+"."+k, "a non-negative integer")
		}
		if k == "minLength" {
			f.MinLength = &n
		} else {
			f.MaxLength = &n
		}
	}
	if f.MinLength != nil && f.MaxLength != nil && *f.MinLength > *f.MaxLength {
		return schemaErr(p+".maxLength", "minLength must not exceed maxLength")
	}
	return nil
}

func parsePattern(v value.Value, p string, f *Field) *protocol.Error {
	if v.IsAbsent() {
		return nil
	}
	if f.Type != TypeString {
		return doesNotApply(p, f.Type)
	}
	if v.Kind() != value.String {
		return mustBe(p, "string")
	}
	re, err := regexp.Compile(v.Str())
	if err != nil {
		e := schemaErr(p, "invalid pattern")
		e.Err = err
		return e
	}
	f.Pattern, f.Regexp = v.Str(), re
	return nil
}
