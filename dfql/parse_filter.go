package dfql

import (
	"strconv"
	"strings"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Filter limits of §4.5 and §8.9.
const (
	maxFilterDepth = 10
	maxFilterKeys  = 20
)

// resolver turns a filter key into a field (or column) and a dotted path.
type resolver func(key string) (field int, path []string, ok bool)

// ParseFilter validates a filter object against a resource and compiles it.
// path names v in error paths ("filters", "if"). A mutation guard is parsed
// with path "if".
func ParseFilter(res *schema.Resource, v value.Value, path string) (Filter, *protocol.Error) {
	fp := filterParser{resolve: resourceResolver(res)}
	return fp.object(v, path, 0)
}

// resourceResolver accepts `id`, a field, or a dotted path into an object or
// json field.
func resourceResolver(res *schema.Resource) resolver {
	return func(key string) (int, []string, bool) {
		if key == "id" {
			return IDField, nil, true
		}
		head, rest, dotted := strings.Cut(key, ".")
		f := res.FieldIndex(head)
		if f < 0 {
			return 0, nil, false
		}
		if !dotted {
			return f, nil, true
		}
		if t := res.Fields[f].Type; t != schema.TypeObject && t != schema.TypeJSON {
			return 0, nil, false
		}
		return f, strings.Split(rest, "."), true
	}
}

type filterParser struct {
	resolve resolver
	// emptyIn is set when the top-level object has a `$in: []` condition.
	emptyIn bool
}

// object compiles one filter object nested inside depth groups.
func (fp *filterParser) object(v value.Value, path string, depth int) (Filter, *protocol.Error) {
	if v.Kind() != value.Object {
		return nil, protocol.Invalid(path, "%s must be object", path)
	}
	if depth > maxFilterDepth {
		return nil, protocol.Invalid(path, "filter depth exceeds 10")
	}
	keys := v.Keys()
	if len(keys) > maxFilterKeys {
		return nil, protocol.LimitExceeded(path, "filters.keys>20")
	}
	out := make(And, 0, len(keys))
	vals := v.Elems()
	for i, k := range keys {
		kp := path + "." + k
		var err *protocol.Error
		switch {
		case k == "$and" || k == "$or":
			var g Filter
			g, err = fp.group(k, vals[i], kp, depth)
			out = append(out, g)
		case strings.HasPrefix(k, "$"):
			err = protocol.Unsupported(kp, kp)
		default:
			out, err = fp.field(out, k, vals[i], kp, depth == 0)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// group compiles the array of a `$and` / `$or` key.
func (fp *filterParser) group(k string, v value.Value, path string, depth int) (Filter, *protocol.Error) {
	if v.Kind() != value.Array {
		return nil, protocol.Invalid(path, "%s must be array", path)
	}
	kids := make([]Filter, 0, v.Len())
	for i, e := range v.Elems() {
		f, err := fp.object(e, indexPath(path, i), depth+1)
		if err != nil {
			return nil, err
		}
		kids = append(kids, f)
	}
	if k == "$and" {
		return And(kids), nil
	}
	return Or(kids), nil
}

// field compiles the condition of one field key, appending to out.
func (fp *filterParser) field(out And, key string, v value.Value, path string, top bool) (And, *protocol.Error) {
	f, segs, ok := fp.resolve(key)
	if !ok {
		return nil, protocol.UnknownField(path, path)
	}
	name, _, _ := strings.Cut(key, ".")
	add := func(c *Cond) {
		c.Field, c.Name, c.Path = f, name, segs
		if top && c.code == opIn && c.Operand.Len() == 0 {
			fp.emptyIn = true
		}
		out = append(out, c)
	}
	switch v.Kind() {
	case value.Object:
		vals := v.Elems()
		for i, op := range v.Keys() {
			info, known := opTable[op]
			if !known {
				return nil, protocol.Unsupported(path+"."+op, path+"."+op)
			}
			c, err := newCond(info, vals[i], path+"."+op)
			if err != nil {
				return nil, err
			}
			add(c)
		}
	case value.Array:
		c, err := newCond(opByName[OpIn], v, path)
		if err != nil {
			return nil, err
		}
		add(c)
	default:
		c, err := newCond(opByName[OpEq], normNull(v), path)
		if err != nil {
			return nil, err
		}
		add(c)
	}
	return out, nil
}

// normNull turns Absent into Null so operands always print as JSON.
func normNull(v value.Value) value.Value {
	if v.IsAbsent() {
		return value.NullValue
	}
	return v
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
