package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// fullStore stands in for a browser that ran out of quota: while full, a
// write transaction that stored anything fails at commit with the quota
// error and leaves nothing behind, like IndexedDB's QuotaExceededError
// abort. Deletes and acknowledgements alone still commit.
type fullStore struct {
	engine.Storage
	full   atomic.Bool
	broken atomic.Bool  // every write transaction fails, as on a failing disk
	refuse atomic.Int64 // transactions refused
}

func (s *fullStore) Update(ctx context.Context, fn func(engine.WriteTx) error) error {
	return s.Storage.Update(ctx, func(tx engine.WriteTx) error {
		m := &putSpy{WriteTx: tx}
		if err := fn(m); err != nil {
			return err
		}
		if s.broken.Load() {
			s.refuse.Add(1)
			return engine.StorageError("storage", "transaction aborted: UnknownError: disk failure", nil)
		}
		if s.full.Load() && m.puts > 0 {
			s.refuse.Add(1)
			return engine.ErrQuota(nil)
		}
		return nil
	})
}

func (*fullStore) Close() error { return nil }

type putSpy struct {
	engine.WriteTx
	puts int
}

func (p *putSpy) PutRow(r string, row value.Value) error { p.puts++; return p.WriteTx.PutRow(r, row) }
func (p *putSpy) SetCursor(k, c string) error            { p.puts++; return p.WriteTx.SetCursor(k, c) }
func (p *putSpy) SetCloneProgress(r string, c engine.CloneProgress) error {
	p.puts++
	return p.WriteTx.SetCloneProgress(r, c)
}
func (p *putSpy) ChangelogAppend(e engine.ChangelogEntry) (engine.ChangelogEntry, error) {
	p.puts++
	return p.WriteTx.ChangelogAppend(e)
}

func newFullStore() *fullStore { return &fullStore{Storage: memstore.New([]string{"task", "note"})} }

func (e *env) typed(typ string) []protocol.Event {
	var out []protocol.Event
	for _, ev := range e.ev.all() {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// A local write refused for quota rejects with the storage error, fires
// storage_failed, and keeps every accepted write in the changelog; the next
// write that fits fires storage_recovered.
func TestStoragePressure_LocalWrites(t *testing.T) {
	st := newFullStore()
	e := newEnv(t, `"offlinability":true`, withStore(st))
	e.seed(ready("1", "task", "note"))
	require.True(t, e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1"}`).OK)

	st.full.Store(true)
	e.ev.reset()
	_, err := e.table("task").Mutate(bg, value.MustParse(`{"operation":"insert","id":"task:2","record":{"title":"B"},"mutationId":"m-2"}`))
	requireProto(t, err, protocol.CodeInternal, "Storage error: quota exceeded", "storage")
	_, err = e.table("task").Mutate(bg, value.MustParse(`{"operation":"merge","id":"task:1","record":{"title":"A2"},"mutationId":"m-3"}`))
	requireProto(t, err, protocol.CodeInternal, "Storage error: quota exceeded", "storage")
	require.Equal(t, []string{"storage_failed", "storage_failed"}, e.ev.kinds(), "no mutation_applied for a refused write")
	require.Equal(t, `{"error":{"code":"INTERNAL","message":"Storage error: quota exceeded"},"quotaExceeded":true}`,
		e.ev.all()[0].Context.String())

	// Nothing of the refused writes is anywhere; the accepted one is intact.
	require.Equal(t, `{"data":[{"id":"task:1","title":"A","status":"active"}],"nextCursor":null}`, e.query("task", `{}`))
	_, ok := e.row("task", "task:2")
	require.False(t, ok)
	list, err := e.c.Changelog(bg, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "m-1", list[0].MutationID)
	// Reads keep working while full.
	require.Equal(t, 1, e.status().Pending)

	st.full.Store(false)
	e.ev.reset()
	require.True(t, e.mutate("task", `{"operation":"insert","id":"task:2","record":{"title":"B"},"mutationId":"m-2"}`).OK)
	require.Equal(t, []string{"storage_recovered", "mutation_applied"}, e.ev.kinds())
	list, err = e.c.Changelog(bg, 0)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, []string{"m-1", "m-2"}, []string{list[0].MutationID, list[1].MutationID})
	require.Equal(t, int64(2), st.refuse.Load())
}

// A clone and a pull refused for quota leave the table notStarted and the
// cursors unchanged; the storage retry (1 s, then doubling) clones again
// once there is room, without start(), online or a user call.
func TestStoragePressure_CloneRecovers(t *testing.T) {
	st := newFullStore()
	e := newEnv(t, "", withStore(st))
	e.tr.clone = fullClone(map[string]string{"task": `[{"id":"task:1","title":"A","status":"active"}]`}, "3")
	e.tr.pull = emptyPull
	st.full.Store(true)
	require.NoError(t, e.c.Sync().Start(bg))
	require.Contains(t, e.ev.kinds(), "storage_failed")
	require.Contains(t, e.ev.kinds(), "sync_failed:clone")
	s := e.status()
	require.Equal(t, engine.NotStarted, s.Hydration["task"])
	clones := len(e.tr.ops("clone"))

	// Still full: the retry runs and fails again, and keeps retrying. The
	// retry is armed on the sync loop after storage_failed, so the clock
	// moves on while polling.
	eventually(t, e.ticking(func() bool { return len(e.tr.ops("clone")) > clones }), "first storage retry")
	eventually(t, func() bool { return len(e.typed(protocol.EventStorageFailed)) >= 2 }, "second failure reported")
	require.Empty(t, e.typed(protocol.EventStorageRecovered))

	st.full.Store(false)
	clones = len(e.tr.ops("clone"))
	eventually(t, e.ticking(func() bool { return len(e.typed(protocol.EventStorageRecovered)) == 1 }), "recovered")
	eventually(t, func() bool { return e.status().Hydration["task"] == engine.Ready }, "task ready")
	require.Greater(t, len(e.tr.ops("clone")), clones)
	row, ok := e.row("task", "task:1")
	require.True(t, ok)
	require.Equal(t, `{"id":"task:1","title":"A","status":"active"}`, row)

	// Recovered: no more retries are scheduled.
	n := len(e.tr.ops())
	e.clock.Advance(time.Minute)
	e.c.Sync().Stop()
	require.Equal(t, n, len(e.tr.ops()))
}

// A push whose acknowledgement cannot be stored (a failing disk: even
// removals fail) keeps its entries; once storage works again they are pushed
// again and acknowledged (the server dedupes). Under quota alone the
// acknowledgement (removals only) still commits.
func TestStoragePressure_PushAckKeepsEntries(t *testing.T) {
	st := newFullStore()
	e := newEnv(t, `"offlinability":true`, withStore(st))
	e.seed(ready("1", "task", "note"))
	e.tr.pull = emptyPull
	var pushes atomic.Int64
	e.tr.push = func(r protocol.PushRequest) (protocol.PushResult, error) {
		pushes.Add(1)
		res := protocol.PushResult{OK: true, Cursor: "9"}
		for _, m := range r.Mutations {
			res.Applied = append(res.Applied, m.Get("mutationId").Str())
		}
		return res, nil
	}
	require.True(t, e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1"}`).OK)
	st.broken.Store(true)
	require.NoError(t, e.c.Sync().Start(bg))
	eventually(t, func() bool { return pushes.Load() >= 1 && len(e.typed(protocol.EventStorageFailed)) >= 1 }, "ack refused")
	list, err := e.c.Changelog(bg, 0)
	require.NoError(t, err)
	require.Len(t, list, 1, "the entry survives a refused acknowledgement")

	require.Equal(t, `{"error":{"code":"INTERNAL","message":"Storage error: transaction aborted: UnknownError: disk failure"},"quotaExceeded":false}`,
		e.typed(protocol.EventStorageFailed)[0].Context.String())
	before := pushes.Load()
	st.broken.Store(false)
	eventually(t, e.ticking(func() bool {
		l, err := e.c.Changelog(bg, 0)
		return err == nil && len(l) == 0
	}), "acknowledged after recovery")
	require.Len(t, e.typed(protocol.EventStorageRecovered), 1)
	require.Greater(t, pushes.Load(), before, "pushed again")
}

// ticking wraps a polled condition so that each poll first moves the fake
// clock by 100 ms, firing timers armed asynchronously.
func (e *env) ticking(cond func() bool) func() bool {
	return func() bool {
		e.clock.Advance(100 * time.Millisecond)
		return cond()
	}
}
