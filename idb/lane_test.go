//go:build js && wasm

package idb

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lockState is navigator.locks.query() for one lock name: how many hold it
// and how many wait.
func lockState(t *testing.T, name string) (held, pending int) {
	v := await(t, []string{"name"}, `return navigator.locks.query().then((s) =>
		[s.held.filter((l) => l.name === name).length, s.pending.filter((l) => l.name === name).length]);`, name)
	return v.Index(0).Int(), v.Index(1).Int()
}

// waitLockState polls lockState until it matches, failing after 5 s.
func waitLockState(t *testing.T, name string, held, pending int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h, p := lockState(t, name)
		if h == held && p == pending {
			return
		}
		require.True(t, time.Now().Before(deadline), "lock %s: held %d pending %d, want %d %d", name, h, p, held, pending)
	}
}

func shortCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}

func TestLaneExcludes(t *testing.T) {
	db := dbName(t)
	l1, l2, other := NewLane(db), NewLane(db), NewLane(db+"-other")
	require.Equal(t, "datafn:"+db, l1.LockName())

	r1, err := l1.Acquire(testCtx(t))
	require.NoError(t, err)
	waitLockState(t, l1.LockName(), 1, 0)

	_, err = l2.Acquire(shortCtx(t))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	waitLockState(t, l1.LockName(), 1, 0) // the abandoned request is withdrawn

	rOther, err := other.Acquire(testCtx(t))
	require.NoError(t, err, "another database has its own lane")
	rOther()

	got := make(chan func(), 1)
	go func() {
		r2, err := l2.Acquire(testCtx(t))
		if err == nil {
			got <- r2
		}
	}()
	waitLockState(t, l1.LockName(), 1, 1)
	require.Empty(t, got)
	r1()
	r1() // a second release does nothing
	select {
	case r2 := <-got:
		waitLockState(t, l1.LockName(), 1, 0)
		r2()
	case <-time.After(5 * time.Second):
		t.Fatal("the second lane did not get the lock after the first released it")
	}
	waitLockState(t, l1.LockName(), 0, 0)
}

// TestLaneOfClosedClientIsReleased: a worker holding the lock forever is
// terminated, as when a tab closes; the browser releases its lock.
func TestLaneOfClosedClientIsReleased(t *testing.T) {
	lane := NewLane(dbName(t))
	worker := await(t, []string{"name"}, `return new Promise((ok, fail) => {
		const src = "navigator.locks.request(" + JSON.stringify(name) +
			", () => { postMessage('held'); return new Promise(() => {}); });";
		const w = new Worker(URL.createObjectURL(new Blob([src], {type: "text/javascript"})));
		w.onerror = (e) => fail(new Error("worker: " + e.message));
		w.onmessage = () => ok(w);
	});`, lane.LockName())
	waitLockState(t, lane.LockName(), 1, 0)

	_, err := lane.Acquire(shortCtx(t))
	require.ErrorIs(t, err, context.DeadlineExceeded, "the worker holds the lane")

	worker.Call("terminate")
	release, err := lane.Acquire(testCtx(t))
	require.NoError(t, err)
	release()
	waitLockState(t, lane.LockName(), 0, 0)
}

func TestLaneCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewLane(dbName(t)).Acquire(ctx)
	require.ErrorIs(t, err, context.Canceled)
}
