package servertest

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// pushItems are A.9.
func pushItems() []item {
	return []item{
		{"PU-1", testPU1}, {"PU-2", testPU2}, {"PU-3", testPU3}, {"PU-4", testPU4}, {"PU-5", testPU5},
		{"PU-6", testPU6}, {"PU-7", testPU7}, {"PU-8", testPU8}, {"PU-9", testPU9}, {"PU-10", testPU10},
		{"PU-11", testPU11}, {"PU-12", testPU12}, {"PU-13", testPU13},
	}
}

// pushBody wraps mutations in a push request of c1.
func pushBody(muts ...string) string {
	return `{"clientId":"c1","mutations":[` + strings.Join(muts, ",") + `]}`
}

const pu1 = `{
  "clientId": "c1",
  "mutations": [
    { "resource": "task", "version": 1, "operation": "insert", "id": "task:1", "record": { "title": "A" }, "clientId": "c1", "mutationId": "m1" },
    { "resource": "task", "version": 1, "operation": "merge", "id": "task:1", "record": { "status": "done" }, "clientId": "c1", "mutationId": "m2" }
  ]
}`

func testPU1(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("push", pu1).is(200, `{"ok":true,"result":{"ok":true,"applied":["m1","m2"],"errors":[],"cursor":"2","cursorBefore":"0","cursors":{"task":"2"}}}`)
	jsonEq(t, `{"id":"task:1","title":"A","status":"done"}`, h.row("task", "task:1"))
}

func testPU2(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("push", pu1).ok()
	h.post("push", pu1).is(200, `{"ok":true,"result":{"ok":true,"applied":["m1","m2"],"errors":[],"cursor":"2","cursorBefore":"2","cursors":{}}}`)
	// /mutation sees the outcomes remembered by /push.
	r := h.post("mutation", mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1")).ok()
	require.True(t, r.Get("deduped").Bool())
}

func testPU3(t *testing.T, open Opener) {
	h := newHarness(t, open)
	body := pushBody(mut("task", "merge", "task:1", `{"title":"A"}`, "", "m-push-1"))
	h.post("push", body).ok()
	res := h.post("pull", `{"clientId":"c1","cursors":{"task":"0"}}`).ok()
	jsonEq(t, `{"task":[{"id":"task:1","title":"A","status":"active"}]}`, res.Get("records"))
	jsonEq(t, `{"task":"1"}`, res.Get("cursors"))
	jsonEq(t, `["m-push-1"]`, h.post("push", body).ok().Get("applied"))
}

func testPU4(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("push", pushBody(mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1"),
		mut("task", "merge", "task:1", `{"status":"done"}`, "c1", "m2"))).ok()
	guarded := withGuard(mut("task", "merge", "task:1", `{"title":"G"}`, "c1", "m3"), `{"status":"active"}`)
	h.post("push", pushBody(guarded)).is(400, `{
	  "ok": false,
	  "error": { "code": "CONFLICT", "message": "Guard condition not met", "details": { "path": "if", "mutationId": "m3" } },
	  "result": { "ok": false, "applied": [], "errors": [ { "mutationId": "m3", "code": "CONFLICT", "message": "Guard condition not met", "path": "if", "retryable": false } ], "cursor": "2", "cursorBefore": "2", "cursors": {} }
	}`)
}

func testPU5(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("push", pushBody(mut("task", "insert", "task:1", `{"title":"A"}`, "c2", "m1"))).fails(400,
		"DFQL_INVALID", "Invalid DFQL: mutations[0].clientId must match clientId", "mutations[0].clientId")
	require.Equal(t, int64(0), h.currentSeq())
	require.Equal(t, 400, h.post("push", pushBody(mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1"),
		`{"clientId":5}`)).status)
	require.Equal(t, int64(0), h.currentSeq())
}

func testPU6(t *testing.T, open Opener) {
	h := newHarness(t, open)
	m := mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1")
	h.post("push", pushBody(strings.Split(strings.Repeat(m+"\x00", 501), "\x00")[:501]...)).fails(400,
		"DFQL_INVALID", "Batch size 501 exceeds limit 500", "mutations")
	h.post("push", `{"mutations":[]}`).fails(400, "DFQL_INVALID", "Invalid DFQL: clientId must be string", "clientId")
	h.post("push", `{"clientId":"c1","mutations":{}}`).fails(400, "DFQL_INVALID", "Invalid DFQL: mutations must be array", "mutations")
	h.post("push", `{"clientId":"c1","mutations":[]}`).is(200,
		`{"ok":true,"result":{"ok":true,"applied":[],"errors":[],"cursor":"0","cursorBefore":"0","cursors":{}}}`)
	require.Equal(t, int64(0), h.currentSeq())
}

func testPU7(t *testing.T, open Opener) {
	h := newHarness(t, open)
	r := h.post("push", pushBody(mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1"),
		mut("task", "insert", "task:2", `{"title":5}`, "c1", "m2"),
		mut("task", "insert", "task:3", `{"title":"C"}`, "c1", "m3")))
	require.Equal(t, 400, r.status)
	jsonEq(t, `["m1","m3"]`, r.at("result", "applied"))
	jsonEq(t, `[{"mutationId":"m2","code":"DFQL_INVALID","message":"Invalid DFQL: record.title must be string","path":"record.title","retryable":false}]`,
		r.at("result", "errors"))
	jsonEq(t, `{"code":"DFQL_INVALID","message":"Invalid DFQL: record.title must be string","details":{"path":"record.title","mutationId":"m2"}}`,
		r.at("error"))
	jsonEq(t, `{"ok":false,"applied":["m1","m3"],"errors":[{"mutationId":"m2","code":"DFQL_INVALID","message":"Invalid DFQL: record.title must be string","path":"record.title","retryable":false}],"cursor":"2","cursorBefore":"0","cursors":{"task":"2"}}`,
		r.at("result"))
}

func testPU8(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("push", pushBody(mut("task", "insert", "task:1", `{"title":"A","tags":["x"],"meta":{"a":{"b":1}}}`, "c1", "m1"))).ok()
	res := h.post("push", pushBody(mut("task", "insert", "task:1", `{"title":"A","status":"active","tags":["x"],"meta":{"a":{"b":1}},"prio":null}`, "c1", "m2"))).ok()
	jsonEq(t, `["m2"]`, res.Get("applied"))
	require.Equal(t, "1", res.Get("cursor").Str())
	require.Equal(t, int64(1), h.currentSeq())
	r := h.post("push", pushBody(mut("task", "insert", "task:1", `{"title":"B"}`, "c1", "m3")))
	require.Equal(t, 400, r.status)
	jsonEq(t, `[{"mutationId":"m3","code":"CONFLICT","message":"Record already exists","path":"id","retryable":false}]`, r.at("result", "errors"))
	// Through /mutation an identical insert is still a conflict.
	h.post("mutation", mut("task", "insert", "task:1", `{"title":"A","tags":["x"],"meta":{"a":{"b":1}}}`, "c1", "m4")).fails(409,
		"CONFLICT", "Record already exists", "id")
}

func testPU9(t *testing.T, open Opener) {
	h := newHarness(t, open)
	jsonEq(t, `["m1"]`, h.post("push", pushBody(mut("task", "replace", "task:7", `{"title":"R"}`, "c1", "m1"))).ok().Get("applied"))
	jsonEq(t, `{"id":"task:7","title":"R","status":"active"}`, h.row("task", "task:7"))
	res := h.post("pull", `{"clientId":"c1","cursors":{"task":"0"}}`).ok()
	jsonEq(t, `{"task":[{"id":"task:7","title":"R","status":"active"}]}`, res.Get("records"))
}

func testPU10(t *testing.T, open Opener) {
	h := newHarness(t, open)
	r := h.post("push", pushBody(mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1"),
		mut("task", "insert", "task:2", `{"title":"B"}`, "c1", ""),
		`5`,
		mut("task", "insert", "task:3", `{"title":"C"}`, "c1", "m3")))
	require.Equal(t, 400, r.status)
	jsonEq(t, `["m1","m3"]`, r.at("result", "applied"))
	jsonEq(t, `[{"mutationId":null,"code":"DFQL_INVALID","message":"Invalid DFQL: missing clientId or mutationId","path":"$","retryable":false},
	  {"mutationId":null,"code":"DFQL_INVALID","message":"Invalid DFQL: mutation must be object","path":"$","retryable":false}]`, r.at("result", "errors"))
	jsonEq(t, `{"path":"$","mutationId":null}`, r.at("error", "details"))
}

func testPU11(t *testing.T, open Opener) {
	h := newHarness(t, open)
	m := mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1")
	res := h.post("push", pushBody(m, m)).ok()
	jsonEq(t, `["m1"]`, res.Get("applied"))
	require.Equal(t, int64(1), h.currentSeq())
}

func testPU12(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.setFault(func(_, mutationID string) error {
		if mutationID == "m2" {
			return errors.New("injected fault")
		}
		return nil
	})
	body := pushBody(mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1"),
		mut("task", "insert", "task:2", `{"title":"B"}`, "c1", "m2"),
		mut("task", "insert", "task:3", `{"title":"C"}`, "c1", "m3"))
	r := h.post("push", body)
	require.Equal(t, 400, r.status)
	jsonEq(t, `{"ok":false,"applied":["m1"],"errors":[{"mutationId":"m2","code":"MUTATION_FAILED","message":"Mutation failed","path":"$","retryable":true}],"cursor":"1","cursorBefore":"0","cursors":{"task":"1"}}`,
		r.at("result"))
	require.True(t, h.row("task", "task:2").IsAbsent())
	h.setFault(nil)
	res := h.post("push", body).ok()
	jsonEq(t, `["m1","m2","m3"]`, res.Get("applied"))
	require.Equal(t, "1", res.Get("cursorBefore").Str())
	require.Equal(t, "3", res.Get("cursor").Str())
}

func testPU13(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	h.post("mutation", mut("task", "delete", "task:1", "", "c2", "d1")).ok()
	r := h.post("push", pushBody(mut("task", "merge", "task:1", `{"status":"done"}`, "c1", "m1")))
	require.Equal(t, 400, r.status)
	jsonEq(t, `[{"mutationId":"m1","code":"NOT_FOUND","message":"Record not found: task:1","path":"id","retryable":false}]`, r.at("result", "errors"))
	// The remembered failure is reported again, terminal.
	r = h.post("push", pushBody(mut("task", "merge", "task:1", `{"status":"done"}`, "c1", "m1")))
	jsonEq(t, `[{"mutationId":"m1","code":"NOT_FOUND","message":"Record not found: task:1","path":"id","retryable":false}]`, r.at("result", "errors"))
}
