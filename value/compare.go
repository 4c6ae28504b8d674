package value

import "strings"

// Equal is the equality of §3.3: same JSON type and same value; null equals
// null (absent included); values of different types never compare equal.
// Arrays and objects are compared deeply.
func Equal(a, b Value) bool {
	ak, bk := a.kind, b.kind
	if ak == Absent {
		ak = Null
	}
	if bk == Absent {
		bk = Null
	}
	if ak != bk {
		return false
	}
	switch ak {
	case Null:
		return true
	case Bool, Number:
		return a.num == b.num
	case String:
		return a.str == b.str
	case Array:
		ae, be := a.comp.vals, b.comp.vals
		if len(ae) != len(be) {
			return false
		}
		for i := range ae {
			if !Equal(ae[i], be[i]) {
				return false
			}
		}
		return true
	case Object:
		return objectEqual(a, b)
	}
	return false
}

// objectEqual compares objects by key, treating an absent key as null.
func objectEqual(a, b Value) bool {
	for i, k := range a.comp.keys {
		if !Equal(a.comp.vals[i], b.Get(k)) {
			return false
		}
	}
	for i, k := range b.comp.keys {
		if !a.Has(k) && !b.comp.vals[i].IsNull() {
			return false
		}
	}
	return true
}

// ScalarEqual is Equal restricted to scalars: an array or object is never
// equal to anything (§3.3, the operand rule of equality operators).
func ScalarEqual(a, b Value) bool {
	if a.kind >= Array || b.kind >= Array {
		return false
	}
	return Equal(a, b)
}

// Compare orders two values for sorting (§3.4): null and absent come after
// every other value; numbers numerically; false < true; strings by code
// point. Values of different non-null kinds order by kind, which sorting
// never meets because sortable fields have one type.
func Compare(a, b Value) int {
	an, bn := a.IsNull(), b.IsNull()
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	if a.kind != b.kind {
		if a.kind < b.kind {
			return -1
		}
		return 1
	}
	switch a.kind {
	case Bool, Number:
		switch {
		case a.num < b.num:
			return -1
		case a.num > b.num:
			return 1
		}
		return 0
	case String:
		return strings.Compare(a.str, b.str)
	}
	return 0
}

// SameTypeCompare compares a and b for relational operators: ok is false when
// either is null or their types differ, or they are not numbers or strings.
func SameTypeCompare(a, b Value) (c int, ok bool) {
	if a.kind != b.kind || (a.kind != Number && a.kind != String) {
		return 0, false
	}
	return Compare(a, b), true
}
