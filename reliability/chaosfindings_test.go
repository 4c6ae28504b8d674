//go:build !js

package reliability

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/server/storetest"
	"github.com/datafn/datafn-go/value"
)

// TestChaosFindingQueryWrongTypes shows what the chaos runs saw: a /query
// answer whose ok:true envelope has rows or a nextCursor of the wrong type
// is returned to the caller as a success, while /clone and /pull reject a
// row without a string id as "unexpected response shape" (clone_apply.go,
// pull.go). §4.2 says rows have an id and nextCursor is null or an object.
// Found by the chaos runs; the engine now refuses such a result.
func TestChaosFindingQueryWrongTypes(t *testing.T) {
	for _, body := range []string{
		`{"ok":true,"result":{"data":[{"id":true,"title":"x"}],"nextCursor":null}}`,
		`{"ok":true,"result":{"data":[{"id":[],"title":"x"}],"nextCursor":null}}`,
		`{"ok":true,"result":{"data":[7],"nextCursor":null}}`,
		`{"ok":true,"result":{"data":[],"nextCursor":7}}`,
		`{"ok":true,"result":{"data":[],"nextCursor":"7"}}`,
	} {
		t.Run(body, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			r, err := engine.NewHTTPTransport(srv.URL+"/datafn", nil).Query(bg,
				value.MustParse(`{"resource":"task","version":1,"sort":["id"],"limit":100}`))
			require.Error(t, err, "accepted as a success: data %v, nextCursor %s", r.Data, r.NextCursor)
			pe := protocol.As(err)
			require.Equal(t, protocol.CodeTransport, pe.Code)
			require.Equal(t, "Transport error: unexpected response shape", pe.Message)
		})
	}
}

// TestChaosFindingPullSkipsMalformedRows shows the cause of the soak
// failures "l0 tables vs server clone": a /pull or /clone result whose ok:true
// envelope has null where the protocol has a list or an object, or a row
// that is not an object with a string id, is accepted; the rows are not
// written (pull.go writeWindowRows skips a row without a string id; a null
// list decodes as an empty one) but the cursors advance past them, so the
// client never gets those rows until it clones again. Found by the chaos
// runs; the engine now refuses such a result whole.
func TestChaosFindingPullSkipsMalformedRows(t *testing.T) {
	notes := func(res map[string]any, key string) (map[string]any, bool) {
		m, _ := res[key].(map[string]any)
		l, _ := m["note"].([]any)
		return m, len(l) > 0
	}
	cases := []struct {
		name, op string
		spoil    func(res map[string]any) bool
	}{
		{"pull records.note null", "pull", func(res map[string]any) bool {
			m, ok := notes(res, "records")
			if ok {
				m["note"] = nil
			}
			return ok
		}},
		{"pull records null", "pull", func(res map[string]any) bool {
			_, ok := notes(res, "records")
			if ok {
				res["records"] = nil
			}
			return ok
		}},
		{"pull records.note[0] a number", "pull", func(res map[string]any) bool {
			m, ok := notes(res, "records")
			if ok {
				m["note"].([]any)[0] = 7
			}
			return ok
		}},
		{"pull records.note[0].id a number", "pull", func(res map[string]any) bool {
			m, ok := notes(res, "records")
			if ok {
				m["note"].([]any)[0].(map[string]any)["id"] = 7
			}
			return ok
		}},
		{"clone data.note null", "clone", func(res map[string]any) bool {
			m, ok := notes(res, "data")
			if ok {
				m["note"] = nil
			}
			return ok
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := startSQLite(t)
			var spoilt atomic.Bool
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				op := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
				res, err := http.Post(srv.url()+"/datafn/"+op, "application/json", r.Body)
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadGateway)
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if op == tc.op && !spoilt.Load() {
					var env map[string]any
					d := json.NewDecoder(bytes.NewReader(body))
					d.UseNumber()
					if d.Decode(&env) == nil {
						if r, ok := env["result"].(map[string]any); ok && tc.spoil(r) {
							spoilt.Store(true)
							body, _ = json.Marshal(env)
						}
					}
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(res.StatusCode)
				_, _ = w.Write(body)
			}))
			defer proxy.Close()
			c, err := engine.NewClient(bg, value.MustParse(`{"schema":`+storetest.FixtureSchema+
				`,"clientId":"L","storage":{"type":"memory"},"sync":{"remote":"`+proxy.URL+`/datafn","offlinability":true}}`),
				engine.Deps{Transport: engine.NewHTTPTransport(proxy.URL+"/datafn", nil),
					NewMemStore: func(r []string) engine.Storage { return memstore.New(r) }, Logf: func(string, ...any) {}})
			require.NoError(t, err)
			defer c.Close(bg)
			insert := func(id string) {
				srv.post("mutation", `{"resource":"note","version":1,"operation":"insert","id":"`+id+
					`","record":{"body":"b"},"clientId":"W","mutationId":"`+id+`"}`, "").result(t)
			}
			if tc.op == "clone" {
				insert("n:1")
			}
			require.NoError(t, c.Sync().Start(bg))
			if tc.op == "pull" {
				insert("n:1")
				_ = c.Sync().PullNow(bg)
			}
			require.True(t, spoilt.Load(), "nothing spoilt")
			insert("n:2")
			require.NoError(t, c.Sync().PullNow(bg))
			require.NoError(t, c.Sync().PullNow(bg))
			require.Equal(t, cloneAll(t, srv), clientRows(t, c), "client tables vs server clone")
		})
	}
}
