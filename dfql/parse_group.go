package dfql

import (
	"strings"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// groupBy parses `groupBy` (§4.10): sortable fields or id, duplicates
// dropped.
func (p *queryParser) groupBy() *protocol.Error {
	res := p.out.Resource
	seen := map[int]bool{}
	_, err := eachString(p.q, "groupBy", 0, "", func(name, path string) *protocol.Error {
		f, err := groupField(res, name, path)
		if err == nil && !seen[f] {
			seen[f] = true
			p.out.GroupBy = append(p.out.GroupBy, f)
		}
		return err
	})
	return err
}

func groupField(res *schema.Resource, name, path string) (int, *protocol.Error) {
	if name == "id" {
		return IDField, nil
	}
	if strings.Contains(name, ".") {
		return 0, protocol.Invalid(path, "%s cannot group by %s", path, name)
	}
	f := res.FieldIndex(name)
	if f < 0 {
		return 0, protocol.UnknownField(path, path)
	}
	if !res.Fields[f].Type.Sortable() {
		return 0, protocol.Invalid(path, "%s cannot group by %s", path, name)
	}
	return f, nil
}

// aggregations parses `aggregations`, aliases in request order.
func (p *queryParser) aggregations() *protocol.Error {
	v := p.q.Get("aggregations")
	if v.IsAbsent() {
		return nil
	}
	if v.Kind() != value.Object {
		return protocol.Invalid("aggregations", "aggregations must be object")
	}
	if v.Len() > maxAggs {
		return protocol.LimitExceeded("aggregations", "aggregations>20")
	}
	vals := v.Elems()
	for i, alias := range v.Keys() {
		a, err := p.agg(alias, vals[i])
		if err != nil {
			return err
		}
		p.out.Aggs = append(p.out.Aggs, a)
	}
	return nil
}

func (p *queryParser) agg(alias string, spec value.Value) (Agg, *protocol.Error) {
	path := "aggregations." + alias
	res := p.out.Resource
	for _, g := range p.out.GroupBy {
		if fieldName(res, g) == alias {
			return Agg{}, protocol.Invalid(path, "%s collides with groupBy", path)
		}
	}
	if spec.Kind() != value.Object {
		return Agg{}, protocol.Invalid(path, "%s must be object", path)
	}
	a := Agg{Alias: alias, Op: AggOp(spec.Get("op").Str())}
	switch op := spec.Get("op"); {
	case op.Kind() != value.String:
		return Agg{}, badAggOp(path)
	case a.Op != AggCount && a.Op != AggSum && a.Op != AggMin && a.Op != AggMax && a.Op != AggAvg:
		return Agg{}, badAggOp(path)
	}
	f, err := aggField(res, a.Op, spec.Get("field"), path+".field")
	a.Field = f
	return a, err
}

func badAggOp(path string) *protocol.Error {
	return protocol.Invalid(path+".op", "%s.op must be one of count, sum, min, max, avg", path)
}

// aggField resolves and type-checks an aggregation's field.
func aggField(res *schema.Resource, op AggOp, v value.Value, path string) (int, *protocol.Error) {
	if v.Kind() != value.String {
		return 0, protocol.Invalid(path, "%s must be string", path)
	}
	name := v.Str()
	if name == "*" {
		if op != AggCount {
			return 0, protocol.Invalid(path, "%s \"*\" is only allowed with count", path)
		}
		return AggStar, nil
	}
	f := IDField
	typ := schema.TypeString
	if name != "id" {
		if f = res.FieldIndex(name); f < 0 {
			return 0, protocol.UnknownField(path, path)
		}
		typ = res.Fields[f].Type
	}
	switch op {
	case AggSum, AggAvg:
		if typ != schema.TypeNumber {
			return 0, protocol.Invalid(path, "%s must be a number field", path)
		}
	case AggMin, AggMax:
		if typ != schema.TypeNumber && typ != schema.TypeDate && typ != schema.TypeString {
			return 0, protocol.Invalid(path, "%s cannot be compared", path)
		}
	}
	return f, nil
}

// columnResolver resolves group columns by name (groupBy fields, aliases).
func (p *queryParser) columnResolver() resolver {
	cols := p.out.Columns()
	return func(key string) (int, []string, bool) {
		for i, c := range cols {
			if c == key {
				return i, nil, true
			}
		}
		return 0, nil, false
	}
}

// groupSort resolves the sort terms of a grouped query against its columns.
func (p *queryParser) groupSort() *protocol.Error {
	if !p.out.Grouped {
		return nil
	}
	resolve := p.columnResolver()
	for i := range p.out.Sort {
		f, _, ok := resolve(p.out.Sort[i].Name)
		if !ok {
			path := indexPath("sort", i)
			return protocol.UnknownField(path, path)
		}
		p.out.Sort[i].Field = f
	}
	return nil
}

// having parses `having`, a filter over group rows.
func (p *queryParser) having() *protocol.Error {
	v := p.q.Get("having")
	if v.IsAbsent() {
		return nil
	}
	if v.Kind() != value.Object {
		return protocol.Invalid("having", "having must be object")
	}
	fp := filterParser{resolve: p.columnResolver()}
	f, err := fp.object(v, "having", 0)
	if err != nil {
		return err
	}
	if p.out.Grouped {
		p.out.Having = f
	}
	return nil
}
