//go:build !(js && wasm)

package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// fuzzPoster answers the first request with a fuzzed status and body and
// every later one with a network failure, counting the requests.
type fuzzPoster struct {
	mu     sync.Mutex
	status int
	body   []byte
	calls  int
}

func (p *fuzzPoster) Post(_ context.Context, _ string, _ []byte) (int, string, []byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.calls > 1 {
		return 0, "", nil, netErr()
	}
	return p.status, "Status Text", p.body, nil
}

func (p *fuzzPoster) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// fuzzOp names what FuzzResponse and FuzzSyncResponse ask the server for.
var fuzzOp = []string{"query", "mutation", "mutations", "clone", "pull", "push"}

// requireProtocolErr requires a *protocol.Error with a code and a path, as
// every failure the engine hands to the application must be. An error the
// server sent (in body, the response; nil when there is none) is passed
// through verbatim (§9.5, TR-4), even when the server left its code or path
// empty: an envelope's or a clone or pull result's error with its
// details.path (else "$"), or a push result's error with its path.
func requireProtocolErr(t *testing.T, err error, body []byte) *protocol.Error {
	t.Helper()
	pe, ok := err.(*protocol.Error)
	require.True(t, ok, "want *protocol.Error, got %T %v", err, err)
	for _, e := range serverErrors(body) {
		if pe.Code == e.Code && pe.Message == e.Message && pe.Path == e.Path {
			return pe
		}
	}
	require.NotEmpty(t, pe.Path, "error without a path: %#v", pe)
	require.NotEmpty(t, pe.Code, "error without a code: %#v", pe)
	return pe
}

// serverErrors lists the errors a response carries, as the client reads
// them.
func serverErrors(body []byte) []protocol.Error {
	v, err := value.Parse(body)
	if err != nil {
		return nil
	}
	var out []protocol.Error
	for _, e := range []value.Value{v.Get("error"), v.Get("result").Get("error")} {
		if e.Get("code").Kind() == value.String && e.Get("message").Kind() == value.String {
			path := "$"
			if p := e.Get("details").Get("path"); p.Kind() == value.String {
				path = p.Str()
			}
			out = append(out, protocol.Error{Code: protocol.Code(e.Get("code").Str()), Message: e.Get("message").Str(), Path: path})
		}
	}
	var r protocol.PushResult
	if json.Unmarshal(v.Get("result").JSON(), &r) == nil {
		for _, e := range r.Errors {
			out = append(out, protocol.Error{Code: e.Code, Message: e.Message, Path: e.Path})
		}
	}
	return out
}

// FuzzResponse hands any status and body to the transport's response
// handling (§9.5) for each operation. A response never panics the client:
// it is an error with a code and a path, or a result of the operation's
// shape (query: data or groups; clone and pull: integer-string cursors;
// push: an applied list and an empty or integer-string cursor; mutation: a
// mutationId). A non-JSON body is TRANSPORT_ERROR: "HTTP Error <status>"
// on a non-2xx status, "unexpected response shape" on a 2xx one. The
// outcome is the same every time.
func FuzzResponse(f *testing.F) {
	f.Add(uint8(0), uint16(200), []byte(`{"ok":true,"result":{"data":[{"id":"task:1"}],"nextCursor":null,"count":1}}`))
	f.Add(uint8(4), uint16(200), []byte(`{"ok":true,"result":{"ok":true,"records":{"task":[]},"merged":{},"deleted":{},"cursors":{"task":"x"},"hasMore":false}}`))
	f.Add(uint8(5), uint16(502), []byte(`<html>bad gateway</html>`))
	q := value.MustParse(`{"resource":"task","version":1}`)
	m := value.MustParse(`{"resource":"task","version":1,"operation":"delete","id":"task:1","clientId":"c","mutationId":"m"}`)
	f.Fuzz(func(t *testing.T, op uint8, status uint16, body []byte) {
		name := fuzzOp[int(op)%len(fuzzOp)]
		run := func() (string, error) {
			tr := engine.NewTransport(&fuzzPoster{status: int(status), body: body})
			ctx := context.Background()
			var res any
			var err error
			switch name {
			case "query":
				var r protocol.QueryResult
				if r, err = tr.Query(ctx, q); err == nil {
					require.True(t, (r.Data != nil) != (r.Groups != nil), "query result with data %v and groups %v", r.Data, r.Groups)
				}
				res = r
			case "mutation":
				var r protocol.MutationResult
				r, err = tr.Mutation(ctx, m)
				res = r
			case "mutations":
				var r []protocol.MutationResult
				if r, err = tr.Mutations(ctx, []value.Value{m, m}); err == nil {
					require.Len(t, r, 2)
				}
				res = r
			case "clone":
				var r protocol.CloneResult
				if r, err = tr.Clone(ctx, protocol.CloneRequest{ClientID: "c"}); err == nil {
					requireCursors(t, r.Cursors)
				}
				res = r
			case "pull":
				var r protocol.PullResult
				if r, err = tr.Pull(ctx, protocol.PullRequest{ClientID: "c", Cursors: map[string]string{"task": "0"}}); err == nil {
					requireCursors(t, r.Cursors)
				}
				res = r
			case "push":
				var r protocol.PushResult
				if r, err = tr.Push(ctx, protocol.PushRequest{ClientID: "c", Mutations: []value.Value{m}}); err == nil {
					require.NotNil(t, r.Applied)
					if r.Cursor != "" {
						_, ok := protocol.ParseCursor(r.Cursor)
						require.True(t, ok, "push cursor %q", r.Cursor)
					}
				}
				res = r
			}
			if err != nil {
				return string(protocol.ErrorEnvelope(requireProtocolErr(t, err, body))), err
			}
			b, jerr := json.Marshal(res)
			require.NoError(t, jerr, "result does not encode")
			return string(b), nil
		}
		out, err := run()
		again, _ := run()
		require.Equal(t, out, again, "response handling is not deterministic")
		if _, perr := value.Parse(body); perr != nil {
			pe := requireProtocolErr(t, err, nil)
			require.Equal(t, protocol.CodeTransport, pe.Code)
			if status < 200 || status > 299 {
				require.Equal(t, fmt.Sprintf("HTTP Error %d: Status Text", status), pe.Message)
			} else {
				require.Equal(t, "Transport error: unexpected response shape", pe.Message)
			}
		}
	})
}

func requireCursors(t *testing.T, c map[string]string) {
	t.Helper()
	for k, s := range c {
		_, ok := protocol.ParseCursor(s)
		require.True(t, ok, "cursor %s = %q", k, s)
	}
}

// FuzzConfig validates arbitrary client configurations (§9.3). A rejection
// carries a code (DFQL_INVALID, or a schema code for config.schema), a path
// and a message, the same every time; an accepted configuration has a known
// mode and the defaults' invariants.
func FuzzConfig(f *testing.F) {
	f.Add([]byte(`{"schema":` + fixtureS + `,"clientId":"c1","storage":{"type":"memory"},"sync":{"remote":"http://h/datafn/","offlinability":true,"pushBatchSize":4,"pullBatchSize":7}}`))
	f.Add([]byte(`{"schema":` + fixtureS + `,"sync":{"mode":"local-only","hydration":{"bootResources":["task"],"clonePageSize":{"task":5}}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		v, err := value.Parse(doc)
		if err != nil {
			return
		}
		c, err := engine.ParseConfig(v)
		_, err2 := engine.ParseConfig(v)
		if err != nil {
			pe := requireProtocolErr(t, err, nil)
			require.NotEmpty(t, pe.Message)
			require.Equal(t, string(protocol.ErrorEnvelope(pe)), string(protocol.ErrorEnvelope(requireProtocolErr(t, err2, nil))))
			return
		}
		require.NoError(t, err2)
		require.NotNil(t, c.Schema)
		require.Contains(t, []string{engine.ModeSync, engine.ModeLocalOnly}, c.Mode)
		require.False(t, strings.HasSuffix(c.Remote, "/"), "remote %q", c.Remote)
		require.Positive(t, c.PushBatchSize)
		require.Positive(t, c.PullBatchSize)
		require.GreaterOrEqual(t, c.PushMaxRetries, 0)
		require.Positive(t, c.Hydration.ClonePageSize)
		for table, n := range c.Hydration.ClonePageSizes {
			require.Positive(t, n, table)
		}
	})
}

// FuzzEventFilter parses an event filter (§10.3) and matches it against an
// event. A rejection is DFQL_INVALID under the path "filter"; an accepted
// filter matches deterministically, the empty filter matches every event,
// and a filter never matches an event whose type it does not list.
func FuzzEventFilter(f *testing.F) {
	f.Add(`{"type":["mutation_applied"],"resource":"task","ids":["task:1"],"contextKeys":"phase","context":{"phase":"pull"}}`,
		`{"type":"mutation_applied","resource":"task","ids":["task:1","task:2"],"context":{"phase":"pull"}}`)
	f.Add(`{"fields":[]}`, `{"type":"sync_failed","fields":["title"]}`)
	f.Fuzz(func(t *testing.T, filterDoc, eventDoc string) {
		fv, err := value.ParseString(filterDoc)
		if err != nil {
			return
		}
		flt, err := engine.ParseFilter(fv)
		if err != nil {
			pe := requireProtocolErr(t, err, nil)
			require.Equal(t, protocol.CodeInvalid, pe.Code)
			require.True(t, strings.HasPrefix(pe.Path, "filter"), pe.Path)
			return
		}
		var ev protocol.Event
		if json.Unmarshal([]byte(eventDoc), &ev) != nil {
			return
		}
		got := flt.Match(ev)
		require.Equal(t, got, flt.Match(ev), "Match is not deterministic")
		require.True(t, engine.Filter{}.Match(ev), "the empty filter matches everything")
		if got && flt.Type != nil {
			require.Contains(t, flt.Type, ev.Type)
		}
	})
}

// fuzzCfg is the client of FuzzSyncResponse: schema S, memory storage, no
// retries, so a failed push settles at once.
const fuzzCfg = `{"schema":` + fixtureS + `,"clientId":"c1","storage":{"type":"memory"},` +
	`"sync":{"remote":"http://h/datafn","offlinability":true,"pushMaxRetries":0}}`

// FuzzSyncResponse runs one sync operation of a client with local state
// (ready tables with rows and cursors, one pending mutation) against a
// server that answers the first request with a fuzzed status and body and
// fails every later one. The operation never panics and never hangs; stored
// cursors stay integer strings that never go back (§11.3); when it fails it
// fails with a code and a path, and when it failed on that one response the
// local state (rows, cursors, hydration, clone progress, changelog) is
// exactly as before.
func FuzzSyncResponse(f *testing.F) {
	f.Add(uint8(3), uint16(200), []byte(`{"ok":true,"result":{"ok":true,"data":{"task":[{"id":"task:5","title":"T"}],"note":[]},"cursors":{"task":"9","note":"9"}}}`))
	f.Add(uint8(4), uint16(200), []byte(`{"ok":true,"result":{"ok":true,"records":{"task":[{"id":"task:6","title":"N"}]},"merged":{},"deleted":{"task":["task:1"]},"cursors":{"task":"8","note":"8"},"hasMore":false}}`))
	f.Add(uint8(5), uint16(200), []byte(`{"ok":true,"result":{"ok":true,"applied":["m9"],"errors":[],"cursor":"10","cursorBefore":"5","cursors":{"task":"10"}}}`))
	f.Fuzz(func(t *testing.T, op uint8, status uint16, body []byte) {
		name := fuzzOp[int(op)%len(fuzzOp)]
		store := memstore.New([]string{"task", "note"})
		poster := &fuzzPoster{status: int(status), body: body}
		c, ctx := fuzzClient(t, store, poster)
		require.NoError(t, store.Update(ctx, func(tx engine.WriteTx) error {
			if err := ready("5", "task", "note")(tx); err != nil {
				return err
			}
			for _, r := range []string{`{"id":"task:1","title":"one","status":"active"}`, `{"id":"task:2","title":"two","prio":3}`} {
				if err := tx.PutRow("task", value.MustParse(r)); err != nil {
					return err
				}
			}
			if err := tx.PutRow("note", value.MustParse(`{"id":"n:1","body":"b","createdAt":1,"updatedAt":2}`)); err != nil {
				return err
			}
			return entry(`{"resource":"task","version":1,"operation":"insert","id":"task:9","record":{"title":"nine"},"clientId":"c1","mutationId":"m9"}`, 900)(tx)
		}))
		before, beforeCursors := snapshot(t, store), cursors(t, store)
		var err error
		switch name {
		case "query":
			tb, terr := c.Table("report")
			require.NoError(t, terr)
			_, err = tb.Query(ctx, value.MustParse(`{"resource":"report","version":1}`))
		case "mutation", "mutations":
			tb, terr := c.Table("report")
			require.NoError(t, terr)
			_, err = tb.Mutate(ctx, value.MustParse(`{"resource":"report","version":1,"operation":"merge","id":"report:1","record":{"total":1}}`))
		case "clone":
			err = c.Sync().CloneNow(ctx)
		case "pull":
			err = c.Sync().PullNow(ctx)
		case "push":
			err = c.Sync().PushNow(ctx)
		}
		require.NoError(t, ctx.Err(), "%s did not settle", name)
		after := cursors(t, store)
		for k, c := range after {
			n, ok := protocol.ParseCursor(c)
			require.True(t, ok, "stored cursor %s = %q", k, c)
			old, _ := protocol.ParseCursor(beforeCursors[k])
			require.GreaterOrEqual(t, n, old, "cursor %s went back from %s to %s (§11.3)", k, beforeCursors[k], c)
		}
		if err == nil {
			return
		}
		requireProtocolErr(t, err, body)
		if poster.count() != 1 {
			return
		}
		now := snapshot(t, store)
		require.Equal(t, before, now, "%s failed (%v) on the one response but changed local state", name, err)
	})
}

// snapshot renders the local state of schema S's tables as text: one
// entry per table (hydration, clone progress, rows), "cursors", "restore"
// and "log" (the changelog).
func snapshot(t *testing.T, store engine.Storage) map[string]string {
	out := map[string]string{}
	require.NoError(t, store.View(context.Background(), func(tx engine.ReadTx) error {
		for _, res := range []string{"task", "note"} {
			rows, err := tx.Rows(res)
			if err != nil {
				return err
			}
			var objs []string
			for _, r := range rows {
				objs = append(objs, r.String())
			}
			sort.Strings(objs)
			h, err := tx.Hydration(res)
			if err != nil {
				return err
			}
			p, ok, err := tx.CloneProgress(res)
			if err != nil {
				return err
			}
			out[res] = fmt.Sprintf("%s %v %+v\n%s", h, ok, p, strings.Join(objs, "\n"))
		}
		cur, err := tx.Cursors()
		if err != nil {
			return err
		}
		rs, err := tx.RestoreSet()
		if err != nil {
			return err
		}
		log, err := tx.Changelog(0)
		if err != nil {
			return err
		}
		out["cursors"], out["restore"] = fmt.Sprint(cur), fmt.Sprint(rs)
		var b strings.Builder
		for _, e := range log {
			fmt.Fprintf(&b, "%d %s %s\n", e.Seq, e.MutationID, e.Mutation)
		}
		out["log"] = b.String()
		return nil
	}))
	return out
}

func cursors(t *testing.T, store engine.Storage) map[string]string {
	var out map[string]string
	require.NoError(t, store.View(context.Background(), func(tx engine.ReadTx) (err error) {
		out, err = tx.Cursors()
		return err
	}))
	return out
}

// FuzzLocalCall runs an application query or mutation (any JSON, on the
// table its resource names, else task) on a client with local state whose
// server fails every request. Nothing panics or hangs. A query fails with a
// code and a path or gives a result that encodes, the same twice, and never
// writes. A mutation that fails (an error, or a result with ok false and
// one error with a code and a path) leaves the local state as it was; one
// that succeeds on a local table adds one changelog entry or is deduped.
func FuzzLocalCall(f *testing.F) {
	f.Add(false, `{"resource":"task","version":1,"filters":{"status":"active"},"sort":["-prio"],"limit":1,"cursor":{"after":[3,"task:2"]}}`)
	f.Add(true, `{"resource":"task","version":1,"operation":"merge","id":"task:1","record":{"prio":4},"if":{"title":"one"}}`)
	f.Add(false, `{"resource":"report","version":1}`)
	f.Fuzz(func(t *testing.T, mutate bool, doc string) {
		v, err := value.ParseString(doc)
		if err != nil {
			return
		}
		store := memstore.New([]string{"task", "note"})
		c, ctx := fuzzClient(t, store, &fuzzPoster{calls: 1})
		require.NoError(t, store.Update(ctx, func(tx engine.WriteTx) error {
			if err := ready("5", "task", "note")(tx); err != nil {
				return err
			}
			for _, r := range []string{`{"id":"task:1","title":"one","status":"active","prio":1}`, `{"id":"task:2","title":"two","prio":3,"tags":["x"]}`} {
				if err := tx.PutRow("task", value.MustParse(r)); err != nil {
					return err
				}
			}
			return entry(`{"resource":"task","version":1,"operation":"merge","id":"task:2","record":{"title":"2"},"clientId":"c1","mutationId":"m1"}`, 900)(tx)
		}))
		name := "task"
		if r := v.Get("resource"); r.Kind() == value.String && c.Schema().Resource(r.Str()) != nil {
			name = r.Str()
		}
		tb, err := c.Table(name)
		require.NoError(t, err)
		before := snapshot(t, store)
		if !mutate {
			r1, err1 := tb.Query(ctx, v)
			r2, err2 := tb.Query(ctx, v)
			require.NoError(t, ctx.Err(), "query did not settle")
			require.Equal(t, before, snapshot(t, store), "a query wrote")
			if err1 != nil {
				requireProtocolErr(t, err1, nil)
				require.Equal(t, err1.Error(), err2.Error(), "query is not deterministic")
				return
			}
			require.NoError(t, err2)
			j1, err := json.Marshal(r1)
			require.NoError(t, err)
			j2, _ := json.Marshal(r2)
			require.Equal(t, string(j1), string(j2), "query is not deterministic")
			return
		}
		res, err := tb.Mutate(ctx, v)
		require.NoError(t, ctx.Err(), "mutate did not settle")
		now := snapshot(t, store)
		if err != nil {
			requireProtocolErr(t, err, nil)
			require.Equal(t, before, now, "mutate failed (%v) but changed local state", err)
			return
		}
		if !res.OK {
			require.Len(t, res.Errors, 1)
			e := res.Errors[0]
			require.True(t, e.Code != "" && e.Path != "" && e.Message != "", "mutation error %+v", e)
			require.Equal(t, before, now, "mutation failed (%+v) but changed local state", e)
			return
		}
		if name != "report" && !res.Deduped {
			require.Equal(t, strings.Count(before["log"], "\n")+1, strings.Count(now["log"], "\n"), "one changelog entry per local mutation")
		}
	})
}

// fuzzClient opens a client of fuzzCfg on store whose requests go to
// poster; it is closed, and ctx (10 s) cancelled, when the test ends.
func fuzzClient(t *testing.T, store engine.Storage, poster *fuzzPoster) (*engine.Client, context.Context) {
	deps := engine.Deps{Clock: engine.NewFakeClock(time.UnixMilli(0)), Connectivity: engine.NewManualConnectivity(),
		Random: func() float64 { return 0 }, Logf: func(string, ...any) {}, Transport: engine.NewTransport(poster),
		Now: func() int64 { return 1000 },
		OpenStorage: func(context.Context, engine.StorageConfig, *schema.Schema) (engine.Storage, error) {
			return store, nil
		}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	c, err := engine.NewClient(ctx, value.MustParse(fuzzCfg), deps)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c, ctx
}
