package servertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server/storetest"
	"github.com/datafn/datafn-go/value"
)

// dataQInserts are the records of data set Q (Appendix A), inserted in this
// order through /mutation with clientId "seed" and mutationIds q1 … q7.
var dataQInserts = []string{
	`{"title":"apple","prio":2,"tags":["home","urgent"],"meta":{"color":"red","size":3},"due":1700000000000}`,
	`{"title":"Banana","status":"done","prio":null,"tags":[],"meta":{"color":"blue"}}`,
	`{"title":"cherry","prio":1,"tags":["work"]}`,
	`{"title":"Äpfel","tags":["urgent"],"due":null}`,
	`{"title":"😀","status":"done","prio":5}`,
	`{"title":"Ａ","prio":2}`,
	`{"title":""}`,
}

// a4Errors are the validation items of A.4, answered over HTTP with 400.
var a4Errors = []struct{ name, query, code, message, path string }{
	{"Q-8 select", `{"select":["nope"]}`, "DFQL_UNKNOWN_FIELD", "Unknown field: select[0]", "select[0]"},
	{"Q-8 relation", `{"select":["title","assignee.*"]}`, "DFQL_UNKNOWN_RELATION", "Unknown relation: select[1]", "select[1]"},
	{"Q-8 omit", `{"omit":["x"]}`, "DFQL_UNKNOWN_FIELD", "Unknown field: omit[0]", "omit[0]"},
	{"F-9", `{"filters":{"due":{"$is_null":"yes"}}}`, "DFQL_INVALID", "Invalid DFQL: filters.due.$is_null must be boolean", "filters.due.$is_null"},
	{"F-13 nested", `{"filters":{"nope.x":1}}`, "DFQL_UNKNOWN_FIELD", "Unknown field: filters.nope.x", "filters.nope.x"},
	{"F-13 scalar", `{"filters":{"title.x":1}}`, "DFQL_UNKNOWN_FIELD", "Unknown field: filters.title.x", "filters.title.x"},
	{"F-13 plain", `{"filters":{"nope":1}}`, "DFQL_UNKNOWN_FIELD", "Unknown field: filters.nope", "filters.nope"},
	{"F-16 wat", `{"filters":{"title":{"wat":1}}}`, "DFQL_UNSUPPORTED", "Unsupported DFQL feature: filters.title.wat", "filters.title.wat"},
	{"F-16 regex", `{"filters":{"title":{"$regex":"a"}}}`, "DFQL_UNSUPPORTED", "Unsupported DFQL feature: filters.title.$regex", "filters.title.$regex"},
	{"F-17", `{"filters":{"prio":{"$in":3}}}`, "DFQL_INVALID", "Invalid DFQL: filters.prio.$in must be array", "filters.prio.$in"},
	{"P-1 max", `{"limit":101}`, "LIMIT_EXCEEDED", "Limit exceeded: limit>100", "limit"},
	{"P-1 zero", `{"limit":0}`, "DFQL_INVALID", "Invalid DFQL: limit must be a positive integer", "limit"},
	{"P-6", `{"sort":["title"],"cursor":{"after":{"title":"Banana"}}}`, "DFQL_INVALID", "Invalid DFQL: cursor requires sort with id tie-breaker", "sort"},
	{"P-8 count", `{"count":"yes"}`, "DFQL_INVALID", "Invalid DFQL: count must be boolean", "count"},
	{"G-6", `{"aggregations":{"s":{"op":"sum","field":"title"}}}`, "DFQL_INVALID", "Invalid DFQL: aggregations.s.field must be a number field", "aggregations.s.field"},
}

func queryItems() []item {
	return []item{{"A.4-queries", testA4OverHTTP}, {"A.4-errors", testA4ErrorsOverHTTP}}
}

// seedQ inserts data set Q through /mutation and checks the stored rows.
func seedQ(t *testing.T, h *harness) {
	for i, rec := range dataQInserts {
		id := fmt.Sprintf("task:%d", i+1)
		h.post("mutation", mut("task", "insert", id, rec, "seed", fmt.Sprintf("q%d", i+1))).ok()
	}
	require.Equal(t, int64(len(dataQInserts)), h.currentSeq(), "serverSeqs 1 … 7")
	got := h.post("query", `{"resource":"task","version":1}`).ok().Get("data").Elems()
	require.Len(t, got, len(storetest.DataQ))
	for i, want := range storetest.DataQ {
		jsonEq(t, want, got[i])
	}
}

// testA4OverHTTP runs every row and grouping item of A.4 through POST /query.
func testA4OverHTTP(t *testing.T, open Opener) {
	h := newHarness(t, open)
	seedQ(t, h)
	for _, c := range storetest.A4Cases {
		t.Run(c.Name, func(t *testing.T) {
			doc := `{"resource":"task","version":1,` + strings.TrimPrefix(c.Query, "{")
			if c.Query == `{}` {
				doc = `{"resource":"task","version":1}`
			}
			res := h.postT(t, "query", doc).ok()
			if strings.HasPrefix(c.Want, "{") {
				jsonEq(t, c.Want, res)
				return
			}
			var nums []string
			for _, id := range ids(res.Get("data")) {
				nums = append(nums, strings.TrimPrefix(id, "task:"))
			}
			require.Equal(t, c.Want, "["+join(nums)+"]", value.AppendJSON(nil, res))
		})
	}
}

// testA4ErrorsOverHTTP checks the validation items of A.4 (and Q-9) over HTTP.
func testA4ErrorsOverHTTP(t *testing.T, open Opener) {
	h := newHarness(t, open)
	for _, c := range a4Errors {
		t.Run(c.name, func(t *testing.T) {
			doc := `{"resource":"task","version":1,` + strings.TrimPrefix(c.query, "{")
			h.postT(t, "query", doc).fails(400, c.code, c.message, c.path)
		})
	}
	h.post("query", `{"resource":"nope"}`).is(400,
		`{"ok":false,"error":{"code":"DFQL_UNKNOWN_RESOURCE","message":"Unknown resource: nope","details":{"path":"resource","resource":"nope"}}}`)
	deep := `{"status":"done"}`
	for i := 0; i < 11; i++ {
		deep = `{"$and":[` + deep + `]}`
	}
	h.post("query", `{"resource":"task","filters":`+deep+`}`).fails(400, "DFQL_INVALID", "Invalid DFQL: filter depth exceeds 10",
		"filters"+strings.Repeat(".$and[0]", 11))
	keys := make([]string, 21)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d":1`, i)
	}
	h.post("query", `{"resource":"task","filters":{`+join(keys)+`}}`).fails(400, "LIMIT_EXCEEDED", "Limit exceeded: filters.keys>20", "filters")
}
