//go:build !(js && wasm)

package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/sqlite"
	"github.com/datafn/datafn-go/value"
)

// recServer is the real server on a temp SQLite file over HTTP, with a store
// wrapper that records which change rows each (clientId, mutationId) wrote in
// committed transactions. It lets tests prove exactly-once application and
// per-client order without trusting the server's own bookkeeping.
type recServer struct {
	URL    string // the protocol base URL
	schema *schema.Schema
	store  *recStore
}

// recApplied is one idempotency record committed on the server: the
// mutation's outcome and the change rows written with it.
type recApplied struct {
	clientID, mutationID string
	ok                   bool
	changes              []recChange
}

type recChange struct {
	seq          int64
	resource, id string
	op           string
}

type recStore struct {
	server.Store
	mu  sync.Mutex
	log []recApplied // in commit order
}

func startRecServer(t testing.TB) *recServer {
	t.Helper()
	s, err := schema.Parse([]byte(fixtureS))
	require.NoError(t, err)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "datafn.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(context.Background(), s))
	rs := &recStore{Store: st}
	h, err := server.New(server.Config{Schema: s, Store: rs})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &recServer{URL: srv.URL + "/datafn", schema: s, store: rs}
}

// Write records what fn's transaction attributed to each mutation, once it
// committed.
func (s *recStore) Write(ctx context.Context, ns string, fn func(server.WriteTx) error) error {
	w := &recTx{}
	err := s.Store.Write(ctx, ns, func(tx server.WriteTx) error {
		w.WriteTx, w.pending, w.done = tx, nil, nil // the store may retry fn
		return fn(w)
	})
	if err == nil && len(w.done) > 0 {
		s.mu.Lock()
		s.log = append(s.log, w.done...)
		s.mu.Unlock()
	}
	return err
}

func (s *recStore) applied() []recApplied {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recApplied(nil), s.log...)
}

// recTx attributes change rows to the idempotency record that follows them
// in the same transaction; a failed savepoint forgets what it recorded.
type recTx struct {
	server.WriteTx
	pending []recChange
	done    []recApplied
}

func (w *recTx) AppendChange(resource, id, op string, data value.Value) (int64, error) {
	seq, err := w.WriteTx.AppendChange(resource, id, op, data)
	if err == nil {
		w.pending = append(w.pending, recChange{seq, resource, id, op})
	}
	return seq, err
}

func (w *recTx) PutIdempotency(clientID, mutationID string, result []byte) error {
	err := w.WriteTx.PutIdempotency(clientID, mutationID, result)
	if err == nil {
		var r struct {
			OK bool `json:"ok"`
		}
		_ = json.Unmarshal(result, &r)
		w.done = append(w.done, recApplied{clientID, mutationID, r.OK, w.pending})
		w.pending = nil
	}
	return err
}

func (w *recTx) Savepoint(fn func() error) error {
	np, nd := len(w.pending), len(w.done)
	err := w.WriteTx.Savepoint(fn)
	if err != nil {
		w.pending, w.done = w.pending[:np], w.done[:nd]
	}
	return err
}

// rows returns the server's rows of a table by id, as plain Go values.
func (s *recServer) rows(t testing.TB, table string) map[string]any {
	t.Helper()
	out := map[string]any{}
	require.NoError(t, s.store.Read(context.Background(), server.DefaultNamespace, func(tx server.ReadTx) error {
		rs, err := tx.Scan(s.schema.Resource(table), nil, 0)
		for _, r := range rs {
			out[r.Get("id").Str()] = value.ToAny(r)
		}
		return err
	}))
	return out
}

// changes returns every change row of the server, in seq order.
func (s *recServer) changes(t testing.TB) []server.Change {
	t.Helper()
	var out []server.Change
	require.NoError(t, s.store.Read(context.Background(), server.DefaultNamespace, func(tx server.ReadTx) error {
		var err error
		out, err = tx.Changes(map[string]int64{"task": 0, "note": 0}, 1<<30)
		return err
	}))
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// requireExactlyOnce checks the server's bookkeeping against its change
// feed: every (clientId, mutationId) was recorded once, every change row
// belongs to exactly one recorded mutation, and no mutation wrote more than
// one change row. It returns the records by "clientId/mutationId".
func (s *recServer) requireExactlyOnce(t testing.TB) map[string]recApplied {
	t.Helper()
	byKey := map[string]recApplied{}
	attributed := map[int64]string{}
	for _, a := range s.store.applied() {
		key := a.clientID + "/" + a.mutationID
		_, dup := byKey[key]
		require.False(t, dup, "mutation %s recorded twice", key)
		byKey[key] = a
		require.LessOrEqual(t, len(a.changes), 1, "mutation %s wrote %d change rows", key, len(a.changes))
		for _, c := range a.changes {
			attributed[c.seq] = key
		}
	}
	chs := s.changes(t)
	for _, c := range chs {
		_, ok := attributed[c.Seq]
		require.True(t, ok, "change row %d (%s %s %s) belongs to no mutation", c.Seq, c.Resource, c.ID, c.Op)
	}
	require.Len(t, attributed, len(chs), "recorded change rows missing from the feed")
	return byKey
}

// localRows reads a client's local rows of a table from its storage.
func localRows(t testing.TB, st engine.Storage, table string) map[string]any {
	t.Helper()
	out := map[string]any{}
	require.NoError(t, st.View(context.Background(), func(tx engine.ReadTx) error {
		rs, err := tx.Rows(table)
		for _, r := range rs {
			out[r.Get("id").Str()] = value.ToAny(r)
		}
		return err
	}))
	return out
}

// diffRows describes how two tables differ (empty when equal), short enough
// for a failure message.
func diffRows(want, got map[string]any) string {
	var out string
	n := 0
	for id, w := range want {
		if g, ok := got[id]; !ok || fmt.Sprint(g) != fmt.Sprint(w) {
			out += fmt.Sprintf("\n  %s: server %v, local %v", id, w, g)
			n++
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			out += fmt.Sprintf("\n  %s: server -, local %v", id, g)
			n++
		}
	}
	if n > 0 {
		out = fmt.Sprintf("%d rows differ:%s", n, out)
	}
	return out
}

// simClient is one client of the acceptance tests: memory storage that
// outlives the client (so it can be reopened), a manual connectivity source
// and an event recorder.
type simClient struct {
	c     *engine.Client
	store engine.Storage
	conn  *engine.ManualConnectivity
	ev    *recorder
}

// openSim opens a client with schema S on store (a fresh memstore when nil)
// talking to remote through tr. syncOpts are extra JSON members of "sync".
func openSim(t testing.TB, remote, clientID, syncOpts string, tr engine.Transport, store engine.Storage) *simClient {
	t.Helper()
	if store == nil {
		store = persistent{memstore.New([]string{"task", "note"})}
	}
	sc := &simClient{store: store, conn: engine.NewManualConnectivity(), ev: &recorder{}}
	cfg := `{"schema":` + fixtureS + `,"clientId":"` + clientID + `","storage":{"type":"memory"},"sync":{"remote":"` +
		remote + `"` + syncOpts + `}}`
	c, err := engine.NewClient(context.Background(), value.MustParse(cfg), engine.Deps{Transport: tr,
		Connectivity: sc.conn, Logf: t.Logf,
		OpenStorage: func(context.Context, engine.StorageConfig, *schema.Schema) (engine.Storage, error) {
			return store, nil
		}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	sc.c = c
	_, err = c.Subscribe(sc.ev, engine.Filter{})
	require.NoError(t, err)
	return sc
}

func (sc *simClient) pending(t testing.TB) int {
	t.Helper()
	st, err := sc.c.Sync().Status(context.Background())
	require.NoError(t, err)
	return st.Pending
}

func (sc *simClient) hydration(t testing.TB) map[string]engine.HydrationState {
	t.Helper()
	st, err := sc.c.Sync().Status(context.Background())
	require.NoError(t, err)
	return st.Hydration
}
