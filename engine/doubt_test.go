package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// TestDoubtfulPushIsRestoredAfterAck: a push whose response was lost may
// have been applied before a foreign change that the next pull brings; the
// pull re-applies the pending write on top (§12.5). When the replay is then
// acknowledged, the client fetches the server's row instead of keeping its
// own order of events, which no later pull would correct.
func TestDoubtfulPushIsRestoredAfterAck(t *testing.T) {
	e := newEnv(t, `"pushMaxRetries":0`)
	e.seed(ready("5", "task"))
	e.seed(func(tx engine.WriteTx) error {
		return tx.PutRow("task", value.MustParse(`{"id":"task:1","title":"old","status":"active"}`))
	})
	const merge = `{"resource":"task","version":1,"operation":"merge","id":"task:1","record":{"title":"mine"},"clientId":"c1","mutationId":"m1"}`
	e.seed(entry(merge, 1000))
	e.tr.push = func(protocol.PushRequest) (protocol.PushResult, error) { return protocol.PushResult{}, netErr() }
	require.Error(t, e.c.Sync().PushNow(bg), "the response was lost")

	// The server applied m1 as seq 6, then someone else's merge as seq 7.
	e.tr.pull = func(protocol.PullRequest) (protocol.PullResult, error) {
		return protocol.PullResult{OK: true, Records: map[string][]value.Value{
			"task": rows(`[{"id":"task:1","title":"theirs","status":"active"}]`)},
			Cursors: map[string]string{"task": "7"}}, nil
	}
	require.NoError(t, e.c.Sync().PullNow(bg))
	row, _ := e.row("task", "task:1")
	require.Equal(t, `{"id":"task:1","title":"mine","status":"active"}`, row, "the pending write stays visible")

	e.tr.push = func(protocol.PushRequest) (protocol.PushResult, error) {
		return protocol.PushResult{OK: true, Applied: []string{"m1"}, Cursor: "7", CursorBefore: "7",
			Cursors: map[string]string{"task": "7"}}, nil // the remembered result
	}
	e.tr.query = func(value.Value) (protocol.QueryResult, error) {
		return protocol.RowResult(rows(`[{"id":"task:1","title":"theirs","status":"active"}]`), value.NullValue), nil
	}
	require.NoError(t, e.c.Sync().PushNow(bg))
	require.Zero(t, e.status().Pending)
	require.JSONEq(t, `{"resource":"task","version":1,"filters":{"id":{"$in":["task:1"]}},"limit":100}`, e.tr.ops("query")[0].body)
	row, _ = e.row("task", "task:1")
	require.Equal(t, `{"id":"task:1","title":"theirs","status":"active"}`, row)
	for _, ev := range e.ev.all() {
		require.NotEqual(t, protocol.EventMutationRejected, ev.Type)
	}
}

// TestPushWithoutDoubtRestoresNothing: an acknowledgement of a push that
// never failed costs no query.
func TestPushWithoutDoubtRestoresNothing(t *testing.T) {
	e := newEnv(t, "")
	e.seed(ready("5", "task"))
	e.seed(entry(insertJSON("task:1", "m1", "c1"), 1000))
	seq := 5
	e.tr.push = applyAll(&seq)
	require.NoError(t, e.c.Sync().PushNow(bg))
	require.Empty(t, e.tr.ops("query"))
}

// TestCoveredWriteStaysCoveredAfterLostPush: a write left out as covered by
// a later delete stays left out while that delete is pending, even when a
// newer local insert makes the row exist again. Otherwise, after a lost
// answer (the server may have applied the delete), the write would reach
// the server after its delete (§12.8.2 steps 6 and 9, §12.8.4).
func TestCoveredWriteStaysCoveredAfterLostPush(t *testing.T) {
	e := newEnv(t, `"offlinability":true,"pushMaxRetries":0`)
	e.seed(ready("5", "task"))
	e.seed(entry(`{"resource":"task","version":1,"operation":"merge","id":"task:2","record":{"title":"x"},"clientId":"c1","mutationId":"m1"}`, 1000))
	e.seed(entry(`{"resource":"task","version":1,"operation":"delete","id":"task:2","clientId":"c1","mutationId":"m2"}`, 1000))
	e.tr.push = func(protocol.PushRequest) (protocol.PushResult, error) { return protocol.PushResult{}, netErr() }
	require.Error(t, e.c.Sync().PushNow(bg))
	require.Equal(t, []string{"m2"}, sentIDs(pushBodies(e)[0]))

	r, err := e.table("task").Mutate(bg, value.MustParse(`{"operation":"insert","id":"task:2","record":{"title":"new"}}`))
	require.NoError(t, err)
	require.True(t, r.OK)
	seq := 5
	e.tr.push = applyAll(&seq)
	require.NoError(t, e.c.Sync().PushNow(bg))
	bodies := pushBodies(e)
	require.Equal(t, []string{"m2", r.MutationID}, sentIDs(bodies[len(bodies)-1]), "m1 stays covered by m2")
	require.Zero(t, e.status().Pending)
}

func sentIDs(body value.Value) []string {
	var out []string
	for _, m := range body.Get("mutations").Elems() {
		out = append(out, m.Get("mutationId").Str())
	}
	return out
}
