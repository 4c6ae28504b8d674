// Package servertest is the HTTP acceptance suite of the server
// (protocol.md Appendix A.2, A.3, A.5-A.10): RunHTTPSuite runs every item
// over real HTTP against a server.Server on the store a backend opens, so
// SQLite and PostgreSQL pass the same items.
package servertest

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/storetest"
	"github.com/datafn/datafn-go/value"
)

// Opener opens a fresh store for one test. Stores may share one database
// between tests: every harness works in a namespace of its own.
type Opener func(t *testing.T) server.Store

// harness is one running server on a fresh store and namespace.
type harness struct {
	t      *testing.T
	url    string
	store  server.Store
	schema *schema.Schema
	ns     string
	// token is sent as the bearer credential when non-empty.
	token string
	now   atomic.Int64

	mu    sync.Mutex
	fault func(clientID, mutationID string) error
}

// option adjusts a harness's server configuration.
type option func(h *harness, cfg *server.Config)

// fixedNS is an Authenticator that behaves like --auth none with a
// namespace of the test's own.
type fixedNS string

func (f fixedNS) Namespace(string, int64) (string, bool) { return string(f), true }

// newHarness starts a server on a fresh store with the fixture schema.
func newHarness(t *testing.T, open Opener, opts ...option) *harness {
	t.Helper()
	sc := storetest.Fixture(t)
	st := open(t)
	require.NoError(t, st.Migrate(context.Background(), sc))
	h := &harness{t: t, store: st, schema: sc, ns: storetest.Namespace(t)}
	h.now.Store(1700000000000)
	cfg := server.Config{
		Schema: sc, Store: st, Auth: fixedNS(h.ns),
		Now:         h.now.Load,
		BeforeApply: h.beforeApply,
	}
	for _, o := range opts {
		o(h, &cfg)
	}
	srv, err := server.New(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	h.url = ts.URL
	t.Cleanup(func() {
		ts.Close()
		st.Close()
	})
	return h
}

func (h *harness) beforeApply(ns string, m *dfql.Mutation) error {
	h.mu.Lock()
	f := h.fault
	h.mu.Unlock()
	if f == nil || ns != h.ns {
		return nil
	}
	return f(m.ClientID, m.MutationID)
}

// setFault installs the fault injected before each mutation is applied.
func (h *harness) setFault(f func(clientID, mutationID string) error) {
	h.mu.Lock()
	h.fault = f
	h.mu.Unlock()
}

// resp is one HTTP answer.
type resp struct {
	t      *testing.T
	status int
	header http.Header
	body   string
	v      value.Value
}

// do sends one request; body "" sends no body.
func (h *harness) do(method, path, body string, header map[string]string) *resp {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/json")
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	r := &resp{t: h.t, status: res.StatusCode, header: res.Header, body: string(data)}
	if len(data) > 0 {
		r.v, err = value.Parse(data)
		require.NoError(h.t, err, "response body %q", data)
	}
	return r
}

// post sends a POST to /datafn/<op>.
func (h *harness) post(op, body string) *resp {
	h.t.Helper()
	return h.do(http.MethodPost, "/datafn/"+op, body, nil)
}

// postT is post whose checks report to t (a subtest of the harness's test).
func (h *harness) postT(t *testing.T, op, body string) *resp {
	r := h.post(op, body)
	r.t = t
	return r
}

// is checks status and exact JSON body.
func (r *resp) is(status int, want string) {
	r.t.Helper()
	require.Equal(r.t, status, r.status, "body %s", r.body)
	require.JSONEq(r.t, want, r.body)
	require.Equal(r.t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
}

// at returns the value at dotted path segments of the body.
func (r *resp) at(path ...string) value.Value { return r.v.Path(path) }

// fails checks a plain error envelope: status, code, message and path.
func (r *resp) fails(status int, code, message, path string) {
	r.t.Helper()
	require.Equal(r.t, status, r.status, "body %s", r.body)
	require.False(r.t, r.at("ok").Bool(), r.body)
	require.Equal(r.t, code, r.at("error", "code").Str(), r.body)
	require.Equal(r.t, message, r.at("error", "message").Str(), r.body)
	require.Equal(r.t, path, r.at("error", "details", "path").Str(), r.body)
}

// ok checks a 200 success envelope and returns its result.
func (r *resp) ok() value.Value {
	r.t.Helper()
	require.Equal(r.t, http.StatusOK, r.status, "body %s", r.body)
	require.True(r.t, r.at("ok").Bool(), r.body)
	return r.at("result")
}

// jsonEq compares a value with JSON text.
func jsonEq(t *testing.T, want string, got value.Value) {
	t.Helper()
	require.JSONEq(t, want, got.String())
}

// currentSeq reads the namespace's current seq from the store.
func (h *harness) currentSeq() int64 {
	h.t.Helper()
	var seq int64
	require.NoError(h.t, h.store.Read(context.Background(), h.ns, func(tx server.ReadTx) error {
		var err error
		seq, err = tx.CurrentSeq()
		return err
	}))
	return seq
}

// row reads a stored row; Absent when missing.
func (h *harness) row(resource, id string) value.Value {
	h.t.Helper()
	var row value.Value
	require.NoError(h.t, h.store.Read(context.Background(), h.ns, func(tx server.ReadTx) error {
		r, ok, err := tx.Get(h.schema.Resource(resource), id)
		if ok {
			row = r
		}
		return err
	}))
	return row
}

// insert inserts one task or note through /mutation and requires success.
func (h *harness) insert(id, record string) {
	h.t.Helper()
	res := "task"
	if strings.HasPrefix(id, "n:") {
		res = "note"
	}
	h.post("mutation", mut(res, "insert", id, record, "seed", "ins-"+id)).ok()
}

// mut builds a mutation object.
func mut(resource, op, id, record, clientID, mutationID string) string {
	var b strings.Builder
	b.WriteString(`{"resource":"` + resource + `","version":1,"operation":"` + op + `","id":"` + id + `"`)
	if record != "" {
		b.WriteString(`,"record":` + record)
	}
	if clientID != "" {
		b.WriteString(`,"clientId":"` + clientID + `"`)
	}
	if mutationID != "" {
		b.WriteString(`,"mutationId":"` + mutationID + `"`)
	}
	b.WriteString("}")
	return b.String()
}

// withGuard adds an "if" guard to a mutation built by mut.
func withGuard(m, guard string) string {
	return strings.TrimSuffix(m, "}") + `,"if":` + guard + "}"
}

// randomHex is a short random suffix for names.
func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// signHS256 makes a compact JWS with the given header and claims JSON.
func signHS256(secret, header, claims string) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(head))
	return head + "." + enc.EncodeToString(mac.Sum(nil))
}

// ids lists the ids of an array of rows.
func ids(rows value.Value) []string {
	out := []string{}
	for _, r := range rows.Elems() {
		out = append(out, r.Get("id").Str())
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func join(parts []string) string { return strings.Join(parts, ",") }
