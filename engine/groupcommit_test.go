package engine_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// gateStore holds its next write transaction until released and counts them.
type gateStore struct {
	engine.Storage
	updates atomic.Int64
	hold    atomic.Bool
	gate    chan struct{}
}

func (s *gateStore) Update(ctx context.Context, fn func(engine.WriteTx) error) error {
	s.updates.Add(1)
	if s.hold.CompareAndSwap(true, false) {
		<-s.gate
	}
	return s.Storage.Update(ctx, fn)
}

func (*gateStore) Close() error { return nil }

// Mutations issued while a local write transaction runs are committed
// together in the next one, each with its own result, checks, dedupe and
// changelog entry; a rejected one leaves the others alone.
func TestLocalGroupCommit(t *testing.T) {
	st := &gateStore{Storage: memstore.New([]string{"task", "note"}), gate: make(chan struct{})}
	e := newEnv(t, `"offlinability":true`, withStore(st))
	e.seed(ready("1", "task", "note"))
	require.True(t, e.mutate("task", `{"operation":"insert","id":"task:0","record":{"title":"zero"},"mutationId":"m-0"}`).OK)
	e.ev.reset()
	base := st.updates.Load()

	st.hold.Store(true)
	first := make(chan protocol.MutationResult, 1)
	go func() {
		r, err := e.table("task").Mutate(bg, value.MustParse(`{"operation":"insert","id":"task:first","record":{"title":"F"},"mutationId":"m-first"}`))
		require.NoError(t, err)
		first <- r
	}()
	eventually(t, func() bool { return st.updates.Load() == base+1 }, "first transaction holds")

	const n = 40
	muts := make([]string, 0, n+3)
	for i := range n {
		muts = append(muts, fmt.Sprintf(`{"operation":"insert","id":"task:%02d","record":{"title":"T%d"},"mutationId":"m-%02d"}`, i+1, i, i+1))
	}
	// Rejected: task:0 exists. Deduped: m-0 is still in the changelog.
	muts = append(muts,
		`{"operation":"insert","id":"task:0","record":{"title":"again"},"mutationId":"m-dup-id"}`,
		`{"operation":"insert","id":"task:zz","record":{"title":"Z"},"mutationId":"m-0"}`,
		`{"operation":"merge","id":"task:05","record":{"status":"done"},"mutationId":"m-merge"}`)
	results := make([]protocol.MutationResult, len(muts))
	var wg sync.WaitGroup
	for i, m := range muts[:len(muts)-1] {
		wg.Go(func() {
			r, err := e.table("task").Mutate(bg, value.MustParse(m))
			require.NoError(t, err)
			results[i] = r
		})
	}
	eventually(t, func() bool { return engine.PendingLocal(e.c) == len(muts)-1 }, "all queued behind the first")
	close(st.gate)
	wg.Wait()
	<-first
	require.Equal(t, base+2, st.updates.Load(), "one transaction for the held call, one for the other %d", len(muts)-1)

	for i := range n {
		require.True(t, results[i].OK, "%d: %+v", i, results[i])
		require.False(t, results[i].Deduped)
	}
	require.False(t, results[n].OK)
	require.Equal(t, protocol.CodeConflict, results[n].Errors[0].Code)
	require.True(t, results[n+1].OK)
	require.True(t, results[n+1].Deduped)

	// The merge of task:05 after its insert, in a group of its own or not:
	// it must see the insert.
	r := e.mutate("task", muts[len(muts)-1])
	require.True(t, r.OK)
	row, ok := e.row("task", "task:05")
	require.True(t, ok)
	require.Equal(t, `{"id":"task:05","title":"T4","status":"done"}`, row)

	list, err := e.c.Changelog(bg, 0)
	require.NoError(t, err)
	var ids []string
	for i, en := range list {
		ids = append(ids, en.MutationID)
		if i > 0 {
			require.Greater(t, en.Seq, list[i-1].Seq)
		}
	}
	require.Len(t, ids, n+3, "m-0, m-first, 40 inserts, the merge")
	sort.Strings(ids)
	require.NotContains(t, ids, "m-dup-id")
	_, ok = e.row("task", "task:zz")
	require.False(t, ok, "the deduped insert wrote nothing")

	kinds := map[string]int{}
	for _, ev := range e.ev.all() {
		kinds[ev.Type]++
	}
	require.Equal(t, n+2, kinds[protocol.EventMutationApplied])
	require.Equal(t, 1, kinds[protocol.EventMutationRejected])
}
