package engine_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/value"
)

// loadCounter counts the whole-table reads (RowBatches) made through it.
type loadCounter struct {
	engine.Storage
	loads atomic.Int32
}

type countingTx struct {
	engine.ReadTx
	s *loadCounter
}

func (tx countingTx) RowBatches(resource string, fn func([]value.Value) error) error {
	tx.s.loads.Add(1)
	return tx.ReadTx.RowBatches(resource, fn)
}

func (s *loadCounter) View(ctx context.Context, fn func(engine.ReadTx) error) error {
	return s.Storage.View(ctx, func(tx engine.ReadTx) error { return fn(countingTx{tx, s}) })
}

func (*loadCounter) Close() error { return nil }

// With announcements (IndexedDB in the browser) a clone makes the table
// resident before its first page, so the pages fill the cache and the first
// query after the clone does not read the table back from storage; the
// cache follows the clone's upserts, range removals and re-applied pending
// entries exactly.
func TestCloneFillsTheResidentTable(t *testing.T) {
	store := &loadCounter{Storage: persistent{memstore.New([]string{"task", "note"})}}
	ann := &announcements{}
	e := newEnv(t, `"offlinability":true,"hydration":{"clonePageSize":2}`, withStore(store), withAnnounce(ann))
	e.seed(func(tx engine.WriteTx) error {
		for _, r := range []string{`{"id":"task:0","title":"old"}`, `{"id":"task:25","title":"gone"}`,
			`{"id":"task:p","title":"mine","status":"active"}`} {
			if err := tx.PutRow("task", value.MustParse(r)); err != nil {
				return err
			}
		}
		return nil
	})
	e.seed(entry(`{"resource":"task","version":1,"operation":"insert","id":"task:p","record":{"title":"mine"},"clientId":"c1","mutationId":"m1"}`, 1000))
	ids := []string{"task:1", "task:2", "task:3", "task:4", "task:5"}
	_, e.tr.clone = pagedServer(ids, "5", 0)
	e.tr.pull = emptyPull
	require.NoError(t, e.c.Sync().CloneNow(bg))
	loads := store.loads.Load()
	require.Equal(t, int32(2), loads, "one load per table, before its first page")

	got := e.query("task", `{"sort":["id"]}`)
	require.Equal(t, int32(2), store.loads.Load(), "the query reads the resident rows")
	var fromStorage []string
	require.NoError(t, store.Storage.View(bg, func(tx engine.ReadTx) error {
		var err error
		fromStorage, err = tx.RowIDs("task", nil, nil)
		return err
	}))
	require.Equal(t, []string{"task:1", "task:2", "task:3", "task:4", "task:5", "task:p"}, fromStorage)
	require.Contains(t, got, `{"id":"task:p","title":"mine","status":"active"}`)
	require.NotContains(t, got, "task:0")
	require.NotContains(t, got, "task:25")
	require.Equal(t, 6, countRows(got))
}

// Without announcements the clone leaves tables unloaded: another client
// of the same storage could not tell this one about its writes.
func TestCloneWithoutAnnounceLeavesTablesUnloaded(t *testing.T) {
	store := &loadCounter{Storage: persistent{memstore.New([]string{"task", "note"})}}
	e := newEnv(t, `"hydration":{"clonePageSize":2}`, withStore(store))
	_, e.tr.clone = pagedServer([]string{"task:1", "task:2", "task:3"}, "5", 0)
	e.tr.pull = emptyPull
	require.NoError(t, e.c.Sync().CloneNow(bg))
	require.Zero(t, store.loads.Load())
	require.Equal(t, 3, countRows(e.query("task", `{}`)))
	require.Equal(t, int32(1), store.loads.Load())
}

func countRows(result string) int {
	return value.MustParse(result).Get("data").Len()
}
