package dfql

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
)

// tq builds a task query from the keys after resource and version.
func tq(frag string) string {
	if frag == "" {
		return `{"resource":"task","version":1}`
	}
	return `{"resource":"task","version":1,` + frag + `}`
}

// filt builds a task query with the given filters.
func filt(f string) string { return tq(`"filters":` + f) }

type qcase struct {
	name string
	q    string
	ids  string // expected ids of data, e.g. "[1,2]"
	json string // expected full result JSON
	err  *protocol.Error
	cur  string // expected nextCursor JSON when ids is checked ("" = null)
}

func checkCases(t *testing.T, cases []qcase) {
	t.Helper()
	s := fixture(t)
	rows := rowsQ(t, s)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := run(t, s, rows, c.q, server)
			if c.err != nil {
				require.NotNil(t, err, "result %s", got)
				require.Equal(t, c.err.Code, err.Code)
				require.Equal(t, c.err.Message, err.Message)
				require.Equal(t, c.err.Path, err.Path)
				return
			}
			require.Nil(t, err)
			if c.json != "" {
				require.JSONEq(t, c.json, got)
				return
			}
			require.Equal(t, c.ids, ids(t, got))
			cur := c.cur
			if cur == "" {
				cur = "null"
			}
			require.Contains(t, got, `"nextCursor":`+cur)
		})
	}
}

func invalid(path, msg string) *protocol.Error {
	return &protocol.Error{Code: protocol.CodeInvalid, Message: "Invalid DFQL: " + msg, Path: path}
}

func coded(code protocol.Code, path, msg string) *protocol.Error {
	return &protocol.Error{Code: code, Message: msg, Path: path}
}

func TestQueryItems(t *testing.T) {
	checkCases(t, []qcase{
		{name: "Q-1", q: tq(""), ids: "[1,2,3,4,5,6,7]"},
		{name: "Q-2", q: tq(`"sort":["title"]`), ids: "[7,2,1,3,4,6,5]"},
		{name: "Q-3", q: tq(`"sort":["prio"]`), ids: "[3,1,6,5,2,4,7]"},
		{name: "Q-4/colon", q: tq(`"sort":["prio:desc"]`), ids: "[2,4,7,5,1,6,3]"},
		{name: "Q-4/dash", q: tq(`"sort":["-prio"]`), ids: "[2,4,7,5,1,6,3]"},
		{name: "Q-4/object", q: tq(`"sort":[{"field":"prio","direction":"desc"}]`), ids: "[2,4,7,5,1,6,3]"},
		{name: "Q-5", q: tq(`"sort":["status:desc","title"]`), ids: "[2,5,7,1,3,4,6]"},
		{name: "Q-6", q: tq(`"select":["title"],"filters":{"id":"task:3"}`),
			json: `{"data":[{"id":"task:3","title":"cherry"}],"nextCursor":null}`},
		{name: "Q-7", q: tq(`"omit":["tags","meta","id"],"filters":{"id":"task:1"}`),
			json: `{"data":[{"id":"task:1","title":"apple","status":"active","prio":2,"due":1700000000000}],"nextCursor":null}`},
		{name: "Q-8/select", q: tq(`"select":["nope"]`), err: coded(protocol.CodeUnknownField, "select[0]", "Unknown field: select[0]")},
		{name: "Q-8/relation", q: tq(`"select":["title","assignee.*"]`),
			err: coded(protocol.CodeUnknownRelation, "select[1]", "Unknown relation: select[1]")},
		{name: "Q-8/omit", q: tq(`"omit":["x"]`), err: coded(protocol.CodeUnknownField, "omit[0]", "Unknown field: omit[0]")},
		{name: "Q-9", q: `{"resource":"nope"}`, err: coded(protocol.CodeUnknownResource, "resource", "Unknown resource: nope")},
		{name: "Q-10/second", q: tq(`"filters":{"x":1}`), err: coded(protocol.CodeUnknownField, "filters.x", "Unknown field: filters.x")},
	})
}

func TestQ9_UnknownResourceDetail(t *testing.T) {
	_, err := ParseQuery(fixture(t), mustValue(`{"resource":"nope"}`), server)
	require.NotNil(t, err)
	require.Equal(t, map[string]any{"path": "resource", "resource": "nope"}, err.Body().Details)
}

func TestFilterItems(t *testing.T) {
	checkCases(t, []qcase{
		{name: "F-1/bare", q: filt(`{"status":"done"}`), ids: "[2,5]"},
		{name: "F-1/array", q: filt(`{"status":["done"]}`), ids: "[2,5]"},
		{name: "F-2/$gt", q: filt(`{"prio":{"$gt":1}}`), ids: "[1,5,6]"},
		{name: "F-2/gt", q: filt(`{"prio":{"gt":1}}`), ids: "[1,5,6]"},
		{name: "F-2/range", q: filt(`{"prio":{"gte":2,"lt":5}}`), ids: "[1,6]"},
		{name: "F-3/null", q: filt(`{"prio":null}`), ids: "[2,4,7]"},
		{name: "F-3/ne-null", q: filt(`{"prio":{"$ne":null}}`), ids: "[1,3,5,6]"},
		{name: "F-4/in", q: filt(`{"prio":{"$in":[1,5]}}`), ids: "[3,5]"},
		{name: "F-4/nin", q: filt(`{"prio":{"$nin":[1,5]}}`), ids: "[1,2,4,6,7]"},
		{name: "F-4/not_in", q: filt(`{"prio":{"not_in":[1,5]}}`), ids: "[1,2,4,6,7]"},
		{name: "F-4/$not_in", q: filt(`{"prio":{"$not_in":[1,5]}}`), ids: "[1,2,4,6,7]"},
		{name: "F-5/array", q: filt(`{"tags":{"$contains":"urgent"}}`), ids: "[1,4]"},
		{name: "F-5/string", q: filt(`{"title":{"$contains":"an"}}`), ids: "[2]"},
		{name: "F-5/case", q: filt(`{"title":{"$contains":"AN"}}`), ids: "[]"},
		{name: "F-6/starts", q: filt(`{"title":{"$startsWith":"ch"}}`), ids: "[3]"},
		{name: "F-6/ends", q: filt(`{"title":{"$endsWith":"a"}}`), ids: "[2]"},
		{name: "F-7/like", q: filt(`{"title":{"$like":"_pple"}}`), ids: "[1]"},
		{name: "F-7/ilike", q: filt(`{"title":{"$ilike":"A%"}}`), ids: "[1]"},
		{name: "F-7/not_ilike", q: filt(`{"title":{"$not_ilike":"a%"}}`), ids: "[2,3,4,5,6,7]"},
		{name: "F-8/title", q: filt(`{"title":{"$is_empty":true}}`), ids: "[7]"},
		{name: "F-8/tags", q: filt(`{"tags":{"$is_empty":true}}`), ids: "[2,5,6,7]"},
		{name: "F-8/not-empty", q: filt(`{"tags":{"$is_not_empty":true}}`), ids: "[1,3,4]"},
		{name: "F-9/is_null", q: filt(`{"due":{"$is_null":true}}`), ids: "[2,3,4,5,6,7]"},
		{name: "F-9/bad", q: filt(`{"due":{"$is_null":"yes"}}`),
			err: invalid("filters.due.$is_null", "filters.due.$is_null must be boolean")},
		{name: "F-10/between", q: filt(`{"prio":{"$between":[1,2]}}`), ids: "[1,3,6]"},
		{name: "F-10/not_between", q: filt(`{"prio":{"$not_between":[1,2]}}`), ids: "[2,4,5,7]"},
		{name: "F-11/before", q: filt(`{"due":{"$before":1800000000000}}`), ids: "[1]"},
		{name: "F-11/after", q: filt(`{"due":{"$after":1600000000000}}`), ids: "[1]"},
		{name: "F-12/eq", q: filt(`{"meta.color":"red"}`), ids: "[1]"},
		{name: "F-12/gte", q: filt(`{"meta.size":{"$gte":3}}`), ids: "[1]"},
		{name: "F-12/missing", q: filt(`{"meta.missing":null}`), ids: "[1,2,3,4,5,6,7]"},
		{name: "F-13/nope.x", q: filt(`{"nope.x":1}`), err: coded(protocol.CodeUnknownField, "filters.nope.x", "Unknown field: filters.nope.x")},
		{name: "F-13/title.x", q: filt(`{"title.x":1}`), err: coded(protocol.CodeUnknownField, "filters.title.x", "Unknown field: filters.title.x")},
		{name: "F-13/nope", q: filt(`{"nope":1}`), err: coded(protocol.CodeUnknownField, "filters.nope", "Unknown field: filters.nope")},
		{name: "F-14", q: filt(`{"$or":[{"status":"done"},{"title":"cherry"}]}`), ids: "[2,3,5]"},
		{name: "F-15", q: filt(`{"$and":[{"status":"active"},{"$or":[{"prio":{"$gte":2}},{"tags":{"$contains":"urgent"}}]}]}`), ids: "[1,4,6]"},
		{name: "F-16/wat", q: filt(`{"title":{"wat":1}}`),
			err: coded(protocol.CodeUnsupported, "filters.title.wat", "Unsupported DFQL feature: filters.title.wat")},
		{name: "F-16/regex", q: filt(`{"title":{"$regex":"a"}}`),
			err: coded(protocol.CodeUnsupported, "filters.title.$regex", "Unsupported DFQL feature: filters.title.$regex")},
		{name: "F-17", q: filt(`{"prio":{"$in":3}}`), err: invalid("filters.prio.$in", "filters.prio.$in must be array")},
		{name: "F-18/11", q: filt(nestedAnd(11)), err: invalid("filters"+strings.Repeat(".$and[0]", 11), "filter depth exceeds 10")},
		{name: "F-18/10", q: filt(nestedAnd(10)), ids: "[2,5]"},
		{name: "F-19/or", q: filt(`{"$or":[]}`), ids: "[]"},
		{name: "F-19/and", q: filt(`{"$and":[]}`), ids: "[1,2,3,4,5,6,7]"},
		{name: "F-20/string", q: filt(`{"prio":{"$eq":"2"}}`), ids: "[]"},
		{name: "F-20/number", q: filt(`{"prio":2}`), ids: "[1,6]"},
		{name: "F-21", q: filt(manyKeys(21)), err: coded(protocol.CodeLimitExceeded, "filters", "Limit exceeded: filters.keys>20")},
		{name: "F-21/20", q: filt(manyKeys(20)), ids: "[]"},
	})
}

// nestedAnd wraps {"status":"done"} in n nested $and groups.
func nestedAnd(n int) string {
	return strings.Repeat(`{"$and":[`, n) + `{"status":"done"}` + strings.Repeat(`]}`, n)
}

// manyKeys is a filter object with n keys that together match nothing.
func manyKeys(n int) string {
	keys := []string{`"title":"zzz"`}
	for i := 1; i < n; i++ {
		keys = append(keys, `"meta.k`+strings.Repeat("x", i)+`":null`)
	}
	return "{" + strings.Join(keys, ",") + "}"
}

func TestPagingItems(t *testing.T) {
	checkCases(t, []qcase{
		{name: "P-1/101", q: tq(`"limit":101`), err: coded(protocol.CodeLimitExceeded, "limit", "Limit exceeded: limit>100")},
		{name: "P-1/0", q: tq(`"limit":0`), err: invalid("limit", "limit must be a positive integer")},
		{name: "P-2", q: tq(`"sort":["title"],"limit":2`), ids: "[7,2]", cur: `{"title":"Banana","id":"task:2"}`},
		{name: "P-3/after", q: tq(`"sort":["title"],"limit":2,"cursor":{"after":{"title":"Banana","id":"task:2"}}`),
			ids: "[1,3]", cur: `{"title":"cherry","id":"task:3"}`},
		{name: "P-3/last", q: tq(`"sort":["title"],"limit":2,"cursor":{"after":{"title":"Ａ","id":"task:6"}}`), ids: "[5]"},
		{name: "P-4", q: tq(`"sort":["title","id"],"limit":2,"cursor":{"before":{"title":"cherry","id":"task:3"}}`),
			ids: "[2,1]", cur: `{"title":"Banana","id":"task:2"}`},
		{name: "P-5/page", q: tq(`"sort":["prio"],"limit":3,"cursor":{"after":{"prio":2,"id":"task:6"}}`),
			ids: "[5,2,4]", cur: `{"prio":null,"id":"task:4"}`},
		{name: "P-5/last", q: tq(`"sort":["prio"],"limit":3,"cursor":{"after":{"prio":null,"id":"task:4"}}`), ids: "[7]"},
		{name: "P-6", q: tq(`"sort":["title"],"cursor":{"after":{"title":"Banana"}}`),
			err: invalid("sort", "cursor requires sort with id tie-breaker")},
		{name: "P-7/end", q: tq(`"sort":["title"],"offset":5,"limit":5`), ids: "[6,5]"},
		{name: "P-7/middle", q: tq(`"sort":["title"],"offset":2,"limit":2`), ids: "[1,3]", cur: `{"title":"cherry","id":"task:3"}`},
		{name: "P-8", q: tq(`"filters":{"status":"active"},"limit":2,"count":true`),
			json: `{"data":[{"id":"task:1","title":"apple","status":"active","prio":2,"tags":["home","urgent"],"meta":{"color":"red","size":3},"due":1700000000000},` +
				`{"id":"task:3","title":"cherry","status":"active","prio":1,"tags":["work"]}],"nextCursor":{"id":"task:3"},"count":5}`},
		{name: "P-8/bad", q: tq(`"count":"yes"`), err: invalid("count", "count must be boolean")},
	})
}

func TestP1c_ClientLimitUncapped(t *testing.T) {
	s := fixture(t)
	got, err := run(t, s, rowsQ(t, s), tq(`"limit":500`), Options{})
	require.Nil(t, err)
	require.Equal(t, "[1,2,3,4,5,6,7]", ids(t, got))
}

func TestGroupItems(t *testing.T) {
	const byStatus = `"groupBy":["status"],"aggregations":{"n":{"op":"count","field":"*"}}`
	checkCases(t, []qcase{
		{name: "G-1", q: tq(byStatus), json: `{"groups":[{"status":"active","n":5},{"status":"done","n":2}],"nextCursor":null}`},
		{name: "G-1/having", q: tq(byStatus + `,"having":{"n":{"gt":2}}`), json: `{"groups":[{"status":"active","n":5}],"nextCursor":null}`},
		{name: "G-2", q: tq(`"groupBy":["status"],"aggregations":{"s":{"op":"sum","field":"prio"},"a":{"op":"avg","field":"prio"},"lo":{"op":"min","field":"title"},"c":{"op":"count","field":"prio"}}`),
			json: `{"groups":[{"status":"active","s":5,"a":1.6666666666666667,"lo":"","c":3},{"status":"done","s":5,"a":5,"lo":"Banana","c":1}],"nextCursor":null}`},
		{name: "G-3", q: tq(`"aggregations":{"n":{"op":"count","field":"*"}}`), json: `{"groups":[{"n":7}],"nextCursor":null}`},
		{name: "G-3/none", q: tq(`"aggregations":{"n":{"op":"count","field":"*"}},"filters":{"title":"zzz"}`), json: `{"groups":[],"nextCursor":null}`},
		{name: "G-4", q: tq(`"groupBy":["prio"],"aggregations":{"n":{"op":"count","field":"*"}}`),
			json: `{"groups":[{"prio":1,"n":1},{"prio":2,"n":2},{"prio":5,"n":1},{"prio":null,"n":3}],"nextCursor":null}`},
		{name: "G-5", q: tq(byStatus + `,"sort":["n"]`), json: `{"groups":[{"status":"done","n":2},{"status":"active","n":5}],"nextCursor":null}`},
		{name: "G-6", q: tq(`"aggregations":{"s":{"op":"sum","field":"title"}}`),
			err: invalid("aggregations.s.field", "aggregations.s.field must be a number field")},
	})
}
