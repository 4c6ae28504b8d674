package sqlq

import (
	"strings"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/value"
)

// not is the exact negation of a condition under SQL's three-valued logic:
// NULL (unknown, for example an absent field) counts as false before it is
// negated, so `$ne`, `$nin`, `$not_like`, … hold for null values (§4.5).
func not(c string) string { return "NOT COALESCE((" + c + "), FALSE)" }

func and(parts ...string) string { return "(" + strings.Join(parts, " AND ") + ")" }

func or(parts ...string) string {
	if len(parts) == 0 {
		return "FALSE"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// Filter translates a filter tree; val resolves each condition's value.
func (b *Builder) Filter(f dfql.Filter, val func(c *dfql.Cond) Val) string {
	switch n := f.(type) {
	case nil:
		return "TRUE"
	case dfql.And:
		if len(n) == 0 {
			return "TRUE"
		}
		parts := make([]string, len(n))
		for i, k := range n {
			parts[i] = b.Filter(k, val)
		}
		return and(parts...)
	case dfql.Or:
		parts := make([]string, len(n))
		for i, k := range n {
			parts[i] = b.Filter(k, val)
		}
		return or(parts...)
	case *dfql.Cond:
		return b.cond(n, val(n))
	}
	return "FALSE"
}

// eq is §3.3 equality with a scalar or null operand.
func (b *Builder) eq(v Val, x value.Value) string {
	switch x.Kind() {
	case value.Absent, value.Null:
		return v.Null()
	case value.String, value.Number, value.Bool:
		return and(v.Kind(x.Kind()), v.Cmp(b, "=", x))
	}
	return "FALSE" // arrays and objects are never equal (§3.3)
}

// rel is a relational operator: same type only, null never holds (§3.4).
func (b *Builder) rel(v Val, op string, x value.Value) string {
	if x.Kind() != value.Number && x.Kind() != value.String {
		return "FALSE"
	}
	return and(v.Kind(x.Kind()), v.Cmp(b, op, x))
}

func (b *Builder) in(v Val, list value.Value) string {
	parts := make([]string, 0, list.Len())
	for _, e := range list.Elems() {
		parts = append(parts, b.eq(v, e))
	}
	return or(parts...)
}

func (b *Builder) isEmpty(v Val) string {
	return or(v.Null(), and(v.Kind(value.String), v.Cmp(b, "=", value.Str(""))),
		and(v.Kind(value.Array), v.ArrayEmpty()))
}

func (b *Builder) contains(v Val, x value.Value) string {
	arr := and(v.Kind(value.Array), v.ArrayHas(b, x))
	if x.Kind() != value.String {
		return arr
	}
	return or(and(v.Kind(value.String), v.Contains(b, x.Str())), arr)
}

func (b *Builder) between(v Val, pair value.Value) string {
	lo, hi := pair.Index(0), pair.Index(1)
	if lo.Kind() != hi.Kind() {
		return "FALSE"
	}
	return and(b.rel(v, ">=", lo), b.rel(v, "<=", hi))
}

// boolOp is an operator whose boolean operand picks the condition or its
// negation.
func boolOp(operand value.Value, c string) string {
	if operand.Bool() {
		return c
	}
	return not(c)
}

func (b *Builder) str(v Val, test string) string { return and(v.Kind(value.String), test) }

// cond translates one condition (§4.5).
func (b *Builder) cond(c *dfql.Cond, v Val) string {
	x := c.Operand
	switch c.Op {
	case dfql.OpEq:
		return b.eq(v, x)
	case dfql.OpNe:
		return not(b.eq(v, x))
	case dfql.OpGt:
		return b.rel(v, ">", x)
	case dfql.OpGte:
		return b.rel(v, ">=", x)
	case dfql.OpLt:
		return b.rel(v, "<", x)
	case dfql.OpLte:
		return b.rel(v, "<=", x)
	case dfql.OpIn:
		return b.in(v, x)
	case dfql.OpNin:
		return not(b.in(v, x))
	case dfql.OpContains:
		return b.contains(v, x)
	case dfql.OpStartsWith:
		return b.str(v, v.Prefix(b, x.Str()))
	case dfql.OpEndsWith:
		return b.str(v, v.Suffix(b, x.Str()))
	}
	return b.condMore(c, v)
}

func (b *Builder) condMore(c *dfql.Cond, v Val) string {
	x := c.Operand
	switch c.Op {
	case dfql.OpLike:
		return b.str(v, v.Like(b, x.Str()))
	case dfql.OpIlike:
		return b.str(v, v.ILike(b, x.Str()))
	case dfql.OpNotLike:
		return not(b.str(v, v.Like(b, x.Str())))
	case dfql.OpNotIlike:
		return not(b.str(v, v.ILike(b, x.Str())))
	case dfql.OpIsNull:
		return boolOp(x, v.Null())
	case dfql.OpIsNotNull:
		return boolOp(x, not(v.Null()))
	case dfql.OpIsEmpty:
		return boolOp(x, b.isEmpty(v))
	case dfql.OpIsNotEmpty:
		return boolOp(x, not(b.isEmpty(v)))
	case dfql.OpBefore:
		return b.rel(v, "<", x)
	case dfql.OpAfter:
		return b.rel(v, ">", x)
	case dfql.OpBetween:
		return b.between(v, x)
	case dfql.OpNotBetween:
		return not(b.between(v, x))
	}
	return "FALSE"
}
