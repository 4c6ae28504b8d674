package protocol

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/value"
)

func encode(t *testing.T, x any) string {
	t.Helper()
	b, err := json.Marshal(x)
	require.NoError(t, err)
	return string(b)
}

func TestEmptyListsEncodeAsArrays(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"MutationResult", MutationResult{},
			`{"ok":false,"mutationId":"","affectedIds":[],"errors":[],"deduped":false}`},
		{"PushResult", PushResult{OK: true, Cursor: "0", CursorBefore: "0"},
			`{"ok":true,"applied":[],"errors":[],"cursor":"0","cursorBefore":"0","cursors":{}}`},
		{"PullResult PL-9", PullResult{OK: true, Records: map[string][]value.Value{"task": nil},
			Merged: map[string][]value.Value{"task": nil}, Deleted: map[string][]string{"task": nil},
			Cursors: map[string]string{"task": "5"}},
			`{"ok":true,"records":{"task":[]},"merged":{"task":[]},"deleted":{"task":[]},"cursors":{"task":"5"},"hasMore":false}`},
		{"PullResult nil maps", PullResult{},
			`{"ok":false,"records":{},"merged":{},"deleted":{},"cursors":{},"hasMore":false}`},
		{"CloneResult CL-2", CloneResult{OK: true, Data: map[string][]value.Value{"task": nil},
			Cursors: map[string]string{"task": "0"}},
			`{"ok":true,"data":{"task":[]},"cursors":{"task":"0"}}`},
		{"CloneResult tables []", CloneResult{OK: true}, `{"ok":true,"data":{},"cursors":{}}`},
		{"ReconcileResult", ReconcileResult{OK: true, LatestCursor: "0"},
			`{"ok":true,"counts":{},"joinCounts":{},"latestCursor":"0"}`},
		{"QueryResult zero", QueryResult{}, `{"data":[],"nextCursor":null}`},
		{"RowResult", RowResult(nil, value.Value{}), `{"data":[],"nextCursor":null}`},
		{"GroupResult G-3", GroupResult(nil), `{"groups":[],"nextCursor":null}`},
		{"TransactResult", TransactResult{OK: true}, `{"ok":true,"results":[]}`},
		{"TransactRequest", TransactRequest{}, `{"steps":[]}`},
		{"PushRequest", PushRequest{ClientID: "c1"}, `{"clientId":"c1","mutations":[]}`},
		{"PullRequest", PullRequest{ClientID: "c1"}, `{"clientId":"c1","cursors":{}}`},
		{"StatusResult", StatusResult{}, `{"schemaHash":"","capabilities":[],"limits":{"maxLimit":0,"maxTransactSteps":0,"maxPayloadBytes":0,"maxPullLimit":0,"maxBatchSize":0,"maxCloneRecords":0,"maxClonePageSize":0},"serverTimeMs":0}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { require.JSONEq(t, c.want, encode(t, c.in)) })
	}
}

// Normalising nil lists must not write into the caller's map.
func TestListsOrEmptyLeavesInputAlone(t *testing.T) {
	m := map[string][]value.Value{"task": nil}
	encode(t, CloneResult{Data: m})
	require.Nil(t, m["task"])
}

func TestCloneNextAndPaginated(t *testing.T) {
	t.Run("CL-1 absent", func(t *testing.T) {
		got := encode(t, CloneResult{OK: true, Data: map[string][]value.Value{"task": {}}, Cursors: map[string]string{"task": "2"}})
		require.NotContains(t, got, "next")
		require.NotContains(t, got, "paginated")
	})
	t.Run("CL-5 null next", func(t *testing.T) {
		in := `{"ok":true,"data":{"task":[{"id":"task:3"}]},"cursors":{"task":"3"},"next":{"task":null},"paginated":true}`
		r := roundTrip[CloneResult](t, []byte(in))
		require.Contains(t, r.Next, "task")
		require.Nil(t, r.Next["task"])
	})
	t.Run("CL-5 id next", func(t *testing.T) {
		last := "task:2"
		got := encode(t, CloneResult{OK: true, Data: map[string][]value.Value{"task": {}},
			Cursors: map[string]string{"task": "3"}, Next: map[string]*string{"task": &last}, Paginated: true})
		require.JSONEq(t, `{"ok":true,"data":{"task":[]},"cursors":{"task":"3"},"next":{"task":"task:2"},"paginated":true}`, got)
	})
}

func TestCloneRequestShapes(t *testing.T) {
	t.Run("CL-5 afterId null", func(t *testing.T) {
		in := `{"clientId":"c1","page":{"table":"task","afterId":null,"limit":2}}`
		r := roundTrip[CloneRequest](t, []byte(in))
		require.Nil(t, r.Page.AfterID)
		require.Nil(t, r.Tables)
	})
	t.Run("nil tables are left out", func(t *testing.T) {
		require.JSONEq(t, `{"clientId":"c1"}`, encode(t, CloneRequest{ClientID: "c1"}))
	})
	t.Run("empty tables are sent", func(t *testing.T) {
		r := roundTrip[CloneRequest](t, []byte(`{"clientId":"c1","tables":[]}`))
		require.NotNil(t, r.Tables)
	})
}

func TestPushErrorMutationID(t *testing.T) {
	t.Run("PU-10 nil encodes null", func(t *testing.T) {
		e := NewPushError(nil, Invalid("$", "missing clientId or mutationId"))
		require.JSONEq(t, string(readGolden(t, "push_error_pu10.json")), encode(t, e))
	})
	t.Run("PU-12 retryable", func(t *testing.T) {
		id := "m2"
		e := NewPushError(&id, Errorf(CodeMutationFailed, "$", "Mutation failed"))
		require.JSONEq(t, `{"mutationId":"m2","code":"MUTATION_FAILED","message":"Mutation failed","path":"$","retryable":true}`, encode(t, e))
	})
	t.Run("nil mutationId in envelope details", func(t *testing.T) {
		r := PushResult{Errors: []PushError{NewPushError(nil, Invalid("$", "mutation must be object"))}}
		require.JSONEq(t,
			`{"ok":false,"error":{"code":"DFQL_INVALID","message":"Invalid DFQL: mutation must be object","details":{"path":"$","mutationId":null}}}`,
			string(ErrorEnvelope(r.Err())))
	})
}

func TestErrorEnvelopeAlwaysHasPath(t *testing.T) {
	cases := []struct {
		name string
		err  *Error
		want string
	}{
		{"Q-9 resource detail", UnknownResource("resource", "nope"),
			`{"ok":false,"error":{"code":"DFQL_UNKNOWN_RESOURCE","message":"Unknown resource: nope","details":{"path":"resource","resource":"nope"}}}`},
		{"hand-built without path", &Error{Code: CodeForbidden, Message: "Forbidden"},
			`{"ok":false,"error":{"code":"FORBIDDEN","message":"Forbidden","details":{"path":"$"}}}`},
		{"Internal hides cause", Internal(json.Unmarshal([]byte("{"), new(any))),
			`{"ok":false,"error":{"code":"INTERNAL","message":"Internal error","details":{"path":"$"}}}`},
		{"nil error", nil,
			`{"ok":false,"error":{"code":"INTERNAL","message":"Internal error","details":{"path":"$"}}}`},
		{"unencodable extra", &Error{Code: CodeInvalid, Message: "x", Path: "a", Extra: map[string]any{"f": func() {}}},
			`{"ok":false,"error":{"code":"INTERNAL","message":"Internal error","details":{"path":"$"}}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ErrorEnvelope(c.err)
			require.JSONEq(t, c.want, string(got))
			env := roundTrip[Envelope](t, got)
			require.Contains(t, env.Error.Details, "path")
		})
	}
}

func TestFromBodyRoundTripsExtra(t *testing.T) {
	for _, raw := range []string{
		`{"code":"DFQL_UNKNOWN_RESOURCE","message":"Unknown resource: nope","details":{"path":"resource","resource":"nope"}}`,
		`{"code":"CONFLICT","message":"Guard condition not met","details":{"path":"if","mutationId":"m3"}}`,
		`{"code":"CONFLICT","message":"x","details":{"path":"$","mutationId":null,"n":5,"nested":{"a":[1]}}}`,
	} {
		var b ErrorBody
		require.NoError(t, json.Unmarshal([]byte(raw), &b))
		e := FromBody(b)
		require.NotEmpty(t, e.Extra)
		require.JSONEq(t, raw, encode(t, e.Body()))
	}
	// A body without details (or without path) comes back with path "$".
	e := FromBody(ErrorBody{Code: CodeInternal, Message: "Internal error"})
	require.Equal(t, "$", e.Path)
	require.Nil(t, e.Extra)
}

func TestEnvelopeDoesNotEscapeHTML(t *testing.T) {
	b, err := OKEnvelope(value.Str("<a&b>"))
	require.NoError(t, err)
	require.Equal(t, `{"ok":true,"result":"<a&b>"}`, string(b))
	b, err = OKEnvelope(MutationFailure("<m>", Errorf(CodeConflict, "id", "a < b")))
	require.NoError(t, err)
	require.Contains(t, string(b), `"mutationId":"<m>"`)
	require.Contains(t, string(b), `"message":"a < b"`)
}

func TestOKEnvelopeArrayResult(t *testing.T) {
	// M-11: a /mutation batch answers with an array result.
	b, err := OKEnvelope([]MutationResult{MutationSuccess("m1", "task:2"),
		MutationFailure("m2", Invalid("record.title", "record.title must be string"))})
	require.NoError(t, err)
	env := roundTrip[Envelope](t, b)
	require.True(t, env.OK)
	require.Equal(t, value.Array, env.Result.Kind())
	require.Equal(t, 2, env.Result.Len())
	require.False(t, env.Result.Index(1).Get("ok").Bool())
}

func TestQueryResultShapes(t *testing.T) {
	count := int64(5)
	next := value.MustParse(`{"id":"task:3"}`)
	// P-8: count and nextCursor of a row result.
	r := RowResult([]value.Value{value.MustParse(`{"id":"task:1"}`), value.MustParse(`{"id":"task:3"}`)}, next)
	r.Count = &count
	require.JSONEq(t, `{"data":[{"id":"task:1"},{"id":"task:3"}],"nextCursor":{"id":"task:3"},"count":5}`, encode(t, r))
	require.False(t, r.IsGrouped())
	// Decoding keeps grouped and row results apart, also when empty.
	g := roundTrip[QueryResult](t, []byte(`{"groups":[],"nextCursor":null}`))
	require.True(t, g.IsGrouped())
	d := roundTrip[QueryResult](t, []byte(`{"data":[],"nextCursor":null}`))
	require.False(t, d.IsGrouped())
	require.Equal(t, value.Null, d.NextCursor.Kind())
}

func TestTransactBuilders(t *testing.T) {
	t.Run("T-2", func(t *testing.T) {
		first := MutationSuccess("t2", "task:1")
		failed := MutationFailure("t3", Errorf(CodeConflict, "id", "Record already exists"))
		r := TransactResult{
			Results: []StepResult{
				{Kind: StepMutation, Result: value.MustParse(encode(t, first)), RolledBack: true},
				{Kind: StepMutation, OK: failed.OK, Result: value.MustParse(encode(t, failed))},
			},
			Error: RolledBack(1),
		}
		require.JSONEq(t, string(readGolden(t, "transact_result_t2.json")), encode(t, r))
	})
	t.Run("T-5", func(t *testing.T) {
		body := Invalid("steps[0]", "steps[%d] must have query or mutation", 0).Body()
		s := StepResult{Kind: StepInvalid, Error: &body}
		require.JSONEq(t, string(readGolden(t, "transact_step_invalid_t5.json")), encode(t, s))
	})
	t.Run("atomic", func(t *testing.T) {
		f := false
		require.JSONEq(t, `{"atomic":false,"steps":[]}`, encode(t, TransactRequest{Atomic: &f}))
	})
}

func TestChangelogEntryUserID(t *testing.T) {
	e := roundTrip[ChangelogEntry](t, readGolden(t, "changelog_entry.json"))
	require.NotContains(t, encode(t, e), "userId")
	e.UserID = "u1"
	require.Contains(t, encode(t, e), `"userId":"u1"`)
	require.Equal(t, value.Object, e.Mutation.Kind())
}

func TestEventOmitsAbsentMembers(t *testing.T) {
	// A delete has fields [] and no record (§10.2); false system is left out.
	del := Event{Type: EventMutationApplied, Resource: "task", IDs: []string{"task:1"}, MutationID: "m-2",
		ClientID: "c1", TimestampMs: 2, Action: "delete", Fields: []string{}}
	require.JSONEq(t, `{"type":"mutation_applied","resource":"task","ids":["task:1"],"mutationId":"m-2","clientId":"c1","timestampMs":2,"action":"delete","fields":[]}`,
		encode(t, del))
	conn := Event{Type: EventConnectivityChanged, TimestampMs: 3, Context: value.MustParse(`{"isOnline":false}`)}
	require.JSONEq(t, `{"type":"connectivity_changed","timestampMs":3,"context":{"isOnline":false}}`, encode(t, conn))
	sys := Event{Type: EventMutationApplied, TimestampMs: 4, System: true}
	require.JSONEq(t, `{"type":"mutation_applied","timestampMs":4,"system":true}`, encode(t, sys))
	require.Len(t, EventTypes(), 10)
}

func TestRoutesAndCapabilities(t *testing.T) {
	require.Equal(t, []string{"status", "query", "mutation", "transact", "seed", "clone", "pull", "push", "reconcile"}, Operations())
	require.Equal(t, "/datafn/pull", RoutePath(OpPull))
	require.Equal(t, "/datafn/status", RoutePath(OpStatus))
	caps := ServerCapabilities()
	caps[0] = "mutated"
	require.Equal(t, CapQuery, ServerCapabilities()[0], "callers get a fresh slice")
}
