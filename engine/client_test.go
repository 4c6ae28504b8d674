package engine_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

var bg = context.Background()

// localEnv opens a local-only client (no transport at all).
func localEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ev: &recorder{}, ts: 1000}
	cfg := `{"schema":` + fixtureS + `,"clientId":"c1","storage":{"type":"memory"},"sync":{"mode":"local-only"}}`
	c, err := engine.NewClient(bg, value.MustParse(cfg), engine.Deps{
		NewMemStore: func(r []string) engine.Storage { return memstore.New(r) },
		Now:         func() int64 { return e.ts }, Logf: t.Logf,
	})
	require.NoError(t, err)
	e.c = c
	_, err = c.Subscribe(e.ev, engine.Filter{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(bg) })
	return e
}

func (e *env) table(name string) *engine.Table {
	tb, err := e.c.Table(name)
	require.NoError(e.t, err)
	return tb
}

func (e *env) mutate(name, m string) protocol.MutationResult {
	e.t.Helper()
	r, err := e.table(name).Mutate(bg, value.MustParse(m))
	require.NoError(e.t, err)
	return r
}

func (e *env) query(name, q string) string {
	e.t.Helper()
	r, err := e.table(name).Query(bg, value.MustParse(q))
	require.NoError(e.t, err)
	return resultJSON(r)
}

func resultJSON(r protocol.QueryResult) string {
	b, _ := r.MarshalJSON()
	return string(b)
}

func TestCFG7_TableHandles(t *testing.T) {
	e := localEnv(t)
	_, err := e.c.Table("nope")
	pe := requireProtoErr(t, err, protocol.CodeUnknownResource, "Unknown resource: nope", "resource")
	require.Equal(t, map[string]any{"resource": "nope"}, pe.Extra)
	a, b := e.table("task"), e.table("task")
	require.Same(t, a, b)
	require.Equal(t, "task", a.Name())
	require.Equal(t, 1, a.Version())
}

func requireProtoErr(t *testing.T, err error, code protocol.Code, msg, path string) *protocol.Error {
	t.Helper()
	requireProto(t, err, code, msg, path)
	return err.(*protocol.Error)
}

func TestCFG8_LocalOnlyInsertThenQuery(t *testing.T) {
	e := localEnv(t)
	r := e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1"}`)
	require.True(t, r.OK)
	require.Equal(t, `{"data":[{"id":"task:1","title":"A","status":"active"}],"nextCursor":null}`, e.query("task", `{}`))
}

func TestCFG9_DefaultClientID(t *testing.T) {
	store := persistent{memstore.New([]string{"task", "note"})}
	open := func() *engine.Client {
		cfg := `{"schema":` + fixtureS + `,"storage":{"type":"memory"},"sync":{"mode":"local-only"}}`
		c, err := engine.NewClient(bg, value.MustParse(cfg), engine.Deps{
			OpenStorage: func(context.Context, engine.StorageConfig, *schema.Schema) (engine.Storage, error) { return store, nil },
		})
		require.NoError(t, err)
		return c
	}
	a := open()
	id := a.ClientID()
	require.Len(t, id, 36)
	require.NoError(t, a.Close(bg))
	b := open()
	require.Equal(t, id, b.ClientID(), "kept in the database")
	require.NoError(t, b.Close(bg))
	m1, m2 := localEnvNoID(t), localEnvNoID(t)
	require.NotEqual(t, m1.ClientID(), m2.ClientID(), "two memory clients differ")
}

func localEnvNoID(t *testing.T) *engine.Client {
	cfg := `{"schema":` + fixtureS + `,"storage":{"type":"memory"},"sync":{"mode":"local-only"}}`
	c, err := engine.NewClient(bg, value.MustParse(cfg), engine.Deps{
		NewMemStore: func(r []string) engine.Storage { return memstore.New(r) }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(bg) })
	return c
}

func TestCFG10_ClosedClient(t *testing.T) {
	e := localEnv(t)
	tb := e.table("task")
	require.NoError(t, e.c.Close(bg))
	_, err := tb.Query(bg, value.MustParse(`{}`))
	requireProto(t, err, protocol.CodeInvalid, "Client has been destroyed", "$")
	_, err = e.c.Table("task")
	requireProto(t, err, protocol.CodeInvalid, "Client has been destroyed", "$")
	_, err = e.c.Subscribe(e.ev, engine.Filter{})
	requireProto(t, err, protocol.CodeInvalid, "Client has been destroyed", "$")
}

func TestEV1_RemoteMutationEvent(t *testing.T) {
	e := newEnv(t, "")
	e.tr.mutation = func(m value.Value) (protocol.MutationResult, error) {
		return protocol.MutationSuccess(m.Get("mutationId").Str(), m.Get("id").Str()), nil
	}
	r := e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1"}`)
	require.True(t, r.OK)
	evs := e.ev.all()
	require.Len(t, evs, 1, "delivered before mutate returns")
	require.JSONEq(t, `{"type":"mutation_applied","resource":"task","ids":["task:1"],"mutationId":"m-1","clientId":"c1",`+
		`"timestampMs":1000,"action":"insert","fields":["title"],"record":{"title":"A"}}`, evJSON(evs[0]))
	require.JSONEq(t, `{"resource":"task","version":1,"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1","clientId":"c1"}`,
		e.tr.ops("mutation")[0].body)
	row, ok := e.row("task", "task:1")
	require.True(t, ok, "the effect is written locally")
	require.Equal(t, `{"id":"task:1","title":"A","status":"active"}`, row)
}

func TestEV2_LM1_LocalPath(t *testing.T) {
	e := newEnv(t, `"offlinability":true`)
	e.seed(ready("0", "task"))
	r := e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1"}`)
	require.Equal(t, `{"ok":true,"mutationId":"m-1","affectedIds":["task:1"],"errors":[],"deduped":false}`, mustJSON(r))
	require.Empty(t, e.tr.ops(), "no request")
	require.JSONEq(t, `{"type":"mutation_applied","resource":"task","ids":["task:1"],"mutationId":"m-1","clientId":"c1",`+
		`"timestampMs":1000,"action":"insert","fields":["title"],"record":{"title":"A"}}`, evJSON(e.ev.all()[0]))
	list, err := e.c.Changelog(bg, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.JSONEq(t, `{"seq":1,"clientId":"c1","mutationId":"m-1","mutation":{"resource":"task","version":1,"operation":"insert",`+
		`"id":"task:1","record":{"title":"A"},"mutationId":"m-1","clientId":"c1"},"timestampMs":1000,"timestamp":"1970-01-01T00:00:01.000Z"}`,
		mustJSON(list[0]))

	// LM-2: the same mutationId again is deduped, with no event.
	r = e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1"}`)
	require.True(t, r.Deduped)
	require.Len(t, e.ev.all(), 1)
	list, _ = e.c.Changelog(bg, 0)
	require.Len(t, list, 1)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestLM3_LocalChecks(t *testing.T) {
	e := localEnv(t)
	e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"}}`)
	r := e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"B"},"mutationId":"m2"}`)
	require.False(t, r.OK)
	require.Equal(t, protocol.MutationError{Code: "CONFLICT", Message: "Record already exists", Path: "id"}, r.Errors[0])
	r = e.mutate("task", `{"operation":"merge","id":"task:1","record":{"title":"B"},"if":{"status":"done"},"mutationId":"m3"}`)
	require.Equal(t, protocol.MutationError{Code: "CONFLICT", Message: "Guard condition not met", Path: "if"}, r.Errors[0])
	r = e.mutate("task", `{"operation":"replace","id":"task:8","record":{"title":"B"}}`)
	require.Equal(t, protocol.MutationError{Code: "NOT_FOUND", Message: "Record not found: task:8", Path: "id"}, r.Errors[0])
	list, _ := e.c.Changelog(bg, 0)
	require.Len(t, list, 1, "failures append nothing")
	kinds := e.ev.kinds()
	require.Equal(t, []string{"mutation_applied", "mutation_rejected", "mutation_rejected", "mutation_rejected"}, kinds)
}

func TestLM7_LM8_TimestampsAndMerge(t *testing.T) {
	e := localEnv(t)
	e.ts = 5000
	e.mutate("note", `{"operation":"insert","id":"n:1","record":{"body":"x"}}`)
	e.ts = 6000
	e.mutate("note", `{"operation":"merge","id":"n:1","record":{"body":"y"}}`)
	require.Equal(t, `{"data":[{"id":"n:1","body":"y","createdAt":5000,"updatedAt":6000}],"nextCursor":null}`, e.query("note", `{}`))
	e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A","meta":{"a":0,"b":2}}}`)
	e.mutate("task", `{"operation":"merge","id":"task:1","record":{"meta":{"a":1}}}`)
	require.Equal(t, `{"data":[{"id":"task:1","title":"A","status":"active","meta":{"a":1}}],"nextCursor":null}`, e.query("task", `{}`))
}

func TestLM5_AppendFailureRejects(t *testing.T) {
	store := memstore.New([]string{"task", "note"})
	cfg := `{"schema":` + fixtureS + `,"clientId":"c1","storage":{"type":"memory"},"sync":{"mode":"local-only"}}`
	c, err := engine.NewClient(bg, value.MustParse(cfg), engine.Deps{
		OpenStorage: func(context.Context, engine.StorageConfig, *schema.Schema) (engine.Storage, error) { return store, nil }})
	require.NoError(t, err)
	defer c.Close(bg)
	store.InjectFault("changelogAppend")
	tb, _ := c.Table("task")
	_, err = tb.Mutate(bg, value.MustParse(`{"operation":"insert","id":"task:1","record":{"title":"A"}}`))
	requireProto(t, err, protocol.CodeInternal, "Storage error: changelogAppend failed", "storage.changelogAppend")
	r, err := tb.Query(bg, value.MustParse(`{}`))
	require.NoError(t, err)
	require.Empty(t, r.Data, "the row write was rolled back with the append")
}

func TestLM4_QueuedFallback(t *testing.T) {
	e := newEnv(t, `"offlinability":true`)
	r := e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1"}`)
	require.True(t, r.OK)
	require.Len(t, e.tr.ops("mutation"), 1, "notStarted: the remote path was tried")
	row, ok := e.row("task", "task:1")
	require.True(t, ok)
	require.Equal(t, `{"id":"task:1","title":"A","status":"active"}`, row)
	list, _ := e.c.Changelog(bg, 0)
	require.Len(t, list, 1)
	require.Equal(t, "m-1", list[0].MutationID)
	require.Equal(t, []string{"mutation_applied"}, e.ev.kinds())
}

func TestEV3_RemoteFailureResolves(t *testing.T) {
	e := newEnv(t, "")
	e.tr.mutation = func(m value.Value) (protocol.MutationResult, error) {
		return protocol.MutationFailure(m.Get("mutationId").Str(),
			protocol.Errorf(protocol.CodeConflict, "id", "Record already exists")), nil
	}
	r := e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1"}`)
	require.False(t, r.OK)
	ev := e.ev.all()[0]
	require.Equal(t, "mutation_rejected", ev.Type)
	require.JSONEq(t, `{"code":"CONFLICT","message":"Record already exists","path":"id","retryable":false,"mutation":`+
		`{"resource":"task","version":1,"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1","clientId":"c1"}}`,
		ev.Context.String())
}

func TestEV4_SilentAndSystem(t *testing.T) {
	e := localEnv(t)
	e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"silent":true}`)
	require.Empty(t, e.ev.all())
	e.mutate("task", `{"operation":"insert","id":"task:2","record":{"title":"A"},"system":true}`)
	e.mutate("task", `{"operation":"insert","id":"task:3","record":{"title":"A"}}`)
	evs := e.ev.all()
	require.True(t, evs[0].System)
	require.Contains(t, evJSON(evs[0]), `"system":true`)
	require.NotContains(t, evJSON(evs[1]), `system`)
}

func TestEV8_TableSubscribeForcesResource(t *testing.T) {
	e := localEnv(t)
	rec := &recorder{}
	f, err := engine.ParseFilter(value.MustParse(`{"resource":"task"}`))
	require.NoError(t, err)
	_, err = e.table("note").Subscribe(rec, f)
	require.NoError(t, err)
	e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"}}`)
	e.mutate("note", `{"operation":"insert","id":"n:1","record":{"body":"A"}}`)
	require.Equal(t, []string{"mutation_applied"}, rec.kinds())
	require.Equal(t, "note", rec.all()[0].Resource)
}

func TestValidationFailureResolves(t *testing.T) {
	e := localEnv(t)
	r := e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":5}}`)
	require.False(t, r.OK)
	require.Equal(t, protocol.MutationError{Code: "DFQL_INVALID", Message: "Invalid DFQL: record.title must be string",
		Path: "record.title"}, r.Errors[0])
	require.Equal(t, []string{"mutation_rejected"}, e.ev.kinds())
	r = e.mutate("task", `{"operation":"insert","record":{"title":"x"}}`)
	require.True(t, r.OK, "an id is generated")
	require.Regexp(t, `^task:[0-9a-f-]{36}$`, r.AffectedIDs[0])
	require.Regexp(t, `^mut-1000-[0-9a-z]{12}$`, r.MutationID)
}

func TestCloseFromHandler(t *testing.T) {
	e := localEnv(t)
	closed := make(chan error, 1)
	e.ev.fn = func(ctx context.Context, ev protocol.Event) { closed <- e.c.Close(ctx) }
	e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"}}`)
	require.NoError(t, <-closed)
	_, err := e.c.Table("task")
	requireProto(t, err, protocol.CodeInvalid, "Client has been destroyed", "$")
}

func TestAnnounceAndRefreshAcrossClients(t *testing.T) {
	store := persistent{memstore.New([]string{"task", "note"})}
	var mu sync.Mutex
	var announced []engine.Change
	open := func(announce func([]engine.Change)) *engine.Client {
		cfg := `{"schema":` + fixtureS + `,"storage":{"type":"memory"},"sync":{"mode":"local-only"}}`
		c, err := engine.NewClient(bg, value.MustParse(cfg), engine.Deps{Announce: announce,
			OpenStorage: func(context.Context, engine.StorageConfig, *schema.Schema) (engine.Storage, error) { return store, nil }})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close(bg) })
		return c
	}
	a := open(func(ch []engine.Change) { mu.Lock(); announced = append(announced, ch...); mu.Unlock() })
	b := open(nil)
	tb, _ := b.Table("task")
	r, err := tb.Query(bg, value.MustParse(`{}`))
	require.NoError(t, err)
	require.Empty(t, r.Data) // b's resident rows are loaded now
	ta, _ := a.Table("task")
	_, err = ta.Mutate(bg, value.MustParse(`{"operation":"insert","id":"task:1","record":{"title":"A"}}`))
	require.NoError(t, err)
	mu.Lock()
	require.Equal(t, []engine.Change{{Resource: "task", IDs: []string{"task:1"}}}, announced)
	mu.Unlock()
	require.NoError(t, b.Refresh(bg, announced))
	r, err = tb.Query(bg, value.MustParse(`{}`))
	require.NoError(t, err)
	require.Len(t, r.Data, 1)
	require.Equal(t, a.ClientID(), b.ClientID(), "one get-or-create clientId per database")
}
