//go:build !js

package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/server/storetest"
	"github.com/datafn/datafn-go/value"
)

var bg = context.Background()

// crashPlan sizes one crash run.
type crashPlan struct {
	seed  uint64
	kills int
	// inserts bounds each client's inserts per table, so that every table
	// fits one local query page (100 rows).
	inserts int
}

// crashPlans is the quick run, or the soak run with DATAFN_SOAK=1.
func crashPlans() []crashPlan {
	if !soak() {
		return []crashPlan{{seed: uint64(time.Now().UnixNano()), kills: 12, inserts: 15}}
	}
	var plans []crashPlan
	for i := range 5 {
		plans = append(plans, crashPlan{seed: uint64(time.Now().UnixNano()) + uint64(i), kills: 25, inserts: 30})
	}
	return plans
}

// countingTransport counts pushes in flight, so the killer can strike
// while one is.
type countingTransport struct {
	engine.Transport
	n *pushCounts
}

// pushCounts are the pushes in flight, sent and failed of every client.
type pushCounts struct{ inflight, sent, failed atomic.Int32 }

func (c countingTransport) Push(ctx context.Context, req protocol.PushRequest) (protocol.PushResult, error) {
	c.n.inflight.Add(1)
	defer c.n.inflight.Add(-1)
	c.n.sent.Add(1)
	res, err := c.Transport.Push(ctx, req)
	if err != nil {
		c.n.failed.Add(1)
	}
	return res, err
}

// sent is one mutation a client's Mutate resolved ok.
type sent struct {
	clientID, mutationID string
	resource, op, id     string
	record               string
	marker               string
}

// crashClient is one native engine client with offlinability.
type crashClient struct {
	id  string
	c   *engine.Client
	rng *rand.Rand
	// own are the task ids this client inserted.
	own             []string
	tasks, notes, k int
	sent            []sent
}

func openCrashClient(t *testing.T, remote, id string, pushing *pushCounts, seed uint64) *crashClient {
	t.Helper()
	cfg := `{"schema":` + storetest.FixtureSchema + `,"clientId":"` + id + `","storage":{"type":"memory"},
	  "sync":{"remote":"` + remote + `","offlinability":true,"pushBatchSize":4,
	  "pushRetryBackoff":{"baseDelayMs":10,"multiplier":2,"maxDelayMs":80,"jitterMs":5}}}`
	c, err := engine.NewClient(bg, value.MustParse(cfg), engine.Deps{
		Transport:   countingTransport{engine.NewHTTPTransport(remote, nil), pushing},
		NewMemStore: func(r []string) engine.Storage { return memstore.New(r) },
		Logf:        func(string, ...any) {},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(bg) })
	return &crashClient{id: id, c: c, rng: rand.New(rand.NewPCG(seed, uint64(len(id))))}
}

// mutate sends one mutation and records it when it resolved ok.
func (cc *crashClient) mutate(resource, op, id, record, marker string) error {
	tb, err := cc.c.Table(resource)
	if err != nil {
		return err
	}
	r, err := tb.Mutate(bg, value.MustParse(`{"operation":"`+op+`","id":"`+id+`","record":`+record+`}`))
	if err != nil {
		return err
	}
	if !r.OK {
		return fmt.Errorf("%s %s %s: %+v", op, id, record, r.Errors)
	}
	cc.sent = append(cc.sent, sent{clientID: cc.id, mutationID: r.MutationID, resource: resource, op: op,
		id: id, record: record, marker: marker})
	return nil
}

// step makes one random mutation whose title or body is a marker unique to it.
func (cc *crashClient) step(plan crashPlan) error {
	cc.k++
	marker := fmt.Sprintf("%s#%d", cc.id, cc.k)
	switch n := cc.rng.IntN(10); {
	case n < 3 && cc.tasks < plan.inserts:
		cc.tasks++
		id := fmt.Sprintf("task:%s-%d", cc.id, cc.tasks)
		cc.own = append(cc.own, id)
		return cc.mutate("task", "insert", id, `{"title":"`+marker+`"}`, marker)
	case n < 5 && cc.notes < plan.inserts:
		cc.notes++
		return cc.mutate("note", "insert", fmt.Sprintf("n:%s-%d", cc.id, cc.notes), `{"body":"`+marker+`"}`, marker)
	case n < 7 && len(cc.own) > 0:
		id := cc.own[cc.rng.IntN(len(cc.own))]
		return cc.mutate("task", "merge", id, `{"title":"`+marker+`","prio":`+fmt.Sprint(cc.k%6)+`}`, marker)
	default:
		id := fmt.Sprintf("task:shared-%d", cc.rng.IntN(3))
		return cc.mutate("task", "merge", id, `{"title":"`+marker+`"}`, marker)
	}
}

// crashBackend starts a server process on a fresh database and opens the
// database's change log for counting.
type crashBackend struct {
	name  string
	start func(t *testing.T) (*serverProc, changeCounter)
}

// changeCounter returns the number of change rows per marker (the title of
// a task change, the body of a note change) in namespace "datafn".
type changeCounter func(t *testing.T) map[string]int

func TestCrashSQLite(t *testing.T) {
	runCrash(t, crashBackend{"sqlite", startSQLite})
}

func TestCrashPostgres(t *testing.T) {
	runCrash(t, crashBackend{"postgres", startPostgres})
}

func runCrash(t *testing.T, b crashBackend) {
	for _, plan := range crashPlans() {
		t.Run(fmt.Sprintf("seed=%d", plan.seed), func(t *testing.T) {
			t.Logf("%s crash run: seed %d, %d kills", b.name, plan.seed, plan.kills)
			srv, count := b.start(t)
			crashRun(t, srv, count, plan)
		})
	}
}

// crashRun is one run: three clients write while the server is killed
// plan.kills times during pushes, then every invariant is checked.
func crashRun(t *testing.T, srv *serverProc, count changeCounter, plan crashPlan) {
	remote := srv.url() + "/datafn"
	var pushing pushCounts
	var clients []*crashClient
	for i := range 3 {
		cc := openCrashClient(t, remote, fmt.Sprintf("c%d", i), &pushing, plan.seed+uint64(i))
		require.NoError(t, cc.c.Sync().Start(bg))
		clients = append(clients, cc)
	}
	for i := range 3 {
		require.NoError(t, clients[0].mutate("task", "insert", fmt.Sprintf("task:shared-%d", i), `{"title":"c0#s`+fmt.Sprint(i)+`"}`, "c0#s"+fmt.Sprint(i)))
	}
	require.NoError(t, clients[0].c.Sync().PushNow(bg))
	for _, cc := range clients {
		require.NoError(t, cc.c.Sync().PullNow(bg))
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	for _, cc := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-done:
					if n >= 20 {
						return
					}
				default:
				}
				if err := cc.step(plan); err != nil {
					errs <- fmt.Errorf("%s: %w", cc.id, err)
					return
				}
				time.Sleep(time.Duration(2+cc.rng.IntN(15)) * time.Millisecond)
			}
		}()
	}
	killer := rand.New(rand.NewPCG(plan.seed, 99))
	// inFlightAtKill sums the pushes in flight at the moments of the kills.
	inFlightAtKill := 0
	for range plan.kills {
		deadline := time.Now().Add(20 * time.Second)
		for pushing.inflight.Load() == 0 {
			require.True(t, time.Now().Before(deadline), "no push in flight")
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(killer.IntN(3000)) * time.Microsecond)
		inFlightAtKill += int(pushing.inflight.Load())
		srv.kill()
		time.Sleep(time.Duration(killer.IntN(150)) * time.Millisecond)
		srv.start()
	}
	close(done)
	wg.Wait()
	t.Logf("%d pushes during the kills, %d failed, %d in flight at the kills", pushing.sent.Load(),
		pushing.failed.Load(), inFlightAtKill)
	require.NotZero(t, inFlightAtKill, "no kill hit a push in flight")
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	checkAfterCrashes(t, srv, count, clients)
}

// checkAfterCrashes drains every client and checks the invariants.
func checkAfterCrashes(t *testing.T, srv *serverProc, count changeCounter, clients []*crashClient) {
	drainAll(t, clients)
	checkConverged(t, srv, count, clients, nil)
}

// drainAll pushes each client until its changelog is empty.
func drainAll(t *testing.T, clients []*crashClient) {
	for _, cc := range clients {
		deadline := time.Now().Add(30 * time.Second)
		for {
			err := cc.c.Sync().PushNow(bg)
			st, serr := cc.c.Sync().Status(bg)
			require.NoError(t, serr)
			if err == nil && st.Pending == 0 {
				break
			}
			require.True(t, time.Now().Before(deadline), "%s: changelog not drained: %v, %d pending", cc.id, err, st.Pending)
			time.Sleep(20 * time.Millisecond)
		}
		log, err := cc.c.Changelog(bg, 0)
		require.NoError(t, err)
		require.Empty(t, log, "%s changelog", cc.id)
	}
}

// checkConverged checks the invariants once every client is drained: the
// pull fold equals a full clone and every client's tables; every mutation
// resolved ok wrote exactly one change row, or at most one when its marker
// is in maybe; no change row belongs to no mutation; re-pushing every
// applied mutation writes nothing.
func checkConverged(t *testing.T, srv *serverProc, count changeCounter, clients []*crashClient, maybe map[string]bool) {
	total := 0
	for _, cc := range clients {
		total += len(cc.sent)
	}
	t.Logf("%d mutations resolved ok; server started %d times", total, srv.runs)

	// The change feed folded from "0" equals a full clone, and every client.
	fold := foldPull(t, srv)
	clone := cloneAll(t, srv)
	require.Equal(t, clone, fold, "pull from 0 folded vs full clone")
	for _, cc := range clients {
		require.NoError(t, cc.c.Sync().PullNow(bg))
		require.Equal(t, clone, clientRows(t, cc.c), "%s tables vs server clone", cc.id)
	}

	// Every mutation wrote exactly one change row, and nothing else did.
	counts := count(t)
	dup, missing := checkOnce(counts, wantMarkers(clients), maybe)
	require.Empty(t, dup, "change rows not written exactly once by a resolved mutation")
	require.Empty(t, missing, "resolved mutations without a change row")

	// Every mutation applied is remembered: pushing it again writes
	// nothing and reports it applied.
	for _, cc := range clients {
		checkIdempotent(t, srv, cc, counts)
	}
}

// wantMarkers are the markers of the mutations the clients resolved ok.
func wantMarkers(clients []*crashClient) map[string]int {
	want := map[string]int{}
	for _, cc := range clients {
		for _, s := range cc.sent {
			want[s.marker] = 1
		}
	}
	return want
}

// checkIdempotent pushes every mutation of cc again with its mutationId
// that wrote a change row (counts by marker).
func checkIdempotent(t *testing.T, srv *serverProc, cc *crashClient, counts map[string]int) {
	var ms, ids []string
	for _, s := range cc.sent {
		if counts[s.marker] == 0 {
			continue
		}
		record := ""
		if s.record != "" {
			record = `"record":` + s.record + `,`
		}
		ms = append(ms, `{"resource":"`+s.resource+`","version":1,"operation":"`+s.op+`","id":"`+s.id+
			`",`+record+`"clientId":"`+s.clientID+`","mutationId":"`+s.mutationID+`"}`)
		ids = append(ids, `"`+s.mutationID+`"`)
	}
	for len(ms) > 0 {
		n := min(len(ms), 500)
		res := srv.post("push", `{"clientId":"`+cc.id+`","mutations":[`+strings.Join(ms[:n], ",")+`]}`, "").result(t)
		require.Equal(t, "[]", res.Get("errors").String(), cc.id)
		require.Equal(t, res.Get("cursorBefore").Str(), res.Get("cursor").Str(), "%s: a re-push wrote changes", cc.id)
		require.Equal(t, "["+strings.Join(ids[:n], ",")+"]", res.Get("applied").String())
		ms, ids = ms[n:], ids[n:]
	}
}

// rowsByTable is table → id → canonical row JSON.
type rowsByTable map[string]map[string]string

// canonical is the JSON of v with object keys sorted.
func canonical(v value.Value) string {
	switch v.Kind() {
	case value.Object:
		keys := append([]string{}, v.Keys()...)
		slices.Sort(keys)
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(value.Str(k).String() + ":" + canonical(v.Get(k)))
		}
		return b.String() + "}"
	case value.Array:
		parts := make([]string, 0, v.Len())
		for _, e := range v.Elems() {
			parts = append(parts, canonical(e))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return v.String()
}

// foldPull pulls task and note from "0" page by page and folds the changes.
func foldPull(t *testing.T, srv *serverProc) rowsByTable {
	rows := rowsByTable{"task": {}, "note": {}}
	full := map[string]value.Value{}
	cursors := `{"task":"0","note":"0"}`
	for range 10000 {
		res := srv.post("pull", `{"clientId":"verifier","cursors":`+cursors+`,"limit":37}`, "").result(t)
		for table := range rows {
			for _, r := range res.Get("records").Get(table).Elems() {
				full[table+"\x00"+r.Get("id").Str()] = r
			}
			for _, r := range res.Get("merged").Get(table).Elems() {
				key := table + "\x00" + r.Get("id").Str()
				base, ok := full[key]
				require.True(t, ok, "merged row %s without a full row before it", r.Get("id").Str())
				for _, k := range r.Keys() {
					base = base.With(k, r.Get(k))
				}
				full[key] = base
			}
			for _, id := range res.Get("deleted").Get(table).Elems() {
				delete(full, table+"\x00"+id.Str())
			}
		}
		cursors = res.Get("cursors").String()
		if !res.Get("hasMore").Bool() {
			for key, r := range full {
				table, id, _ := strings.Cut(key, "\x00")
				rows[table][id] = canonical(r)
			}
			return rows
		}
	}
	t.Fatal("pull never ended")
	return nil
}

// cloneAll is a full clone of task and note.
func cloneAll(t *testing.T, srv *serverProc) rowsByTable {
	res := srv.post("clone", `{"clientId":"verifier","tables":["task","note"]}`, "").result(t)
	rows := rowsByTable{}
	for _, table := range []string{"task", "note"} {
		rows[table] = map[string]string{}
		for _, r := range res.Get("data").Get(table).Elems() {
			rows[table][r.Get("id").Str()] = canonical(r)
		}
	}
	return rows
}

// clientRows is every row of the client's task and note tables.
func clientRows(t *testing.T, c *engine.Client) rowsByTable {
	rows := rowsByTable{}
	for _, table := range []string{"task", "note"} {
		tb, err := c.Table(table)
		require.NoError(t, err)
		r, err := tb.Query(bg, value.MustParse(`{"sort":["id"],"limit":100}`))
		require.NoError(t, err)
		require.True(t, r.NextCursor.IsNull(), "more than one page")
		rows[table] = map[string]string{}
		for _, row := range r.Data {
			rows[table][row.Get("id").Str()] = canonical(row)
		}
	}
	return rows
}

// markerOf is the marker a change row's data carries: the title of a task,
// the body of a note, and for a delete "del:<resource>:<id>".
func markerOf(resource, id, op, data string) string {
	if op == "delete" {
		return "del:" + resource + ":" + id
	}
	if data == "" {
		return ""
	}
	v, err := value.Parse([]byte(data))
	if err != nil {
		return "unparsable:" + data
	}
	if resource == "note" {
		return v.Get("body").Str()
	}
	return v.Get("title").Str()
}

// exactlyOnce compares change rows per marker with the markers of resolved
// mutations: dup lists markers written more than once or by no resolved
// mutation, missing the resolved mutations without a change row.
func exactlyOnce(counts, want map[string]int) (dup, missing []string) {
	return checkOnce(counts, want, nil)
}

// checkOnce is exactlyOnce where the markers in maybe may have one change
// row or none (a call whose outcome the client never learnt, or a write a
// later delete covered).
func checkOnce(counts, want map[string]int, maybe map[string]bool) (dup, missing []string) {
	for m, n := range counts {
		if n != 1 || (want[m] == 0 && !maybe[m]) {
			dup = append(dup, fmt.Sprintf("%s×%d", m, n))
		}
	}
	for m := range want {
		if counts[m] == 0 && !maybe[m] {
			missing = append(missing, m)
		}
	}
	slices.Sort(dup)
	slices.Sort(missing)
	return dup, missing
}

// TestCrashCheckerSeesDuplicates makes sure the exactly-once check can
// fail: a change applied twice under two mutationIds, a resolved mutation
// without its change row, and a change of no resolved mutation are found.
func TestCrashCheckerSeesDuplicates(t *testing.T) {
	srv, count := startSQLite(t)
	m := func(op, record, mid string) string {
		return `{"resource":"task","version":1,"operation":"` + op + `","id":"task:1","record":` + record +
			`,"clientId":"c1","mutationId":"` + mid + `"}`
	}
	srv.post("mutation", m("insert", `{"title":"c1#1"}`, "a"), "").result(t)
	srv.post("mutation", m("merge", `{"title":"c1#2"}`, "b"), "").result(t)
	srv.post("mutation", m("merge", `{"title":"c1#2"}`, "c"), "").result(t)
	srv.post("mutation", m("merge", `{"title":"c1#9"}`, "d"), "").result(t)
	dup, missing := exactlyOnce(count(t), map[string]int{"c1#1": 1, "c1#2": 1, "c1#3": 1})
	require.Equal(t, []string{"c1#2×2", "c1#9×1"}, dup)
	require.Equal(t, []string{"c1#3"}, missing)
}
