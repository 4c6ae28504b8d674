//go:build !(js && wasm)

package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/value"
)

// fastRetries makes push retries cost milliseconds instead of seconds.
const fastRetries = `,"offlinability":true,"pushRetryBackoff":{"baseDelayMs":1,"multiplier":2,"maxDelayMs":5,"jitterMs":0},` +
	`"pushIntervalBackoff":{"maxDelayMs":5,"jitterMs":0}`

// faultTimeoutMs is the request timeout of clients under fault injection:
// long enough for a real request under the race detector, short enough that
// a timed-out request costs little.
const faultTimeoutMs = 250

// sentMutation is a mutation a client's mutate resolved with ok: true.
type sentMutation struct {
	client, table, id, op, mid string
}

func (m sentMutation) key() string { return m.client + "/" + m.mid }

// mutateOK runs one mutation and requires that it resolved ok.
func mutateOK(t *testing.T, c *simClient, table, m string) sentMutation {
	t.Helper()
	tb, err := c.c.Table(table)
	require.NoError(t, err)
	v := value.MustParse(m)
	r, err := tb.Mutate(bg, v)
	require.NoError(t, err, m)
	require.True(t, r.OK, "%s: %+v", m, r)
	return sentMutation{c.c.ClientID(), table, v.Get("id").Str(), v.Get("operation").Str(), r.MutationID}
}

// drain pushes until the changelog is empty; failures on the way are the
// injected faults.
func drain(t *testing.T, c *simClient) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for c.pending(t) > 0 {
		require.True(t, time.Now().Before(deadline), "changelog of %s not drained", c.c.ClientID())
		_ = c.c.Sync().PushNow(bg)
	}
}

// retry runs fn until it succeeds.
func retry(t *testing.T, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := fn()
		if err == nil {
			return
		}
		require.True(t, time.Now().Before(deadline), "%s: %v", what, err)
	}
}

// hydrate clones until every table is ready.
func hydrate(t *testing.T, c *simClient) {
	t.Helper()
	retry(t, "clone", func() error {
		for _, h := range c.hydration(t) {
			if h != engine.Ready {
				return c.c.Sync().CloneNow(bg)
			}
		}
		return nil
	})
}

// TestFaults_EveryMutationOnceOnServer injects each transport fault into
// every other request of a client's first requests (clone, push, pull and
// remote /mutation alike). The local-path client "L" queues its writes and
// pushes them with retries; the remote-path client "R" (stopped, nothing
// hydrated) falls back to queueing when a /mutation fails (§12.4, D28). In
// the end every mutation is on the server exactly once, both changelogs are
// empty and both local tables equal the server's.
func TestFaults_EveryMutationOnceOnServer(t *testing.T) {
	for f := faultLostRequest; f < numFaults; f++ {
		t.Run(f.String(), func(t *testing.T) {
			srv := startRecServer(t)
			pick := func(_ string, n int) fault {
				if n%2 == 0 && n < 8 {
					return f
				}
				return faultNone
			}
			rtL := &faultRT{next: http.DefaultTransport, pick: pick}
			rtR := &faultRT{next: http.DefaultTransport, pick: pick}
			timeout := faultTimeoutMs * time.Millisecond
			opts := fastRetries + `,"pushBatchSize":3`
			l := openSim(t, srv.URL, "L", opts, faultTransport(srv.URL, rtL, timeout), nil)
			r := openSim(t, srv.URL, "R", opts, faultTransport(srv.URL, rtR, timeout), nil)

			require.NoError(t, l.c.Sync().Start(bg))
			hydrate(t, l)
			var sent []sentMutation
			for i := 0; i < 6; i++ {
				sent = append(sent, mutateOK(t, l, "task", fmt.Sprintf(`{"operation":"insert","id":"task:L%d","record":{"title":"L-ins-%d"}}`, i, i)))
			}
			for i := 0; i < 3; i++ {
				sent = append(sent, mutateOK(t, l, "note", fmt.Sprintf(`{"operation":"insert","id":"n:L%d","record":{"body":"L-ins-%d"}}`, i, i)))
			}
			for i := 0; i < 3; i++ {
				sent = append(sent, mutateOK(t, l, "task", fmt.Sprintf(`{"operation":"merge","id":"task:L%d","record":{"title":"L-mrg-%d"}}`, i, i)))
			}
			sent = append(sent, mutateOK(t, l, "task", `{"operation":"delete","id":"task:L5"}`),
				mutateOK(t, l, "note", `{"operation":"delete","id":"n:L2"}`))
			drain(t, l)

			for i := 0; i < 4; i++ {
				sent = append(sent, mutateOK(t, r, "task", fmt.Sprintf(`{"operation":"insert","id":"task:R%d","record":{"title":"R-ins-%d"}}`, i, i)))
			}
			sent = append(sent, mutateOK(t, r, "note", `{"operation":"insert","id":"n:R0","record":{"body":"R"}}`),
				mutateOK(t, r, "task", `{"operation":"merge","id":"task:L3","record":{"title":"R-mrg-3"}}`),
				mutateOK(t, r, "task", `{"operation":"delete","id":"task:L4"}`))
			drain(t, r)

			retry(t, "pull L", func() error { return l.c.Sync().PullNow(bg) })
			retry(t, "clone R", func() error { return r.c.Sync().CloneNow(bg) })

			requireFaultsHit(t, f, rtL, "clone", "push")
			requireFaultsHit(t, f, rtR, "mutation", "push")
			requireOnceEach(t, srv, sent)
			for _, c := range []*simClient{l, r} {
				require.Zero(t, c.pending(t))
				for _, table := range []string{"task", "note"} {
					require.Empty(t, diffRows(srv.rows(t, table), localRows(t, c.store, table)), "%s %s", c.c.ClientID(), table)
				}
			}
		})
	}
}

// requireFaultsHit checks that the fault was really injected into requests
// of each named operation.
func requireFaultsHit(t *testing.T, f fault, rt *faultRT, ops ...string) {
	t.Helper()
	inj := strings.Join(rt.injected(), " ")
	for _, op := range ops {
		require.Contains(t, inj, op+":"+f.String(), "injected: %s", inj)
	}
}

// requireOnceEach checks that each sent mutation, all of which change
// something, was applied on the server exactly once: one idempotency record
// with ok, one change row of its own, and one change row per (resource, id,
// op) in the feed, as no two sent mutations share one.
func requireOnceEach(t *testing.T, srv *recServer, sent []sentMutation) {
	t.Helper()
	byKey := srv.requireExactlyOnce(t)
	for _, m := range sent {
		a, ok := byKey[m.key()]
		require.True(t, ok, "mutation %+v never reached the server", m)
		require.True(t, a.ok, "mutation %+v failed on the server", m)
		require.Len(t, a.changes, 1, "mutation %+v", m)
	}
	perOp := map[string]int{}
	for _, c := range srv.changes(t) {
		perOp[c.Resource+" "+c.ID+" "+c.Op]++
	}
	for _, m := range sent {
		require.Equal(t, 1, perOp[m.table+" "+m.id+" "+m.op], "change rows of %s %s %s", m.table, m.id, m.op)
	}
	require.Len(t, srv.changes(t), len(sent))
}
