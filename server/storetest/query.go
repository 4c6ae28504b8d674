package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/value"
)

// DataQ is data set Q of Appendix A as stored after its seven inserts
// (status defaulted to "active").
var DataQ = []string{
	`{"id":"task:1","title":"apple","status":"active","prio":2,"tags":["home","urgent"],"meta":{"color":"red","size":3},"due":1700000000000}`,
	`{"id":"task:2","title":"Banana","status":"done","prio":null,"tags":[],"meta":{"color":"blue"}}`,
	`{"id":"task:3","title":"cherry","status":"active","prio":1,"tags":["work"]}`,
	`{"id":"task:4","title":"Äpfel","status":"active","tags":["urgent"],"due":null}`,
	`{"id":"task:5","title":"😀","status":"done","prio":5}`,
	`{"id":"task:6","title":"Ａ","status":"active","prio":2}`,
	`{"id":"task:7","title":"","status":"active"}`,
}

// rowOf is a stored row as dfql sees it.
func rowOf(res *schema.Resource, v value.Value) *schema.Row {
	r := &schema.Row{ID: v.Get("id").Str(), Vals: make([]value.Value, len(res.Fields))}
	for i, f := range res.Fields {
		r.Vals[i] = v.Get(f.Name)
	}
	return r
}

// queryBoth runs a query through the store and through dfql's Eval over
// every stored row, requires the same JSON, and returns it.
func (e *env) queryBoth(t *testing.T, doc string) string {
	t.Helper()
	q, perr := dfql.ParseQuery(e.sc, value.MustParse(doc), dfql.Options{MaxLimit: 100})
	require.Nil(t, perr, "parse %s", doc)
	var got, want []byte
	e.read(func(tx server.ReadTx) error {
		res, err := tx.Query(q)
		require.NoError(t, err, doc)
		got = q.AppendResultJSON(nil, res)
		all, err := tx.Scan(q.Resource, nil, 0)
		require.NoError(t, err)
		rows := make([]*schema.Row, len(all))
		for i, v := range all {
			rows[i] = rowOf(q.Resource, v)
		}
		want = q.AppendResultJSON(nil, q.Eval(rows))
		return nil
	})
	require.Equal(t, string(want), string(got), "SQL and Eval differ for %s", doc)
	return string(got)
}

// dataIDs lists the numbers of the task ids in a row result ("task:3" → 3).
func dataIDs(t *testing.T, result string) string {
	v := value.MustParse(result)
	var out []string
	for _, r := range v.Get("data").Elems() {
		out = append(out, strings.TrimPrefix(r.Get("id").Str(), "task:"))
	}
	return "[" + strings.Join(out, ",") + "]"
}

// A4Cases are the query items of protocol.md A.4 that reach the store
// (validation errors are dfql's): query body → expected ids, or the full
// result when want starts with "{".
var A4Cases = []struct{ Name, Query, Want string }{
	{"Q-1", `{}`, `[1,2,3,4,5,6,7]`},
	{"Q-2", `{"sort":["title"]}`, `[7,2,1,3,4,6,5]`},
	{"Q-3", `{"sort":["prio"]}`, `[3,1,6,5,2,4,7]`},
	{"Q-4 desc", `{"sort":["prio:desc"]}`, `[2,4,7,5,1,6,3]`},
	{"Q-4 minus", `{"sort":["-prio"]}`, `[2,4,7,5,1,6,3]`},
	{"Q-4 object", `{"sort":[{"field":"prio","direction":"desc"}]}`, `[2,4,7,5,1,6,3]`},
	{"Q-5", `{"sort":["status:desc","title"]}`, `[2,5,7,1,3,4,6]`},
	{"Q-6", `{"select":["title"],"filters":{"id":"task:3"}}`, `{"data":[{"id":"task:3","title":"cherry"}],"nextCursor":null}`},
	{"Q-7", `{"omit":["tags","meta","id"],"filters":{"id":"task:1"}}`, `{"data":[{"id":"task:1","title":"apple","status":"active","prio":2,"due":1700000000000}],"nextCursor":null}`},
	{"F-1", `{"filters":{"status":"done"}}`, `[2,5]`},
	{"F-1 array", `{"filters":{"status":["done"]}}`, `[2,5]`},
	{"F-2", `{"filters":{"prio":{"$gt":1}}}`, `[1,5,6]`},
	{"F-2 bare", `{"filters":{"prio":{"gt":1}}}`, `[1,5,6]`},
	{"F-2 range", `{"filters":{"prio":{"gte":2,"lt":5}}}`, `[1,6]`},
	{"F-3", `{"filters":{"prio":null}}`, `[2,4,7]`},
	{"F-3 ne", `{"filters":{"prio":{"$ne":null}}}`, `[1,3,5,6]`},
	{"F-4 in", `{"filters":{"prio":{"$in":[1,5]}}}`, `[3,5]`},
	{"F-4 nin", `{"filters":{"prio":{"$nin":[1,5]}}}`, `[1,2,4,6,7]`},
	{"F-4 not_in", `{"filters":{"prio":{"not_in":[1,5]}}}`, `[1,2,4,6,7]`},
	{"F-5 array", `{"filters":{"tags":{"$contains":"urgent"}}}`, `[1,4]`},
	{"F-5 string", `{"filters":{"title":{"$contains":"an"}}}`, `[2]`},
	{"F-5 case", `{"filters":{"title":{"$contains":"AN"}}}`, `[]`},
	{"F-6 starts", `{"filters":{"title":{"$startsWith":"ch"}}}`, `[3]`},
	{"F-6 ends", `{"filters":{"title":{"$endsWith":"a"}}}`, `[2]`},
	{"F-7 like", `{"filters":{"title":{"$like":"_pple"}}}`, `[1]`},
	{"F-7 ilike", `{"filters":{"title":{"$ilike":"A%"}}}`, `[1]`},
	{"F-7 not_ilike", `{"filters":{"title":{"$not_ilike":"a%"}}}`, `[2,3,4,5,6,7]`},
	{"F-8 string", `{"filters":{"title":{"$is_empty":true}}}`, `[7]`},
	{"F-8 array", `{"filters":{"tags":{"$is_empty":true}}}`, `[2,5,6,7]`},
	{"F-8 not", `{"filters":{"tags":{"$is_not_empty":true}}}`, `[1,3,4]`},
	{"F-9", `{"filters":{"due":{"$is_null":true}}}`, `[2,3,4,5,6,7]`},
	{"F-10", `{"filters":{"prio":{"$between":[1,2]}}}`, `[1,3,6]`},
	{"F-10 not", `{"filters":{"prio":{"$not_between":[1,2]}}}`, `[2,4,5,7]`},
	{"F-11 before", `{"filters":{"due":{"$before":1800000000000}}}`, `[1]`},
	{"F-11 after", `{"filters":{"due":{"$after":1600000000000}}}`, `[1]`},
	{"F-12 eq", `{"filters":{"meta.color":"red"}}`, `[1]`},
	{"F-12 gte", `{"filters":{"meta.size":{"$gte":3}}}`, `[1]`},
	{"F-12 missing", `{"filters":{"meta.missing":null}}`, `[1,2,3,4,5,6,7]`},
	{"F-14", `{"filters":{"$or":[{"status":"done"},{"title":"cherry"}]}}`, `[2,3,5]`},
	{"F-15", `{"filters":{"$and":[{"status":"active"},{"$or":[{"prio":{"$gte":2}},{"tags":{"$contains":"urgent"}}]}]}}`, `[1,4,6]`},
	{"F-18 depth 10", `{"filters":{"$and":[{"$and":[{"$and":[{"$and":[{"$and":[{"$and":[{"$and":[{"$and":[{"$and":[{"$and":[{"status":"done"}]}]}]}]}]}]}]}]}]}]}}`, `[2,5]`},
	{"F-19 or", `{"filters":{"$or":[]}}`, `[]`},
	{"F-19 and", `{"filters":{"$and":[]}}`, `[1,2,3,4,5,6,7]`},
	{"F-20 string", `{"filters":{"prio":{"$eq":"2"}}}`, `[]`},
	{"F-20 number", `{"filters":{"prio":2}}`, `[1,6]`},
	{"P-2", `{"sort":["title"],"limit":2}`, `{"data":[{"id":"task:7","title":"","status":"active"},{"id":"task:2","title":"Banana","status":"done","prio":null,"tags":[],"meta":{"color":"blue"}}],"nextCursor":{"title":"Banana","id":"task:2"}}`},
	{"P-3", `{"sort":["title"],"limit":2,"cursor":{"after":{"title":"Banana","id":"task:2"}},"select":["title"]}`, `{"data":[{"id":"task:1","title":"apple"},{"id":"task:3","title":"cherry"}],"nextCursor":{"title":"cherry","id":"task:3"}}`},
	{"P-3 end", `{"sort":["title"],"limit":2,"cursor":{"after":{"title":"Ａ","id":"task:6"}},"select":["title"]}`, `{"data":[{"id":"task:5","title":"😀"}],"nextCursor":null}`},
	{"P-4", `{"sort":["title","id"],"limit":2,"cursor":{"before":{"title":"cherry","id":"task:3"}},"select":["title"]}`, `{"data":[{"id":"task:2","title":"Banana"},{"id":"task:1","title":"apple"}],"nextCursor":{"title":"Banana","id":"task:2"}}`},
	{"P-5", `{"sort":["prio"],"limit":3,"cursor":{"after":{"prio":2,"id":"task:6"}},"select":["prio"]}`, `{"data":[{"id":"task:5","prio":5},{"id":"task:2","prio":null},{"id":"task:4"}],"nextCursor":{"prio":null,"id":"task:4"}}`},
	{"P-5 next", `{"sort":["prio"],"limit":3,"cursor":{"after":{"prio":null,"id":"task:4"}},"select":["prio"]}`, `{"data":[{"id":"task:7"}],"nextCursor":null}`},
	{"P-7 end", `{"sort":["title"],"offset":5,"limit":5}`, `[6,5]`},
	{"P-7 middle", `{"sort":["title"],"offset":2,"limit":2,"select":["title"]}`, `{"data":[{"id":"task:1","title":"apple"},{"id":"task:3","title":"cherry"}],"nextCursor":{"title":"cherry","id":"task:3"}}`},
	{"P-8", `{"filters":{"status":"active"},"limit":2,"count":true,"select":["title"]}`, `{"data":[{"id":"task:1","title":"apple"},{"id":"task:3","title":"cherry"}],"nextCursor":{"id":"task:3"},"count":5}`},
	{"G-1", `{"groupBy":["status"],"aggregations":{"n":{"op":"count","field":"*"}}}`, `{"groups":[{"status":"active","n":5},{"status":"done","n":2}],"nextCursor":null}`},
	{"G-1 having", `{"groupBy":["status"],"aggregations":{"n":{"op":"count","field":"*"}},"having":{"n":{"gt":2}}}`, `{"groups":[{"status":"active","n":5}],"nextCursor":null}`},
	{"G-2", `{"groupBy":["status"],"aggregations":{"s":{"op":"sum","field":"prio"},"a":{"op":"avg","field":"prio"},"lo":{"op":"min","field":"title"},"c":{"op":"count","field":"prio"}}}`, `{"groups":[{"status":"active","s":5,"a":1.6666666666666667,"lo":"","c":3},{"status":"done","s":5,"a":5,"lo":"Banana","c":1}],"nextCursor":null}`},
	{"G-3", `{"aggregations":{"n":{"op":"count","field":"*"}}}`, `{"groups":[{"n":7}],"nextCursor":null}`},
	{"G-3 none", `{"aggregations":{"n":{"op":"count","field":"*"}},"filters":{"title":"zzz"}}`, `{"groups":[],"nextCursor":null}`},
	{"G-4", `{"groupBy":["prio"],"aggregations":{"n":{"op":"count","field":"*"}}}`, `{"groups":[{"prio":1,"n":1},{"prio":2,"n":2},{"prio":5,"n":1},{"prio":null,"n":3}],"nextCursor":null}`},
	{"G-5", `{"groupBy":["status"],"aggregations":{"n":{"op":"count","field":"*"}},"sort":["n"]}`, `{"groups":[{"status":"done","n":2},{"status":"active","n":5}],"nextCursor":null}`},
}

// testA4 runs the query items of Appendix A.4 through the store (ORD-1 for
// the backend, P-5 and G-4 included).
func testA4(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	e.put("task", DataQ...)
	for _, c := range A4Cases {
		t.Run(c.Name, func(t *testing.T) {
			doc := `{"resource":"task","version":1,` + strings.TrimPrefix(c.Query, "{")
			if c.Query == `{}` {
				doc = `{"resource":"task","version":1}`
			}
			got := e.queryBoth(t, doc)
			if strings.HasPrefix(c.Want, "{") {
				require.JSONEq(t, c.Want, got)
				return
			}
			require.Equal(t, c.Want, dataIDs(t, got), fmt.Sprintf("result %s", got))
		})
	}
}
