package servertest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
)

// envelopeItems are A.2 (except ENV-7, which needs the binary) and A.3.
func envelopeItems() []item {
	return []item{
		{"ENV-1", testENV1},
		{"ENV-2", testENV2},
		{"ENV-3", testENV3},
		{"ENV-4", testENV4},
		{"ENV-5", testENV5},
		{"ENV-6", testENV6},
		{"ENV-8", testENV8},
		{"ST-1", testST1},
		{"ST-2", testST2},
		{"AUTH-1", testAUTH1},
		{"AUTH-2", testAUTH2},
		{"AUTH-3", testAUTH3},
		{"AUTH-4", testAUTH4},
		{"AUTH-5", testAUTH5},
	}
}

func testENV1(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("clone", "{").is(400, `{"ok":false,"error":{"code":"DFQL_INVALID","message":"Invalid JSON","details":{"path":"$"}}}`)
	h.post("clone", "").fails(400, "DFQL_INVALID", "Invalid JSON", "$")
}

func testENV2(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("query", "5").fails(400, "DFQL_INVALID", "Invalid DFQL: expected object or array", "$")
}

func testENV3(t *testing.T, open Opener) {
	h := newHarness(t, open)
	body := `{"clientId":"c1","pad":"` + strings.Repeat("a", server.MaxPayloadBytes) + `"}`
	body = body[:server.MaxPayloadBytes+1]
	h.post("seed", body).fails(413, "LIMIT_EXCEEDED", "Limit exceeded: payload>5242880", "$")
	// Exactly at the limit is not refused for its size.
	at := `{"clientId":"c1","pad":"` + strings.Repeat("a", server.MaxPayloadBytes-26) + `"}`
	require.Len(t, at, server.MaxPayloadBytes)
	h.post("seed", at).ok()
}

func testENV4(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("seed", `{"clientId":"c1","protocolVersion":"2"}`).is(400,
		`{"ok":false,"error":{"code":"DATAFN_UNSUPPORTED_PROTOCOL_VERSION","message":"Unsupported protocol version: 2","details":{"path":"protocolVersion"}}}`)
	h.post("seed", `{"clientId":"c1","protocolVersion":"1"}`).is(200, `{"ok":true,"result":{"ok":true}}`)
	h.post("seed", `{"clientId":"c1","protocolVersion":1}`).fails(400, "DATAFN_UNSUPPORTED_PROTOCOL_VERSION",
		"Unsupported protocol version: 1", "protocolVersion")
	m := mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1")
	h.post("mutation", `[`+m+`,{"protocolVersion":"3"}]`).fails(400, "DATAFN_UNSUPPORTED_PROTOCOL_VERSION",
		"Unsupported protocol version: 3", "[1].protocolVersion")
	require.Equal(t, int64(0), h.currentSeq())
}

func testENV5(t *testing.T, open Opener) {
	h := newHarness(t, open)
	h.post("mutation", mut("task", "insert", "task:1", `{"title":"x","__proto__":{}}`, "c1", "m1")).fails(
		400, "DFQL_INVALID", "Invalid DFQL: forbidden key __proto__", "record.__proto__")
	h.post("pull", `{"clientId":"c1","cursors":{"task":"0"},"x":[1,{"constructor":1}]}`).fails(
		400, "DFQL_INVALID", "Invalid DFQL: forbidden key constructor", "x[1].constructor")
	h.post("seed", `{"prototype":1}`).fails(400, "DFQL_INVALID", "Invalid DFQL: forbidden key prototype", "prototype")
	require.Equal(t, int64(0), h.currentSeq())
}

func testENV6(t *testing.T, open Opener) {
	h := newHarness(t, open)
	r := h.do(http.MethodGet, "/datafn/query", "", nil)
	r.is(405, `{"ok":false,"error":{"code":"DFQL_INVALID","message":"Method not allowed","details":{"path":"$"}}}`)
	require.Equal(t, "POST", r.header.Get("Allow"))
	r = h.do(http.MethodPost, "/datafn/status", "{}", nil)
	require.Equal(t, 405, r.status)
	require.Equal(t, "GET", r.header.Get("Allow"))
	h.post("nope", "{}").is(404, `{"ok":false,"error":{"code":"NOT_FOUND","message":"Not found","details":{"path":"$"}}}`)
	h.do(http.MethodOptions, "/datafn/query", "", nil).fails(405, "DFQL_INVALID", "Method not allowed", "$")
	require.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
}

func testENV8(t *testing.T, open Opener) {
	h := newHarness(t, open, func(_ *harness, cfg *server.Config) { cfg.CORSOrigin = "http://a.test" })
	r := h.do(http.MethodOptions, "/datafn/query", "", nil)
	require.Equal(t, 204, r.status)
	require.Equal(t, "GET, POST, OPTIONS", r.header.Get("Access-Control-Allow-Methods"))
	require.Equal(t, "Authorization, Content-Type", r.header.Get("Access-Control-Allow-Headers"))
	require.Equal(t, "600", r.header.Get("Access-Control-Max-Age"))
	require.Equal(t, "http://a.test", r.header.Get("Access-Control-Allow-Origin"))
	for _, r := range []*resp{
		h.post("seed", `{"clientId":"c1"}`),
		h.do(http.MethodGet, "/datafn/status", "", nil),
		h.post("nope", "{}"),
	} {
		require.Equal(t, "http://a.test", r.header.Get("Access-Control-Allow-Origin"))
		require.Equal(t, "Origin", r.header.Get("Vary"))
	}
}

var statusShape = regexp.MustCompile(`^\{"ok":true,"result":\{"schemaHash":"sha256:[0-9a-f]{64}","capabilities":\["dfql.query","dfql.mutation","dfql.transact","sync.seed","sync.clone","sync.pull","sync.push","sync.reconcile"\],"limits":\{"maxLimit":100,"maxTransactSteps":100,"maxPayloadBytes":5242880,"maxPullLimit":1000,"maxBatchSize":500,"maxCloneRecords":10000,"maxClonePageSize":1000\},"serverTimeMs":1700000000000\}\}$`)

func testST1(t *testing.T, open Opener) {
	h := newHarness(t, open)
	r := h.do(http.MethodGet, "/datafn/status", "", nil)
	require.Equal(t, 200, r.status)
	require.Regexp(t, statusShape, r.body)
	require.Equal(t, h.schema.Hash, r.at("result", "schemaHash").Str())
}

func testST2(t *testing.T, open Opener) {
	h := newHarness(t, open)
	require.NoError(t, h.store.Close())
	h.do(http.MethodGet, "/datafn/status", "", nil).is(500,
		`{"ok":false,"error":{"code":"INTERNAL","message":"Internal error","details":{"path":"$"}}}`)
}

const forbidden = `{"ok":false,"error":{"code":"FORBIDDEN","message":"Forbidden","details":{"path":"$"}}}`

// tokenAuth makes a token server with tokens tA and tB in fresh namespaces.
func tokenAuth(tokens map[string]string) option {
	return func(_ *harness, cfg *server.Config) { cfg.Auth = server.TokenAuth(tokens) }
}

func testAUTH1(t *testing.T, open Opener) {
	alpha, beta := "alpha-"+randomHex(), "beta-"+randomHex()
	h := newHarness(t, open, tokenAuth(map[string]string{"tA": alpha, "tB": beta}))
	h.token = "tA"
	h.post("mutation", mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1")).ok()
	q := `{"resource":"task","version":1}`
	h.token = "tB"
	jsonEq(t, `[]`, h.post("query", q).ok().Get("data"))
	h.token = "tA"
	jsonEq(t, `[{"id":"task:1","title":"A","status":"active"}]`, h.post("query", q).ok().Get("data"))
}

func testAUTH2(t *testing.T, open Opener) {
	h := newHarness(t, open, tokenAuth(map[string]string{"tA": "alpha-" + randomHex()}))
	m := mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1")
	for _, tok := range []string{"", "nope"} {
		h.token = tok
		r := h.post("mutation", m)
		r.is(401, forbidden)
		require.Equal(t, "Bearer", r.header.Get("WWW-Authenticate"))
	}
	h.do(http.MethodPost, "/datafn/push", "{", map[string]string{"Authorization": "Basic x"}).is(401, forbidden)
	h.token = "tA"
	jsonEq(t, `[]`, h.post("clone", `{"clientId":"c1"}`).ok().Get("data").Get("task"))
}

func testAUTH3(t *testing.T, open Opener) {
	auth, err := server.ParseAuth("jwt-hs256:SECRET_VAR", func(k string) string {
		if k == "SECRET_VAR" {
			return "s3cret"
		}
		return ""
	})
	require.NoError(t, err)
	h := newHarness(t, open, func(_ *harness, cfg *server.Config) { cfg.Auth = auth })
	alpha, u1 := "alpha-"+randomHex(), "u1-"+randomHex()
	hs := `{"alg":"HS256","typ":"JWT"}`
	insert := func(tok, id string) *resp {
		h.token = tok
		return h.post("push", `{"clientId":"c1","mutations":[`+mut("task", "insert", id, `{"title":"A"}`, "c1", id)+`]}`)
	}
	// Namespaces: ns wins over sub; each namespace counts its own seqs.
	require.Equal(t, "1", insert(signHS256("s3cret", hs, `{"ns":"`+alpha+`","sub":"x"}`), "task:1").ok().Get("cursor").Str())
	require.Equal(t, "2", insert(signHS256("s3cret", hs, `{"ns":"`+alpha+`"}`), "task:2").ok().Get("cursor").Str())
	require.Equal(t, "1", insert(signHS256("s3cret", hs, `{"sub":"`+u1+`","exp":1700000001,"nbf":1700000000}`), "task:1").ok().Get("cursor").Str())
	for name, tok := range map[string]string{
		"bad signature": signHS256("other", hs, `{"ns":"`+alpha+`"}`),
		"alg none":      signHS256("s3cret", `{"alg":"none"}`, `{"ns":"`+alpha+`"}`),
		"expired":       signHS256("s3cret", hs, `{"ns":"`+alpha+`","exp":1700000000}`),
		"not yet valid": signHS256("s3cret", hs, `{"ns":"`+alpha+`","nbf":1700000001}`),
		"no claim":      signHS256("s3cret", hs, `{"ns":"","sub":5}`),
		"garbage":       "a.b.c",
	} {
		insert(tok, "task:9").is(401, forbidden)
		_ = name
	}
}

func testAUTH4(t *testing.T, open Opener) {
	modes := map[string]server.Authenticator{
		"tokens": server.TokenAuth{"tA": "alpha"},
		"jwt":    server.JWTAuth{Secret: []byte("s")},
		"none":   server.NoAuth{},
	}
	for mode, auth := range modes {
		h := newHarness(t, open, func(_ *harness, cfg *server.Config) { cfg.Auth = auth })
		r := h.do(http.MethodGet, "/datafn/status", "", nil)
		require.Equal(t, 200, r.status, mode)
	}
}

func testAUTH5(t *testing.T, open Opener) {
	alpha, beta := "alpha-"+randomHex(), "beta-"+randomHex()
	h := newHarness(t, open, tokenAuth(map[string]string{"tA": alpha, "tB": beta}))
	push := `{"clientId":"c1","mutations":[` + mut("task", "insert", "task:1", `{"title":"A"}`, "c1", "m1") + `]}`
	for _, tok := range []string{"tA", "tB"} {
		h.token = tok
		require.Equal(t, "1", h.post("push", push).ok().Get("cursor").Str(), tok)
	}
}
