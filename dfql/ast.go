// Package dfql implements the DataFn query language (protocol.md §4) and the
// mutation rules (§5) shared by the server and the client engine.
//
// A query is validated once into a Query, an exported AST that the server's
// SQL translator reads and that Query.Eval evaluates over in-memory rows with
// exactly the semantics of §3 and §4. Mutations are validated into a
// Mutation; Apply and Reapply compute the row a mutation produces.
package dfql

import (
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// IDField is the field index that stands for the record id wherever a field
// index appears in the AST (Cond.Field, SortTerm.Field, Query.GroupBy,
// Agg.Field). The id is never in schema.Resource.Fields.
const IDField = -1

// AggStar is Agg.Field for `"field": "*"` (count of rows).
const AggStar = -2

// Options tune validation for where the query runs.
type Options struct {
	// MaxLimit caps `limit` (100 on the server); 0 means uncapped (client).
	MaxLimit int
}

// Query is a validated query. Field indexes refer to Resource.Fields, with
// IDField for `id`. In a grouped query, SortTerm.Field and the Cond.Field of
// Having refer instead to the group columns (see Columns).
type Query struct {
	Resource *schema.Resource
	// Version is the query's `version`, 0 when absent. It is never compared.
	Version int

	// Project lists the fields an output row may contain, as indexes into
	// Resource.Fields in schema order, after `select` and `omit`. The id is
	// always output first; a listed field absent from a row is left out.
	Project []int

	// Filter is the `filters` tree; And{} (always true) when absent.
	Filter Filter

	// Sort holds the terms as written. The implicit final tie-breaker `id`
	// ascending is not included in row queries; use Order for the full order.
	// In grouped queries Field is a column index and the implicit order is
	// every groupBy column ascending (see GroupOrder).
	Sort []SortTerm

	// Limit is the page size; 0 means no limit.
	Limit int
	// Offset is the number of rows (or groups) skipped after the cursor.
	Offset int
	// Cursor is the pagination position, nil when none. Never set in a
	// grouped query.
	Cursor *Cursor
	// Count asks for the number of matching rows (row queries only).
	Count bool

	// Grouped is true when `groupBy` or `aggregations` was given.
	Grouped bool
	// GroupBy lists the grouping fields (indexes into Resource.Fields or
	// IDField), duplicates removed. They are the first group columns.
	GroupBy []int
	// Aggs are the aggregations in request order; they are the group columns
	// after the GroupBy fields.
	Aggs []Agg
	// Having filters group rows; nil when absent. Its Cond.Field is a column
	// index and Cond.Path is always nil.
	Having Filter

	// emptyIn records a top-level `$in: []` condition (§4.5 short-circuit).
	emptyIn bool
}

// SortTerm is one ordering term.
type SortTerm struct {
	// Field is a field index (IDField for id) in a row query, a column index
	// in a grouped query.
	Field int
	// Name is the field, `id`, group field or alias named by the term.
	Name string
	// Desc orders descending (nulls first) instead of ascending (nulls last).
	Desc bool
}

// Cursor is a validated `cursor.after` / `cursor.before` position.
type Cursor struct {
	// After is true for `after`, false for `before`.
	After bool
	// Values holds the position, parallel to Query.Order(): one value per
	// sort term and, last, the id. Null stands for null or absent.
	Values []value.Value
}

// AggOp is an aggregation operator.
type AggOp string

// The aggregation operators of §4.10.
const (
	AggCount AggOp = "count"
	AggSum   AggOp = "sum"
	AggMin   AggOp = "min"
	AggMax   AggOp = "max"
	AggAvg   AggOp = "avg"
)

// Agg is one aggregation of a grouped query.
type Agg struct {
	Alias string
	Op    AggOp
	// Field is a field index, IDField for id, or AggStar for "*".
	Field int
}

// Filter is a node of a filter tree: And, Or or *Cond.
type Filter interface{ filterNode() }

// And holds when every child holds; an empty And holds for every row.
type And []Filter

// Or holds when some child holds; an empty Or holds for no row.
type Or []Filter

// Cond is one operator applied to one field value.
type Cond struct {
	// Field is the field index (IDField for id); in Having, a column index.
	Field int
	// Name is the field name (first segment of a dotted key) or column name.
	Name string
	// Path holds the segments after the field for a dotted key `meta.a.b`
	// (["a","b"]), nil for a plain field. A missing step gives null.
	Path []string
	// Op is the canonical operator name, for example "$eq" or "$not_ilike".
	Op Op
	// Operand is the operand as given, except that a bare scalar is the
	// operand of "$eq" and a bare array the operand of "$in".
	Operand value.Value

	code opCode
	pat  []rune // like family: the pattern, lower-cased for ilike
}

func (And) filterNode()   {}
func (Or) filterNode()    {}
func (*Cond) filterNode() {}

// Op is a canonical filter operator name (§4.5).
type Op string

// The canonical filter operators.
const (
	OpEq         Op = "$eq"
	OpNe         Op = "$ne"
	OpGt         Op = "$gt"
	OpGte        Op = "$gte"
	OpLt         Op = "$lt"
	OpLte        Op = "$lte"
	OpIn         Op = "$in"
	OpNin        Op = "$nin"
	OpContains   Op = "$contains"
	OpStartsWith Op = "$startsWith"
	OpEndsWith   Op = "$endsWith"
	OpLike       Op = "$like"
	OpIlike      Op = "$ilike"
	OpNotLike    Op = "$not_like"
	OpNotIlike   Op = "$not_ilike"
	OpIsNull     Op = "$is_null"
	OpIsNotNull  Op = "$is_not_null"
	OpIsEmpty    Op = "$is_empty"
	OpIsNotEmpty Op = "$is_not_empty"
	OpBefore     Op = "$before"
	OpAfter      Op = "$after"
	OpBetween    Op = "$between"
	OpNotBetween Op = "$not_between"
)

// Order is the full order of a row query: the sort terms followed by the
// implicit `id` ascending tie-breaker. Cursor.Values are parallel to it.
func (q *Query) Order() []SortTerm {
	out := make([]SortTerm, 0, len(q.Sort)+1)
	out = append(out, q.Sort...)
	return append(out, SortTerm{Field: IDField, Name: "id"})
}

// Columns names the columns of a group row: the GroupBy fields, then the
// aggregation aliases.
func (q *Query) Columns() []string {
	out := make([]string, 0, len(q.GroupBy)+len(q.Aggs))
	for _, f := range q.GroupBy {
		out = append(out, fieldName(q.Resource, f))
	}
	for _, a := range q.Aggs {
		out = append(out, a.Alias)
	}
	return out
}

// GroupOrder is the full order of a grouped query: the sort terms followed by
// every GroupBy column ascending.
func (q *Query) GroupOrder() []SortTerm {
	out := make([]SortTerm, 0, len(q.Sort)+len(q.GroupBy))
	out = append(out, q.Sort...)
	for i, f := range q.GroupBy {
		out = append(out, SortTerm{Field: i, Name: fieldName(q.Resource, f)})
	}
	return out
}

// EmptyInShortCircuit reports whether the top-level filter object has a field
// condition `$in: []` (or a bare `[]`), so the client may answer with an
// empty result without reading anything (§4.5).
func (q *Query) EmptyInShortCircuit() bool { return q.emptyIn }

func fieldName(res *schema.Resource, f int) string {
	if f == IDField {
		return "id"
	}
	return res.Fields[f].Name
}
