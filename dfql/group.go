package dfql

import (
	"slices"

	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// accum accumulates one aggregation over one group.
type accum struct {
	n   int     // rows counted (count) or non-null numbers (sum, avg)
	sum float64 // running sum in doubles (§4.10)
	ext value.Value
}

// group is one group under construction.
type group struct {
	keys []value.Value
	acc  []accum
}

// evalGroups is the grouped pipeline of §4.3: filter, group, aggregate,
// having, order, offset, limit.
func (q *Query) evalGroups(rows []*schema.Row) *Result {
	index := map[string]*group{}
	var groups []*group
	var key []byte
	for _, r := range rows {
		if !MatchRow(q.Filter, r) {
			continue
		}
		key = key[:0]
		for _, f := range q.GroupBy {
			key = value.AppendJSON(key, rowValue(r, f, nil))
			key = append(key, 0)
		}
		g := index[string(key)]
		if g == nil {
			g = q.newGroup(r)
			index[string(key)] = g
			groups = append(groups, g)
		}
		q.accumulate(g, r)
	}
	var out [][]value.Value
	for _, g := range groups {
		cols := q.groupCols(g)
		if q.Having == nil || matchCols(q.Having, cols) {
			out = append(out, cols)
		}
	}
	ord := q.GroupOrder()
	slices.SortFunc(out, func(a, b []value.Value) int { return cmpCols(ord, a, b) })
	res := &Result{Groups: []value.Value{}}
	names := q.Columns()
	for i, cols := range out {
		if i < q.Offset {
			continue
		}
		if q.Limit > 0 && len(res.Groups) == q.Limit {
			break
		}
		res.Groups = append(res.Groups, value.Obj(names, cols))
	}
	return res
}

func (q *Query) newGroup(r *schema.Row) *group {
	g := &group{keys: make([]value.Value, len(q.GroupBy)), acc: make([]accum, len(q.Aggs))}
	for i, f := range q.GroupBy {
		g.keys[i] = normNull(rowValue(r, f, nil))
	}
	return g
}

func (q *Query) accumulate(g *group, r *schema.Row) {
	for i, a := range q.Aggs {
		acc := &g.acc[i]
		if a.Field == AggStar {
			acc.n++
			continue
		}
		v := rowValue(r, a.Field, nil)
		if v.IsNull() {
			continue
		}
		switch a.Op {
		case AggCount:
			acc.n++
		case AggSum, AggAvg:
			if v.Kind() == value.Number {
				acc.n++
				acc.sum += v.Num()
			}
		case AggMin:
			if acc.ext.IsAbsent() || value.Compare(v, acc.ext) < 0 {
				acc.ext = v
			}
		case AggMax:
			if acc.ext.IsAbsent() || value.Compare(v, acc.ext) > 0 {
				acc.ext = v
			}
		}
	}
}

// groupCols is the finished group row: keys, then one value per alias.
func (q *Query) groupCols(g *group) []value.Value {
	cols := make([]value.Value, 0, len(g.keys)+len(q.Aggs))
	cols = append(cols, g.keys...)
	for i, a := range q.Aggs {
		acc := g.acc[i]
		var v value.Value
		switch a.Op {
		case AggCount:
			v = value.Num(float64(acc.n))
		case AggSum:
			v = value.NullValue
			if acc.n > 0 {
				v = value.Num(acc.sum)
			}
		case AggAvg:
			v = value.NullValue
			if acc.n > 0 {
				v = value.Num(acc.sum / float64(acc.n))
			}
		default:
			v = normNull(acc.ext)
		}
		cols = append(cols, v)
	}
	return cols
}

func cmpCols(ord []SortTerm, a, b []value.Value) int {
	for _, t := range ord {
		if c := value.Compare(a[t.Field], b[t.Field]); c != 0 {
			if t.Desc {
				return -c
			}
			return c
		}
	}
	return 0
}
