package dfql

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// MatchRow reports whether a row satisfies a filter (nil holds). Guards and
// the local engine use it; Query.Eval uses it for `filters`.
func MatchRow(f Filter, r *schema.Row) bool {
	switch n := f.(type) {
	case nil:
		return true
	case And:
		for _, k := range n {
			if !MatchRow(k, r) {
				return false
			}
		}
		return true
	case Or:
		for _, k := range n {
			if MatchRow(k, r) {
				return true
			}
		}
		return false
	case *Cond:
		return n.Test(rowValue(r, n.Field, n.Path))
	}
	return false
}

// matchCols evaluates a Having filter over one group row's columns.
func matchCols(f Filter, cols []value.Value) bool {
	switch n := f.(type) {
	case nil:
		return true
	case And:
		for _, k := range n {
			if !matchCols(k, cols) {
				return false
			}
		}
		return true
	case Or:
		for _, k := range n {
			if matchCols(k, cols) {
				return true
			}
		}
		return false
	case *Cond:
		return n.Test(cols[n.Field])
	}
	return false
}

// rowValue is the value a condition or sort term sees for field f.
func rowValue(r *schema.Row, f int, path []string) value.Value {
	if f == IDField {
		return value.Str(r.ID)
	}
	v := r.Get(f)
	if path != nil {
		v = v.Path(path)
	}
	return v
}

// Test reports whether the row value v satisfies the condition (§4.5).
func (c *Cond) Test(v value.Value) bool {
	code := c.code
	if code == opNone {
		code = opByName[c.Op].code
	}
	switch code {
	case opEq:
		return value.ScalarEqual(v, c.Operand)
	case opNe:
		return !value.ScalarEqual(v, c.Operand)
	case opGt, opGte, opLt, opLte:
		return relational(code, v, c.Operand)
	case opIn:
		return inList(v, c.Operand)
	case opNin:
		return !inList(v, c.Operand)
	case opContains:
		return contains(v, c.Operand)
	case opStartsWith:
		return v.Kind() == value.String && strings.HasPrefix(v.Str(), c.Operand.Str())
	case opEndsWith:
		return v.Kind() == value.String && strings.HasSuffix(v.Str(), c.Operand.Str())
	case opLike, opIlike:
		return c.like(v)
	case opNotLike, opNotIlike:
		return !c.like(v)
	}
	return c.testMore(code, v)
}

func (c *Cond) testMore(code opCode, v value.Value) bool {
	switch code {
	case opIsNull:
		return v.IsNull() == c.Operand.Bool()
	case opIsNotNull:
		return v.IsNull() != c.Operand.Bool()
	case opIsEmpty:
		return isEmpty(v) == c.Operand.Bool()
	case opIsNotEmpty:
		return isEmpty(v) != c.Operand.Bool()
	case opBefore:
		return v.Kind() == value.Number && v.Num() < c.Operand.Num()
	case opAfter:
		return v.Kind() == value.Number && v.Num() > c.Operand.Num()
	case opBetween:
		return between(v, c.Operand)
	case opNotBetween:
		return !between(v, c.Operand)
	}
	return false
}

func relational(code opCode, v, x value.Value) bool {
	d, ok := value.SameTypeCompare(v, x)
	if !ok {
		return false
	}
	switch code {
	case opGt:
		return d > 0
	case opGte:
		return d >= 0
	case opLt:
		return d < 0
	}
	return d <= 0
}

func inList(v, list value.Value) bool {
	for _, e := range list.Elems() {
		if value.ScalarEqual(v, e) {
			return true
		}
	}
	return false
}

func contains(v, x value.Value) bool {
	switch v.Kind() {
	case value.String:
		return x.Kind() == value.String && strings.Contains(v.Str(), x.Str())
	case value.Array:
		return inList(x, v)
	}
	return false
}

func isEmpty(v value.Value) bool {
	switch v.Kind() {
	case value.Absent, value.Null:
		return true
	case value.String:
		return v.Str() == ""
	case value.Array:
		return v.Len() == 0
	}
	return false
}

func between(v, pair value.Value) bool {
	lo, ok1 := value.SameTypeCompare(v, pair.Index(0))
	hi, ok2 := value.SameTypeCompare(v, pair.Index(1))
	return ok1 && ok2 && lo >= 0 && hi <= 0
}

// likePattern decodes a like pattern into code points, lower-cased for the
// case-insensitive operators.
func likePattern(s string, fold bool) []rune {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if fold {
			r = unicode.ToLower(r)
		}
		out = append(out, r)
	}
	return out
}

func (c *Cond) like(v value.Value) bool {
	if v.Kind() != value.String {
		return false
	}
	pat := c.pat
	if pat == nil {
		pat = likePattern(c.Operand.Str(), c.Op == OpIlike || c.Op == OpNotIlike)
	}
	return likeMatch(pat, v.Str(), c.Op == OpIlike || c.Op == OpNotIlike)
}

// likeMatch matches s against the whole pattern: `%` is any run of code
// points, `_` exactly one. It backtracks only to the last `%`, which keeps it
// linear in practice and quadratic at worst, without allocating.
func likeMatch(pat []rune, s string, fold bool) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRuneInString(s[si:])
		if fold {
			r = unicode.ToLower(r)
		}
		switch {
		case pi < len(pat) && pat[pi] == '%':
			starP, starS = pi, si
			pi++
		case pi < len(pat) && (pat[pi] == '_' || pat[pi] == r):
			pi++
			si += size
		case starP >= 0:
			// Let the last % absorb one more code point and retry.
			_, sz := utf8.DecodeRuneInString(s[starS:])
			starS += sz
			pi, si = starP+1, starS
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi] == '%' {
		pi++
	}
	return pi == len(pat)
}
