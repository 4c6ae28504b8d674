package engine_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// announcements collects what a client announces, one slice per commit.
type announcements struct {
	mu   sync.Mutex
	list [][]engine.Change
}

func (a *announcements) add(ch []engine.Change) {
	a.mu.Lock()
	a.list = append(a.list, ch)
	a.mu.Unlock()
}

// take returns and forgets the announcements so far.
func (a *announcements) take() [][]engine.Change {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.list
	a.list = nil
	return out
}

func withAnnounce(a *announcements) envOpt {
	return func(_ *env, d *engine.Deps) { d.Announce = a.add }
}

// twoTabs opens client a (announcing) and client b on one database.
func twoTabs(t *testing.T) (a, b *env, ann *announcements) {
	ann = &announcements{}
	a = newEnv(t, `"offlinability":true`, withAnnounce(ann))
	b = newEnv(t, `"offlinability":true`, withStore(a.store))
	return a, b, ann
}

// refreshAll hands every announcement of a to b, as the BroadcastChannel does.
func refreshAll(t *testing.T, b *env, ann *announcements) {
	t.Helper()
	for _, ch := range ann.take() {
		require.NoError(t, b.c.Refresh(context.Background(), ch))
	}
}

func evsJSON(evs []protocol.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = evJSON(e)
	}
	return out
}

func TestMT_RefreshFiresMutationAppliedFromRemoteTab(t *testing.T) {
	a, b, ann := twoTabs(t)
	a.seed(ready("1", "task", "note"))
	require.JSONEq(t, `{"data":[],"nextCursor":null}`, b.query("task", `{"select":["id","title"]}`), "b's rows are resident")
	a.mutate("task", `{"operation":"insert","id":"task:1","record":{"title":"A"}}`)
	a.mutate("task", `{"operation":"insert","id":"task:2","record":{"title":"B"}}`)
	a.mutate("task", `{"operation":"delete","id":"task:2"}`)
	a.mutate("note", `{"operation":"insert","id":"n:1","record":{"body":"x"}}`)
	require.JSONEq(t, `{"data":[],"nextCursor":null}`, b.query("task", `{"select":["id","title"]}`), "nothing applied yet")
	b.ev.reset()
	b.ts = 5000
	refreshAll(t, b, ann)

	require.Equal(t, []string{
		`{"type":"mutation_applied","resource":"task","ids":["task:1"],"timestampMs":5000,"fromRemoteTab":true}`,
		`{"type":"mutation_applied","resource":"task","ids":["task:2"],"timestampMs":5000,"fromRemoteTab":true}`,
		`{"type":"mutation_applied","resource":"task","ids":["task:2"],"timestampMs":5000,"fromRemoteTab":true}`,
		`{"type":"mutation_applied","resource":"note","ids":["n:1"],"timestampMs":5000,"fromRemoteTab":true}`,
	}, evsJSON(b.ev.all()))
	require.JSONEq(t, `{"data":[{"id":"task:1","title":"A"}],"nextCursor":null}`, b.query("task", `{"select":["id","title"]}`))
	require.JSONEq(t, `{"data":[{"id":"n:1","body":"x"}],"nextCursor":null}`, b.query("note", `{"select":["id","body"]}`))
	for _, ev := range a.ev.all() {
		require.False(t, ev.FromRemoteTab, "a's own events are not from a remote tab: %s", evJSON(ev))
	}
}

func TestMT_RefreshFilterAndUnknownResources(t *testing.T) {
	_, b, _ := twoTabs(t)
	byAction := &recorder{}
	_, err := b.c.Subscribe(byAction, engine.Filter{Type: []string{protocol.EventMutationApplied}, Action: []string{"insert"}})
	require.NoError(t, err)
	byField := &recorder{}
	_, err = b.c.Subscribe(byField, engine.Filter{Fields: []string{"title"}})
	require.NoError(t, err)
	b.ev.reset()
	require.NoError(t, b.c.Refresh(context.Background(), []engine.Change{
		{Resource: "ghost", IDs: []string{"ghost:1"}}, {Resource: "task", IDs: []string{}},
		{Resource: "task", IDs: []string{"task:9"}}}))
	require.Equal(t, []string{
		`{"type":"mutation_applied","resource":"task","ids":["task:9"],"timestampMs":1000,"fromRemoteTab":true}`,
	}, evsJSON(b.ev.all()), "unknown resources and empty id lists fire nothing")
	require.Len(t, byAction.all(), 1, "the event lacks action, so an action filter holds (§10.3)")
	require.Empty(t, byField.all(), "the event lacks fields, so a fields filter does not hold")
}

func TestMT_CloneAnnouncesEverythingAndRefreshFiresSyncApplied(t *testing.T) {
	a, b, ann := twoTabs(t)
	a.seed(ready("1", "task", "note"))
	require.JSONEq(t, `{"data":[],"nextCursor":null}`, b.query("task", `{"select":["id"]}`), "b's rows are resident")
	a.tr.clone = fullClone(map[string]string{"task": `[{"id":"task:1","title":"A","status":"active"}]`}, "3")
	a.tr.pull = emptyPull
	require.NoError(t, a.c.Sync().CloneNow(context.Background()))

	var flat []engine.Change
	got := ann.take()
	for _, ch := range got {
		flat = append(flat, ch...)
	}
	require.ElementsMatch(t, []engine.Change{{Resource: "note"}, {Resource: "task"}}, flat,
		"a completed clone is announced as everything, not row by row")
	for _, ch := range flat {
		require.Nil(t, ch.IDs)
	}
	b.ev.reset()
	for _, ch := range got {
		require.NoError(t, b.c.Refresh(context.Background(), ch))
	}
	var applied []string
	for _, ev := range b.ev.all() {
		require.True(t, ev.FromRemoteTab)
		require.Equal(t, protocol.EventSyncApplied, ev.Type)
		applied = append(applied, ev.Context.String())
	}
	// One sync_applied per announced commit: the clone writes each table's
	// last page in its own transaction.
	require.ElementsMatch(t, []string{
		`{"phase":"clone","resources":["note"],"cursors":{"note":"3"}}`,
		`{"phase":"clone","resources":["task"],"cursors":{"task":"3"}}`,
	}, applied)
	require.JSONEq(t, `{"data":[{"id":"task:1"}],"nextCursor":null}`, b.query("task", `{"select":["id"]}`), "b reloaded the table")
	require.Nil(t, b.status().LastError)
}

func TestMT_AnnounceNamesEachRowOnce(t *testing.T) {
	a, b, ann := twoTabs(t)
	a.seed(ready("1", "task", "note"))
	a.tr.pull = func(r protocol.PullRequest) (protocol.PullResult, error) {
		return protocol.PullResult{OK: true, Cursors: map[string]string{"task": "2", "note": "2"},
			Records: map[string][]value.Value{"task": rows(`[{"id":"task:1","title":"A","status":"active"}]`)},
			Merged:  map[string][]value.Value{"task": rows(`[{"id":"task:1","title":"B"}]`)}}, nil
	}
	require.NoError(t, a.c.Sync().PullNow(context.Background()))
	got := ann.take()
	require.Equal(t, [][]engine.Change{{{Resource: "task", IDs: []string{"task:1"}}}}, got)
	b.ev.reset()
	require.NoError(t, b.c.Refresh(context.Background(), got[0]))
	require.Equal(t, []string{
		`{"type":"mutation_applied","resource":"task","ids":["task:1"],"timestampMs":1000,"fromRemoteTab":true}`,
	}, evsJSON(b.ev.all()))
	require.JSONEq(t, `{"data":[{"id":"task:1","title":"B"}],"nextCursor":null}`, b.query("task", `{"select":["id","title"]}`))
}

func TestMT_RefreshAfterCloseFiresNothing(t *testing.T) {
	_, b, _ := twoTabs(t)
	require.NoError(t, b.c.Close(context.Background()))
	b.ev.reset()
	err := b.c.Refresh(context.Background(), []engine.Change{{Resource: "task", IDs: []string{"task:1"}}})
	requireProto(t, err, protocol.CodeInvalid, "Client has been destroyed", "$")
	require.Empty(t, b.ev.all())
}
