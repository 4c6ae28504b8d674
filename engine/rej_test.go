package engine_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

const guardedMerge = `{"resource":"task","version":1,"operation":"merge","id":"task:1","record":{"title":"mine"},"if":{"status":"active"},"clientId":"c1","mutationId":"m1"}`

func guardFails(r protocol.PushRequest) (protocol.PushResult, error) {
	return protocol.PushResult{Cursor: "5", CursorBefore: "5", Cursors: map[string]string{},
		Errors: []protocol.PushError{pushErr("m1", protocol.CodeConflict, "Guard condition not met", "if", false)}}, nil
}

func TestREJ1_TerminalRejectionRestoresServerRow(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("5", "task"))
	e.seed(func(tx engine.WriteTx) error {
		return tx.PutRow("task", value.MustParse(`{"id":"task:1","title":"mine","status":"active"}`))
	})
	e.seed(entry(guardedMerge, 1000))
	e.tr.push = guardFails
	e.tr.query = func(q value.Value) (protocol.QueryResult, error) {
		return protocol.RowResult(rows(`[{"id":"task:1","title":"server","status":"done"}]`), value.NullValue), nil
	}
	var rowInHandler string
	e.ev.fn = func(ctx context.Context, ev protocol.Event) {
		if ev.Type == protocol.EventMutationRejected {
			rowInHandler, _ = e.row("task", "task:1")
		}
	}
	require.NoError(t, e.c.Sync().PushNow(bg), "terminal rejections are outcomes")
	require.Zero(t, e.status().Pending)
	require.JSONEq(t, `{"resource":"task","version":1,"filters":{"id":{"$in":["task:1"]}},"limit":100}`, e.tr.ops("query")[0].body)
	row, _ := e.row("task", "task:1")
	require.Equal(t, `{"id":"task:1","title":"server","status":"done"}`, row)
	require.Equal(t, row, rowInHandler, "mutation_rejected fires after the restore")
	rej := e.ev.all()[len(e.ev.all())-1]
	require.Equal(t, "mutation_rejected", rej.Type)
	require.JSONEq(t, `{"code":"CONFLICT","message":"Guard condition not met","path":"if","retryable":false,"mutation":`+guardedMerge+`}`,
		rej.Context.String())
	require.Equal(t, `{"data":[{"id":"task:1","title":"server","status":"done"}],"nextCursor":null}`, e.query("task", `{}`),
		"the resident rows follow the restore")
}

func TestREJ3_FailedRestoreStaysAndRetries(t *testing.T) {
	store := persistent{memstore.New([]string{"task", "note"})}
	e := newEnv(t, "", withStore(store))
	e.seed(ready("5", "task"))
	e.seed(entry(guardedMerge, 1000))
	e.tr.push = guardFails
	require.NoError(t, e.c.Sync().PushNow(bg), "the restore fetch fails (no query handler)")
	set := func(s engine.Storage) []engine.RestoreKey {
		var out []engine.RestoreKey
		require.NoError(t, s.View(bg, func(tx engine.ReadTx) error {
			var err error
			out, err = tx.RestoreSet()
			return err
		}))
		return out
	}
	require.Equal(t, []engine.RestoreKey{{Resource: "task", ID: "task:1"}}, set(store))
	require.NoError(t, e.c.Close(bg))

	e2 := newEnv(t, "", withStore(store))
	require.Equal(t, []engine.RestoreKey{{Resource: "task", ID: "task:1"}}, set(store), "kept across reopen")
	e2.tr.pull = emptyPull
	e2.tr.query = func(q value.Value) (protocol.QueryResult, error) {
		return protocol.RowResult(rows(`[{"id":"task:1","title":"server"}]`), value.NullValue), nil
	}
	require.NoError(t, e2.c.Sync().PullNow(bg))
	require.Empty(t, set(store), "restored after a successful pull")
	row, _ := e2.row("task", "task:1")
	require.Equal(t, `{"id":"task:1","title":"server"}`, row)
}

func TestPE3_PushDuringCycleRunsOnceMore(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("0", "task", "note"))
	e.tr.pull = emptyPull
	require.NoError(t, e.c.Sync().Start(bg))
	gate := make(chan struct{})
	var mu sync.Mutex
	seq, n := 0, 0
	ok := applyAll(&seq)
	e.tr.push = func(r protocol.PushRequest) (protocol.PushResult, error) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			<-gate
		}
		return ok(r)
	}
	e.seed(entry(insertJSON("task:1", "m1", "c1"), 1))
	go func() { _ = e.c.Sync().PushNow(bg) }()
	eventually(t, func() bool { return len(e.tr.ops("push")) == 1 }, "first cycle in flight")
	// Three automatic requests while the cycle runs: one follow-up cycle.
	e.seed(entry(insertJSON("task:2", "m2", "c1"), 1))
	for i := 0; i < 3; i++ {
		e.conn.Emit(engine.Online) // already online: requests a pull and a push
	}
	e.status()
	close(gate)
	eventually(t, func() bool { return e.status().Pending == 0 }, "drained")
	eventually(t, func() bool { return len(e.tr.ops("push")) == 2 }, "one more cycle")
	e.status()
	require.Len(t, e.tr.ops("push"), 2)
}

func TestH3_BootThenBackground(t *testing.T) {
	e := newEnv(t, `"hydration":{"bootResources":["task"],"backgroundResources":["note"]}`)
	e.tr.clone = fullClone(nil, "0")
	e.tr.pull = emptyPull
	require.NoError(t, e.c.Sync().Start(bg))
	require.Equal(t, engine.Ready, e.status().Hydration["task"], "start resolves once task is ready")
	eventually(t, func() bool { return e.status().Hydration["note"] == engine.Ready }, "background clone")
	clones := e.tr.ops("clone")
	require.JSONEq(t, `{"clientId":"c1","tables":["task"],"includeJoins":true}`, clones[0].body)
	require.JSONEq(t, `{"clientId":"c1","tables":["note"],"includeJoins":true}`, clones[1].body)
}

func TestH10_FullCloneFollowsNext(t *testing.T) {
	e := newEnv(t, "")
	var ids []string
	for i := 0; i < 10001; i++ {
		ids = append(ids, fmt.Sprintf("task:%05d", i))
	}
	_, paged := pagedServer(ids, "1", 0)
	e.tr.clone = func(r protocol.CloneRequest) (protocol.CloneResult, error) {
		if r.Page != nil {
			return paged(r)
		}
		res, _ := fullClone(nil, "1")(r)
		var data []value.Value
		for _, id := range ids[:10000] {
			data = append(data, value.MustParse(`{"id":"`+id+`","title":"t"}`))
		}
		res.Data["task"] = data
		res.Next = map[string]*string{"task": strp(ids[9999]), "note": nil}
		res.Paginated = true
		return res, nil
	}
	require.NoError(t, e.c.Sync().CloneNow(bg))
	clones := e.tr.ops("clone")
	require.Len(t, clones, 2)
	require.JSONEq(t, `{"clientId":"c1","tables":["task"],"page":{"table":"task","afterId":"task:09999","limit":1000},"includeJoins":true}`, clones[1].body)
	var n int
	require.NoError(t, e.store.View(bg, func(tx engine.ReadTx) error {
		r, err := tx.Rows("task")
		n = len(r)
		return err
	}))
	require.Equal(t, 10001, n)
}

func TestMT1_TwoClientsOnOneDatabase(t *testing.T) {
	store := memstore.New([]string{"task", "note"})
	lane := engine.NewMutexLane()
	tr := &fakeTransport{clone: fullClone(nil, "0"), pull: emptyPull}
	open := func() *env {
		return newEnv(t, "", withStore(persistent{store}), withTransport(tr),
			func(_ *env, d *engine.Deps) { d.Lane = lane })
	}
	a, b := open(), open()
	done := make(chan error, 2)
	go func() { done <- a.c.Sync().Start(bg) }()
	go func() { done <- b.c.Sync().Start(bg) }()
	require.NoError(t, <-done)
	require.NoError(t, <-done)
	require.Len(t, tr.ops("clone"), 1, "the second run finds the tables ready")
	require.Equal(t, engine.Ready, a.status().Hydration["task"])
	require.Equal(t, engine.Ready, b.status().Hydration["note"])
}

// A restore answer with a row of another id, or a schema field of the wrong
// type (a broken proxy or server), is refused: nothing is stored and the id
// stays in the restore set for the next attempt.
func TestRestoreRefusesBrokenRows(t *testing.T) {
	for _, data := range []string{
		`[{"id":"task:1","title":"server","status":7}]`,
		`[{"id":"task:1","title":null,"status":"done"}]`,
		`[{"id":"task:2","title":"other","status":"done"}]`,
	} {
		t.Run(data, func(t *testing.T) {
			e := newEnv(t, "")
			e.seed(ready("5", "task"))
			e.seed(func(tx engine.WriteTx) error {
				return tx.PutRow("task", value.MustParse(`{"id":"task:1","title":"mine","status":"active"}`))
			})
			e.seed(entry(guardedMerge, 1000))
			e.tr.push = guardFails
			e.tr.query = func(q value.Value) (protocol.QueryResult, error) {
				return protocol.RowResult(rows(data), value.NullValue), nil
			}
			require.NoError(t, e.c.Sync().PushNow(bg))
			row, _ := e.row("task", "task:1")
			require.Equal(t, `{"id":"task:1","title":"mine","status":"active"}`, row)
			_, ok := e.row("task", "task:2")
			require.False(t, ok)
			var set []engine.RestoreKey
			require.NoError(t, e.store.View(bg, func(tx engine.ReadTx) error {
				var err error
				set, err = tx.RestoreSet()
				return err
			}))
			require.Equal(t, []engine.RestoreKey{{Resource: "task", ID: "task:1"}}, set, "the id stays in the restore set")
		})
	}
}
