package servertest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// pullItems are A.8.
func pullItems() []item {
	return []item{
		{"PL-1", testPL1}, {"PL-2", testPL2}, {"PL-3", testPL3}, {"PL-4", testPL4}, {"PL-5", testPL5},
		{"PL-6", testPL6}, {"PL-7", testPL7}, {"PL-8", testPL8}, {"PL-9", testPL9}, {"PL-10", testPL10},
		{"PL-11", testPL11},
	}
}

func testPL1(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	h.post("pull", `{"clientId":"c1","cursors":{"task":"0"}}`).is(200, `{"ok":true,"result":{"ok":true,
	  "records":{"task":[{"id":"task:1","title":"A","status":"active"}]},"merged":{"task":[]},"deleted":{"task":[]},
	  "cursors":{"task":"1"},"hasMore":false}}`)
	h.post("mutation", mut("task", "delete", "task:1", "", "c1", "d1")).ok()
	h.post("pull", `{"clientId":"c1","cursors":{"task":"1"}}`).is(200, `{"ok":true,"result":{"ok":true,
	  "records":{"task":[]},"merged":{"task":[]},"deleted":{"task":["task:1"]},"cursors":{"task":"2"},"hasMore":false}}`)
}

func testPL2(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	h.post("mutation", mut("task", "merge", "task:1", `{"title":"B"}`, "c1", "g1")).ok()
	res := h.post("pull", `{"clientId":"c1","cursors":{"task":"0"}}`).ok()
	jsonEq(t, `{"task":[{"id":"task:1","title":"B","status":"active"}]}`, res.Get("records"))
	jsonEq(t, `{"task":[]}`, res.Get("merged"))
	res = h.post("pull", `{"clientId":"c1","cursors":{"task":"1"}}`).ok()
	jsonEq(t, `{"task":[{"id":"task:1","title":"B"}]}`, res.Get("merged"))
	jsonEq(t, `{"task":[]}`, res.Get("records"))
	jsonEq(t, `{"task":"2"}`, res.Get("cursors"))
	// partial + merge stays partial with the later keys replaced.
	h.post("mutation", mut("task", "merge", "task:1", `{"title":"C","prio":1}`, "c1", "g2")).ok()
	res = h.post("pull", `{"clientId":"c1","cursors":{"task":"1"}}`).ok()
	require.Equal(t, `[{"id":"task:1","title":"C","prio":1}]`, res.Get("merged").Get("task").String())
}

func testPL3(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	h.post("mutation", mut("task", "merge", "task:1", `{"title":"B"}`, "c1", "g1")).ok()
	h.post("mutation", mut("task", "delete", "task:1", "", "c1", "g2")).ok()
	h.post("pull", `{"clientId":"c1","cursors":{"task":"0"}}`).is(200, `{"ok":true,"result":{"ok":true,
	  "records":{"task":[]},"merged":{"task":[]},"deleted":{"task":["task:1"]},"cursors":{"task":"3"},"hasMore":false}}`)
	// A later insert of the same id folds to a full row again.
	h.post("mutation", mut("task", "insert", "task:1", `{"title":"C"}`, "c1", "g3")).ok()
	res := h.post("pull", `{"clientId":"c1","cursors":{"task":"1"}}`).ok()
	jsonEq(t, `{"task":[{"id":"task:1","title":"C","status":"active"}]}`, res.Get("records"))
	jsonEq(t, `{"task":[]}`, res.Get("deleted"))
}

func testPL4(t *testing.T, open Opener) {
	h := newHarness(t, open)
	for _, id := range []string{"task:1", "task:2", "task:3"} {
		h.insert(id, `{"title":"T"}`)
	}
	res := h.post("pull", `{"clientId":"c1","cursors":{"task":"0"},"limit":2}`).ok()
	require.Equal(t, []string{"task:1", "task:2"}, ids(res.Get("records").Get("task")))
	jsonEq(t, `{"task":"2"}`, res.Get("cursors"))
	require.True(t, res.Get("hasMore").Bool())
	res = h.post("pull", `{"clientId":"c1","cursors":{"task":"2"},"limit":2}`).ok()
	require.Equal(t, []string{"task:3"}, ids(res.Get("records").Get("task")))
	jsonEq(t, `{"task":"3"}`, res.Get("cursors"))
	require.False(t, res.Get("hasMore").Bool())
}

func testPL5(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	h.insert("n:1", `{"body":"x"}`)
	h.insert("task:2", `{"title":"B"}`)
	res := h.post("pull", `{"clientId":"c1","cursors":{"task":"0","note":"0"},"limit":2}`).ok()
	require.Equal(t, []string{"task:1"}, ids(res.Get("records").Get("task")))
	require.Equal(t, []string{"n:1"}, ids(res.Get("records").Get("note")))
	jsonEq(t, `{"task":"1","note":"2"}`, res.Get("cursors"))
	require.True(t, res.Get("hasMore").Bool())
}

func testPL6(t *testing.T, open Opener) {
	h := newHarness(t, open)
	for _, c := range []string{`"-1"`, `"abc"`, `""`, `5`, `"99999999999999999999"`, `null`} {
		h.post("pull", `{"clientId":"c1","cursors":{"task":`+c+`}}`).fails(400, "DFQL_INVALID",
			"Invalid DFQL: cursor must be an integer string", "cursors.task")
	}
	h.post("pull", `{"clientId":"c1","cursors":[]}`).fails(400, "DFQL_INVALID", "Invalid DFQL: cursors must be object", "cursors")
	h.post("pull", `{"clientId":"c1"}`).fails(400, "DFQL_INVALID", "Invalid DFQL: cursors must be object", "cursors")
	h.post("pull", `{"clientId":"c1","cursors":{"task":"007"}}`).ok()
}

func testPL7(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	res := h.post("pull", `{"clientId":"c1","cursors":{"task":"0","kv":"0","__datafn_actor_feed__":"3"}}`).ok()
	jsonEq(t, `{"task":"1","kv":"0","__datafn_actor_feed__":"3"}`, res.Get("cursors"))
	require.Equal(t, []string{"task"}, res.Get("records").Keys())
	require.Equal(t, []string{"task"}, res.Get("merged").Keys())
	require.Equal(t, []string{"task"}, res.Get("deleted").Keys())
}

func testPL8(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("pull", `{"clientId":"c1","cursors":{"report":"0"}}`).fails(400, "DFQL_INVALID",
		"Invalid DFQL: remote-only table cannot be pulled: report", "cursors.report")
}

func testPL9(t *testing.T, open Opener) {
	h := newHarness(t, open)
	for _, id := range []string{"task:1", "task:2", "task:3", "task:4", "task:5"} {
		h.insert(id, `{"title":"T"}`)
	}
	h.post("pull", `{"clientId":"c1","cursors":{"task":"5"}}`).is(200, `{"ok":true,"result":{"ok":true,
	  "records":{"task":[]},"merged":{"task":[]},"deleted":{"task":[]},"cursors":{"task":"5"},"hasMore":false}}`)
}

func testPL10(t *testing.T, open Opener) {
	h := newHarness(t, open)
	var muts []string
	for i := 0; i < 1001; i++ {
		id := "task:" + itoa(i)
		muts = append(muts, mut("task", "insert", id, `{"title":"T"}`, "c1", id))
	}
	h.post("push", `{"clientId":"c1","mutations":[`+join(muts[:500])+`]}`).ok()
	h.post("push", `{"clientId":"c1","mutations":[`+join(muts[500:1000])+`]}`).ok()
	h.post("push", `{"clientId":"c1","mutations":[`+join(muts[1000:])+`]}`).ok()
	res := h.post("pull", `{"clientId":"c1","cursors":{"task":"0"},"limit":5000}`).ok()
	require.Equal(t, 1000, res.Get("records").Get("task").Len())
	require.True(t, res.Get("hasMore").Bool())
	jsonEq(t, `{"task":"1000"}`, res.Get("cursors"))
	for _, l := range []string{"0", "-1", "1.5", `"5"`} {
		h.post("pull", `{"clientId":"c1","cursors":{"task":"0"},"limit":`+l+`}`).fails(400, "DFQL_INVALID",
			"Invalid DFQL: limit must be a positive integer", "limit")
	}
}

func testPL11(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("pull", `{"cursors":{"task":"0"}}`).fails(400, "DFQL_INVALID", "Invalid DFQL: clientId must be string", "clientId")
	h.post("pull", `[]`).fails(400, "DFQL_INVALID", "Invalid DFQL: expected object", "$")
}
