package dfql

import (
	"strings"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// A query over a whole table runs its filter once per row, so the common
// shape — a conjunction of conditions on plain fields — is compiled into a
// flat list that is checked in one loop without recursion or copies of
// values. Anything else falls back to MatchRow. The semantics are those of
// Cond.Test; the fast kinds only short-cut the type checks.

type fastKind uint8

const (
	fkTest  fastKind = iota // call Cond.Test
	fkEqStr                 // value is the string str
	fkEqNum                 // value is the number num
	fkGtNum                 // a number > num
	fkGeNum                 // a number >= num
	fkLtNum                 // a number < num
	fkLeNum                 // a number <= num
)

type fastCond struct {
	field int
	kind  fastKind
	str   string
	num   float64
	cond  *Cond
}

// matcher is a compiled filter: flat conditions, or nil conds with a tree.
type matcher struct {
	flat  bool
	conds []fastCond
	tree  Filter
}

func compileFilter(f Filter) matcher {
	and, ok := f.(And)
	if !ok {
		return matcher{tree: f}
	}
	m := matcher{flat: true, tree: f}
	for _, k := range and {
		c, ok := k.(*Cond)
		if !ok || c.Path != nil {
			return matcher{tree: f}
		}
		m.conds = append(m.conds, fastOf(c))
	}
	return m
}

func fastOf(c *Cond) fastCond {
	fc := fastCond{field: c.Field, cond: c}
	if c.Field == IDField {
		return fc
	}
	code := c.code
	if code == opNone {
		code = opByName[c.Op].code
	}
	switch x := c.Operand; {
	case code == opEq && x.Kind() == value.String:
		fc.kind, fc.str = fkEqStr, x.Str()
	case code == opEq && x.Kind() == value.Number:
		fc.kind, fc.num = fkEqNum, x.Num()
	case x.Kind() == value.Number && code >= opGt && code <= opLte:
		fc.kind, fc.num = fkGtNum+fastKind(code-opGt), x.Num()
	}
	return fc
}

// match reports whether r passes the filter.
func (m *matcher) match(r *schema.Row) bool {
	if !m.flat {
		return MatchRow(m.tree, r)
	}
	vals := r.Vals
	for i := range m.conds {
		fc := &m.conds[i]
		f := fc.field
		if f < 0 || f >= len(vals) || fc.kind == fkTest {
			if !fc.cond.Test(rowValue(r, f, nil)) {
				return false
			}
			continue
		}
		v := &vals[f]
		if fc.kind == fkEqStr {
			// The commonest condition, checked without a call.
			if v.Kind() != value.String || v.Str() != fc.str {
				return false
			}
			continue
		}
		if !fc.testNum(v) {
			return false
		}
	}
	return true
}

// testNum checks the numeric fast kinds.
func (fc *fastCond) testNum(v *value.Value) bool {
	if v.Kind() != value.Number {
		return false
	}
	n := v.Num()
	switch fc.kind {
	case fkEqNum:
		return n == fc.num
	case fkGtNum:
		return n > fc.num
	case fkGeNum:
		return n >= fc.num
	case fkLtNum:
		return n < fc.num
	}
	return n <= fc.num
}

// cmpVals is value.Compare on pointers, with the string and number cases
// first: sorting compares a few values per row and copies add up.
func cmpVals(a, b *value.Value) int {
	ak, bk := a.Kind(), b.Kind()
	if ak == bk {
		switch ak {
		case value.String:
			return strings.Compare(a.Str(), b.Str())
		case value.Number:
			x, y := a.Num(), b.Num()
			if x < y {
				return -1
			}
			if x > y {
				return 1
			}
			return 0
		}
	}
	return value.Compare(*a, *b)
}
