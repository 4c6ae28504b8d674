package servertest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// transactItems are A.6.
func transactItems() []item {
	return []item{
		{"T-1", testT1}, {"T-2", testT2}, {"T-3", testT3}, {"T-4", testT4}, {"T-5", testT5},
		{"SEED-1", testSEED1},
	}
}

func step(kind, body string) string { return `{"` + kind + `":` + body + `}` }

func testT1(t *testing.T, open Opener) {
	h := newHarness(t, open)
	body := `{"transactionId":"x","steps":[` +
		step("mutation", mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "t1")) + "," +
		step("query", `{"resource":"task","version":1,"filters":{"id":"task:1"}}`) + `]}`
	h.post("transact", body).is(200, `{"ok":true,"result":{"ok":true,"results":[
	  {"kind":"mutation","ok":true,"result":{"ok":true,"mutationId":"t1","affectedIds":["task:1"],"errors":[],"deduped":false}},
	  {"kind":"query","ok":true,"result":{"data":[{"id":"task:1","title":"A","status":"active"}],"nextCursor":null}}]}}`)
}

// t2Steps inserts task:1 (t2) and then task:5 (t3), which exists.
func t2Steps(atomic string) string {
	return `{` + atomic + `"steps":[` +
		step("mutation", mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "t2")) + "," +
		step("mutation", mut("task", "insert", "task:5", `{"title":"E"}`, "c1", "t3")) + `]}`
}

func testT2(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:5", `{"title":"E"}`)
	want := `{"ok":true,"result":{"ok":false,"results":[
	  {"kind":"mutation","ok":false,"rolledBack":true,"result":{"ok":true,"mutationId":"t2","affectedIds":["task:1"],"errors":[],"deduped":false}},
	  {"kind":"mutation","ok":false,"result":{"ok":false,"mutationId":"t3","affectedIds":[],"errors":[{"code":"CONFLICT","message":"Record already exists","path":"id","retryable":false}],"deduped":false}}],
	  "error":{"code":"TRANSACTION_ROLLED_BACK","message":"Step 1 failed; all steps rolled back"}}}`
	h.post("transact", t2Steps("")).is(200, want)
	require.True(t, h.row("task", "task:1").IsAbsent())
	require.Equal(t, int64(1), h.currentSeq())
	// Nothing was remembered: the same request executes again.
	h.post("transact", t2Steps(`"atomic":true,`)).is(200, want)
}

func testT3(t *testing.T, open Opener) {
	h := newHarness(t, open)
	steps := strings.TrimSuffix(strings.Repeat(step("query", `{"resource":"task"}`)+",", 101), ",")
	h.post("transact", `{"steps":[`+steps+`]}`).fails(400, "LIMIT_EXCEEDED", "Limit exceeded: transact.steps>100", "steps")
	h.post("transact", `{"steps":{}}`).fails(400, "DFQL_INVALID", "Invalid DFQL: steps must be array", "steps")
	h.post("transact", `{"steps":[],"atomic":1}`).fails(400, "DFQL_INVALID", "Invalid DFQL: atomic must be boolean", "atomic")
	h.post("transact", `[]`).fails(400, "DFQL_INVALID", "Invalid DFQL: expected object", "$")
}

func testT4(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:5", `{"title":"E"}`)
	res := h.post("transact", t2Steps(`"atomic":false,`)).ok()
	require.False(t, res.Get("ok").Bool())
	require.True(t, res.Get("error").IsAbsent())
	require.True(t, res.Get("results").Index(0).Get("ok").Bool())
	require.False(t, res.Get("results").Index(1).Get("ok").Bool())
	jsonEq(t, `{"id":"task:1","title":"A","status":"active"}`, h.row("task", "task:1"))
	require.Equal(t, int64(2), h.currentSeq())
}

func testT5(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("transact", `{"steps":[{}]}`).is(200, `{"ok":true,"result":{"ok":false,"results":[
	  {"kind":"invalid","ok":false,"error":{"code":"DFQL_INVALID","message":"Invalid DFQL: steps[0] must have query or mutation","details":{"path":"steps[0]"}}}],
	  "error":{"code":"TRANSACTION_ROLLED_BACK","message":"Step 0 failed; all steps rolled back"}}}`)
	res := h.post("transact", `{"atomic":false,"steps":[{"query":{},"mutation":{}},5]}`).ok()
	jsonEq(t, `{"code":"DFQL_INVALID","message":"Invalid DFQL: steps[1] must have query or mutation","details":{"path":"steps[1]"}}`,
		res.Get("results").Index(1).Get("error"))
}

func testSEED1(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("seed", `{}`).fails(400, "DFQL_INVALID", "Invalid DFQL: clientId must be string", "clientId")
	h.post("seed", `{"clientId":""}`).fails(400, "DFQL_INVALID", "Invalid DFQL: clientId must be string", "clientId")
	h.post("seed", `[]`).fails(400, "DFQL_INVALID", "Invalid DFQL: expected object", "$")
	h.post("seed", `{"clientId":"c1"}`).is(200, `{"ok":true,"result":{"ok":true}}`)
	h.post("seed", `{"clientId":"c1"}`).is(200, `{"ok":true,"result":{"ok":true}}`)
	require.Equal(t, int64(0), h.currentSeq())
}
