package dfql

import (
	"unicode/utf8"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// opCode is the evaluator's compact form of an Op.
type opCode uint8

const (
	opNone opCode = iota
	opEq
	opNe
	opGt
	opGte
	opLt
	opLte
	opIn
	opNin
	opContains
	opStartsWith
	opEndsWith
	opLike
	opIlike
	opNotLike
	opNotIlike
	opIsNull
	opIsNotNull
	opIsEmpty
	opIsNotEmpty
	opBefore
	opAfter
	opBetween
	opNotBetween
)

// operand says which operand shape an operator takes.
type operand uint8

const (
	operandScalarOrNull operand = iota
	operandScalar
	operandNumOrStr
	operandList
	operandString
	operandLike
	operandBool
	operandNumber
	operandPair
)

type opInfo struct {
	op   Op
	code opCode
	arg  operand
}

// opTable maps every accepted spelling to its operator (§4.5).
var opTable = map[string]opInfo{}

// opByName maps canonical names to their entries.
var opByName = map[Op]opInfo{}

func init() {
	for _, e := range []struct {
		info  opInfo
		alias []string
	}{
		{opInfo{OpEq, opEq, operandScalarOrNull}, nil},
		{opInfo{OpNe, opNe, operandScalarOrNull}, nil},
		{opInfo{OpGt, opGt, operandNumOrStr}, nil},
		{opInfo{OpGte, opGte, operandNumOrStr}, nil},
		{opInfo{OpLt, opLt, operandNumOrStr}, nil},
		{opInfo{OpLte, opLte, operandNumOrStr}, nil},
		{opInfo{OpIn, opIn, operandList}, nil},
		{opInfo{OpNin, opNin, operandList}, []string{"not_in", "$not_in"}},
		{opInfo{OpContains, opContains, operandScalar}, nil},
		{opInfo{OpStartsWith, opStartsWith, operandString}, nil},
		{opInfo{OpEndsWith, opEndsWith, operandString}, nil},
		{opInfo{OpLike, opLike, operandLike}, nil},
		{opInfo{OpIlike, opIlike, operandLike}, nil},
		{opInfo{OpNotLike, opNotLike, operandLike}, nil},
		{opInfo{OpNotIlike, opNotIlike, operandLike}, nil},
		{opInfo{OpIsNull, opIsNull, operandBool}, nil},
		{opInfo{OpIsNotNull, opIsNotNull, operandBool}, nil},
		{opInfo{OpIsEmpty, opIsEmpty, operandBool}, nil},
		{opInfo{OpIsNotEmpty, opIsNotEmpty, operandBool}, nil},
		{opInfo{OpBefore, opBefore, operandNumber}, nil},
		{opInfo{OpAfter, opAfter, operandNumber}, nil},
		{opInfo{OpBetween, opBetween, operandPair}, nil},
		{opInfo{OpNotBetween, opNotBetween, operandPair}, nil},
	} {
		name := string(e.info.op)
		opTable[name] = e.info
		opTable[name[1:]] = e.info
		for _, a := range e.alias {
			opTable[a] = e.info
		}
		opByName[e.info.op] = e.info
	}
}

// maxLikePattern is the longest like pattern in code points (§8.9).
const maxLikePattern = 200

// newCond validates an operand and builds the condition. path ends with the
// operator as written.
func newCond(info opInfo, operandVal value.Value, path string) (*Cond, *protocol.Error) {
	if err := checkOperand(info.arg, operandVal, path); err != nil {
		return nil, err
	}
	c := &Cond{Op: info.op, Operand: operandVal, code: info.code}
	if info.arg == operandLike {
		c.pat = likePattern(operandVal.Str(), info.code == opIlike || info.code == opNotIlike)
	}
	return c, nil
}

func isScalar(v value.Value) bool {
	k := v.Kind()
	return k == value.Bool || k == value.Number || k == value.String
}

func checkOperand(arg operand, v value.Value, path string) *protocol.Error {
	switch arg {
	case operandScalarOrNull:
		if !isScalar(v) && v.Kind() != value.Null {
			return protocol.Invalid(path, "%s must be a scalar", path)
		}
	case operandScalar:
		if !isScalar(v) {
			return protocol.Invalid(path, "%s must be a scalar", path)
		}
	case operandNumOrStr:
		if k := v.Kind(); k != value.Number && k != value.String {
			return protocol.Invalid(path, "%s must be number or string", path)
		}
	case operandList:
		return checkList(v, path)
	case operandString:
		if v.Kind() != value.String {
			return protocol.Invalid(path, "%s must be string", path)
		}
	case operandLike:
		if v.Kind() != value.String {
			return protocol.Invalid(path, "%s must be string", path)
		}
		if utf8.RuneCountInString(v.Str()) > maxLikePattern {
			return protocol.LimitExceeded(path, "like.pattern>200")
		}
	case operandBool:
		if v.Kind() != value.Bool {
			return protocol.Invalid(path, "%s must be boolean", path)
		}
	case operandNumber:
		if v.Kind() != value.Number {
			return protocol.Invalid(path, "%s must be number", path)
		}
	case operandPair:
		return checkPair(v, path)
	}
	return nil
}

// checkList validates a `$in`/`$nin` operand: an array of scalars or nulls.
func checkList(v value.Value, path string) *protocol.Error {
	if v.Kind() != value.Array {
		return protocol.Invalid(path, "%s must be array", path)
	}
	for i, e := range v.Elems() {
		if !isScalar(e) && e.Kind() != value.Null {
			p := indexPath(path, i)
			return protocol.Invalid(p, "%s must be a scalar", p)
		}
	}
	return nil
}

func checkPair(v value.Value, path string) *protocol.Error {
	if v.Kind() == value.Array && v.Len() == 2 {
		a, b := v.Index(0).Kind(), v.Index(1).Kind()
		if a == b && (a == value.Number || a == value.String) {
			return nil
		}
	}
	return protocol.Invalid(path, "%s must be an array of two numbers or two strings", path)
}
