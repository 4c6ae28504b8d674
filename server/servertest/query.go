package servertest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// endpointItems cover /query (§7.2) and /reconcile (§7.9), which have no
// checklist items of their own in A.2-A.10.
func endpointItems() []item {
	return []item{{"QUERY-batch", testQueryBatch}, {"QUERY-errors", testQueryErrors}, {"RECONCILE", testReconcile}}
}

func testQueryBatch(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	h.insert("task:2", `{"title":"B","status":"done"}`)
	h.post("query", `{"resource":"task","version":1,"filters":{"status":"done"},"sort":["title"],"limit":1,"count":true}`).is(200,
		`{"ok":true,"result":{"data":[{"id":"task:2","title":"B","status":"done"}],"nextCursor":null,"count":1}}`)
	h.post("query", `[{"resource":"task","select":["title"],"limit":1},{"resource":"note"}]`).is(200, `{"ok":true,"result":[
	  {"data":[{"id":"task:1","title":"A"}],"nextCursor":{"id":"task:1"}},
	  {"data":[],"nextCursor":null}]}`)
	h.post("query", `[]`).is(200, `{"ok":true,"result":[]}`)
	res := h.post("query", `{"resource":"task","groupBy":["status"],"aggregations":{"n":{"op":"count","field":"*"}}}`).ok()
	jsonEq(t, `[{"status":"active","n":1},{"status":"done","n":1}]`, res.Get("groups"))
	// Remote-only resources are queried on the server like any other.
	h.post("query", `{"resource":"report"}`).is(200, `{"ok":true,"result":{"data":[],"nextCursor":null}}`)
}

func testQueryErrors(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("query", `[{"resource":"task"},{"resource":"task","filters":{"x":1}}]`).fails(400,
		"DFQL_UNKNOWN_FIELD", "Unknown field: filters.x", "[1].filters.x")
	h.post("query", `[{"resource":"task"},5]`).fails(400, "DFQL_INVALID", "Invalid DFQL: expected object or array", "[1]")
	r := h.post("query", `[{"resource":"task"},{"resource":"nope"}]`)
	r.is(400, `{"ok":false,"error":{"code":"DFQL_UNKNOWN_RESOURCE","message":"Unknown resource: nope","details":{"path":"[1].resource","resource":"nope"}}}`)
	h.post("query", `{"resource":"task","limit":101}`).fails(400, "LIMIT_EXCEEDED", "Limit exceeded: limit>100", "limit")
	many := "[" + strings.TrimSuffix(strings.Repeat(`{"resource":"task"},`, 501), ",") + "]"
	h.post("query", many).fails(400, "DFQL_INVALID", "Batch size 501 exceeds limit 500", "$")
	h.post("query", `"task"`).fails(400, "DFQL_INVALID", "Invalid DFQL: expected object or array", "$")
}

func testReconcile(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	h.insert("task:2", `{"title":"B"}`)
	h.post("mutation", mut("task", "delete", "task:2", "", "c1", "d")).ok()
	h.post("reconcile", `{"clientId":"c1","includeJoins":true}`).is(200,
		`{"ok":true,"result":{"ok":true,"counts":{"task":1,"note":0},"joinCounts":{},"latestCursor":"3"}}`)
	h.post("reconcile", `{"clientId":"c1","resources":["note"]}`).is(200,
		`{"ok":true,"result":{"ok":true,"counts":{"note":0},"joinCounts":{},"latestCursor":"3"}}`)
	r := h.post("reconcile", `{"clientId":"c1","resources":["task","nope"]}`)
	r.is(400, `{"ok":false,"error":{"code":"DFQL_UNKNOWN_RESOURCE","message":"Unknown resource: nope","details":{"path":"resources[1]","resource":"nope"}}}`)
	h.post("reconcile", `{"clientId":"c1","resources":"task"}`).fails(400, "DFQL_INVALID", "Invalid DFQL: resources must be array", "resources")
	h.post("reconcile", `{"resources":[]}`).fails(400, "DFQL_INVALID", "Invalid DFQL: clientId must be string", "clientId")
	require.Equal(t, int64(3), h.currentSeq())
}
