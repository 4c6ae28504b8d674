//go:build !(js && wasm)

package engine_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/value"
)

const cloneRows = 25000

// cloneSpy records the clone requests for task and fails the one numbered
// failAt (from 0; -1 never) with a network failure.
type cloneSpy struct {
	engine.Transport
	mu     sync.Mutex
	reqs   []protocol.CloneRequest
	failAt int
}

func (s *cloneSpy) Clone(ctx context.Context, req protocol.CloneRequest) (protocol.CloneResult, error) {
	if slices.Contains(req.Tables, "task") {
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, req)
		s.mu.Unlock()
		if n == s.failAt {
			return protocol.CloneResult{}, netErr()
		}
	}
	return s.Transport.Clone(ctx, req)
}

func (s *cloneSpy) requests() []protocol.CloneRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]protocol.CloneRequest(nil), s.reqs...)
}

// seedTasks writes n task rows, with their change rows, straight into the
// server's store in one transaction.
func seedTasks(t testing.TB, srv *recServer, n int) {
	t.Helper()
	res := srv.schema.Resource("task")
	require.NoError(t, srv.store.Write(context.Background(), server.DefaultNamespace, func(tx server.WriteTx) error {
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("task:%05d", i)
			row := value.Obj([]string{"id", "title", "status", "prio"},
				[]value.Value{value.Str(id), value.Str(fmt.Sprintf("t%d", i)), value.Str("active"), value.Num(float64(i % 6))})
			if err := tx.Put(res, id, row); err != nil {
				return err
			}
			if _, err := tx.AppendChange("task", id, "insert", row); err != nil {
				return err
			}
		}
		return nil
	}))
}

func pageAfter(r protocol.CloneRequest) string {
	if r.Page == nil {
		return "full"
	}
	if r.Page.AfterID == nil {
		return "null"
	}
	return *r.Page.AfterID
}

// TestClone25k_Pages clones 25,000 rows completely, through the full-mode
// response plus 1,000-row pages by default, and through small pages with
// clonePageSize (§12.6, D3).
func TestClone25k_Pages(t *testing.T) {
	srv := startRecServer(t)
	seedTasks(t, srv, cloneRows)
	want := srv.rows(t, "task")
	require.Len(t, want, cloneRows)
	for _, tc := range []struct {
		name     string
		opts     string
		requests int
		first    string
	}{
		// Full mode returns MaxCloneRecords rows and a next marker; the
		// rest arrives in pages of 1,000.
		{"default", "", 1 + (cloneRows-protocol.MaxCloneRecords)/1000, "full"},
		{"clonePageSize700", `,"hydration":{"clonePageSize":700}`, (cloneRows + 699) / 700, "null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spy := &cloneSpy{Transport: engine.NewHTTPTransport(srv.URL, nil), failAt: -1}
			c := openSim(t, srv.URL, "c-"+tc.name, tc.opts, spy, nil)
			require.NoError(t, c.c.Sync().Start(bg))
			require.Equal(t, engine.Ready, c.hydration(t)["task"])
			reqs := spy.requests()
			require.Len(t, reqs, tc.requests)
			require.Equal(t, tc.first, pageAfter(reqs[0]))
			require.Empty(t, diffRows(want, localRows(t, c.store, "task")))
		})
	}
}

// TestClone25k_ResumesInterruptedClone fails the transport on clone request
// k, then reopens the client on the same storage: the first request of the
// new session resumes after the last stored page, and the table ends equal
// to the server's (§12.6 step 3, D3).
func TestClone25k_ResumesInterruptedClone(t *testing.T) {
	srv := startRecServer(t)
	seedTasks(t, srv, cloneRows)
	want := srv.rows(t, "task")
	for _, tc := range []struct {
		name      string
		opts      string
		failAt    int
		wantAfter string
		remaining int // requests of the resumed session
	}{
		{"pages700", `,"hydration":{"clonePageSize":700}`, 5, "task:03499", (cloneRows+699)/700 - 5},
		// The full response and two pages arrived: 12,000 rows.
		{"default", "", 3, "task:11999", (cloneRows - 12000) / 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := persistent{memstore.New([]string{"task", "note"})}
			spy := &cloneSpy{Transport: engine.NewHTTPTransport(srv.URL, nil), failAt: tc.failAt}
			c := openSim(t, srv.URL, "c-"+tc.name, tc.opts, spy, store)
			require.NoError(t, c.c.Sync().Start(bg)) // boot failures do not reject start
			require.Equal(t, engine.NotStarted, c.hydration(t)["task"])
			require.Len(t, spy.requests(), tc.failAt+1)
			var prog engine.CloneProgress
			require.NoError(t, store.View(bg, func(tx engine.ReadTx) error {
				var ok bool
				var err error
				prog, ok, err = tx.CloneProgress("task")
				require.True(t, ok, "progress stored")
				return err
			}))
			require.Equal(t, tc.wantAfter, prog.AfterID)
			require.Len(t, localRows(t, store, "task"), idNum(tc.wantAfter)+1)
			require.NoError(t, c.c.Close(bg))

			spy2 := &cloneSpy{Transport: engine.NewHTTPTransport(srv.URL, nil), failAt: -1}
			c2 := openSim(t, srv.URL, "c-"+tc.name, tc.opts, spy2, store)
			require.NoError(t, c2.c.Sync().Start(bg))
			require.Equal(t, engine.Ready, c2.hydration(t)["task"])
			reqs := spy2.requests()
			require.Equal(t, tc.wantAfter, pageAfter(reqs[0]), "the first request resumes after the stored page")
			require.Len(t, reqs, tc.remaining)
			require.Empty(t, diffRows(want, localRows(t, store, "task")))
		})
	}
}

func idNum(id string) int {
	var n int
	_, _ = fmt.Sscanf(id, "task:%d", &n)
	return n
}
