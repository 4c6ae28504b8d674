//go:build !js

package reliability

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/server/storetest"
	"github.com/datafn/datafn-go/value"
)

// chaosTimeout is the engine clients' request timeout in the chaos runs
// (HTTPPoster.Timeout, 60 s by default): long enough for a real request
// under the race detector, short enough that a held answer costs little.
const chaosTimeout = 400 * time.Millisecond

// chaosPlan sizes one chaos run.
type chaosPlan struct {
	seed  uint64
	steps int
	// inserts bounds each client's inserts per table: 6 clients × 16 + 3
	// shared rows fit one local query page (100 rows).
	inserts int
}

// chaosPlans is the quick run, or the soak run with DATAFN_SOAK=1.
func chaosPlans() []chaosPlan {
	if !soak() {
		return []chaosPlan{{seed: uint64(time.Now().UnixNano()), steps: 40, inserts: 16}}
	}
	var plans []chaosPlan
	for i := range 4 {
		plans = append(plans, chaosPlan{seed: uint64(time.Now().UnixNano()) + uint64(i), steps: 250, inserts: 16})
	}
	return plans
}

// The kinds of chaos client.
const (
	// kindLocal: offlinability, started at once: writes go to the local
	// changelog and are pushed.
	kindLocal = "local"
	// kindRemote: no offlinability, never started: every write is a remote
	// /mutation and every read a remote /query; a failed call is an error.
	kindRemote = "remote"
	// kindQueued: offlinability, never started (nothing hydrated): writes
	// go to /mutation and fall back to the changelog on transport-class
	// failures (§12.4 queued fallback); reads go to /query.
	kindQueued = "queued"
	// kindHydrating: offlinability, started in the middle of the run: a
	// fresh client that clones through the chaos, writing meanwhile.
	kindHydrating = "hydrating"
)

// chaosClient is one engine client of a chaos run.
type chaosClient struct {
	*crashClient
	kind    string
	started bool
	// ownNotes are the note ids this client inserted and did not delete.
	ownNotes []string
	// deleted are the ids this client deleted.
	deleted map[string]bool
	// maybe are the markers of calls that failed: the server may have
	// applied them (once) or not.
	maybe []string
	// rejected are the markers of mutations the server refused.
	rejected []string
	// queries and queryErrs count reads; bad lists wrong read results.
	queries, queryErrs int
	bad                []string
}

func openChaosClient(t *testing.T, p *chaosProxy, id, kind string, seed uint64) *chaosClient {
	t.Helper()
	remote := p.remote(id)
	cfg := `{"schema":` + storetest.FixtureSchema + `,"clientId":"` + id + `","storage":{"type":"memory"},
	  "sync":{"remote":"` + remote + `","offlinability":` + fmt.Sprint(kind != kindRemote) + `,"pushBatchSize":4,
	  "pushRetryBackoff":{"baseDelayMs":5,"multiplier":2,"maxDelayMs":40,"jitterMs":5},
	  "pushIntervalBackoff":{"maxDelayMs":60,"jitterMs":5},"hydration":{"clonePageSize":3}}}`
	tr := engine.NewTransport(&engine.HTTPPoster{Remote: remote, Client: &http.Client{Transport: &http.Transport{}},
		Timeout: chaosTimeout})
	c, err := engine.NewClient(bg, value.MustParse(cfg), engine.Deps{
		Transport:   tr,
		NewMemStore: func(r []string) engine.Storage { return memstore.New(r) },
		Logf:        func(string, ...any) {},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(bg) })
	return &chaosClient{crashClient: &crashClient{id: id, c: c, rng: rand.New(rand.NewPCG(seed, uint64(len(id))))},
		kind: kind, deleted: map[string]bool{}}
}

// ready reports whether task and note are hydrated.
func (cc *chaosClient) ready() bool {
	st, err := cc.c.Sync().Status(bg)
	return err == nil && st.Hydration["task"] == engine.Ready && st.Hydration["note"] == engine.Ready
}

// mutate sends one mutation and records its outcome.
func (cc *chaosClient) mutate(resource, op, id, record, marker string) bool {
	tb, err := cc.c.Table(resource)
	if err != nil {
		panic(err)
	}
	m := `{"operation":"` + op + `","id":"` + id + `"`
	if record != "" {
		m += `,"record":` + record
	}
	r, err := tb.Mutate(bg, value.MustParse(m+"}"))
	switch {
	case err != nil:
		cc.maybe = append(cc.maybe, marker)
		return false
	case !r.OK:
		cc.rejected = append(cc.rejected, fmt.Sprintf("%s %s %s: %+v", marker, op, id, r.Errors))
		return false
	}
	cc.sent = append(cc.sent, sent{clientID: cc.id, mutationID: r.MutationID, resource: resource, op: op,
		id: id, record: record, marker: marker})
	return true
}

// step makes one random mutation whose title or body is a marker unique to
// it, and sometimes reads. A client touches its own rows only where the
// write cannot reach the server before the insert did: on the remote kind
// (an insert resolved ok is on the server) or with both tables hydrated
// (the local path pushes in order). Shared rows are never deleted.
func (cc *chaosClient) step(plan chaosPlan) {
	cc.k++
	marker := fmt.Sprintf("%s#%d", cc.id, cc.k)
	own := cc.kind == kindRemote || cc.ready()
	switch n := cc.rng.IntN(12); {
	case n < 3 && cc.tasks < plan.inserts:
		cc.tasks++
		id := fmt.Sprintf("task:%s-%d", cc.id, cc.tasks)
		if cc.mutate("task", "insert", id, `{"title":"`+marker+`"}`, marker) {
			cc.crashClient.own = append(cc.crashClient.own, id)
		}
	case n < 5 && cc.notes < plan.inserts:
		cc.notes++
		id := fmt.Sprintf("n:%s-%d", cc.id, cc.notes)
		if cc.mutate("note", "insert", id, `{"body":"`+marker+`"}`, marker) {
			cc.ownNotes = append(cc.ownNotes, id)
		}
	case n < 7 && own && len(cc.crashClient.own) > 0:
		id := cc.crashClient.own[cc.rng.IntN(len(cc.crashClient.own))]
		cc.mutate("task", "merge", id, `{"title":"`+marker+`","prio":`+fmt.Sprint(cc.k%6)+`}`, marker)
	case n < 8 && own && len(cc.crashClient.own) > 0:
		i := cc.rng.IntN(len(cc.crashClient.own))
		id := cc.crashClient.own[i]
		cc.crashClient.own = slices.Delete(cc.crashClient.own, i, i+1)
		cc.deleted[id] = true
		cc.mutate("task", "delete", id, "", "del:task:"+id)
	case n < 9 && own && len(cc.ownNotes) > 0:
		i := cc.rng.IntN(len(cc.ownNotes))
		id := cc.ownNotes[i]
		cc.ownNotes = slices.Delete(cc.ownNotes, i, i+1)
		cc.deleted[id] = true
		cc.mutate("note", "delete", id, "", "del:note:"+id)
	default:
		id := fmt.Sprintf("task:shared-%d", cc.rng.IntN(3))
		cc.mutate("task", "merge", id, `{"title":"`+marker+`"}`, marker)
	}
	if cc.rng.IntN(4) == 0 {
		cc.read()
	}
}

// read queries every task. A result that arrives must be well formed:
// objects with string ids, sorted, one page.
func (cc *chaosClient) read() {
	cc.queries++
	tb, err := cc.c.Table("task")
	if err != nil {
		panic(err)
	}
	r, err := tb.Query(bg, value.MustParse(`{"sort":["id"],"limit":100}`))
	if err != nil {
		cc.queryErrs++
		return
	}
	prev := ""
	for _, row := range r.Data {
		id := row.Get("id")
		if row.Kind() != value.Object || id.Kind() != value.String || id.Str() <= prev {
			cc.bad = append(cc.bad, fmt.Sprintf("query row %.200s after %q", row.String(), prev))
			return
		}
		prev = id.Str()
	}
	if !r.NextCursor.IsNull() {
		cc.bad = append(cc.bad, "query nextCursor "+r.NextCursor.String())
	}
}

// hydrate clones until both tables are ready.
func (cc *chaosClient) hydrate(t *testing.T) {
	deadline := time.Now().Add(30 * time.Second)
	for !cc.ready() {
		require.True(t, time.Now().Before(deadline), "%s: not hydrated", cc.id)
		_ = cc.c.Sync().CloneNow(bg)
	}
}

func TestChaosSQLite(t *testing.T) {
	runChaos(t, crashBackend{"sqlite", startSQLite})
}

func TestChaosPostgres(t *testing.T) {
	runChaos(t, crashBackend{"postgres", startPostgres})
}

func runChaos(t *testing.T, b crashBackend) {
	for _, plan := range chaosPlans() {
		t.Run(fmt.Sprintf("seed=%d", plan.seed), func(t *testing.T) {
			t.Logf("%s chaos run: seed %d, %d steps per client", b.name, plan.seed, plan.steps)
			srv, count := b.start(t)
			p := startChaosProxy(t, srv.url(), plan.seed)
			clients := chaosRun(t, p, plan)
			t.Logf("faults injected:%s", p.faultLog())
			checkChaos(t, srv, count, clients)
			for _, op := range chaosOps {
				n := 0
				for f := fPass + 1; f < numFaults; f++ {
					n += p.injected(f, op)
				}
				require.NotZero(t, n, "no fault injected into /%s", op)
			}
			for f := fPass + 1; f < numFaults; f++ {
				n := 0
				for _, op := range chaosOps {
					n += p.injected(f, op)
				}
				require.NotZero(t, n, "fault %s never injected", f)
			}
		})
	}
}

// chaosRun is one run: six clients of the four kinds write and read
// through the proxy; the proxy is healed at the end.
func chaosRun(t *testing.T, p *chaosProxy, plan chaosPlan) []*chaosClient {
	// The shared rows are written before the chaos starts.
	p.healed.Store(true)
	kinds := []string{kindLocal, kindLocal, kindRemote, kindQueued, kindHydrating, kindHydrating}
	var clients []*chaosClient
	for i, kind := range kinds {
		clients = append(clients, openChaosClient(t, p, fmt.Sprintf("%s%d", kind[:1], i), kind, plan.seed+uint64(i)))
	}
	seeder := clients[0]
	require.NoError(t, seeder.c.Sync().Start(bg))
	seeder.started = true
	seeder.hydrate(t)
	for i := range 3 {
		marker := fmt.Sprintf("%s#s%d", seeder.id, i)
		require.True(t, seeder.mutate("task", "insert", fmt.Sprintf("task:shared-%d", i), `{"title":"`+marker+`"}`, marker))
	}
	require.NoError(t, seeder.c.Sync().PushNow(bg))
	p.healed.Store(false)

	// Hydrating clients start when the first local client has made a
	// quarter and a half of its steps.
	startAt := map[int]chan struct{}{plan.steps / 4: make(chan struct{}), plan.steps / 2: make(chan struct{})}
	gates := []chan struct{}{startAt[plan.steps/4], startAt[plan.steps/2]}
	var wg sync.WaitGroup
	for i, cc := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch cc.kind {
			case kindLocal:
				if !cc.started {
					_ = cc.c.Sync().Start(bg)
					cc.started = true
				}
			case kindHydrating:
				<-gates[i-4]
				_ = cc.c.Sync().Start(bg)
				cc.started = true
			}
			for n := range plan.steps {
				if i == 0 {
					if g, ok := startAt[n]; ok {
						close(g)
					}
				}
				cc.step(plan)
				switch {
				case cc.kind == kindQueued && n%6 == 5:
					_ = cc.c.Sync().PushNow(bg)
				case cc.started && n%5 == 4 && !cc.ready():
					// The clone of Start failed: clone again.
					_ = cc.c.Sync().CloneNow(bg)
				case cc.started && n%5 == 2:
					_ = cc.c.Sync().PullNow(bg)
				}
				time.Sleep(time.Duration(2+cc.rng.IntN(8)) * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	p.heal()
	return clients
}

// checkChaos settles every client and checks the invariants of the crash
// runs.
func checkChaos(t *testing.T, srv *serverProc, count changeCounter, clients []*chaosClient) {
	ccs, maybe := settle(t, clients)
	checkConverged(t, srv, count, ccs, maybe)
	// How the calls whose outcome was unknown, and the writes of deleted
	// rows, ended on the server.
	counts := count(t)
	var failedIn, failedOut, delIn, delOut int
	for _, cc := range clients {
		for _, m := range cc.maybe {
			if counts[m] > 0 {
				failedIn++
			} else {
				failedOut++
			}
		}
		if cc.kind == kindRemote {
			continue
		}
		for _, s := range cc.sent {
			if cc.deleted[s.id] && counts[s.marker] > 0 {
				delIn++
			} else if cc.deleted[s.id] {
				delOut++
			}
		}
	}
	t.Logf("failed calls: %d applied, %d not; writes of rows their queuing client deleted: %d on the server, %d compacted away",
		failedIn, failedOut, delIn, delOut)
}

// settle starts and hydrates every client and drains its changelog. It
// returns the crash clients for the checks and the markers that may have
// one change row or none: calls that failed, which the server may have
// applied once or not at all, and writes of a queuing client to a row the
// same client later deleted (the push leaves them out when they are in one
// batch with the delete, §12.8.2 step 6). Refused mutations must not be on
// the server.
func settle(t *testing.T, clients []*chaosClient) ([]*crashClient, map[string]bool) {
	var ccs []*crashClient
	maybe := map[string]bool{}
	maybes, rejected, queries, queryErrs, bad := 0, 0, 0, 0, 0
	for _, cc := range clients {
		require.Empty(t, cc.bad, "%s: wrong read results returned as a success", cc.id)
		if !cc.started {
			require.NoError(t, cc.c.Sync().Start(bg))
			cc.started = true
		}
		cc.hydrate(t)
		ccs = append(ccs, cc.crashClient)
		for _, m := range cc.maybe {
			maybe[m] = true
		}
		if cc.kind != kindRemote {
			for _, s := range cc.sent {
				if cc.deleted[s.id] {
					maybe[s.marker] = true
				}
			}
		}
		maybes += len(cc.maybe)
		rejected += len(cc.rejected)
		queries += cc.queries
		queryErrs += cc.queryErrs
		bad += len(cc.bad)
		for _, r := range cc.rejected {
			t.Logf("%s: refused: %s", cc.id, r)
		}
	}
	t.Logf("%d calls failed (outcome unknown to the client), %d refused; %d queries: %d failed, %d wrong results returned",
		maybes, rejected, queries, queryErrs, bad)
	drainAll(t, ccs)
	return ccs, maybe
}

// TestChaosCheckerSeesDefects makes sure the chaos run can fail: a proxy
// that sends the second copy of a duplicated push or remote mutation under
// new mutationIds (so idempotency cannot catch it) must leave markers with
// two change rows, and a proxy that acknowledges pushes it never forwarded
// must leave resolved mutations without a change row.
func TestChaosCheckerSeesDefects(t *testing.T) {
	plan := chaosPlan{seed: uint64(time.Now().UnixNano()), steps: 16, inserts: 16}
	t.Run("duplicated push bypassing idempotency", func(t *testing.T) {
		srv, count := startSQLite(t)
		p := startChaosProxy(t, srv.url(), plan.seed)
		p.evilDup, p.only = true, []fault{fDupSeq, fDupConc}
		clients := chaosRun(t, p, plan)
		ccs, maybe := settle(t, clients)
		dup, _ := checkOnce(count(t), wantMarkers(ccs), maybe)
		t.Logf("faults injected:%s\nreported: %d duplicated markers", p.faultLog(), len(dup))
		require.NotEmpty(t, dup)
	})
	t.Run("push acknowledged without forwarding", func(t *testing.T) {
		srv, count := startSQLite(t)
		p := startChaosProxy(t, srv.url(), plan.seed)
		p.evilAck, p.only = true, []fault{f5xxBefore}
		clients := chaosRun(t, p, plan)
		ccs, maybe := settle(t, clients)
		_, missing := checkOnce(count(t), wantMarkers(ccs), maybe)
		t.Logf("reported: %d resolved mutations missing", len(missing))
		require.NotEmpty(t, missing)
	})
}
