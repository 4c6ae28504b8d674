package storetest

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/value"
)

const (
	diffRows    = 150
	diffQueries = 400
)

var sortable = []string{"s", "t", "n", "b", "d", "id"}

func (g gen) sortTerm(name string) string {
	switch g.pick(5) {
	case 0:
		return fmt.Sprintf("%q", name+":desc")
	case 1:
		return fmt.Sprintf("%q", "-"+name)
	case 2:
		return fmt.Sprintf(`{"field":%q,"direction":"desc"}`, name)
	case 3:
		return fmt.Sprintf("%q", name+":asc")
	}
	return fmt.Sprintf("%q", name)
}

func (g gen) sort(names []string) string {
	n := g.pick(4)
	terms := make([]string, n)
	for i := range terms {
		terms[i] = g.sortTerm(names[g.pick(len(names))])
	}
	return "[" + strings.Join(terms, ",") + "]"
}

// paging adds limit, offset and count keys.
func (g gen) paging(parts []string) []string {
	if g.pick(2) == 0 {
		parts = append(parts, fmt.Sprintf(`"limit":%d`, 1+g.pick(10)))
	}
	if g.pick(3) == 0 {
		parts = append(parts, fmt.Sprintf(`"offset":%d`, g.pick(4)))
	}
	return parts
}

// rowQuery is a random row query; the cursor, when any, is added later
// from a real position (see withCursor).
func (g gen) rowQuery() []string {
	parts := []string{`"resource":"item"`}
	if g.pick(5) != 0 {
		parts = append(parts, `"filters":`+g.filter(0, filterKeys))
	}
	if g.pick(3) != 0 {
		parts = append(parts, `"sort":`+g.sort(sortable))
	}
	if g.pick(3) == 0 {
		parts = append(parts, `"count":true`)
	}
	return g.paging(parts)
}

func (g gen) groupQuery() []string {
	parts := []string{`"resource":"item"`}
	if g.pick(3) != 0 {
		parts = append(parts, `"filters":`+g.filter(0, filterKeys))
	}
	var cols []string
	if g.pick(4) != 0 {
		seen := map[string]bool{}
		var keys []string
		for i := 0; i < 1+g.pick(2); i++ {
			k := sortable[g.pick(len(sortable)-1)]
			if !seen[k] {
				seen[k] = true
				keys = append(keys, fmt.Sprintf("%q", k))
				cols = append(cols, k)
			}
		}
		parts = append(parts, `"groupBy":[`+strings.Join(keys, ",")+`]`)
	}
	aggs := []string{`{"op":"count","field":"*"}`, `{"op":"count","field":"s"}`, `{"op":"sum","field":"n"}`,
		`{"op":"avg","field":"n"}`, `{"op":"min","field":"s"}`, `{"op":"max","field":"s"}`, `{"op":"min","field":"n"}`,
		`{"op":"max","field":"d"}`, `{"op":"min","field":"b"}`, `{"op":"max","field":"b"}`, `{"op":"min","field":"id"}`,
		`{"op":"count","field":"id"}`, `{"op":"sum","field":"d"}`}
	n := g.pick(4)
	if len(cols) == 0 && n == 0 {
		n = 1
	}
	var as []string
	for i := 0; i < n; i++ {
		alias := fmt.Sprintf("a%d", i)
		as = append(as, fmt.Sprintf("%q:%s", alias, aggs[g.pick(len(aggs))]))
		cols = append(cols, alias)
	}
	if len(as) > 0 {
		parts = append(parts, `"aggregations":{`+strings.Join(as, ",")+`}`)
	}
	if g.pick(3) == 0 {
		parts = append(parts, `"having":`+g.filter(1, cols))
	}
	if g.pick(2) == 0 {
		parts = append(parts, `"sort":`+g.sort(cols))
	}
	return g.paging(parts)
}

// withCursor adds a cursor at the position of a random matching row,
// sometimes with a value replaced, sometimes past every row.
func (g gen) withCursor(e *env, parts []string, rows []*schema.Row) []string {
	q, perr := dfql.ParseQuery(e.sc, value.MustParse("{"+strings.Join(parts, ",")+"}"), dfql.Options{MaxLimit: 100})
	if perr != nil || len(rows) == 0 {
		return parts
	}
	pos := q.CursorFor(rows[g.pick(len(rows))])
	if g.pick(3) == 0 {
		keys := pos.Keys()
		k := keys[g.pick(len(keys))]
		var x value.Value
		switch k {
		case "id":
			x = value.Str("item:" + g.str())
		case "s", "t":
			x = value.Str(g.str())
		case "b":
			x = value.Boolean(g.pick(2) == 0)
		default:
			x = value.Num(g.num())
		}
		if g.pick(4) == 0 && k != "id" {
			x = value.NullValue
		}
		pos = pos.With(k, x)
	}
	dir := "after"
	if g.pick(2) == 0 {
		dir = "before"
	}
	return append(parts, fmt.Sprintf(`"cursor":{%q:%s}`, dir, pos))
}

// testDifferential checks that a few hundred random queries per seed give
// the same JSON through the store's SQL as through dfql's Eval.
func testDifferential(t *testing.T, open func(t *testing.T) server.Store) {
	seeds := []int64{1, 2, 3}
	if v, err := strconv.ParseInt(os.Getenv("DATAFN_DIFF_SEED"), 10, 64); err == nil {
		seeds = []int64{v}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { differential(t, open, seed) })
	}
}

func differential(t *testing.T, open func(t *testing.T) server.Store, seed int64) {
	e := setup(t, open)
	sc, err := parseSchema(DiffSchema)
	require.NoError(t, err)
	e.sc = sc
	require.NoError(t, e.store.Migrate(e.ctx, sc))
	g := gen{rand.New(rand.NewSource(seed))}
	var docs []string
	for i := 0; i < diffRows; i++ {
		docs = append(docs, g.row(i).String())
	}
	e.put("item", docs...)
	other := *e
	other.ns = e.ns + "_other"
	other.put("item", g.row(0).String(), g.row(diffRows+1).String())
	var rows []*schema.Row
	for _, d := range docs {
		rows = append(rows, rowOf(sc.Resource("item"), value.MustParse(d)))
	}
	ran, grouped := 0, 0
	for i := 0; i < diffQueries; i++ {
		var parts []string
		if g.pick(3) == 0 {
			parts = g.groupQuery()
			grouped++
		} else {
			parts = g.rowQuery()
			if g.pick(2) == 0 {
				parts = g.withCursor(e, parts, rows)
			}
		}
		doc := "{" + strings.Join(parts, ",") + "}"
		if _, perr := dfql.ParseQuery(sc, value.MustParse(doc), dfql.Options{MaxLimit: 100}); perr != nil {
			continue
		}
		ran++
		e.queryBoth(t, doc)
	}
	t.Logf("%d of %d random queries valid (%d grouped generated)", ran, diffQueries, grouped)
	require.Greater(t, ran, diffQueries/2, "the generator makes mostly valid queries")
}
