package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

func fullClone(data map[string]string, cursor string) func(protocol.CloneRequest) (protocol.CloneResult, error) {
	return func(r protocol.CloneRequest) (protocol.CloneResult, error) {
		res := protocol.CloneResult{OK: true, Data: map[string][]value.Value{}, Cursors: map[string]string{}}
		for _, t := range r.Tables {
			res.Data[t] = rows(orEmptyJSON(data[t]))
			res.Cursors[t] = cursor
		}
		return res, nil
	}
}

func orEmptyJSON(s string) string {
	if s == "" {
		return "[]"
	}
	return s
}

func emptyPull(r protocol.PullRequest) (protocol.PullResult, error) {
	return protocol.PullResult{OK: true, Cursors: r.Cursors}, nil
}

func TestH1_FreshStartClonesThenPulls(t *testing.T) {
	e := newEnv(t, "")
	e.tr.clone = fullClone(map[string]string{"task": `[{"id":"task:1","title":"A","status":"active"}]`}, "3")
	e.tr.pull = emptyPull
	require.NoError(t, e.c.Sync().Start(context.Background()))
	calls := e.tr.ops()
	require.Len(t, calls, 2)
	require.Equal(t, "clone", calls[0].op)
	require.JSONEq(t, `{"clientId":"c1","tables":["note","task"],"includeJoins":true}`, calls[0].body)
	require.Equal(t, "pull", calls[1].op)
	require.JSONEq(t, `{"clientId":"c1","cursors":{"note":"3","task":"3"},"limit":200,"includeJoins":true}`, calls[1].body)
	require.Equal(t, []string{"sync_started:clone",
		"hydration_changed:note:notStarted>hydrating", "hydration_changed:task:notStarted>hydrating",
		"hydration_changed:note:hydrating>ready", "hydration_changed:task:hydrating>ready",
		"sync_applied:clone", "sync_started:pull", "sync_applied:pull"}, e.ev.kinds())
	st := e.status()
	require.Equal(t, map[string]engine.HydrationState{"task": engine.Ready, "note": engine.Ready}, st.Hydration)
	require.Equal(t, map[string]string{"task": "3", "note": "3", engine.GlobalCursorKey: "3"}, st.Cursors)
	row, ok := e.row("task", "task:1")
	require.True(t, ok)
	require.Equal(t, `{"id":"task:1","title":"A","status":"active"}`, row)
	evs := e.ev.all()
	require.Equal(t, `{"phase":"clone","resources":["note","task"],"cursors":{"note":"3","task":"3"}}`, evs[5].Context.String())

	// H-2: reopening the same database and starting again pulls, no clone.
	require.NoError(t, e.c.Close(context.Background()))
	e2 := newEnv(t, "", withStore(e.store), withTransport(e.tr))
	e2.tr.clone = nil
	require.NoError(t, e2.c.Sync().Start(context.Background()))
	require.Len(t, e.tr.ops("clone"), 1)
	eventually(t, func() bool { return len(e.tr.ops("pull")) == 2 }, "second pull")
}

func TestH8_FailedCloneGoesBackToNotStarted(t *testing.T) {
	e := newEnv(t, `"hydration":{"bootResources":["task"],"backgroundResources":["note"]}`)
	e.tr.clone = func(protocol.CloneRequest) (protocol.CloneResult, error) {
		return protocol.CloneResult{}, protocol.Errorf(protocol.CodeInternal, "$", "Internal error")
	}
	require.NoError(t, e.c.Sync().Start(context.Background()))
	eventually(t, func() bool { return len(e.tr.ops("clone")) == 2 }, "background clone")
	eventually(t, func() bool { return len(e.ev.all()) == 8 }, "events")
	require.Equal(t, []string{"sync_started:clone", "hydration_changed:task:notStarted>hydrating",
		"hydration_changed:task:hydrating>notStarted", "sync_failed:clone",
		"sync_started:clone", "hydration_changed:note:notStarted>hydrating",
		"hydration_changed:note:hydrating>notStarted", "sync_failed:clone"}, e.ev.kinds())
	evs := e.ev.all()
	require.Equal(t, `{"phase":"clone","error":{"code":"INTERNAL","message":"Internal error"},"tables":["task"]}`,
		evs[3].Context.String())
	require.Equal(t, `{"phase":"clone","error":{"code":"INTERNAL","message":"Internal error"},"tables":["note"],"operation":"background"}`,
		evs[7].Context.String())
	require.Equal(t, &engine.StatusError{Code: "INTERNAL", Message: "Internal error", Phase: "clone"}, e.status().LastError)
	require.Empty(t, e.tr.ops("pull"), "nothing is ready, so the boot pull sends nothing")

	// The next start clones again.
	e.c.Sync().Stop()
	require.NoError(t, e.c.Sync().Start(context.Background()))
	eventually(t, func() bool { return len(e.tr.ops("clone")) == 4 }, "clone again")
}

// pagedServer serves clone pages of the given ids with one cursor.
func pagedServer(ids []string, cursor string, failAt int) (*int, func(protocol.CloneRequest) (protocol.CloneResult, error)) {
	n := 0
	return &n, func(r protocol.CloneRequest) (protocol.CloneResult, error) {
		n++
		if n == failAt {
			return protocol.CloneResult{}, protocol.Errorf(protocol.CodeTransport, "$", "Transport error: network request failed")
		}
		p := r.Page
		if p == nil {
			return fullClone(nil, cursor)(r)
		}
		var out []value.Value
		i := 0
		for p.AfterID != nil && i < len(ids) && ids[i] <= *p.AfterID {
			i++
		}
		for ; i < len(ids) && len(out) < p.Limit; i++ {
			out = append(out, value.MustParse(`{"id":"`+ids[i]+`","title":"t"}`))
		}
		var next *string
		if i < len(ids) {
			next = strp(ids[i-1])
		}
		return protocol.CloneResult{OK: true, Data: map[string][]value.Value{p.Table: out},
			Cursors: map[string]string{p.Table: cursor}, Next: map[string]*string{p.Table: next}, Paginated: true}, nil
	}
}

func TestH9_PagedCloneResumesFromProgress(t *testing.T) {
	ids := []string{"task:1", "task:2", "task:3", "task:4", "task:5"}
	opts := `"hydration":{"bootResources":["task"],"backgroundResources":["note"],"clonePageSize":{"task":2}}`
	e := newEnv(t, opts)
	_, e.tr.clone = pagedServer(ids, "5", 3)
	e.tr.pull = emptyPull
	require.NoError(t, e.c.Sync().Start(context.Background()))
	var p engine.CloneProgress
	require.NoError(t, e.store.View(context.Background(), func(tx engine.ReadTx) error {
		var err error
		p, _, err = tx.CloneProgress("task")
		return err
	}))
	require.Equal(t, engine.CloneProgress{AfterID: "task:4", Cursor: "5"}, p)
	require.Equal(t, engine.NotStarted, e.status().Hydration["task"])
	require.NoError(t, e.c.Close(context.Background()))

	e2 := newEnv(t, opts, withStore(e.store))
	_, e2.tr.clone = pagedServer(ids, "5", 0)
	e2.tr.pull = emptyPull
	require.NoError(t, e2.c.Sync().Start(context.Background()))
	first := e2.tr.ops("clone")[0]
	require.JSONEq(t, `{"clientId":"c1","tables":["task"],"page":{"table":"task","afterId":"task:4","limit":2},"includeJoins":true}`, first.body)
	st := e2.status()
	require.Equal(t, engine.Ready, st.Hydration["task"])
	require.Equal(t, "5", st.Cursors["task"])
	for _, id := range ids {
		_, ok := e2.row("task", id)
		require.True(t, ok, id)
	}
}

func TestH11_CloneNowRemovesUnknownRowsKeepsPending(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("4", "task", "note"))
	e.seed(func(tx engine.WriteTx) error {
		if err := tx.PutRow("task", value.MustParse(`{"id":"task:x","title":"gone"}`)); err != nil {
			return err
		}
		return tx.PutRow("task", value.MustParse(`{"id":"task:p","title":"mine","status":"active"}`))
	})
	e.seed(entry(`{"resource":"task","version":1,"operation":"insert","id":"task:p","record":{"title":"mine"},"clientId":"c1","mutationId":"m1"}`, 1000))
	e.tr.clone = fullClone(map[string]string{"task": `[{"id":"task:1","title":"A"}]`}, "6")
	require.NoError(t, e.c.Sync().CloneNow(context.Background()))
	_, ok := e.row("task", "task:x")
	require.False(t, ok, "a row the server does not have is removed")
	row, ok := e.row("task", "task:p")
	require.True(t, ok, "RYW-2: a pending insert survives")
	require.Equal(t, `{"id":"task:p","title":"mine","status":"active"}`, row)
	require.Equal(t, "6", e.status().Cursors["task"])
	require.Contains(t, e.ev.kinds(), "hydration_changed:task:ready>hydrating")
}

func TestPLE8_NonMonotonicClonePage(t *testing.T) {
	opts := `"hydration":{"clonePageSize":1}`
	e := newEnv(t, opts)
	n := 0
	e.tr.clone = func(r protocol.CloneRequest) (protocol.CloneResult, error) {
		n++
		cursor := map[int]string{1: "5", 2: "4"}[n]
		id := map[int]string{1: "n:1", 2: "n:2"}[n]
		return protocol.CloneResult{OK: true, Data: map[string][]value.Value{r.Page.Table: rows(`[{"id":"` + id + `"}]`)},
			Cursors: map[string]string{r.Page.Table: cursor}, Next: map[string]*string{r.Page.Table: strp(id)}}, nil
	}
	err := e.c.Sync().CloneNow(context.Background())
	requireProto(t, err, protocol.CodeConflict, "Non-monotonic cursor", "cursors.note")
	_, ok := e.row("note", "n:2")
	require.False(t, ok, "nothing of the refused page is stored")
	_, ok = e.row("note", "n:1")
	require.True(t, ok)
	kinds := e.ev.kinds()
	require.Equal(t, "sync_failed:clone", kinds[len(kinds)-1])
}

func requireProto(t *testing.T, err error, code protocol.Code, msg, path string) {
	t.Helper()
	pe, ok := err.(*protocol.Error)
	require.True(t, ok, "want *protocol.Error, got %T %v", err, err)
	require.Equal(t, code, pe.Code)
	require.Equal(t, msg, pe.Message)
	require.Equal(t, path, pe.Path)
}

func TestH12_LowestPageCursorIsPulledFrom(t *testing.T) {
	e := newEnv(t, `"hydration":{"clonePageSize":2,"bootResources":["task"],"backgroundResources":["note"]}`)
	ids := []string{"task:1", "task:2", "task:3", "task:4", "task:5"}
	_, first := pagedServer(ids, "5", 0)
	_, later := pagedServer(ids, "6", 0) // another client merged task:1 as seq 6
	e.tr.clone = func(r protocol.CloneRequest) (protocol.CloneResult, error) {
		if r.Page != nil && r.Page.AfterID == nil {
			return first(r)
		}
		return later(r)
	}
	e.tr.pull = func(r protocol.PullRequest) (protocol.PullResult, error) {
		if r.Cursors["task"] != "5" {
			return protocol.PullResult{OK: true, Cursors: r.Cursors}, nil
		}
		return protocol.PullResult{OK: true, Cursors: map[string]string{"task": "6"},
			Merged: map[string][]value.Value{"task": rows(`[{"id":"task:1","title":"merged"}]`)}}, nil
	}
	require.NoError(t, e.c.Sync().Start(context.Background()))
	require.JSONEq(t, `{"clientId":"c1","cursors":{"task":"5"},"limit":200,"includeJoins":true}`, e.tr.ops("pull")[0].body)
	row, _ := e.row("task", "task:1")
	require.Equal(t, `{"id":"task:1","title":"merged"}`, row)
	require.Equal(t, "6", e.status().Cursors["task"])
}
