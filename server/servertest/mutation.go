package servertest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mutationItems are A.5.
func mutationItems() []item {
	return []item{
		{"M-1", testM1}, {"M-2", testM2}, {"M-3", testM3}, {"M-4", testM4}, {"M-5", testM5},
		{"M-6", testM6}, {"M-7", testM7}, {"M-8", testM8}, {"M-9", testM9}, {"M-10", testM10},
		{"M-11", testM11}, {"M-12", testM12}, {"M-13", testM13},
	}
}

const m1 = `{"resource":"task","version":1,"operation":"insert","id":"task:1","record":{"title":"A"},"clientId":"c1","mutationId":"m-1"}`

func testM1(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("mutation", m1).is(200, `{"ok":true,"result":{"ok":true,"mutationId":"m-1","affectedIds":["task:1"],"errors":[],"deduped":false}}`)
	jsonEq(t, `{"id":"task:1","title":"A","status":"active"}`, h.row("task", "task:1"))
	require.Equal(t, `{"id":"task:1","title":"A","status":"active"}`, h.row("task", "task:1").String(), "key order as written")
}

func testM2(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("mutation", m1).ok()
	h.post("mutation", m1).is(200, `{"ok":true,"result":{"ok":true,"mutationId":"m-1","affectedIds":["task:1"],"errors":[],"deduped":true}}`)
	require.Equal(t, int64(1), h.currentSeq())
}

func testM3(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("mutation", m1).ok()
	h.post("mutation", strings.Replace(m1, "m-1", "m-2", 1)).is(409, `{
	  "ok": false,
	  "error": { "code": "CONFLICT", "message": "Record already exists", "details": { "path": "id" } },
	  "result": { "ok": false, "mutationId": "m-2", "affectedIds": [], "errors": [ { "code": "CONFLICT", "message": "Record already exists", "path": "id", "retryable": false } ], "deduped": false }
	}`)
	// The terminal failure is remembered (§8.5).
	r := h.post("mutation", strings.Replace(m1, "m-1", "m-2", 1))
	require.Equal(t, 409, r.status)
	require.True(t, r.at("result", "deduped").Bool())
	require.Equal(t, int64(1), h.currentSeq())
}

func testM4(t *testing.T, open Opener) {
	h := newHarness(t, open)
	noID := mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "")
	h.post("mutation", noID).is(400, `{"ok":false,"error":{"code":"DFQL_INVALID","message":"Invalid DFQL: missing clientId or mutationId","details":{"path":"$"}},"result":{"ok":false,"mutationId":"","affectedIds":[],"errors":[{"code":"DFQL_INVALID","message":"Invalid DFQL: missing clientId or mutationId","path":"$","retryable":false}],"deduped":false}}`)
	h.post("mutation", mut("task", "insert", "task:1", `{"title":"A"}`, "", "m1")).fails(400, "DFQL_INVALID",
		"Invalid DFQL: missing clientId or mutationId", "$")
	require.Equal(t, int64(0), h.currentSeq())
	h.post("mutation", mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1")).ok()
	long := strings.Repeat("m", 256)
	h.post("mutation", mut("task", "insert", "task:2", `{"title":"A"}`, "c1", long)).fails(400, "DFQL_INVALID",
		"Invalid DFQL: mutationId must be at most 255 characters", "mutationId")
	h.post("mutation", "[5]").is(200, `{"ok":true,"result":[{"ok":false,"mutationId":"","affectedIds":[],"errors":[{"code":"DFQL_INVALID","message":"Invalid DFQL: mutation must be object","path":"$","retryable":false}],"deduped":false}]}`)
}

func testM5(t *testing.T, open Opener) {
	h := newHarness(t, open)
	r := h.post("mutation", mut("task", "upsert", "task:1", `{"title":"A"}`, "c1", "m1"))
	require.Equal(t, 400, r.status)
	jsonEq(t, `[{"code":"DFQL_UNSUPPORTED","message":"Unsupported DFQL feature: mutation.operation.upsert","path":"operation","retryable":false}]`,
		r.at("result", "errors"))
	require.True(t, h.row("task", "task:1").IsAbsent())
	// Validation failures are not remembered: the same ids work afterwards.
	h.post("mutation", mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1")).ok()
}

func testM6(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("mutation", mut("task", "merge", "task:9", `{"status":"done"}`, "c1", "m1")).fails(404,
		"NOT_FOUND", "Record not found: task:9", "id")
	h.post("mutation", mut("task", "merge", "task:9", `{"title":"N"}`, "c1", "m2")).ok()
	jsonEq(t, `{"id":"task:9","title":"N","status":"active"}`, h.row("task", "task:9"))
	res := h.post("pull", `{"clientId":"c1","cursors":{"task":"0"}}`).ok()
	jsonEq(t, `{"task":[{"id":"task:9","title":"N","status":"active"}]}`, res.Get("records"))
}

func testM7(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("mutation", mut("task", "replace", "task:8", `{"title":"R"}`, "c1", "m1")).fails(404,
		"NOT_FOUND", "Record not found: task:8", "id")
	h.insert("task:1", `{"title":"A","status":"done","prio":3}`)
	h.post("mutation", mut("task", "replace", "task:1", `{"title":"R"}`, "c1", "m2")).ok()
	jsonEq(t, `{"id":"task:1","title":"R","status":"active"}`, h.row("task", "task:1"))
}

func testM8(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("mutation", mut("task", "delete", "task:404", "", "c1", "m1")).is(200,
		`{"ok":true,"result":{"ok":true,"mutationId":"m1","affectedIds":["task:404"],"errors":[],"deduped":false}}`)
	require.Equal(t, int64(0), h.currentSeq())
}

func testM9(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"A"}`)
	guarded := func(id, mid string) string {
		return withGuard(mut("task", "merge", id, `{"status":"done"}`, "c1", mid), `{"status":"active"}`)
	}
	h.post("mutation", guarded("task:1", "g1")).ok()
	h.post("mutation", guarded("task:1", "g2")).fails(409, "CONFLICT", "Guard condition not met", "if")
	h.post("mutation", guarded("task:8", "g3")).fails(409, "CONFLICT", "Guard condition not met", "if")
	require.True(t, h.row("task", "task:8").IsAbsent())
	require.Equal(t, int64(2), h.currentSeq())
}

func testM10(t *testing.T, open Opener) {
	cases := []struct{ name, id, record, code, message, path string }{
		{"title type", "task:1", `{"title":5}`, "DFQL_INVALID", "Invalid DFQL: record.title must be string", "record.title"},
		{"enum", "task:1", `{"title":"x","status":"paused"}`, "DFQL_INVALID", "Invalid DFQL: record.status is not an allowed value", "record.status"},
		{"max", "task:1", `{"title":"x","prio":6}`, "DFQL_INVALID", "Invalid DFQL: record.prio must be <= 5", "record.prio"},
		{"min", "task:1", `{"title":"x","prio":-1}`, "DFQL_INVALID", "Invalid DFQL: record.prio must be >= 0", "record.prio"},
		{"maxLength", "task:1", `{"title":"` + strings.Repeat("a", 81) + `"}`, "DFQL_INVALID", "Invalid DFQL: record.title length must be <= 80", "record.title"},
		{"minLength", "task:1", `{"title":"x","code":"A"}`, "DFQL_INVALID", "Invalid DFQL: record.code length must be >= 2", "record.code"},
		{"pattern", "task:1", `{"title":"x","code":"ab"}`, "DFQL_INVALID", "Invalid DFQL: record.code does not match pattern", "record.code"},
		{"date", "task:1", `{"title":"x","due":"2026-01-01"}`, "DFQL_INVALID", "Invalid DFQL: record.due must be date", "record.due"},
		{"required", "task:1", `{"status":"done"}`, "DFQL_INVALID", "Invalid DFQL: record.title is required", "record.title"},
		{"null", "task:1", `{"title":null}`, "DFQL_INVALID", "Invalid DFQL: record.title must not be null", "record.title"},
		{"unknown", "task:1", `{"title":"x","color":"red"}`, "DFQL_UNKNOWN_FIELD", "Unknown field: record.color", "record.color"},
		{"unknown first", "task:1", `{"color":"red","title":5}`, "DFQL_UNKNOWN_FIELD", "Unknown field: record.color", "record.color"},
		{"prefix", "todo:1", `{"title":"x"}`, "DFQL_INVALID", "Invalid id: does not match required prefix", "id"},
		{"empty after prefix", "task:", `{"title":"x"}`, "DFQL_INVALID", "Invalid id: does not match required prefix", "id"},
		{"long id", "task:" + strings.Repeat("a", 251), `{"title":"x"}`, "DFQL_INVALID", "Invalid DFQL: id must be at most 255 characters", "id"},
	}
	h := newHarness(t, open)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			r := h.post("mutation", mut("task", "insert", c.id, c.record, "c1", "m-"+c.name))
			r.fails(400, c.code, c.message, c.path)
			require.Equal(t, int64(0), h.currentSeq())
		})
	}
}

func testM11(t *testing.T, open Opener) {
	h := newHarness(t, open)
	ok := mut("task", "insert", "task:2", `{"title":"B"}`, "c1", "a1")
	bad := mut("task", "insert", "task:3", `{"title":5}`, "c1", "a2")
	h.post("mutation", "["+ok+","+bad+"]").is(200, `{"ok":true,"result":[
	  {"ok":true,"mutationId":"a1","affectedIds":["task:2"],"errors":[],"deduped":false},
	  {"ok":false,"mutationId":"a2","affectedIds":[],"errors":[{"code":"DFQL_INVALID","message":"Invalid DFQL: record.title must be string","path":"record.title","retryable":false}],"deduped":false}]}`)
	h.post("mutation", "[]").is(200, `{"ok":true,"result":[]}`)
	many := "[" + strings.TrimSuffix(strings.Repeat(ok+",", 501), ",") + "]"
	h.post("mutation", many).fails(400, "DFQL_INVALID", "Batch size 501 exceeds limit 500", "$")
}

func testM12(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.now.Store(1700000000000)
	h.post("mutation", mut("note", "insert", "n:1", `{"body":"x","createdAt":5}`, "c1", "n1")).ok()
	jsonEq(t, `{"id":"n:1","body":"x","createdAt":1700000000000,"updatedAt":1700000000000}`, h.row("note", "n:1"))
	h.now.Store(1700000005000)
	h.post("mutation", mut("note", "merge", "n:1", `{"body":"y"}`, "c1", "n2")).ok()
	jsonEq(t, `{"id":"n:1","body":"y","createdAt":1700000000000,"updatedAt":1700000005000}`, h.row("note", "n:1"))
	res := h.post("pull", `{"clientId":"c1","cursors":{"note":"1"}}`).ok()
	jsonEq(t, `{"note":[{"id":"n:1","body":"y","updatedAt":1700000005000}]}`, res.Get("merged"))
	h.now.Store(1700000009000)
	h.post("mutation", mut("note", "replace", "n:1", `{"body":"z"}`, "c1", "n3")).ok()
	jsonEq(t, `{"id":"n:1","body":"z","createdAt":1700000000000,"updatedAt":1700000009000}`, h.row("note", "n:1"))
}

func testM13(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.insert("task:1", `{"title":"zero"}`)
	one := strings.TrimSuffix(mut("task", "merge", "task:1", `{"title":"one"}`, "c1", "x1"), "}") + `,"context":{"ts":9999999999999}}`
	two := strings.TrimSuffix(mut("task", "merge", "task:1", `{"title":"two"}`, "c2", "x1"), "}") + `,"context":{"ts":1}}`
	h.post("mutation", one).ok()
	h.post("mutation", two).ok()
	require.Equal(t, "two", h.row("task", "task:1").Get("title").Str())
}
