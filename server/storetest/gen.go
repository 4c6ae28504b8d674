package storetest

import (
	"fmt"
	"math/rand"
	"strings"

	"github.com/datafn/datafn-go/value"
)

// DiffSchema is the schema of the differential test: every field type,
// nullable, with indexes, so the translation meets every kind of value.
const DiffSchema = `{"resources":[{"name":"item","version":1,"indices":["s","n","b"],"fields":[
 {"name":"s","type":"string","nullable":true},
 {"name":"t","type":"string","nullable":true},
 {"name":"n","type":"number","nullable":true},
 {"name":"b","type":"boolean","nullable":true},
 {"name":"d","type":"date","nullable":true},
 {"name":"tags","type":"array","nullable":true},
 {"name":"meta","type":"object","nullable":true},
 {"name":"j","type":"json","nullable":true}]}]}`

// strPool holds strings that exercise code point order, case folding and
// the metacharacters of LIKE, GLOB, JSON paths and SQL literals.
var strPool = []string{"", "a", "A", "b", "B", "ab", "abc", "Abc", "Äpfel", "äpfel", "Ａ", "ａ", "😀", "x😀y",
	"a%b", "a_b", "x*y", "q?", "[z]", "it's", `back\slash`, "ΣΑΣ", "σας", "İ", "i", "straße", "é", "e\u0301"}

var numPool = []float64{-2, -1, -0.5, 0, 0.5, 1, 2, 3, 1.25, 1700000000000}
var datePool = []float64{-5, 0, 1600000000000, 1700000000000, 1800000000000}
var patPool = []string{"a%", "%b", "_", "%", "A%", "%a%", "a_b", "[%", "%*%", "%?", "_%_", `%\%`, "ä%", "σ%", "%😀%", "a%%c", "", "%'%", "_b%", "Σ%"}

type gen struct{ r *rand.Rand }

func (g gen) pick(n int) int { return g.r.Intn(n) }
func (g gen) str() string    { return strPool[g.pick(len(strPool))] }
func (g gen) num() float64   { return numPool[g.pick(len(numPool))] }

func (g gen) scalar() value.Value {
	switch g.pick(4) {
	case 0:
		return value.Str(g.str())
	case 1:
		return value.Num(g.num())
	case 2:
		return value.Boolean(g.pick(2) == 0)
	}
	return value.NullValue
}

func (g gen) any(depth int) value.Value {
	if depth > 1 {
		return g.scalar()
	}
	switch g.pick(6) {
	case 0:
		return g.array(depth + 1)
	case 1:
		return g.object(depth + 1)
	}
	return g.scalar()
}

func (g gen) array(depth int) value.Value {
	n := g.pick(4)
	el := make([]value.Value, n)
	for i := range el {
		el[i] = g.any(depth)
	}
	return value.Arr(el)
}

var metaKeys = []string{"color", "size", "deep", `q"k`, "it's", `b\s`}

func (g gen) object(depth int) value.Value {
	var keys []string
	var vals []value.Value
	for _, k := range metaKeys {
		if g.pick(2) == 0 {
			continue
		}
		keys = append(keys, k)
		switch {
		case k == "deep" && depth < 2:
			vals = append(vals, g.object(depth+1))
		case k == "size":
			vals = append(vals, value.Num(g.num()))
		default:
			vals = append(vals, g.any(depth+1))
		}
	}
	return value.Obj(keys, vals)
}

// field is a random value of a field, Absent (left out) or null included.
func (g gen) field(name string) value.Value {
	switch g.pick(7) {
	case 0:
		return value.Value{}
	case 1:
		return value.NullValue
	}
	switch name {
	case "s", "t":
		return value.Str(g.str())
	case "n":
		return value.Num(g.num())
	case "b":
		return value.Boolean(g.pick(2) == 0)
	case "d":
		return value.Num(datePool[g.pick(len(datePool))])
	case "tags":
		return g.array(1)
	case "meta":
		return g.object(0)
	}
	return g.any(0)
}

var diffFields = []string{"s", "t", "n", "b", "d", "tags", "meta", "j"}

// row is a random item row with a unique id.
func (g gen) row(i int) value.Value {
	keys := []string{"id"}
	vals := []value.Value{value.Str(fmt.Sprintf("item:%s%d", g.str(), i))}
	for _, f := range diffFields {
		if v := g.field(f); !v.IsAbsent() {
			keys = append(keys, f)
			vals = append(vals, v)
		}
	}
	return value.Obj(keys, vals)
}

var filterKeys = []string{"id", "s", "t", "n", "b", "d", "tags", "meta", "j", "meta.color", "meta.size",
	"meta.deep.color", `meta.q"k`, "meta.it's", `meta.b\s`, "j.color", "meta.deep.deep.size"}

var opNames = []string{"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$contains",
	"$startsWith", "$endsWith", "$like", "$ilike", "$not_like", "$not_ilike", "$is_null", "$is_not_null",
	"$is_empty", "$is_not_empty", "$before", "$after", "$between", "$not_between"}

// operand is a valid random operand for op.
func (g gen) operand(op string) string {
	switch op {
	case "$eq", "$ne":
		return g.scalar().String()
	case "$gt", "$gte", "$lt", "$lte":
		if g.pick(2) == 0 {
			return value.Str(g.str()).String()
		}
		return value.Num(g.num()).String()
	case "$in", "$nin":
		n := g.pick(4)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = g.scalar().String()
		}
		return "[" + strings.Join(parts, ",") + "]"
	case "$contains":
		s := g.scalar()
		if s.IsNull() {
			s = value.Str("")
		}
		return s.String()
	case "$startsWith", "$endsWith":
		return value.Str(g.str()).String()
	case "$like", "$ilike", "$not_like", "$not_ilike":
		return value.Str(patPool[g.pick(len(patPool))]).String()
	case "$is_null", "$is_not_null", "$is_empty", "$is_not_empty":
		return fmt.Sprint(g.pick(2) == 0)
	case "$before", "$after":
		return value.Num(datePool[g.pick(len(datePool))]).String()
	}
	if g.pick(2) == 0 {
		return fmt.Sprintf("[%s,%s]", value.Num(g.num()), value.Num(g.num()))
	}
	return fmt.Sprintf("[%s,%s]", value.Str(g.str()), value.Str(g.str()))
}

// filter is a random filter object, with $and/$or groups up to depth 3.
func (g gen) filter(depth int, keys []string) string {
	n := 1 + g.pick(3)
	parts := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if depth < 3 && g.pick(5) == 0 {
			grp := "$and"
			if g.pick(2) == 0 {
				grp = "$or"
			}
			m := g.pick(3)
			sub := make([]string, m)
			for k := range sub {
				sub[k] = g.filter(depth+1, keys)
			}
			parts = append(parts, fmt.Sprintf("%q:[%s]", grp, strings.Join(sub, ",")))
			continue
		}
		key := keys[g.pick(len(keys))]
		parts = append(parts, value.Str(key).String()+":"+g.cond())
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// cond is a bare scalar, a bare array or an operator object.
func (g gen) cond() string {
	switch g.pick(8) {
	case 0:
		return g.scalar().String()
	case 1:
		return g.operand("$in")
	}
	op := opNames[g.pick(len(opNames))]
	if g.pick(4) == 0 {
		op = strings.TrimPrefix(op, "$")
	}
	s := fmt.Sprintf("%q:%s", op, g.operand("$"+strings.TrimPrefix(op, "$")))
	if g.pick(4) == 0 {
		op2 := opNames[g.pick(len(opNames))]
		if op2 != "$"+strings.TrimPrefix(op, "$") {
			s += fmt.Sprintf(",%q:%s", op2, g.operand(op2))
		}
	}
	return "{" + s + "}"
}
