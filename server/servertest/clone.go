package servertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/value"
)

// cloneItems are A.7.
func cloneItems() []item {
	return []item{
		{"CL-1", testCL1}, {"CL-2", testCL2}, {"CL-3", testCL3}, {"CL-4", testCL4},
		{"CL-5", testCL5}, {"CL-6", testCL6}, {"CL-7", testCL7}, {"CL-8", testCL8},
	}
}

func testCL1(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:2", `{"title":"B"}`)
	h.insert("task:1", `{"title":"A"}`)
	h.post("clone", `{"clientId":"c1","tables":["task"]}`).is(200, `{"ok":true,"result":{"ok":true,
	  "data":{"task":[{"id":"task:1","title":"A","status":"active"},{"id":"task:2","title":"B","status":"active"}]},
	  "cursors":{"task":"2"}}}`)
}

func testCL2(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("clone", `{"clientId":"c1","tables":["task","task"]}`).is(200,
		`{"ok":true,"result":{"ok":true,"data":{"task":[]},"cursors":{"task":"0"}}}`)
	h.post("clone", `{"clientId":"c1","tables":[]}`).is(200, `{"ok":true,"result":{"ok":true,"data":{},"cursors":{}}}`)
}

func testCL3(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("clone", `{"clientId":"c1","tables":["report"]}`).fails(400, "DFQL_INVALID",
		"Invalid DFQL: remote-only table cannot be cloned: report", "tables[0]")
	r := h.post("clone", `{"clientId":"c1","tables":["task","nope"]}`)
	r.is(400, `{"ok":false,"error":{"code":"DFQL_UNKNOWN_RESOURCE","message":"Unknown resource: nope","details":{"path":"tables[1]","resource":"nope"}}}`)
	h.post("clone", `{"clientId":"c1","tables":"task"}`).fails(400, "DFQL_INVALID", "Invalid DFQL: tables must be array", "tables")
	h.post("clone", `{"tables":["task"]}`).fails(400, "DFQL_INVALID", "Invalid DFQL: clientId must be string", "clientId")
	h.post("clone", `{"clientId":"c1","page":{"table":"report","afterId":null,"limit":2}}`).fails(400, "DFQL_INVALID",
		"Invalid DFQL: remote-only table cannot be cloned: report", "page.table")
	h.post("clone", `{"clientId":"c1","page":{"table":"task","afterId":5,"limit":2}}`).fails(400, "DFQL_INVALID",
		"Invalid DFQL: page.afterId must be string or null", "page.afterId")
	h.post("clone", `{"clientId":"c1","page":{"table":"task","afterId":null,"limit":0}}`).fails(400, "DFQL_INVALID",
		"Invalid DFQL: page.limit must be a positive integer", "page.limit")
}

func testCL4(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("clone", `{"clientId":"c1"}`).is(200, `{"ok":true,"result":{"ok":true,"data":{"task":[],"note":[]},"cursors":{"task":"0","note":"0"}}}`)
}

func testCL5(t *testing.T, open Opener) {
	h := newHarness(t, open)
	for _, id := range []string{"task:3", "task:1", "task:2"} {
		h.insert(id, `{"title":"T"}`)
	}
	res := h.post("clone", `{"clientId":"c1","tables":["note"],"page":{"table":"task","afterId":null,"limit":2}}`).ok()
	require.Equal(t, []string{"task:1", "task:2"}, ids(res.Get("data").Get("task")))
	jsonEq(t, `{"task":"task:2"}`, res.Get("next"))
	require.True(t, res.Get("paginated").Bool())
	require.True(t, res.Get("data").Get("note").IsAbsent())
	res = h.post("clone", `{"clientId":"c1","page":{"table":"task","afterId":"task:2","limit":2}}`).ok()
	require.Equal(t, []string{"task:3"}, ids(res.Get("data").Get("task")))
	jsonEq(t, `{"task":null}`, res.Get("next"))
	jsonEq(t, `{"task":"3"}`, res.Get("cursors"))
}

func testCL6(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("clone", `{"clientId":"c1","page":{"table":"task","afterId":null,"limit":1001}}`).fails(400,
		"LIMIT_EXCEEDED", "Limit exceeded: page.limit>1000", "page.limit")
	h.post("clone", `{"clientId":"c1","page":{"table":"task","afterId":null,"limit":1000}}`).ok()
}

func testCL7(t *testing.T, open Opener) {
	h := newHarness(t, open)
	const n = 10001
	// Rows go straight into the store: the item is about the clone, and
	// 10,001 mutations over HTTP would dominate the suite's time.
	task := h.schema.Resource("task")
	require.NoError(t, h.store.Write(context.Background(), h.ns, func(tx server.WriteTx) error {
		for i := n - 1; i >= 0; i-- {
			id := fmt.Sprintf("task:%05d", i)
			row := value.Obj([]string{"id", "title"}, []value.Value{value.Str(id), value.Str("T")})
			if err := tx.Put(task, id, row); err != nil {
				return err
			}
		}
		return nil
	}))
	h.insert("n:1", `{"body":"x"}`)
	res := h.post("clone", `{"clientId":"c1"}`).ok()
	tasks := res.Get("data").Get("task")
	require.Equal(t, 10000, tasks.Len())
	require.Equal(t, "task:00000", tasks.Index(0).Get("id").Str())
	require.Equal(t, "task:09999", tasks.Index(9999).Get("id").Str())
	jsonEq(t, `{"task":"task:09999","note":null}`, res.Get("next"))
	require.True(t, res.Get("paginated").Bool())
	require.Equal(t, 1, res.Get("data").Get("note").Len())
}

func testCL8(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	h.insert("n:1", `{"body":"x"}`)
	h.insert("task:2", `{"title":"B"}`)
	res := h.post("clone", `{"clientId":"c1","tables":["task","note"]}`).ok()
	jsonEq(t, `{"task":"3","note":"3"}`, res.Get("cursors"))
	require.True(t, res.Get("next").IsAbsent())
	require.True(t, res.Get("paginated").IsAbsent())
}
