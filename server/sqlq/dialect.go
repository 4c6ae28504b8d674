package sqlq

import (
	"strconv"
	"strings"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Dialect is what differs between the databases: how a JSON field of the
// row, the id column or a computed group column is tested and compared.
// Table layout is shared: datafn_rows (namespace, resource, id, data).
type Dialect interface {
	// Placeholder is the SQL text of parameter n (1-based).
	Placeholder(n int) string
	// NoLimit is the LIMIT argument meaning "no limit".
	NoLimit() any
	// Doc is the value of a row field (or a dotted path into it); field is
	// an index into res.Fields or dfql.IDField.
	Doc(res *schema.Resource, field int, path []string) Val
	// Column is a computed scalar (group key or aggregate) whose non-null
	// values all have kind k.
	Column(expr string, k value.Kind) Val
	// GroupKey is the GROUP BY expression of a field and its kind.
	GroupKey(res *schema.Resource, field int) (string, value.Kind)
	// Agg is the SQL of an aggregation and the kind of its non-null results.
	Agg(res *schema.Resource, a dfql.Agg) (string, value.Kind)
}

// Val is one value as SQL sees it. Conditions may be NULL where the value
// is absent (callers wrap negations, see not); Null is two-valued.
type Val interface {
	// Kind is true when the value has JSON kind k.
	Kind(k value.Kind) string
	// Null is true when the value is null or absent.
	Null() string
	// Cmp compares the value, assumed of x's kind, with the scalar x.
	Cmp(b *Builder, op string, x value.Value) string
	// Contains, Prefix, Suffix, Like and ILike test a value assumed to be
	// a string.
	Contains(b *Builder, s string) string
	Prefix(b *Builder, s string) string
	Suffix(b *Builder, s string) string
	Like(b *Builder, pattern string) string
	ILike(b *Builder, pattern string) string
	// ArrayHas is true when the value, assumed an array, has an element
	// equal to the scalar (or null) x.
	ArrayHas(b *Builder, x value.Value) string
	// ArrayEmpty is true for an empty array, assumed an array.
	ArrayEmpty() string
	// Order is the ORDER BY expression (nulls are ordered separately).
	Order() string
}

// Builder collects the parameters of one statement.
type Builder struct {
	d    Dialect
	Args []any
}

// NewBuilder starts a statement for dialect d.
func NewBuilder(d Dialect) *Builder { return &Builder{d: d} }

// Arg adds a parameter and returns its placeholder.
func (b *Builder) Arg(v any) string {
	b.Args = append(b.Args, v)
	return b.d.Placeholder(len(b.Args))
}

// Quote is a SQL string literal. Literals (not parameters) are used where an
// expression must match an index expression or a GROUP BY term.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// fieldKind is the JSON kind of a sortable field type's values.
func fieldKind(res *schema.Resource, field int) value.Kind {
	if field == dfql.IDField {
		return value.String
	}
	switch res.Fields[field].Type {
	case schema.TypeString:
		return value.String
	case schema.TypeBoolean:
		return value.Bool
	case schema.TypeNumber, schema.TypeDate:
		return value.Number
	}
	return value.Object
}

// FieldName is the name of field index f ("id" for dfql.IDField).
func FieldName(res *schema.Resource, f int) string {
	if f == dfql.IDField {
		return "id"
	}
	return res.Fields[f].Name
}

func itoa(n int) string { return strconv.Itoa(n) }
