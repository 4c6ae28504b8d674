package engine_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// fixtureS is the fixture schema S of protocol.md Appendix A.
const fixtureS = `{"resources":[
 {"name":"task","version":1,"indices":["status"],"fields":[
  {"name":"title","type":"string","required":true,"maxLength":80},
  {"name":"status","type":"string","enum":["active","done"],"default":"active"},
  {"name":"prio","type":"number","nullable":true,"min":0,"max":5},
  {"name":"tags","type":"array"},{"name":"meta","type":"object"},
  {"name":"due","type":"date","nullable":true},
  {"name":"code","type":"string","minLength":2,"pattern":"^[A-Z]+$"}]},
 {"name":"note","version":1,"idPrefix":"n","capabilities":["timestamps"],"fields":[{"name":"body","type":"string"}]},
 {"name":"report","version":1,"isRemoteOnly":true,"fields":[{"name":"total","type":"number"}]}]}`

// call is one recorded request: the operation and its JSON body.
type call struct {
	op   string
	body string
}

// fakeTransport answers each operation with a scripted function and records
// every request. Unscripted operations fail as a network failure.
type fakeTransport struct {
	mu       sync.Mutex
	calls    []call
	query    func(q value.Value) (protocol.QueryResult, error)
	mutation func(m value.Value) (protocol.MutationResult, error)
	clone    func(r protocol.CloneRequest) (protocol.CloneResult, error)
	pull     func(r protocol.PullRequest) (protocol.PullResult, error)
	push     func(r protocol.PushRequest) (protocol.PushResult, error)
}

func netErr() error {
	return protocol.Errorf(protocol.CodeTransport, "$", "Transport error: network request failed")
}

func (f *fakeTransport) record(op string, body any) {
	b, _ := json.Marshal(body)
	f.mu.Lock()
	f.calls = append(f.calls, call{op, string(b)})
	f.mu.Unlock()
}

func (f *fakeTransport) handler(fn any) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fn != nil
}

func (f *fakeTransport) Query(_ context.Context, q value.Value) (protocol.QueryResult, error) {
	f.record("query", q)
	if f.query == nil {
		return protocol.QueryResult{}, netErr()
	}
	return f.query(q)
}

func (f *fakeTransport) Mutation(_ context.Context, m value.Value) (protocol.MutationResult, error) {
	f.record("mutation", m)
	if f.mutation == nil {
		return protocol.MutationResult{}, netErr()
	}
	return f.mutation(m)
}

func (f *fakeTransport) Mutations(ctx context.Context, ms []value.Value) ([]protocol.MutationResult, error) {
	f.record("mutation", ms)
	out := make([]protocol.MutationResult, len(ms))
	for i, m := range ms {
		if f.mutation == nil {
			return nil, netErr()
		}
		r, err := f.mutation(m)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

func (f *fakeTransport) Clone(_ context.Context, r protocol.CloneRequest) (protocol.CloneResult, error) {
	f.record("clone", r)
	if f.clone == nil {
		return protocol.CloneResult{}, netErr()
	}
	return f.clone(r)
}

func (f *fakeTransport) Pull(_ context.Context, r protocol.PullRequest) (protocol.PullResult, error) {
	f.record("pull", r)
	if f.pull == nil {
		return protocol.PullResult{}, netErr()
	}
	return f.pull(r)
}

func (f *fakeTransport) Push(_ context.Context, r protocol.PushRequest) (protocol.PushResult, error) {
	f.record("push", r)
	if f.push == nil {
		return protocol.PushResult{}, netErr()
	}
	return f.push(r)
}

// ops lists the recorded operations (optionally only those named).
func (f *fakeTransport) ops(only ...string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if len(only) == 0 || contains(only, c.op) {
			out = append(out, c)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// persistent keeps a memstore open across client.Close, standing in for a
// backend that persists (IndexedDB) in reopen scenarios.
type persistent struct{ engine.Storage }

func (persistent) Close() error { return nil }

// recorder collects events.
type recorder struct {
	mu  sync.Mutex
	evs []protocol.Event
	fn  func(ctx context.Context, ev protocol.Event)
}

func (r *recorder) HandleEvent(ctx context.Context, ev protocol.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	fn := r.fn
	r.mu.Unlock()
	if fn != nil {
		fn(ctx, ev)
	}
}

func (r *recorder) all() []protocol.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]protocol.Event(nil), r.evs...)
}

// kinds lists "type" or "type:phase" per event, hydration as "type:from>to".
func (r *recorder) kinds() []string {
	var out []string
	for _, e := range r.all() {
		k := e.Type
		if p := e.Context.Get("phase"); p.Kind() == value.String {
			k += ":" + p.Str()
		}
		if f := e.Context.Get("from"); f.Kind() == value.String {
			k += ":" + e.Resource + ":" + f.Str() + ">" + e.Context.Get("to").Str()
		}
		out = append(out, k)
	}
	return out
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.evs = nil
	r.mu.Unlock()
}

func evJSON(e protocol.Event) string {
	b, _ := json.Marshal(e)
	return string(b)
}

// env is one client under test.
type env struct {
	t     testing.TB
	clock *engine.FakeClock
	conn  *engine.ManualConnectivity
	tr    *fakeTransport
	store engine.Storage
	c     *engine.Client
	ev    *recorder
	ts    int64
}

type envOpt func(*env, *engine.Deps)

func withStore(s engine.Storage) envOpt { return func(e *env, _ *engine.Deps) { e.store = s } }

func withTransport(tr *fakeTransport) envOpt { return func(e *env, _ *engine.Deps) { e.tr = tr } }

// newEnv opens a client with schema S, memory storage and the given sync
// options (JSON members of "sync", remote included by default).
func newEnv(t testing.TB, syncOpts string, opts ...envOpt) *env {
	t.Helper()
	e := &env{t: t, clock: engine.NewFakeClock(time.UnixMilli(0)), conn: engine.NewManualConnectivity(),
		tr: &fakeTransport{}, ev: &recorder{}, ts: 1000}
	deps := engine.Deps{Clock: e.clock, Connectivity: e.conn, Random: func() float64 { return 0 }, Logf: t.Logf}
	for _, o := range opts {
		o(e, &deps)
	}
	if e.store == nil {
		e.store = persistent{memstore.New([]string{"task", "note"})}
	}
	deps.Transport = e.tr
	deps.OpenStorage = func(context.Context, engine.StorageConfig, *schema.Schema) (engine.Storage, error) {
		return e.store, nil
	}
	deps.Now = func() int64 { return e.ts }
	if syncOpts != "" {
		syncOpts = "," + syncOpts
	}
	cfg := `{"schema":` + fixtureS + `,"clientId":"c1","storage":{"type":"memory"},"sync":{"remote":"http://h/datafn"` + syncOpts + `}}`
	c, err := engine.NewClient(context.Background(), value.MustParse(cfg), deps)
	require.NoError(t, err)
	e.c = c
	_, err = c.Subscribe(e.ev, engine.Filter{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return e
}

// eventually polls cond until it holds or two seconds pass.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", msg)
		}
		time.Sleep(time.Millisecond)
	}
}

// seed writes rows, states, cursors and entries straight into storage.
// Like another tab's write, it is announced to the client (which forgets
// the hydration states it cached).
func (e *env) seed(fn func(tx engine.WriteTx) error) {
	e.t.Helper()
	require.NoError(e.t, e.store.Update(context.Background(), fn))
	if e.c != nil {
		require.NoError(e.t, e.c.Refresh(context.Background(), nil))
	}
}

func (e *env) row(resource, id string) (string, bool) {
	var out string
	var ok bool
	require.NoError(e.t, e.store.View(context.Background(), func(tx engine.ReadTx) error {
		r, found, err := tx.Row(resource, id)
		out, ok = r.String(), found
		return err
	}))
	return out, ok
}

func (e *env) status() engine.Status {
	st, err := e.c.Sync().Status(context.Background())
	require.NoError(e.t, err)
	return st
}

// ready marks resources ready with a cursor.
func ready(cursor string, resources ...string) func(tx engine.WriteTx) error {
	return func(tx engine.WriteTx) error {
		for _, r := range resources {
			if err := tx.SetHydration(r, engine.Hydrating); err != nil {
				return err
			}
			if err := tx.SetHydration(r, engine.Ready); err != nil {
				return err
			}
			if err := tx.SetCursor(r, cursor); err != nil {
				return err
			}
		}
		return tx.SetCursor(engine.GlobalCursorKey, cursor)
	}
}

// entry appends a changelog entry for mutation JSON m.
func entry(m string, ts int64) func(tx engine.WriteTx) error {
	return func(tx engine.WriteTx) error {
		v := value.MustParse(m)
		_, err := tx.ChangelogAppend(engine.ChangelogEntry{ClientID: v.Get("clientId").Str(),
			MutationID: v.Get("mutationId").Str(), Mutation: v, TimestampMs: ts, Timestamp: "x"})
		return err
	}
}

func rows(js string) []value.Value {
	v := value.MustParse(js)
	return append([]value.Value(nil), v.Elems()...)
}

func strp(s string) *string { return &s }
