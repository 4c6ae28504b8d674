package engine_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

func insertJSON(id, mid, client string) string {
	return fmt.Sprintf(`{"resource":"task","version":1,"operation":"insert","id":%q,"record":{"title":"t"},"clientId":%q,"mutationId":%q}`,
		id, client, mid)
}

// applyAll is a push server that applies every mutation, numbering seqs.
func applyAll(seq *int) func(r protocol.PushRequest) (protocol.PushResult, error) {
	var mu sync.Mutex
	return func(r protocol.PushRequest) (protocol.PushResult, error) {
		mu.Lock()
		defer mu.Unlock()
		res := protocol.PushResult{OK: true, CursorBefore: fmt.Sprint(*seq), Cursors: map[string]string{}}
		for _, m := range r.Mutations {
			*seq++
			res.Applied = append(res.Applied, m.Get("mutationId").Str())
			res.Cursors[m.Get("resource").Str()] = fmt.Sprint(*seq)
		}
		res.Cursor = fmt.Sprint(*seq)
		return res, nil
	}
}

func pushBodies(e *env) []value.Value {
	var out []value.Value
	for _, c := range e.tr.ops("push") {
		out = append(out, value.MustParse(c.body))
	}
	return out
}

func TestPE1_BatchesBySameClientPrefix(t *testing.T) {
	e := newEnv(t, "")
	for i, c := range []string{"c1", "c1", "c2", "c1"} {
		e.seed(entry(insertJSON(fmt.Sprintf("task:%d", i), fmt.Sprintf("m%d", i), c), 1000))
	}
	seq := 0
	e.tr.push = applyAll(&seq)
	require.NoError(t, e.c.Sync().PushNow(context.Background()))
	bodies := pushBodies(e)
	require.Len(t, bodies, 3)
	for i, want := range []struct {
		client string
		n      int
	}{{"c1", 2}, {"c2", 1}, {"c1", 1}} {
		require.Equal(t, want.client, bodies[i].Get("clientId").Str())
		require.Equal(t, want.n, bodies[i].Get("mutations").Len())
	}
	require.Zero(t, e.status().Pending)
}

func TestPE2_BatchSize(t *testing.T) {
	e := newEnv(t, "")
	e.seed(func(tx engine.WriteTx) error {
		for i := 0; i < 150; i++ {
			if err := entry(insertJSON(fmt.Sprintf("task:%d", i), fmt.Sprintf("m%d", i), "c1"), 1000)(tx); err != nil {
				return err
			}
		}
		return nil
	})
	seq := 0
	e.tr.push = applyAll(&seq)
	require.NoError(t, e.c.Sync().PushNow(context.Background()))
	bodies := pushBodies(e)
	require.Len(t, bodies, 2)
	require.Equal(t, 100, bodies[0].Get("mutations").Len())
	require.Equal(t, 50, bodies[1].Get("mutations").Len())
}

func pushErr(mid string, code protocol.Code, msg, path string, retryable bool) protocol.PushError {
	return protocol.PushError{MutationID: &mid, Code: code, Message: msg, Path: path, Retryable: retryable}
}

func TestPE4_OnlyContiguousPrefixIsAcknowledged(t *testing.T) {
	e := newEnv(t, `"pushMaxRetries":0`)
	for i := 1; i <= 3; i++ {
		e.seed(entry(insertJSON(fmt.Sprintf("task:%d", i), fmt.Sprintf("m%d", i), "c1"), 1000))
	}
	e.tr.push = func(r protocol.PushRequest) (protocol.PushResult, error) {
		return protocol.PushResult{Applied: []string{"m1", "m3"}, Cursor: "2", CursorBefore: "0",
			Errors: []protocol.PushError{pushErr("m2", protocol.CodeMutationFailed, "Mutation failed", "$", true)}}, nil
	}
	err := e.c.Sync().PushNow(context.Background())
	requireProto(t, err, protocol.CodeMutationFailed, "Mutation failed", "$")
	list, err := e.c.Changelog(context.Background(), 0)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "m2", list[0].MutationID)
}

func TestPE5_TerminalAndAppliedBothAcknowledged(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("0", "task"))
	e.seed(func(tx engine.WriteTx) error {
		return tx.PutRow("task", value.MustParse(`{"id":"task:1","title":"t","status":"active"}`))
	})
	e.seed(entry(insertJSON("task:1", "m1", "c1"), 1000))
	e.seed(entry(insertJSON("task:2", "m2", "c1"), 1000))
	e.tr.push = func(r protocol.PushRequest) (protocol.PushResult, error) {
		return protocol.PushResult{Applied: []string{"m2"}, Cursor: "1", CursorBefore: "0", Cursors: map[string]string{"task": "1"},
			Errors: []protocol.PushError{pushErr("m1", protocol.CodeConflict, "Record already exists", "id", false)}}, nil
	}
	e.tr.query = func(q value.Value) (protocol.QueryResult, error) {
		return protocol.RowResult(nil, value.NullValue), nil
	}
	require.NoError(t, e.c.Sync().PushNow(context.Background()))
	require.Zero(t, e.status().Pending)
	require.Equal(t, []string{"sync_started:push", "sync_failed:push", "mutation_rejected"}, e.ev.kinds())
	rej := e.ev.all()[2]
	require.Equal(t, "m1", rej.MutationID)
	require.Equal(t, `{"code":"CONFLICT","message":"Record already exists","path":"id","retryable":false,"mutation":`+
		insertJSON("task:1", "m1", "c1")+`}`, rej.Context.String())
	q := e.tr.ops("query")
	require.Len(t, q, 1, "the rejected id is restored")
	require.JSONEq(t, `{"resource":"task","version":1,"filters":{"id":{"$in":["task:1"]}},"limit":100}`, q[0].body)
	_, ok := e.row("task", "task:1")
	require.False(t, ok, "REJ-2: the server has no such row, so the local one is removed")
}

func TestPE6_DeleteCoversEarlierWrites(t *testing.T) {
	for _, tc := range []struct {
		name      string
		delErr    *protocol.PushError
		wantPush  int
		wantAcked bool
	}{
		{"Applied", nil, 1, true},
		{"Retryable", &protocol.PushError{Code: protocol.CodeMutationFailed, Message: "Mutation failed", Path: "$", Retryable: true}, 1, false},
		{"Terminal", &protocol.PushError{Code: protocol.CodeConflict, Message: "Guard condition not met", Path: "if"}, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, `"pushMaxRetries":0`)
			e.seed(entry(insertJSON("task:9", "m1", "c1"), 1000))
			e.seed(entry(`{"resource":"task","version":1,"operation":"merge","id":"task:9","record":{"title":"u"},"clientId":"c1","mutationId":"m2"}`, 1000))
			e.seed(entry(`{"resource":"task","version":1,"operation":"delete","id":"task:9","clientId":"c1","mutationId":"m3"}`, 1000))
			e.tr.query = func(value.Value) (protocol.QueryResult, error) { return protocol.RowResult(nil, value.NullValue), nil }
			e.tr.push = func(r protocol.PushRequest) (protocol.PushResult, error) {
				res := protocol.PushResult{OK: true, Cursor: "0", CursorBefore: "0"}
				for _, m := range r.Mutations {
					mid := m.Get("mutationId").Str()
					if mid == "m3" && tc.delErr != nil {
						pe := *tc.delErr
						pe.MutationID = &mid
						res.Errors, res.OK = append(res.Errors, pe), false
						continue
					}
					res.Applied = append(res.Applied, mid)
				}
				return res, nil
			}
			_ = e.c.Sync().PushNow(context.Background())
			bodies := pushBodies(e)
			require.Len(t, bodies, tc.wantPush)
			require.Equal(t, 1, bodies[0].Get("mutations").Len(), "only the delete is sent")
			require.Equal(t, "m3", bodies[0].Get("mutations").Index(0).Get("mutationId").Str())
			if tc.wantPush == 2 {
				require.Equal(t, 2, bodies[1].Get("mutations").Len(), "covered writes follow in seq order")
				require.Equal(t, "m1", bodies[1].Get("mutations").Index(0).Get("mutationId").Str())
			}
			if tc.wantAcked {
				require.Zero(t, e.status().Pending)
			} else {
				require.Equal(t, 3, e.status().Pending)
			}
		})
	}
}

func TestPE7_Sanitize(t *testing.T) {
	e := newEnv(t, "")
	e.seed(entry(`{"resource":"task","version":1,"operation":"insert","id":"task:1","record":{"title":"t","color":"red","createdAt":5},"clientId":"c1","mutationId":"m1"}`, 1000))
	seq := 0
	e.tr.push = applyAll(&seq)
	require.NoError(t, e.c.Sync().PushNow(context.Background()))
	m := pushBodies(e)[0].Get("mutations").Index(0)
	require.Equal(t, `{"title":"t","status":"active"}`, m.Get("record").String())
}

// serverDown answers every push with 500.
func serverDown(protocol.PushRequest) (protocol.PushResult, error) {
	return protocol.PushResult{}, protocol.Errorf(protocol.CodeInternal, "$", "Internal error")
}

// waitTimer waits until the fake clock has a timer due after d.
func waitTimer(t *testing.T, e *env, d time.Duration) {
	t.Helper()
	eventually(t, func() bool {
		for _, p := range e.clock.Pending() {
			if p == d {
				return true
			}
		}
		return false
	}, fmt.Sprintf("timer %v", d))
}

func TestPE8_RetryDelaysExact(t *testing.T) {
	e := newEnv(t, `"pushRetryBackoff":{"baseDelayMs":100,"multiplier":2,"maxDelayMs":60000,"jitterMs":0},"pushMaxRetries":3`)
	e.seed(entry(insertJSON("task:1", "m1", "c1"), 1000))
	e.tr.push = serverDown
	done := make(chan error, 1)
	go func() { done <- e.c.Sync().PushNow(context.Background()) }()
	var at []time.Duration
	start := e.clock.Now()
	for i, d := range []time.Duration{100, 200, 400} {
		eventually(t, func() bool { return len(e.tr.ops("push")) == i+1 }, "attempt")
		at = append(at, e.clock.Now().Sub(start))
		waitTimer(t, e, d*time.Millisecond)
		e.clock.Advance(d * time.Millisecond)
	}
	eventually(t, func() bool { return len(e.tr.ops("push")) == 4 }, "attempt 4")
	at = append(at, e.clock.Now().Sub(start))
	require.Equal(t, []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond, 700 * time.Millisecond}, at)
	requireProto(t, <-done, protocol.CodeInternal, "Internal error", "$")
	evs := e.ev.all()
	require.Equal(t, []string{"sync_started:push", "sync_retry:push", "sync_retry:push", "sync_retry:push", "sync_failed:push"}, e.ev.kinds())
	require.Equal(t, `{"phase":"push","attempt":1,"delayMs":100}`, evs[1].Context.String())
	require.Equal(t, `{"phase":"push","attempt":2,"delayMs":200}`, evs[2].Context.String())
	require.Equal(t, `{"phase":"push","attempt":3,"delayMs":400}`, evs[3].Context.String())
	require.Equal(t, `{"phase":"push","error":{"code":"INTERNAL","message":"Internal error"},"attempts":4}`, evs[4].Context.String())
}

func TestPE12_SuccessfulCycleEvents(t *testing.T) {
	e := newEnv(t, "")
	e.seed(entry(insertJSON("task:1", "m1", "c1"), 1000))
	e.seed(entry(insertJSON("task:2", "m2", "c1"), 1000))
	seq := 0
	e.tr.push = applyAll(&seq)
	var pendingInHandler = -1
	e.ev.fn = func(ctx context.Context, ev protocol.Event) {
		if ev.Type == protocol.EventSyncApplied {
			st, err := e.c.Sync().Status(ctx)
			require.NoError(t, err)
			pendingInHandler = st.Pending
		}
	}
	require.NoError(t, e.c.Sync().PushNow(context.Background()))
	evs := e.ev.all()
	require.Equal(t, `{"phase":"push","pendingCount":2}`, evs[0].Context.String())
	require.Equal(t, `{"phase":"push","cursor":"2","appliedCount":2,"errors":[]}`, evs[1].Context.String())
	require.Equal(t, 0, pendingInHandler)
}

func TestPE11_CursorShortcut(t *testing.T) {
	for _, tc := range []struct {
		name, before, resource string
		wantTask               string
		wantPull               bool
	}{
		{"CaughtUp", "7", "task", "9", false},
		{"ForeignChange", "8", "task", "7", true},
		{"Timestamps", "7", "note", "7", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "")
			e.seed(ready("7", "task", "note"))
			mut := insertJSON("task:1", "m1", "c1")
			if tc.resource == "note" {
				mut = `{"resource":"note","version":1,"operation":"insert","id":"n:1","record":{"body":"b"},"clientId":"c1","mutationId":"m1"}`
			}
			e.seed(entry(mut, 1000))
			e.tr.push = func(r protocol.PushRequest) (protocol.PushResult, error) {
				return protocol.PushResult{OK: true, Applied: []string{"m1"}, CursorBefore: tc.before, Cursor: "9",
					Cursors: map[string]string{tc.resource: "9"}}, nil
			}
			e.tr.pull = emptyPull
			require.NoError(t, e.c.Sync().Start(context.Background()))
			require.NoError(t, e.c.Sync().PushNow(context.Background()))
			if tc.wantPull {
				eventually(t, func() bool { return len(e.tr.ops("pull")) == 2 }, "pull after push")
				require.JSONEq(t, `{"clientId":"c1","cursors":{"note":"7","task":"7"},"limit":200,"includeJoins":true}`, e.tr.ops("pull")[1].body)
			}
			st := e.status()
			require.Equal(t, tc.wantTask, st.Cursors["task"])
			if !tc.wantPull {
				require.Equal(t, "9", st.Cursors[engine.GlobalCursorKey])
				require.Len(t, e.tr.ops("pull"), 1, "only the boot pull")
			}
		})
	}
}

func TestPE13_OfflineThenOnline(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("0", "task", "note"))
	e.tr.pull = emptyPull
	seq := 0
	e.tr.push = applyAll(&seq)
	e.conn.Emit(engine.Offline)
	require.NoError(t, e.c.Sync().Start(context.Background()))
	require.Empty(t, e.tr.ops(), "offline: no automatic requests")
	e.seed(entry(insertJSON("task:1", "m1", "c1"), 1000))
	e.conn.Emit(engine.Online)
	eventually(t, func() bool { return len(e.tr.ops("push")) == 1 }, "push on online")
	eventually(t, func() bool { return len(e.tr.ops("pull")) >= 1 }, "pull on online")
	eventually(t, func() bool { return len(e.ev.all()) > 0 }, "events")
	require.Equal(t, "connectivity_changed", e.ev.kinds()[0])
	require.Equal(t, `{"isOnline":true}`, e.ev.all()[0].Context.String())
}

func TestPE14_StartPushesEarlierEntries(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("0", "task", "note"))
	e.seed(entry(insertJSON("task:1", "m1", "c1"), 1000))
	e.tr.pull = emptyPull
	seq := 0
	e.tr.push = applyAll(&seq)
	require.NoError(t, e.c.Sync().Start(context.Background()))
	eventually(t, func() bool { return len(e.tr.ops("push")) == 1 }, "push at start")
	eventually(t, func() bool { return e.status().Pending == 0 }, "drained")
}

func TestPE10_IntervalBackoffAndReset(t *testing.T) {
	e := newEnv(t, `"pushInterval":1000,"pushIntervalBackoff":{"baseMultiplier":2,"jitterMs":0},"pushMaxRetries":0`)
	e.seed(ready("0", "task", "note"))
	e.tr.pull = emptyPull
	var mu sync.Mutex
	failing := true
	seq := 0
	ok := applyAll(&seq)
	var at []int64
	e.tr.push = func(r protocol.PushRequest) (protocol.PushResult, error) {
		mu.Lock()
		defer mu.Unlock()
		at = append(at, e.clock.Now().UnixMilli())
		if failing {
			return serverDown(r)
		}
		return ok(r)
	}
	e.seed(entry(insertJSON("task:1", "m1", "c1"), 1000))
	require.NoError(t, e.c.Sync().Start(context.Background()))
	pushes := func() int { return len(e.tr.ops("push")) }
	// The start requests a cycle at 0 that fails: backoff 2000.
	eventually(t, func() bool { return pushes() == 1 }, "push at start")
	for i, d := range []time.Duration{2000, 4000} {
		waitTimer(t, e, d*time.Millisecond)
		e.clock.Advance(d * time.Millisecond)
		eventually(t, func() bool { return pushes() == i+2 }, "backoff cycle")
	}
	mu.Lock()
	failing = false
	mu.Unlock()
	waitTimer(t, e, 8000*time.Millisecond)
	e.clock.Advance(8000 * time.Millisecond)
	eventually(t, func() bool { return e.status().Pending == 0 }, "recovered")
	e.seed(entry(insertJSON("task:2", "m2", "c1"), 1000))
	waitTimer(t, e, 1000*time.Millisecond)
	e.clock.Advance(1000 * time.Millisecond)
	eventually(t, func() bool { return pushes() == 5 }, "regular interval again")
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []int64{0, 2000, 6000, 14000, 15000}, at)
}

func TestConnectivityEventsAndStop(t *testing.T) {
	e := newEnv(t, `"pushInterval":1000`)
	e.seed(ready("0", "task", "note"))
	e.tr.pull = emptyPull
	require.NoError(t, e.c.Sync().Start(bg))
	require.True(t, e.status().Running)
	waitTimer(t, e, time.Second)
	e.conn.Emit(engine.Offline)
	e.conn.Emit(engine.Offline)
	st := e.status()
	require.False(t, st.IsOnline)
	require.Empty(t, e.clock.Pending(), "the regular interval pauses offline")
	e.conn.Emit(engine.Online)
	waitTimer(t, e, time.Second)
	e.c.Sync().Stop()
	require.Empty(t, e.clock.Pending(), "stop clears the interval")
	e.conn.Emit(engine.Offline) // no listener any more
	st = e.status()
	require.False(t, st.Running)
	require.True(t, st.IsOnline)
	var conn []string
	for _, ev := range e.ev.all() {
		if ev.Type == protocol.EventConnectivityChanged {
			conn = append(conn, ev.Context.String())
		}
	}
	require.Equal(t, []string{`{"isOnline":false}`, `{"isOnline":true}`}, conn)
}

// A push of a timestamps row that is deduped with the client's own cursor
// (the replay after a lost answer: the boot pull already brought the row
// and laid the pending entry over it) is followed by a restore of that row,
// so the server's createdAt/updatedAt replace the local ones.
func TestPushReplayRestoresServerTimestamps(t *testing.T) {
	e := newEnv(t, `"offlinability":true`)
	e.seed(ready("5", "task", "note"))
	require.True(t, e.mutate("note", `{"operation":"insert","id":"n:1","record":{"body":"b"},"mutationId":"m-1"}`).OK)
	row, _ := e.row("note", "n:1")
	require.Equal(t, `{"id":"n:1","body":"b","createdAt":1000,"updatedAt":1000}`, row)
	e.tr.push = func(r protocol.PushRequest) (protocol.PushResult, error) {
		return protocol.PushResult{OK: true, Applied: []string{"m-1"}, Cursor: "5", CursorBefore: "5",
			Cursors: map[string]string{"note": "5"}}, nil
	}
	e.tr.query = func(q value.Value) (protocol.QueryResult, error) {
		return protocol.RowResult(rows(`[{"id":"n:1","body":"b","createdAt":7,"updatedAt":8}]`), value.NullValue), nil
	}
	require.NoError(t, e.c.Sync().PushNow(bg))
	eventually(t, func() bool {
		row, _ := e.row("note", "n:1")
		return row == `{"id":"n:1","body":"b","createdAt":7,"updatedAt":8}`
	}, "server timestamps restored")
	q := e.tr.ops("query")
	require.Len(t, q, 1)
	require.Contains(t, q[0].body, `"$in":["n:1"]`)
	require.Empty(t, e.tr.ops("pull"), "no pull: the server has nothing newer")

	// A task (no timestamps) pushed the same way needs nothing fetched.
	require.True(t, e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-2"}`).OK)
	e.tr.push = func(r protocol.PushRequest) (protocol.PushResult, error) {
		return protocol.PushResult{OK: true, Applied: []string{"m-2"}, Cursor: "5", CursorBefore: "5",
			Cursors: map[string]string{"task": "5"}}, nil
	}
	require.NoError(t, e.c.Sync().PushNow(bg))
	require.Len(t, e.tr.ops("query"), 1)
}

// An automatic push queued before stop() (behind a running pull) does not
// start afterwards: stop lets running work finish, nothing new starts.
func TestStopDropsQueuedAutomaticPush(t *testing.T) {
	e := newEnv(t, `"offlinability":true`)
	e.seed(ready("5", "task", "note"))
	release := make(chan struct{})
	var pulls, pushes atomic.Int64
	e.tr.pull = func(r protocol.PullRequest) (protocol.PullResult, error) {
		if pulls.Add(1) == 2 {
			<-release
		}
		return protocol.PullResult{OK: true, Cursors: r.Cursors}, nil
	}
	e.tr.push = func(r protocol.PushRequest) (protocol.PushResult, error) {
		pushes.Add(1)
		return protocol.PushResult{OK: true, Cursor: "5", CursorBefore: "5"}, nil
	}
	require.NoError(t, e.c.Sync().Start(bg)) // boot pull: pulls == 1
	done := make(chan error, 1)
	go func() { done <- e.c.Sync().PullNow(bg) }()
	eventually(t, func() bool { return pulls.Load() == 2 }, "the explicit pull holds the lane")
	require.True(t, e.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"}}`).OK) // queues an automatic push
	e.c.Sync().Stop()
	close(release)
	require.NoError(t, <-done)
	require.NoError(t, e.c.Sync().PullNow(bg), "runs after whatever was queued before it")
	require.Zero(t, pushes.Load(), "the automatic push queued before stop did not start")
	require.Equal(t, 1, e.status().Pending)
	require.NoError(t, e.c.Sync().PushNow(bg), "explicit calls still work")
	require.Equal(t, int64(1), pushes.Load())
}
