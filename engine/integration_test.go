//go:build !(js && wasm)

package engine_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/sqlite"
	"github.com/datafn/datafn-go/value"
)

// realServer runs the datafn server on SQLite over HTTP.
func realServer(t *testing.T) string {
	t.Helper()
	s, err := schema.Parse([]byte(fixtureS))
	require.NoError(t, err)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "datafn.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(context.Background(), s))
	h, err := server.New(server.Config{Schema: s, Store: st})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/datafn"
}

type realClient struct {
	c    *engine.Client
	conn *engine.ManualConnectivity
	ev   *recorder
}

func openReal(t *testing.T, remote, clientID, syncOpts string) *realClient {
	t.Helper()
	rc := &realClient{conn: engine.NewManualConnectivity(), ev: &recorder{}}
	cfg := `{"schema":` + fixtureS + `,"clientId":"` + clientID + `","storage":{"type":"memory"},"sync":{"remote":"` + remote + `"` + syncOpts + `}}`
	c, err := engine.NewClient(bg, value.MustParse(cfg), engine.Deps{Connectivity: rc.conn, Logf: t.Logf,
		NewMemStore: func(r []string) engine.Storage { return memstore.New(r) }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(bg) })
	rc.c = c
	_, err = c.Subscribe(rc.ev, engine.Filter{})
	require.NoError(t, err)
	return rc
}

func (rc *realClient) mutate(t *testing.T, table, m string) protocol.MutationResult {
	t.Helper()
	tb, err := rc.c.Table(table)
	require.NoError(t, err)
	r, err := tb.Mutate(bg, value.MustParse(m))
	require.NoError(t, err)
	return r
}

func (rc *realClient) query(t *testing.T, table, q string) string {
	t.Helper()
	tb, err := rc.c.Table(table)
	require.NoError(t, err)
	r, err := tb.Query(bg, value.MustParse(q))
	require.NoError(t, err)
	return resultJSON(r)
}

func TestIntegrationCloneQueryPull(t *testing.T) {
	remote := realServer(t)
	writer := openReal(t, remote, "writer", "")
	for _, m := range []string{
		`{"operation":"insert","id":"task:1","record":{"title":"apple","prio":2}}`,
		`{"operation":"insert","id":"task:2","record":{"title":"Banana","status":"done"}}`,
		`{"operation":"insert","id":"n:1","record":{"body":"hello"}}`,
	} {
		table := "task"
		if value.MustParse(m).Get("id").Str() == "n:1" {
			table = "note"
		}
		require.True(t, writer.mutate(t, table, m).OK)
	}

	// A fresh client clones every table, then answers locally.
	reader := openReal(t, remote, "reader", "")
	require.NoError(t, reader.c.Sync().Start(bg))
	st, err := reader.c.Sync().Status(bg)
	require.NoError(t, err)
	require.Equal(t, map[string]engine.HydrationState{"task": engine.Ready, "note": engine.Ready}, st.Hydration)
	require.Equal(t, "3", st.Cursors[engine.GlobalCursorKey])
	require.Equal(t, `{"data":[{"id":"task:2","title":"Banana","status":"done"},{"id":"task:1","title":"apple","status":"active","prio":2}],"nextCursor":null}`,
		reader.query(t, "task", `{"sort":["title"]}`))

	// A change made elsewhere arrives with a pull.
	require.True(t, writer.mutate(t, "task", `{"operation":"merge","id":"task:1","record":{"status":"done"}}`).OK)
	require.NoError(t, reader.c.Sync().PullNow(bg))
	require.Equal(t, `{"data":[{"id":"task:1","title":"apple","status":"done","prio":2}],"nextCursor":null}`,
		reader.query(t, "task", `{"filters":{"id":"task:1"}}`))
	st, _ = reader.c.Sync().Status(bg)
	require.Equal(t, "4", st.Cursors["task"])
}

func TestIntegrationOfflineWritesPushOnReconnect(t *testing.T) {
	remote := realServer(t)
	a := openReal(t, remote, "a", `,"offlinability":true`)
	require.NoError(t, a.c.Sync().Start(bg))
	a.conn.Emit(engine.Offline)
	require.True(t, a.mutate(t, "task", `{"operation":"insert","id":"task:1","record":{"title":"offline"}}`).OK)
	require.True(t, a.mutate(t, "note", `{"operation":"insert","id":"n:1","record":{"body":"b"}}`).OK)
	st, err := a.c.Sync().Status(bg)
	require.NoError(t, err)
	require.Equal(t, 2, st.Pending)

	a.conn.Emit(engine.Online)
	eventually(t, func() bool {
		st, _ := a.c.Sync().Status(bg)
		return st.Pending == 0
	}, "changelog drained")

	b := openReal(t, remote, "b", "")
	require.Equal(t, `{"data":[{"id":"task:1","title":"offline","status":"active"}],"nextCursor":null}`,
		b.query(t, "task", `{}`), "the server holds the offline write")
	// The note has server timestamps, so a pull follows the push and the
	// local row carries the server's.
	require.NoError(t, a.c.Sync().PullNow(bg))
	require.Equal(t, b.query(t, "note", `{}`), a.query(t, "note", `{}`))
}

func TestIntegrationMT2_TwoClientsOnOneDatabase(t *testing.T) {
	remote := realServer(t)
	store := memstore.New([]string{"task", "note"})
	lane := engine.NewMutexLane()
	open := func() *realClient {
		rc := &realClient{conn: engine.NewManualConnectivity(), ev: &recorder{}}
		cfg := `{"schema":` + fixtureS + `,"storage":{"type":"memory"},"sync":{"remote":"` + remote + `","offlinability":true}}`
		c, err := engine.NewClient(bg, value.MustParse(cfg), engine.Deps{Connectivity: rc.conn, Lane: lane, Logf: t.Logf,
			OpenStorage: func(context.Context, engine.StorageConfig, *schema.Schema) (engine.Storage, error) {
				return persistent{store}, nil
			}})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close(bg) })
		rc.c = c
		_, err = c.Subscribe(rc.ev, engine.Filter{})
		require.NoError(t, err)
		return rc
	}
	a, b := open(), open()
	require.Equal(t, a.c.ClientID(), b.c.ClientID())
	require.NoError(t, a.c.Sync().Start(bg))
	require.NoError(t, b.c.Sync().Start(bg))
	require.True(t, a.mutate(t, "task", `{"operation":"insert","id":"task:s","record":{"title":"shared"}}`).OK)
	for i, rc := range []*realClient{a, b} {
		for k := 0; k < 4; k++ {
			id := "task:" + string(rune('a'+i)) + string(rune('0'+k))
			require.True(t, rc.mutate(t, "task", `{"operation":"insert","id":"`+id+`","record":{"title":"x"}}`).OK)
			require.True(t, rc.mutate(t, "task", `{"operation":"merge","id":"task:s","record":{"title":"`+id+`"}}`).OK)
		}
	}
	for _, rc := range []*realClient{a, b} {
		eventually(t, func() bool {
			st, _ := rc.c.Sync().Status(bg)
			return st.Pending == 0
		}, "drained")
	}
	require.NoError(t, a.c.Sync().PullNow(bg))
	require.NoError(t, b.c.Sync().PullNow(bg))
	server := openReal(t, remote, "observer", "")
	want := server.query(t, "task", `{"sort":["id"]}`)
	require.Contains(t, want, `{"id":"task:s","title":"task:b3","status":"active"}`)
	require.Equal(t, want, a.query(t, "task", `{"sort":["id"]}`))
	require.Equal(t, want, b.query(t, "task", `{"sort":["id"]}`))
	for _, rc := range []*realClient{a, b} {
		for _, ev := range rc.ev.all() {
			require.NotContains(t, ev.Context.String(), "Non-monotonic cursor")
		}
	}
}
