package dfql

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// mut builds a task mutation document.
func mut(op, id, record, extra string) string {
	doc := fmt.Sprintf(`{"resource":"task","version":1,"operation":%q,"id":%q,"clientId":"c1","mutationId":"m-1"`, op, id)
	if record != "" {
		doc += `,"record":` + record
	}
	return doc + extra + "}"
}

// rowJSON is the stored record object of a row.
func rowJSON(res *schema.Resource, r *schema.Row) string {
	return string(res.AppendRowJSON(nil, r))
}

func TestM1_Insert(t *testing.T) {
	s := fixture(t)
	st := store{}
	out, err := st.apply(t, s, mut("insert", "task:1", `{"title":"A"}`, ""), 5, false)
	require.Nil(t, err)
	require.Equal(t, "insert", out.ChangeOp)
	require.Equal(t, `{"id":"task:1","title":"A","status":"active"}`, rowJSON(s.Resource("task"), st["task:1"]))
	require.Equal(t, `{"id":"task:1","title":"A","status":"active"}`, out.ChangeData.String())

	_, err = st.apply(t, s, mut("insert", "task:1", `{"title":"A"}`, ""), 5, false)
	requireErr(t, err, protocol.CodeConflict, "id", "Record already exists")
}

func requireErr(t *testing.T, err *protocol.Error, code protocol.Code, path, msg string) {
	t.Helper()
	require.NotNil(t, err)
	require.Equal(t, code, err.Code)
	require.Equal(t, path, err.Path)
	require.Equal(t, msg, err.Message)
}

func TestM6_MergeMissing(t *testing.T) {
	s := fixture(t)
	st := store{}
	_, err := st.apply(t, s, mut("merge", "task:9", `{"status":"done"}`, ""), 5, false)
	requireErr(t, err, protocol.CodeNotFound, "id", "Record not found: task:9")
	out, err := st.apply(t, s, mut("merge", "task:9", `{"title":"N"}`, ""), 5, false)
	require.Nil(t, err)
	require.Equal(t, "insert", out.ChangeOp, "a creating merge records a full row")
	require.Equal(t, `{"id":"task:9","title":"N","status":"active"}`, out.ChangeData.String())
}

func TestApplyLeavesStoredRowAlone(t *testing.T) {
	s := fixture(t)
	res := s.Resource("task")
	st := store{}
	_, err := st.apply(t, s, mut("insert", "task:1", `{"title":"A","prio":1}`, ""), 5, false)
	require.Nil(t, err)
	old := st["task:1"]
	_, err = st.apply(t, s, mut("merge", "task:1", `{"prio":2}`, ""), 6, false)
	require.Nil(t, err)
	require.Equal(t, `{"id":"task:1","title":"A","status":"active","prio":1}`, rowJSON(res, old))
	require.Equal(t, `{"id":"task:1","title":"A","status":"active","prio":2}`, rowJSON(res, st["task:1"]))
}

func TestM7_Replace(t *testing.T) {
	s := fixture(t)
	st := store{}
	_, err := st.apply(t, s, mut("replace", "task:8", `{"title":"R"}`, ""), 5, false)
	requireErr(t, err, protocol.CodeNotFound, "id", "Record not found: task:8")
	_, err = st.apply(t, s, mut("insert", "task:1", `{"title":"A","status":"done","prio":3}`, ""), 5, false)
	require.Nil(t, err)
	out, err := st.apply(t, s, mut("replace", "task:1", `{"title":"R"}`, ""), 6, false)
	require.Nil(t, err)
	require.Equal(t, "replace", out.ChangeOp)
	require.Equal(t, `{"id":"task:1","title":"R","status":"active"}`, rowJSON(s.Resource("task"), st["task:1"]))
}

func TestM8_DeleteMissing(t *testing.T) {
	s := fixture(t)
	st := store{}
	out, err := st.apply(t, s, mut("delete", "task:404", "", ""), 5, false)
	require.Nil(t, err)
	require.Equal(t, "", out.ChangeOp, "no change is recorded")
	require.Nil(t, out.Row)

	_, err = st.apply(t, s, mut("insert", "task:1", `{"title":"A"}`, ""), 5, false)
	require.Nil(t, err)
	out, err = st.apply(t, s, mut("delete", "task:1", `5`, ""), 6, false)
	require.Nil(t, err, "a delete ignores its record")
	require.Equal(t, "delete", out.ChangeOp)
	require.True(t, out.ChangeData.IsAbsent())
	require.Empty(t, st)
}

func TestM9_Guard(t *testing.T) {
	s := fixture(t)
	st := store{}
	_, err := st.apply(t, s, mut("insert", "task:1", `{"title":"A"}`, ""), 5, false)
	require.Nil(t, err)
	guarded := `,"if":{"status":"active"}`
	_, err = st.apply(t, s, mut("merge", "task:1", `{"status":"done"}`, guarded), 6, false)
	require.Nil(t, err)
	_, err = st.apply(t, s, mut("merge", "task:1", `{"status":"done"}`, guarded), 7, false)
	requireErr(t, err, protocol.CodeConflict, "if", "Guard condition not met")
	_, err = st.apply(t, s, mut("merge", "task:8", `{"status":"done"}`, guarded), 7, true)
	requireErr(t, err, protocol.CodeConflict, "if", "Guard condition not met")
	_, err = st.apply(t, s, mut("insert", "task:2", `{"title":"B"}`, `,"if":{}`), 7, false)
	requireErr(t, err, protocol.CodeConflict, "if", "Guard condition not met")
}

func TestM10_InsertValidation(t *testing.T) {
	s := fixture(t)
	cases := []struct {
		name, doc string
		code      protocol.Code
		path, msg string
	}{
		{"title-type", mut("insert", "task:1", `{"title":5}`, ""), protocol.CodeInvalid, "record.title", "Invalid DFQL: record.title must be string"},
		{"enum", mut("insert", "task:1", `{"title":"x","status":"paused"}`, ""), protocol.CodeInvalid, "record.status", "Invalid DFQL: record.status is not an allowed value"},
		{"max", mut("insert", "task:1", `{"title":"x","prio":6}`, ""), protocol.CodeInvalid, "record.prio", "Invalid DFQL: record.prio must be <= 5"},
		{"min", mut("insert", "task:1", `{"title":"x","prio":-1}`, ""), protocol.CodeInvalid, "record.prio", "Invalid DFQL: record.prio must be >= 0"},
		{"maxLength", mut("insert", "task:1", `{"title":"`+strings.Repeat("a", 81)+`"}`, ""), protocol.CodeInvalid, "record.title", "Invalid DFQL: record.title length must be <= 80"},
		{"minLength", mut("insert", "task:1", `{"title":"x","code":"A"}`, ""), protocol.CodeInvalid, "record.code", "Invalid DFQL: record.code length must be >= 2"},
		{"pattern", mut("insert", "task:1", `{"title":"x","code":"ab"}`, ""), protocol.CodeInvalid, "record.code", "Invalid DFQL: record.code does not match pattern"},
		{"date", mut("insert", "task:1", `{"title":"x","due":"2026-01-01"}`, ""), protocol.CodeInvalid, "record.due", "Invalid DFQL: record.due must be date"},
		{"required", mut("insert", "task:1", `{"status":"done"}`, ""), protocol.CodeInvalid, "record.title", "Invalid DFQL: record.title is required"},
		{"null", mut("insert", "task:1", `{"title":null}`, ""), protocol.CodeInvalid, "record.title", "Invalid DFQL: record.title must not be null"},
		{"unknown", mut("insert", "task:1", `{"title":"x","color":"red"}`, ""), protocol.CodeUnknownField, "record.color", "Unknown field: record.color"},
		{"unknown-first", mut("insert", "task:1", `{"color":"red","title":5}`, ""), protocol.CodeUnknownField, "record.color", "Unknown field: record.color"},
		{"prefix", mut("insert", "todo:1", `{"title":"x"}`, ""), protocol.CodeInvalid, "id", "Invalid id: does not match required prefix"},
		{"empty-after-prefix", mut("insert", "task:", `{"title":"x"}`, ""), protocol.CodeInvalid, "id", "Invalid id: does not match required prefix"},
		{"long-id", mut("insert", "task:"+strings.Repeat("a", 251), `{"title":"x"}`, ""), protocol.CodeInvalid, "id", "Invalid DFQL: id must be at most 255 characters"},
		// Steps 1, 2, 4 and 8 of §5.3.
		{"operation-type", `{"resource":"task","operation":5}`, protocol.CodeInvalid, "operation", "Invalid DFQL: operation must be string"},
		{"M-5/upsert", mut("upsert", "task:1", `{"title":"x"}`, ""), protocol.CodeUnsupported, "operation", "Unsupported DFQL feature: mutation.operation.upsert"},
		{"resource", `{"resource":"nope","operation":"insert"}`, protocol.CodeUnknownResource, "resource", "Unknown resource: nope"},
		{"version", `{"resource":"task","version":0,"operation":"insert"}`, protocol.CodeInvalid, "version", "Invalid DFQL: version must be a positive integer"},
		{"record-type", mut("merge", "task:1", `[]`, ""), protocol.CodeInvalid, "record", "Invalid DFQL: record must be object"},
		{"record-id", mut("merge", "task:1", `{"id":"task:2"}`, ""), protocol.CodeInvalid, "record.id", "Invalid DFQL: record.id must match id"},
		{"if-unknown", mut("merge", "task:1", `{}`, `,"if":{"nope":1}`), protocol.CodeUnknownField, "if.nope", "Unknown field: if.nope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseMutation(s, value.MustParse(c.doc))
			requireErr(t, err, c.code, c.path, c.msg)
		})
	}
}

func TestM10_CleanedRecord(t *testing.T) {
	s := fixture(t)
	m := mustMutation(t, s, `{"resource":"note","operation":"insert","id":"n:1","record":{"id":"n:1","createdAt":5,"body":"x"},"clientId":"c","mutationId":"m"}`)
	require.Equal(t, `{"body":"x"}`, m.Record.String())
	require.Equal(t, "c", m.ClientID)
	require.Equal(t, "m", m.MutationID)
	require.Nil(t, m.If)
}

func TestM12_Timestamps(t *testing.T) {
	s := fixture(t)
	res := s.Resource("note")
	st := store{}
	note := func(op, rec string) string {
		return `{"resource":"note","version":1,"operation":"` + op + `","id":"n:1","record":` + rec + `}`
	}
	_, err := st.apply(t, s, note("insert", `{"body":"x","createdAt":5}`), 1700000000000, false)
	require.Nil(t, err)
	require.Equal(t, `{"id":"n:1","body":"x","createdAt":1700000000000,"updatedAt":1700000000000}`, rowJSON(res, st["n:1"]))

	out, err := st.apply(t, s, note("merge", `{"body":"y"}`), 1700000005000, false)
	require.Nil(t, err)
	require.Equal(t, "merge", out.ChangeOp)
	require.Equal(t, `{"body":"y","updatedAt":1700000005000}`, out.ChangeData.String())
	require.Equal(t, `{"id":"n:1","body":"y","createdAt":1700000000000,"updatedAt":1700000005000}`, rowJSON(res, st["n:1"]))

	out, err = st.apply(t, s, note("replace", `{}`), 1700000009000, false)
	require.Nil(t, err)
	require.Equal(t, `{"id":"n:1","createdAt":1700000000000,"updatedAt":1700000009000}`, out.ChangeData.String())

	out, err = st.apply(t, s, `{"resource":"note","operation":"merge","id":"n:2","record":{"body":"z"}}`, 1700000010000, false)
	require.Nil(t, err, "note has no required field, so a merge creates it")
	require.Equal(t, `{"id":"n:2","body":"z","createdAt":1700000010000,"updatedAt":1700000010000}`, out.ChangeData.String())
}

func TestPU3_PushMergeCreates(t *testing.T) {
	s := fixture(t)
	st := store{}
	out, err := st.apply(t, s, mut("merge", "task:1", `{"title":"A"}`, ""), 5, true)
	require.Nil(t, err)
	require.Equal(t, "insert", out.ChangeOp)
	require.Equal(t, `{"id":"task:1","title":"A","status":"active"}`, rowJSON(s.Resource("task"), st["task:1"]))
}

func TestPU8_PushIdenticalInsert(t *testing.T) {
	s := fixture(t)
	st := store{}
	rec := `{"title":"A","tags":["x",{"a":1}],"meta":{"k":[1,2]}}`
	_, err := st.apply(t, s, mut("insert", "task:1", rec, ""), 5, true)
	require.Nil(t, err)
	before := st["task:1"]

	out, err := st.apply(t, s, mut("insert", "task:1", rec, ""), 6, true)
	require.Nil(t, err)
	require.Equal(t, "", out.ChangeOp, "identical re-insert records no change")
	require.Same(t, before, out.Row)

	_, err = st.apply(t, s, mut("insert", "task:1", `{"title":"A","status":"active","tags":["x",{"a":1}],"meta":{"k":[1,2]},"prio":null}`, ""), 6, true)
	require.Nil(t, err, "explicit defaults and null equal the stored values")

	_, err = st.apply(t, s, mut("insert", "task:1", `{"title":"B"}`, ""), 6, true)
	requireErr(t, err, protocol.CodeConflict, "id", "Record already exists")
	_, err = st.apply(t, s, mut("insert", "task:1", rec, ""), 6, false)
	requireErr(t, err, protocol.CodeConflict, "id", "Record already exists")
}

func TestPU8_PushIdenticalInsertKeepsTimestamps(t *testing.T) {
	s := fixture(t)
	st := store{}
	doc := `{"resource":"note","operation":"insert","id":"n:1","record":{"body":"x"}}`
	_, err := st.apply(t, s, doc, 1, true)
	require.Nil(t, err)
	out, err := st.apply(t, s, doc, 2, true)
	require.Nil(t, err)
	require.Equal(t, "", out.ChangeOp)
	require.Equal(t, `{"id":"n:1","body":"x","createdAt":1,"updatedAt":1}`, rowJSON(s.Resource("note"), st["n:1"]))
}

func TestPU9_PushReplaceCreates(t *testing.T) {
	s := fixture(t)
	st := store{}
	out, err := st.apply(t, s, mut("replace", "task:7", `{"title":"S"}`, ""), 5, true)
	require.Nil(t, err)
	require.Equal(t, "insert", out.ChangeOp)
	require.Equal(t, `{"id":"task:7","title":"S","status":"active"}`, rowJSON(s.Resource("task"), st["task:7"]))
}

func TestReapply(t *testing.T) {
	s := fixture(t)
	note := s.Resource("note")
	task := s.Resource("task")
	rec := value.MustParse

	ins := Reapply(note, nil, "insert", "n:1", rec(`{"body":"x"}`), 10)
	require.Equal(t, `{"id":"n:1","body":"x","createdAt":10,"updatedAt":10}`, rowJSON(note, ins))

	rep := Reapply(note, ins, "replace", "n:1", rec(`{}`), 20)
	require.Equal(t, `{"id":"n:1","createdAt":10,"updatedAt":20}`, rowJSON(note, rep))

	mer := Reapply(note, rep, "merge", "n:1", rec(`{"body":"z"}`), 30)
	require.Equal(t, `{"id":"n:1","body":"z","createdAt":10,"updatedAt":30}`, rowJSON(note, mer))

	require.Nil(t, Reapply(note, mer, "delete", "n:1", value.Value{}, 40))
	require.Nil(t, Reapply(task, nil, "merge", "task:1", rec(`{"status":"done"}`), 40), "missing required title")
	made := Reapply(task, nil, "merge", "task:1", rec(`{"title":"T"}`), 40)
	require.Equal(t, `{"id":"task:1","title":"T","status":"active"}`, rowJSON(task, made))
	again := Reapply(task, made, "insert", "task:1", rec(`{"title":"U"}`), 50)
	require.Equal(t, `{"id":"task:1","title":"U","status":"active"}`, rowJSON(task, again), "no existence check")
}

// TestReapplyMatchesApply checks that the read-your-writes rules give the row
// Apply gives whenever Apply succeeds (§12.5 mirrors §5.4 without checks).
func TestReapplyMatchesApply(t *testing.T) {
	s := fixture(t)
	steps := []string{
		`{"resource":"note","operation":"insert","id":"n:1","record":{"body":"a"}}`,
		`{"resource":"note","operation":"merge","id":"n:1","record":{"body":"b"}}`,
		`{"resource":"note","operation":"replace","id":"n:1","record":{}}`,
		`{"resource":"note","operation":"merge","id":"n:2","record":{}}`,
		`{"resource":"note","operation":"delete","id":"n:1"}`,
		mut("insert", "task:1", `{"title":"A","tags":[1],"meta":{"a":{"b":2}}}`, ""),
		mut("merge", "task:1", `{"meta":{"c":3},"prio":null}`, ""),
		mut("merge", "task:2", `{"title":"B","status":"done"}`, ""),
		mut("replace", "task:2", `{"title":"C","due":5}`, ""),
		mut("delete", "task:2", "", ""),
	}
	st := store{}
	for i, doc := range steps {
		m := mustMutation(t, s, doc)
		cur := st[m.ID]
		now := int64(100 + i)
		out, err := Apply(m.Resource, cur, m, now, false)
		require.Nil(t, err, doc)
		re := Reapply(m.Resource, cur, m.Op, m.ID, m.Record, now)
		if out.Row == nil {
			require.Nil(t, re, doc)
			delete(st, m.ID)
			continue
		}
		require.Equal(t, rowJSON(m.Resource, out.Row), rowJSON(m.Resource, re), doc)
		st[m.ID] = out.Row
	}
}
