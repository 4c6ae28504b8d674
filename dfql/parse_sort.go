package dfql

import (
	"strconv"
	"strings"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

func itoa(n int) string { return strconv.Itoa(n) }

// sort parses `sort` (§4.6). In a grouped query the names are resolved
// against the group columns later, by groupSort, once groupBy and
// aggregations are known.
func (p *queryParser) sort() *protocol.Error {
	v := p.q.Get("sort")
	if v.IsAbsent() {
		return nil
	}
	if v.Kind() != value.Array {
		return protocol.Invalid("sort", "sort must be array")
	}
	if v.Len() > maxSortTerms {
		return protocol.LimitExceeded("sort", "sort>10")
	}
	for i, e := range v.Elems() {
		path := indexPath("sort", i)
		name, desc, ok := sortTerm(e)
		if !ok {
			return protocol.Invalid(path, "%s is not a valid sort term", path)
		}
		t := SortTerm{Name: name, Desc: desc}
		if !p.out.Grouped {
			f, err := sortField(p.out.Resource, name, path)
			if err != nil {
				return err
			}
			t.Field = f
		}
		p.out.Sort = append(p.out.Sort, t)
	}
	return nil
}

// sortTerm reads `"f"`, `"f:asc"`, `"f:desc"`, `"-f"` or
// `{"field": "f", "direction": "asc"|"desc"}`.
func sortTerm(e value.Value) (name string, desc bool, ok bool) {
	switch e.Kind() {
	case value.String:
		s := e.Str()
		if rest, cut := strings.CutPrefix(s, "-"); cut {
			return rest, true, rest != "" && !strings.Contains(rest, ":")
		}
		if head, dir, cut := strings.Cut(s, ":"); cut {
			return head, dir == "desc", head != "" && (dir == "asc" || dir == "desc")
		}
		return s, false, s != ""
	case value.Object:
		f := e.Get("field")
		if f.Kind() != value.String || f.Str() == "" {
			return "", false, false
		}
		switch d := e.Get("direction"); {
		case d.IsAbsent():
			return f.Str(), false, true
		case d.Kind() == value.String && (d.Str() == "asc" || d.Str() == "desc"):
			return f.Str(), d.Str() == "desc", true
		}
	}
	return "", false, false
}

// sortField resolves a row-query sort term: id or a sortable field.
func sortField(res *schema.Resource, name, path string) (int, *protocol.Error) {
	if name == "id" {
		return IDField, nil
	}
	if strings.Contains(name, ".") {
		return 0, protocol.Invalid(path, "%s cannot sort by %s", path, name)
	}
	f := res.FieldIndex(name)
	if f < 0 {
		return 0, protocol.UnknownField(path, path)
	}
	if !res.Fields[f].Type.Sortable() {
		return 0, protocol.Invalid(path, "%s cannot sort by %s", path, name)
	}
	return f, nil
}

// cursor parses `cursor` (§4.8).
func (p *queryParser) cursor() *protocol.Error {
	v := p.q.Get("cursor")
	if v.IsAbsent() {
		return nil
	}
	if p.out.Grouped {
		return protocol.Invalid("cursor", "cursor is not supported with groupBy")
	}
	after, before := v.Get("after"), v.Get("before")
	if v.Kind() != value.Object || after.IsAbsent() == before.IsAbsent() {
		return protocol.Invalid("cursor", "cursor must have exactly one of after or before")
	}
	c := &Cursor{After: !after.IsAbsent()}
	pos, dir := after, "after"
	if !c.After {
		pos, dir = before, "before"
	}
	if pos.Kind() != value.Object {
		return protocol.Invalid("cursor", "cursor must have exactly one of after or before")
	}
	if !pos.Has("id") {
		return protocol.Invalid("sort", "cursor requires sort with id tie-breaker")
	}
	for _, t := range p.out.Order() {
		if !pos.Has(t.Name) {
			path := "cursor." + dir + "." + t.Name
			return protocol.Invalid(path, "cursor missing value for %s", t.Name)
		}
		c.Values = append(c.Values, normNull(pos.Get(t.Name)))
	}
	p.out.Cursor = c
	return nil
}
