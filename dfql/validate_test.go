package dfql

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// TestQueryValidation covers the messages, codes and paths of §4.4-§4.11
// that the checklist items do not name.
func TestQueryValidation(t *testing.T) {
	agg := func(spec string) string { return tq(`"aggregations":{"x":` + spec + `}`) }
	long := strings.Repeat("é", 201)
	checkCases(t, []qcase{
		{name: "not-object", q: `[]`, err: invalid("$", "query must be object")},
		{name: "resource/missing", q: `{}`, err: invalid("resource", "resource must be string")},
		{name: "resource/type", q: `{"resource":1}`, err: invalid("resource", "resource must be string")},
		{name: "version", q: `{"resource":"task","version":1.5}`, err: invalid("version", "version must be a positive integer")},
		{name: "version/null", q: `{"resource":"task","version":null}`, err: invalid("version", "version must be a positive integer")},
		{name: "search", q: tq(`"search":"x"`), err: coded(protocol.CodeUnsupported, "search", "Unsupported DFQL feature: query.search")},
		{name: "order/search-before-select", q: tq(`"select":5,"search":"x"`), err: coded(protocol.CodeUnsupported, "search", "Unsupported DFQL feature: query.search")},
		{name: "select/type", q: tq(`"select":"title"`), err: invalid("select", "select must be array")},
		{name: "select/elem", q: tq(`"select":["title",3]`), err: invalid("select[1]", "select[1] must be string")},
		{name: "select/token-order", q: tq(`"select":["nope",3]`), err: coded(protocol.CodeUnknownField, "select[0]", "Unknown field: select[0]")},
		{name: "select/hash", q: tq(`"select":["a#b"]`), err: coded(protocol.CodeUnknownRelation, "select[0]", "Unknown relation: select[0]")},
		{name: "select/limit", q: tq(`"select":[` + strings.Repeat(`"title",`, 50) + `"title"]`), err: coded(protocol.CodeLimitExceeded, "select", "Limit exceeded: select>50")},
		{name: "omit/type", q: tq(`"omit":{}`), err: invalid("omit", "omit must be array")},
		{name: "order/omit-before-filters", q: tq(`"filters":{"x":1},"omit":["x"]`), err: coded(protocol.CodeUnknownField, "omit[0]", "Unknown field: omit[0]")},
		{name: "filters/type", q: tq(`"filters":[]`), err: invalid("filters", "filters must be object")},
		{name: "filters/group-type", q: filt(`{"$and":{}}`), err: invalid("filters.$and", "filters.$and must be array")},
		{name: "filters/group-elem", q: filt(`{"$or":[{},5]}`), err: invalid("filters.$or[1]", "filters.$or[1] must be object")},
		{name: "filters/dollar-key", q: filt(`{"$not":{}}`), err: coded(protocol.CodeUnsupported, "filters.$not", "Unsupported DFQL feature: filters.$not")},
		{name: "filters/nested-path", q: filt(`{"$or":[{"title":"a"},{"prio":{"$gt":true}}]}`), err: invalid("filters.$or[1].prio.$gt", "filters.$or[1].prio.$gt must be number or string")},
		{name: "filters/first-key-first", q: filt(`{"zz":1,"title":{"wat":1}}`), err: coded(protocol.CodeUnknownField, "filters.zz", "Unknown field: filters.zz")},
		{name: "filters/eq-object", q: filt(`{"title":{"$eq":{}}}`), err: invalid("filters.title.$eq", "filters.title.$eq must be a scalar")},
		{name: "filters/contains-null", q: filt(`{"tags":{"$contains":null}}`), err: invalid("filters.tags.$contains", "filters.tags.$contains must be a scalar")},
		{name: "filters/in-elem", q: filt(`{"prio":{"$in":[1,[2]]}}`), err: invalid("filters.prio.$in[1]", "filters.prio.$in[1] must be a scalar")},
		{name: "filters/bare-array-elem", q: filt(`{"prio":[{}]}`), err: invalid("filters.prio[0]", "filters.prio[0] must be a scalar")},
		{name: "filters/startsWith", q: filt(`{"title":{"startsWith":1}}`), err: invalid("filters.title.startsWith", "filters.title.startsWith must be string")},
		{name: "filters/like-type", q: filt(`{"title":{"$like":1}}`), err: invalid("filters.title.$like", "filters.title.$like must be string")},
		{name: "filters/like-long", q: filt(`{"title":{"ilike":"` + long + `"}}`), err: coded(protocol.CodeLimitExceeded, "filters.title.ilike", "Limit exceeded: like.pattern>200")},
		{name: "filters/like-200", q: filt(`{"title":{"ilike":"` + long[2:] + `"}}`), ids: "[]"},
		{name: "filters/before", q: filt(`{"due":{"$before":"2020"}}`), err: invalid("filters.due.$before", "filters.due.$before must be number")},
		{name: "filters/between-mixed", q: filt(`{"prio":{"$between":[1,"2"]}}`), err: invalid("filters.prio.$between", "filters.prio.$between must be an array of two numbers or two strings")},
		{name: "filters/between-three", q: filt(`{"prio":{"not_between":[1,2,3]}}`), err: invalid("filters.prio.not_between", "filters.prio.not_between must be an array of two numbers or two strings")},
		{name: "filters/id-dotted", q: filt(`{"id.x":1}`), err: coded(protocol.CodeUnknownField, "filters.id.x", "Unknown field: filters.id.x")},
		{name: "sort/type", q: tq(`"sort":"title"`), err: invalid("sort", "sort must be array")},
		{name: "sort/term", q: tq(`"sort":["title:up"]`), err: invalid("sort[0]", "sort[0] is not a valid sort term")},
		{name: "sort/term-object", q: tq(`"sort":[{"field":"title","direction":"down"}]`), err: invalid("sort[0]", "sort[0] is not a valid sort term")},
		{name: "sort/term-number", q: tq(`"sort":["title",1]`), err: invalid("sort[1]", "sort[1] is not a valid sort term")},
		{name: "sort/unknown", q: tq(`"sort":["nope"]`), err: coded(protocol.CodeUnknownField, "sort[0]", "Unknown field: sort[0]")},
		{name: "sort/type-array", q: tq(`"sort":["tags"]`), err: invalid("sort[0]", "sort[0] cannot sort by tags")},
		{name: "sort/dotted", q: tq(`"sort":["-meta.color"]`), err: invalid("sort[0]", "sort[0] cannot sort by meta.color")},
		{name: "sort/limit", q: tq(`"sort":[` + strings.Repeat(`"title",`, 10) + `"title"]`), err: coded(protocol.CodeLimitExceeded, "sort", "Limit exceeded: sort>10")},
		{name: "sort/id-first", q: tq(`"sort":["-id","title"]`), ids: "[7,6,5,4,3,2,1]"},
		{name: "limit/float", q: tq(`"limit":1.5`), err: invalid("limit", "limit must be a positive integer")},
		{name: "offset/negative", q: tq(`"offset":-1`), err: invalid("offset", "offset must be a non-negative integer")},
		{name: "order/limit-before-offset", q: tq(`"offset":"x","limit":"x"`), err: invalid("limit", "limit must be a positive integer")},
		{name: "cursor/both", q: tq(`"cursor":{"after":{"id":"a"},"before":{"id":"a"}}`), err: invalid("cursor", "cursor must have exactly one of after or before")},
		{name: "cursor/neither", q: tq(`"cursor":{}`), err: invalid("cursor", "cursor must have exactly one of after or before")},
		{name: "cursor/not-object", q: tq(`"cursor":{"after":5}`), err: invalid("cursor", "cursor must have exactly one of after or before")},
		{name: "cursor/missing-field", q: tq(`"sort":["title","prio"],"cursor":{"before":{"id":"task:1","title":"a"}}`), err: invalid("cursor.before.prio", "cursor missing value for prio")},
		{name: "cursor/grouped", q: tq(`"groupBy":["status"],"cursor":{"after":{"id":"x"}}`), err: invalid("cursor", "cursor is not supported with groupBy")},
		{name: "groupBy/type", q: tq(`"groupBy":"status"`), err: invalid("groupBy", "groupBy must be array")},
		{name: "groupBy/unknown", q: tq(`"groupBy":["nope"]`), err: coded(protocol.CodeUnknownField, "groupBy[0]", "Unknown field: groupBy[0]")},
		{name: "groupBy/type-field", q: tq(`"groupBy":["status","meta"]`), err: invalid("groupBy[1]", "groupBy[1] cannot group by meta")},
		{name: "aggregations/type", q: tq(`"aggregations":[]`), err: invalid("aggregations", "aggregations must be object")},
		{name: "aggregations/op", q: agg(`{"op":"median","field":"prio"}`), err: invalid("aggregations.x.op", "aggregations.x.op must be one of count, sum, min, max, avg")},
		{name: "aggregations/star", q: agg(`{"op":"max","field":"*"}`), err: invalid("aggregations.x.field", `aggregations.x.field "*" is only allowed with count`)},
		{name: "aggregations/unknown", q: agg(`{"op":"count","field":"nope"}`), err: coded(protocol.CodeUnknownField, "aggregations.x.field", "Unknown field: aggregations.x.field")},
		{name: "aggregations/avg", q: agg(`{"op":"avg","field":"due"}`), err: invalid("aggregations.x.field", "aggregations.x.field must be a number field")},
		{name: "aggregations/min", q: agg(`{"op":"min","field":"tags"}`), err: invalid("aggregations.x.field", "aggregations.x.field cannot be compared")},
		{name: "aggregations/collides", q: tq(`"groupBy":["status"],"aggregations":{"status":{"op":"count","field":"*"}}`), err: invalid("aggregations.status", "aggregations.status collides with groupBy")},
		{name: "aggregations/limit", q: tq(`"aggregations":` + manyAggs(21)), err: coded(protocol.CodeLimitExceeded, "aggregations", "Limit exceeded: aggregations>20")},
		{name: "grouped-sort/unknown", q: tq(`"groupBy":["status"],"sort":["title"]`), err: coded(protocol.CodeUnknownField, "sort[0]", "Unknown field: sort[0]")},
		{name: "having/type", q: tq(`"groupBy":["status"],"having":[]`), err: invalid("having", "having must be object")},
		{name: "having/unknown", q: tq(`"groupBy":["status"],"having":{"prio":1}`), err: coded(protocol.CodeUnknownField, "having.prio", "Unknown field: having.prio")},
		{name: "count/grouped", q: tq(`"groupBy":["status"],"count":1`), err: invalid("count", "count must be boolean")},
	})
}

func manyAggs(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, `"a`+strings.Repeat("x", i)+`":{"op":"count","field":"*"}`)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestFilterSemantics covers operators and negations beyond data set Q.
func TestFilterSemantics(t *testing.T) {
	checkCases(t, []qcase{
		{name: "contains-empty", q: filt(`{"title":{"$contains":""}}`), ids: "[1,2,3,4,5,6,7]"},
		{name: "contains-number-in-string", q: filt(`{"title":{"$contains":1}}`), ids: "[]"},
		{name: "not_like-null-holds", q: filt(`{"prio":{"$not_like":"%"}}`), ids: "[1,2,3,4,5,6,7]"},
		{name: "like-percent-empty", q: filt(`{"title":{"$like":"%"}}`), ids: "[1,2,3,4,5,6,7]"},
		{name: "like-underscore-codepoint", q: filt(`{"title":{"$like":"_"}}`), ids: "[5,6]"},
		{name: "like-accent", q: filt(`{"title":{"ilike":"ä%"}}`), ids: "[4]"},
		{name: "like-middle", q: filt(`{"title":{"like":"%an%a"}}`), ids: "[2]"},
		{name: "is_empty-false", q: filt(`{"title":{"$is_empty":false}}`), ids: "[1,2,3,4,5,6]"},
		{name: "is_not_null-false", q: filt(`{"prio":{"$is_not_null":false}}`), ids: "[2,4,7]"},
		{name: "nin-null", q: filt(`{"prio":{"$nin":[null,1]}}`), ids: "[1,5,6]"},
		{name: "in-null", q: filt(`{"prio":[null]}`), ids: "[2,4,7]"},
		{name: "gt-string", q: filt(`{"title":{"$gt":"cherry"}}`), ids: "[4,5,6]"},
		{name: "gt-null-false", q: filt(`{"prio":{"$lt":100}}`), ids: "[1,3,5,6]"},
		{name: "between-strings", q: filt(`{"title":{"$between":["B","c"]}}`), ids: "[1,2]"},
		{name: "id-operators", q: filt(`{"id":{"$in":["task:2","task:4"],"$ne":"task:4"}}`), ids: "[2]"},
		{name: "meta-dotted-object", q: filt(`{"meta.color":{"$in":["red","blue"]}}`), ids: "[1,2]"},
		{name: "empty-operator-object", q: filt(`{"title":{}}`), ids: "[1,2,3,4,5,6,7]"},
		{name: "array-never-equals-scalar", q: filt(`{"tags":"urgent"}`), ids: "[]"},
		{name: "before-with-offset", q: tq(`"sort":["title"],"limit":2,"offset":1,"cursor":{"before":{"title":"😀","id":"task:5"}}`), ids: "[3,4]", cur: `{"title":"cherry","id":"task:3"}`},
		{name: "before-no-limit", q: tq(`"sort":["title"],"offset":1,"cursor":{"before":{"title":"cherry","id":"task:3"}}`), ids: "[7,2]"},
		{name: "after-desc-nulls-first", q: tq(`"sort":["-prio"],"limit":2,"cursor":{"after":{"prio":null,"id":"task:7"}}`), ids: "[5,1]", cur: `{"prio":2,"id":"task:1"}`},
		{name: "cursor-after-id-term", q: tq(`"sort":["id","title"],"cursor":{"after":{"id":"task:3","title":"zzz"}}`), ids: "[4,5,6,7]"},
		{name: "cursor-id-sort", q: tq(`"sort":["id"],"limit":1,"cursor":{"after":{"id":"task:6"}}`), ids: "[7]"},
		{name: "group-limit-offset", q: tq(`"groupBy":["prio"],"sort":["-prio"],"offset":1,"limit":2`), json: `{"groups":[{"prio":5},{"prio":2}],"nextCursor":null}`},
		{name: "group-having-or", q: tq(`"groupBy":["status"],"aggregations":{"m":{"op":"max","field":"due"}},"having":{"$or":[{"m":null},{"m":{"$gt":0}}]}`),
			json: `{"groups":[{"status":"active","m":1700000000000},{"status":"done","m":null}],"nextCursor":null}`},
		{name: "grouped-ignores-count", q: tq(`"groupBy":["status"],"count":true,"select":["title"]`), json: `{"groups":[{"status":"active"},{"status":"done"}],"nextCursor":null}`},
	})
}

func TestEmptyInShortCircuit(t *testing.T) {
	s := fixture(t)
	for q, want := range map[string]bool{
		filt(`{"prio":{"$in":[]}}`):            true,
		filt(`{"status":"done","prio":[]}`):    true,
		filt(`{"$and":[{"prio":{"$in":[]}}]}`): false,
		filt(`{"prio":{"$nin":[]}}`):           false,
		filt(`{"prio":{"$in":[1]}}`):           false,
	} {
		pq, err := ParseQuery(s, value.MustParse(q), server)
		require.Nil(t, err)
		require.Equal(t, want, pq.EmptyInShortCircuit(), q)
	}
}

func TestParseFilterGuardPaths(t *testing.T) {
	res := fixture(t).Resource("task")
	_, err := ParseFilter(res, value.MustParse(`{"$or":[{"prio":{"$in":1}}]}`), "if")
	requireErr(t, err, protocol.CodeInvalid, "if.$or[0].prio.$in", "Invalid DFQL: if.$or[0].prio.$in must be array")
	f, err := ParseFilter(res, value.MustParse(`{"status":"active","prio":{"gte":1}}`), "if")
	require.Nil(t, err)
	require.Equal(t, And{
		&Cond{Field: 1, Name: "status", Op: OpEq, Operand: value.Str("active"), code: opEq},
		&Cond{Field: 2, Name: "prio", Op: OpGte, Operand: value.Num(1), code: opGte},
	}, f)
}
