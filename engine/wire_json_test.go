package engine

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// sameJSON: a and b parse to the same value with members in the same order.
func sameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	w, err := value.Parse(want)
	require.NoError(t, err, "%s", want)
	g, err := value.Parse(got)
	require.NoError(t, err, "%s", got)
	require.Equal(t, string(w.JSON()), string(g.JSON()))
}

func mustValue(t *testing.T, s string) value.Value {
	t.Helper()
	v, err := value.ParseString(s)
	require.NoError(t, err)
	return v
}

func TestWireEncodersMatchEncodingJSON(t *testing.T) {
	row := mustValue(t, `{"id":"t:1","title":"<a & b>\u2028","n":1.5,"tags":["x"],"o":{"z":null,"a":false}}`)
	n := int64(3)
	id := "m-1"
	after := "t:9"
	for _, r := range []protocol.QueryResult{
		protocol.RowResult(nil, value.Value{}),
		protocol.RowResult([]value.Value{row, row}, value.Str("cur")),
		{Data: []value.Value{row}, NextCursor: value.NullValue, Count: &n},
		protocol.GroupResult(nil),
		protocol.GroupResult([]value.Value{row}),
		{Data: []value.Value{}, Groups: []value.Value{row}, NextCursor: value.NullValue},
	} {
		want, err := json.Marshal(r)
		require.NoError(t, err)
		sameJSON(t, want, AppendQueryResultJSON(nil, r))
	}
	muts := []protocol.MutationResult{
		{},
		protocol.MutationSuccess("m-1", "t:1"),
		protocol.MutationFailure("m-2", protocol.Errorf(protocol.CodeConflict, "record.x", "Conflict \"q\"")),
		{OK: true, MutationID: "m-3", AffectedIDs: []string{"a", "b"}, Deduped: true},
	}
	for _, r := range muts {
		want, err := json.Marshal(r)
		require.NoError(t, err)
		sameJSON(t, want, AppendMutationResultJSON(nil, r))
	}
	for _, rs := range [][]protocol.MutationResult{nil, {}, muts} {
		want, err := json.Marshal(append([]protocol.MutationResult{}, rs...))
		require.NoError(t, err)
		sameJSON(t, want, AppendMutationResultsJSON(nil, rs))
	}
	for _, st := range []Status{
		{},
		{IsOnline: true, Running: true, Pending: 7, Hydration: map[string]HydrationState{"b": "ready", "a": "notStarted"},
			Cursors: map[string]string{"z": "1", "a": "2"}, LastError: &StatusError{Code: protocol.CodeServiceUnavailable, Message: "down", Phase: "pull"}},
		{Hydration: map[string]HydrationState{}, Cursors: map[string]string{}},
	} {
		want, err := json.Marshal(st)
		require.NoError(t, err)
		sameJSON(t, want, AppendStatusJSON(nil, st))
	}
	entries := []ChangelogEntry{
		{},
		{Seq: 1, ClientID: "c", MutationID: "m", Mutation: row, TimestampMs: 1700000000000, Timestamp: "2023-11-14T22:13:20.000Z"},
		{Seq: 2, UserID: "u", Mutation: value.NullValue},
	}
	for _, es := range [][]ChangelogEntry{{}, entries} {
		want, err := json.Marshal(es)
		require.NoError(t, err)
		sameJSON(t, want, AppendChangelogJSON(nil, es))
	}
	sameJSON(t, []byte(`[]`), AppendChangelogJSON(nil, nil))
	for _, ev := range []protocol.Event{
		{Type: protocol.EventSyncStarted, TimestampMs: 5},
		{Type: protocol.EventMutationApplied, Resource: "task", IDs: []string{"t:1"}, MutationID: "m", ClientID: "c",
			TimestampMs: 6, Context: row, Action: "update", Fields: []string{}, Record: row, System: true, FromRemoteTab: true},
		{Type: protocol.EventSyncApplied, IDs: []string{}, Fields: []string{"a", "b"}, Context: value.NullValue},
	} {
		want, err := json.Marshal(ev)
		require.NoError(t, err)
		sameJSON(t, want, AppendEventJSON(nil, ev))
	}
	for _, req := range []any{
		row,
		protocol.CloneRequest{ClientID: "c"},
		protocol.CloneRequest{ClientID: "c", Tables: []string{}, IncludeJoins: true},
		protocol.CloneRequest{ClientID: "c", Tables: []string{"a"}, Page: &protocol.ClonePage{Table: "a", Limit: 10}},
		protocol.CloneRequest{ClientID: "c", Page: &protocol.ClonePage{Table: "a", AfterID: &after, Limit: 10}},
		protocol.PullRequest{ClientID: "c"},
		protocol.PullRequest{ClientID: "c", Cursors: map[string]string{"b": "1", "a": "2"}, Limit: 5, IncludeJoins: true},
		protocol.PushRequest{ClientID: "c"},
		protocol.PushRequest{ClientID: "c", Mutations: []value.Value{row}},
	} {
		want, err := json.Marshal(req)
		require.NoError(t, err)
		got, ok := appendRequest(nil, req)
		require.True(t, ok)
		sameJSON(t, want, got)
	}
	_, ok := appendRequest(nil, struct{}{})
	require.False(t, ok)
	for _, errs := range [][]protocol.PushError{nil, {
		protocol.NewPushError(&id, protocol.Errorf(protocol.CodeConflict, "id", "x")),
		protocol.NewPushError(nil, protocol.Errorf(protocol.CodeInvalid, "$", "y")),
	}} {
		want, err := json.Marshal(append([]protocol.PushError{}, errs...))
		require.NoError(t, err)
		sameJSON(t, want, pushErrorsValue(errs).JSON())
	}
}

// decodeInto accepts and refuses what json.Unmarshal does and decodes to
// the same values.
func TestDecodeIntoMatchesJSONUnmarshal(t *testing.T) {
	check := func(t *testing.T, body string, fresh func() any) {
		t.Helper()
		want, got := fresh(), fresh()
		werr := json.Unmarshal([]byte(body), want)
		gerr := decodeInto(mustValue(t, body), got)
		require.Equal(t, werr == nil, gerr == nil, "%s: json %v, decodeInto %v", body, werr, gerr)
		if werr == nil {
			require.Equal(t, want, got, body)
		}
	}
	mutation := func() any { return &protocol.MutationResult{} }
	clone := func() any { return &protocol.CloneResult{} }
	pull := func() any { return &protocol.PullResult{} }
	push := func() any { return &protocol.PushResult{} }
	for _, c := range []struct {
		body  string
		fresh func() any
	}{
		{`{"ok":true,"mutationId":"m","affectedIds":["a"],"errors":[],"deduped":false}`, mutation},
		{`{"ok":false,"mutationId":"m","affectedIds":[],"errors":[{"code":"CONFLICT","message":"x","path":"id","retryable":false,"extra":1}]}`, mutation},
		{`{"OK":true,"MutationID":"m","affectedids":null,"errors":null,"unknown":{"a":[1]}}`, mutation},
		{`{"ok":null,"mutationId":null,"errors":[null]}`, mutation},
		{`{"ok":"yes","mutationId":"m"}`, mutation},
		{`{"ok":true,"mutationId":"m","affectedIds":"a"}`, mutation},
		{`{"ok":true,"mutationId":"m","affectedIds":[1]}`, mutation},
		{`{"ok":true,"mutationId":"m","errors":[{"code":1}]}`, mutation},
		{`{"ok":true,"mutationId":"m","errors":[{"retryable":"no"}]}`, mutation},
		{`{"ok":true,"mutationId":"m","ok":false}`, mutation},
		{`[]`, mutation},
		{`{"ok":true,"data":{"t":[{"id":"t:1"},null,1,"s"]},"cursors":{"t":"1"},"next":{"t":"t:1","u":null},"paginated":true}`, clone},
		{`{"data":{"t":null},"cursors":{"t":null},"next":null}`, clone},
		{`{"data":{"t":{}},"cursors":{}}`, clone},
		{`{"cursors":{"t":1}}`, clone},
		{`{"next":{"t":2}}`, clone},
		{`{"ok":true,"records":{"a":[{"id":"a:1"}]},"merged":{},"deleted":{"a":["a:2",null]},"cursors":{"a":"3"},"hasMore":true}`, pull},
		{`{"records":{"a":[]},"deleted":{"a":"a:2"},"cursors":{}}`, pull},
		{`{"Records":null,"HASMORE":true,"cursors":{}}`, pull},
		{`{"hasMore":1,"cursors":{}}`, pull},
		{`{"ok":true,"applied":["m1"],"errors":[],"cursor":"5","cursorBefore":"4","cursors":{"a":"5"}}`, push},
		{`{"ok":false,"applied":[],"errors":[{"mutationId":null,"code":"INVALID","message":"m","path":"$","retryable":false},{"mutationId":"m2"}],"cursor":""}`, push},
		{`{"ok":false,"applied":[],"errors":[{"mutationId":3}]}`, push},
		{`{"ok":true,"applied":[],"cursor":5}`, push},
		{`{"ok":true,"applied":[],"errors":{}}`, push},
	} {
		check(t, c.body, c.fresh)
	}
}
