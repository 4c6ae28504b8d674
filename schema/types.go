// Package schema parses, validates and normalises a DataFn schema
// (protocol.md §2), computes its hash, validates mutation records against a
// resource (§5.3 steps 3, 5-7), and defines Row, the compact form in which
// records of a resource are held in memory.
package schema

import (
	"regexp"

	"github.com/datafn/datafn-go/value"
)

// Type is a field type after normalisation ("id" becomes TypeString).
type Type string

// The field types of §2.4.
const (
	TypeString  Type = "string"
	TypeNumber  Type = "number"
	TypeBoolean Type = "boolean"
	TypeDate    Type = "date"
	TypeObject  Type = "object"
	TypeArray   Type = "array"
	TypeJSON    Type = "json"
)

// Sortable reports whether fields of this type can be sorted, grouped and
// compared (§4.6).
func (t Type) Sortable() bool {
	return t == TypeString || t == TypeNumber || t == TypeBoolean || t == TypeDate
}

// Field is one normalised field definition.
type Field struct {
	Name     string
	Type     Type
	Required bool
	Nullable bool
	ReadOnly bool
	// Default is the default value; Absent when the field has none.
	Default   value.Value
	Enum      []value.Value // nil when none
	Min, Max  *float64
	MinLength *int
	MaxLength *int
	Pattern   string // "" when none
	Regexp    *regexp.Regexp
	// Capability is set for fields added by a capability (createdAt, updatedAt).
	Capability bool
}

// Indices is the normalised index definition of a resource.
type Indices struct {
	Base   []string
	Search []string
	Vector []string
}

// Resource is one normalised resource.
type Resource struct {
	Name       string
	Version    int
	Prefix     string // P of §2.2: ids look like "P:..."
	RemoteOnly bool
	// Capabilities are the effective capabilities, sorted.
	Capabilities []string
	// Fields are the declared fields in declaration order, then capability
	// fields. A declared "id" field is not among them: see IDField.
	Fields []Field
	// IDField holds the constraints of a declared "id" field, or nil.
	IDField *Field
	Indices Indices

	byName map[string]int
	// explicitPrefix records that Prefix came from idPrefix, for the path
	// of a duplicate-prefix error (§2.2).
	explicitPrefix bool
	// keyJSON[i] is `"<name>":` of Fields[i], for AppendRowJSON.
	keyJSON [][]byte
}

// FieldIndex returns the position of a field in Fields, or -1. "id" is never
// in Fields.
func (r *Resource) FieldIndex(name string) int {
	if i, ok := r.byName[name]; ok {
		return i
	}
	return -1
}

// HasTimestamps reports whether the resource has the timestamps capability.
func (r *Resource) HasTimestamps() bool {
	for _, c := range r.Capabilities {
		if c == "timestamps" {
			return true
		}
	}
	return false
}

// Schema is a validated, normalised schema.
type Schema struct {
	Version   *int
	Resources []*Resource // in declaration order
	// Hash is "sha256:" + hex of the canonical normalised schema (§2.8).
	Hash string

	byName   map[string]*Resource
	normJSON []byte // canonical normalised schema
}

// Resource returns the resource with this name, or nil.
func (s *Schema) Resource(name string) *Resource { return s.byName[name] }

// Row is a record of a resource held in memory: its id and one Value per
// field of Resource.Fields (Absent where the stored record lacks the field).
// Keys outside the schema are not kept.
type Row struct {
	ID   string
	Vals []value.Value
}

// Get returns field i of the row, Absent when the row has fewer values.
func (r *Row) Get(i int) value.Value {
	if i < len(r.Vals) {
		return r.Vals[i]
	}
	return value.Value{}
}
