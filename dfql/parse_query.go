package dfql

import (
	"math"
	"strings"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Query limits of §8.9.
const (
	maxSelect    = 50
	maxSortTerms = 10
	maxAggs      = 20
	// maxCount caps limit and offset so that arithmetic on them never
	// overflows; no result is that large.
	maxCount = 1 << 40
)

// ParseQuery validates a query object (§4) and compiles it. Validation stops
// at the first error, in the order of §4.11. A key that is present with the
// value null counts as present: `"limit": null` is not a positive integer.
func ParseQuery(s *schema.Schema, q value.Value, opt Options) (*Query, *protocol.Error) {
	if q.Kind() != value.Object {
		return nil, protocol.Invalid("$", "query must be object")
	}
	res, err := parseResource(s, q)
	if err != nil {
		return nil, err
	}
	p := &queryParser{q: q, opt: opt, out: &Query{Resource: res}}
	p.out.Grouped = !q.Get("groupBy").IsAbsent() || !q.Get("aggregations").IsAbsent()
	for _, step := range []func() *protocol.Error{
		p.version, p.search, p.projection, p.filters, p.sort, p.limit, p.offset,
		p.cursor, p.count, p.groupBy, p.aggregations, p.groupSort, p.having,
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return p.out, nil
}

// parseResource checks `resource` (§4.11); mutations share it.
func parseResource(s *schema.Schema, q value.Value) (*schema.Resource, *protocol.Error) {
	name := q.Get("resource")
	if name.Kind() != value.String {
		return nil, protocol.Invalid("resource", "resource must be string")
	}
	res := s.Resource(name.Str())
	if res == nil {
		return nil, protocol.UnknownResource("resource", name.Str())
	}
	return res, nil
}

// parseVersion checks an optional positive integer `version`.
func parseVersion(q value.Value) (int, *protocol.Error) {
	v := q.Get("version")
	if v.IsAbsent() {
		return 0, nil
	}
	n, ok := positiveInt(v)
	if !ok || n < 1 {
		return 0, protocol.Invalid("version", "version must be a positive integer")
	}
	return n, nil
}

// positiveInt reads a non-negative integer, capped at maxCount.
func positiveInt(v value.Value) (int, bool) {
	if !v.IsInteger() || v.Num() < 0 {
		return 0, false
	}
	return int(math.Min(v.Num(), maxCount)), true
}

type queryParser struct {
	q   value.Value
	opt Options
	out *Query
}

func (p *queryParser) version() (err *protocol.Error) {
	p.out.Version, err = parseVersion(p.q)
	return err
}

func (p *queryParser) search() *protocol.Error {
	if !p.q.Get("search").IsAbsent() {
		return protocol.Unsupported("search", "query.search")
	}
	return nil
}

func (p *queryParser) filters() *protocol.Error {
	v := p.q.Get("filters")
	if v.IsAbsent() {
		p.out.Filter = And{}
		return nil
	}
	fp := filterParser{resolve: resourceResolver(p.out.Resource)}
	f, err := fp.object(v, "filters", 0)
	if err != nil {
		return err
	}
	p.out.Filter, p.out.emptyIn = f, fp.emptyIn
	return nil
}

func (p *queryParser) limit() *protocol.Error {
	v := p.q.Get("limit")
	if v.IsAbsent() {
		return nil
	}
	n, ok := positiveInt(v)
	if !ok || n < 1 {
		return protocol.Invalid("limit", "limit must be a positive integer")
	}
	if p.opt.MaxLimit > 0 && n > p.opt.MaxLimit {
		return protocol.LimitExceeded("limit", "limit>"+itoa(p.opt.MaxLimit))
	}
	p.out.Limit = n
	return nil
}

func (p *queryParser) offset() *protocol.Error {
	v := p.q.Get("offset")
	if v.IsAbsent() {
		return nil
	}
	n, ok := positiveInt(v)
	if !ok {
		return protocol.Invalid("offset", "offset must be a non-negative integer")
	}
	p.out.Offset = n
	return nil
}

func (p *queryParser) count() *protocol.Error {
	v := p.q.Get("count")
	if v.IsAbsent() {
		return nil
	}
	if v.Kind() != value.Bool {
		return protocol.Invalid("count", "count must be boolean")
	}
	p.out.Count = v.Bool()
	return nil
}

// eachString walks the array under key, token by token: a token that is not
// a string fails before later tokens are looked at. max > 0 caps the length
// (checked first). It reports whether the key was present.
func eachString(q value.Value, key string, max int, limit string, fn func(tok, path string) *protocol.Error) (bool, *protocol.Error) {
	v := q.Get(key)
	if v.IsAbsent() {
		return false, nil
	}
	if v.Kind() != value.Array {
		return true, protocol.Invalid(key, "%s must be array", key)
	}
	if max > 0 && v.Len() > max {
		return true, protocol.LimitExceeded(key, limit)
	}
	for i, e := range v.Elems() {
		p := indexPath(key, i)
		if e.Kind() != value.String {
			return true, protocol.Invalid(p, "%s must be string", p)
		}
		if err := fn(e.Str(), p); err != nil {
			return true, err
		}
	}
	return true, nil
}

// projection applies `select` then `omit` (§4.4). Grouped queries validate
// both and ignore them.
func (p *queryParser) projection() *protocol.Error {
	res := p.out.Resource
	keep := make([]bool, len(res.Fields))
	has, err := eachString(p.q, "select", maxSelect, "select>50", func(tok, path string) *protocol.Error {
		if strings.ContainsAny(tok, ".#") {
			return protocol.Errorf(protocol.CodeUnknownRelation, path, "Unknown relation: %s", path)
		}
		return markToken(res, tok, path, keep, true)
	})
	if err != nil {
		return err
	}
	if !has {
		for i := range keep {
			keep[i] = true
		}
	}
	_, err = eachString(p.q, "omit", 0, "", func(tok, path string) *protocol.Error {
		return markToken(res, tok, path, keep, false)
	})
	if err != nil {
		return err
	}
	for i, k := range keep {
		if k {
			p.out.Project = append(p.out.Project, i)
		}
	}
	return nil
}

// markToken sets keep for the fields a token names: `*` is every field and
// `id` none (the id is always output).
func markToken(res *schema.Resource, tok, path string, keep []bool, to bool) *protocol.Error {
	switch tok {
	case "*":
		for i := range keep {
			keep[i] = to
		}
	case "id":
	default:
		f := res.FieldIndex(tok)
		if f < 0 {
			return protocol.UnknownField(path, path)
		}
		keep[f] = to
	}
	return nil
}
