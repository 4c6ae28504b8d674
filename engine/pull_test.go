package engine_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

func TestPLE1_PullFollowsHasMore(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("3", "task"))
	n := 0
	e.tr.pull = func(r protocol.PullRequest) (protocol.PullResult, error) {
		n++
		c := strconv.Itoa(3 + n)
		return protocol.PullResult{OK: true, HasMore: n < 3, Cursors: map[string]string{"task": c},
			Records: map[string][]value.Value{"task": rows(`[{"id":"task:` + c + `","title":"x"}]`)}}, nil
	}
	require.NoError(t, e.c.Sync().PullNow(context.Background()))
	calls := e.tr.ops("pull")
	require.Len(t, calls, 3)
	for i, want := range []string{"3", "4", "5"} {
		require.JSONEq(t, `{"clientId":"c1","cursors":{"task":"`+want+`"},"limit":200,"includeJoins":true}`, calls[i].body)
	}
	require.Equal(t, []string{"sync_started:pull", "sync_applied:pull"}, e.ev.kinds())
	require.Equal(t, `{"phase":"pull","cursors":{"task":"6"},"cursorDelta":{"task":3},"resources":["task"]}`,
		e.ev.all()[1].Context.String())
	st := e.status()
	require.Equal(t, "6", st.Cursors["task"])
	require.Equal(t, "6", st.Cursors[engine.GlobalCursorKey])
}

func TestPLE2_PullStopsAtIterationCap(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("0", "task"))
	e.tr.pull = func(r protocol.PullRequest) (protocol.PullResult, error) {
		return protocol.PullResult{OK: true, HasMore: true, Cursors: r.Cursors}, nil
	}
	require.NoError(t, e.c.Sync().PullNow(context.Background()))
	require.Len(t, e.tr.ops("pull"), 50)
	require.Equal(t, []string{"sync_started:pull", "sync_applied:pull"}, e.ev.kinds())
}

func TestPLE3_NonMonotonicPullCursor(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("10", "task"))
	e.tr.pull = func(r protocol.PullRequest) (protocol.PullResult, error) {
		return protocol.PullResult{OK: true, Cursors: map[string]string{"task": "9"},
			Records: map[string][]value.Value{"task": rows(`[{"id":"task:1","title":"x"}]`)}}, nil
	}
	err := e.c.Sync().PullNow(context.Background())
	requireProto(t, err, protocol.CodeConflict, "Non-monotonic cursor", "cursors.task")
	_, ok := e.row("task", "task:1")
	require.False(t, ok)
	require.Equal(t, []string{"sync_started:pull", "sync_failed:pull"}, e.ev.kinds())
	require.Equal(t, `{"phase":"pull","error":{"code":"CONFLICT","message":"Non-monotonic cursor"}}`,
		e.ev.all()[1].Context.String())
}

func TestPLE4_PLE5_OnlyReadyResourcesAndChangedList(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("3", "task"))
	e.tr.pull = func(r protocol.PullRequest) (protocol.PullResult, error) {
		return protocol.PullResult{OK: true, Cursors: map[string]string{"task": "8", "note": "9"},
			Records: map[string][]value.Value{"task": {}, "note": rows(`[{"id":"n:1"}]`)},
			Deleted: map[string][]string{"task": {"task:3"}}}, nil
	}
	require.NoError(t, e.c.Sync().PullNow(context.Background()))
	require.JSONEq(t, `{"clientId":"c1","cursors":{"task":"3"},"limit":200,"includeJoins":true}`, e.tr.ops("pull")[0].body)
	require.Equal(t, `{"phase":"pull","cursors":{"task":"8"},"cursorDelta":{"task":5},"resources":["task"]}`,
		e.ev.all()[1].Context.String())
	_, ok := e.row("note", "n:1")
	require.False(t, ok, "entries for resources outside R are ignored")
}

func TestPullNothingReadyMakesNoRequest(t *testing.T) {
	e := newEnv(t, "")
	require.NoError(t, e.c.Sync().PullNow(context.Background()))
	require.Empty(t, e.tr.ops())
	require.Empty(t, e.ev.all())
}

func TestRYW1_PullReappliesPendingMerge(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("1", "task"))
	e.seed(func(tx engine.WriteTx) error {
		return tx.PutRow("task", value.MustParse(`{"id":"task:1","title":"B","status":"active"}`))
	})
	e.seed(entry(`{"resource":"task","version":1,"operation":"merge","id":"task:1","record":{"title":"B"},"clientId":"c1","mutationId":"m1"}`, 1000))
	e.tr.pull = func(r protocol.PullRequest) (protocol.PullResult, error) {
		return protocol.PullResult{OK: true, Cursors: map[string]string{"task": "2"},
			Merged: map[string][]value.Value{"task": rows(`[{"id":"task:1","status":"done"}]`)}}, nil
	}
	require.NoError(t, e.c.Sync().PullNow(context.Background()))
	row, _ := e.row("task", "task:1")
	require.Equal(t, `{"id":"task:1","title":"B","status":"done"}`, row)
}

func TestPLE7_PullNowWaitsForAPullThatStartsAfterIt(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("1", "task"))
	gate := make(chan struct{})
	var mu sync.Mutex
	n := 0
	e.tr.pull = func(r protocol.PullRequest) (protocol.PullResult, error) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			<-gate
		}
		return protocol.PullResult{OK: true, Cursors: r.Cursors}, nil
	}
	firstDone := make(chan error, 1)
	go func() { firstDone <- e.c.Sync().PullNow(context.Background()) }()
	eventually(t, func() bool { return len(e.tr.ops("pull")) == 1 }, "first pull running")
	second := make(chan error, 1)
	go func() { second <- e.c.Sync().PullNow(context.Background()) }()
	e.status() // a loop round trip after the call: its request is queued
	close(gate)
	require.NoError(t, <-firstDone)
	require.NoError(t, <-second)
	require.Len(t, e.tr.ops("pull"), 2, "the later call waited for a pull of its own")
}

func TestPLE6_VisibleAndFocusCoalesce(t *testing.T) {
	lane := engine.NewMutexLane()
	e := newEnv(t, "", func(_ *env, d *engine.Deps) { d.Lane = lane })
	e.seed(ready("1", "task", "note"))
	e.tr.pull = emptyPull
	require.NoError(t, e.c.Sync().Start(context.Background()))
	eventually(t, func() bool { return len(e.tr.ops("pull")) == 1 }, "boot pull")
	// Another tab holds the lane, so the pull requested by the first event
	// has not started when the second arrives: they coalesce.
	release, err := lane.Acquire(context.Background())
	require.NoError(t, err)
	e.conn.Emit(engine.Visible)
	e.conn.Emit(engine.Focus)
	e.status() // a round trip through the loop: both events are handled
	release()
	require.NoError(t, e.c.Sync().PushNow(context.Background()))
	eventually(t, func() bool { return len(e.ev.kinds()) >= 4 }, "pull events")
	require.Len(t, e.tr.ops("pull"), 2)
}
