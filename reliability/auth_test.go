//go:build !js

package reliability

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/value"
)

// forbidden is the one answer to a missing or refused credential (§6.5).
const forbidden = `{"ok":false,"error":{"code":"FORBIDDEN","message":"Forbidden","details":{"path":"$"}}}`

// endpointBodies are valid bodies for every authenticated endpoint; the
// writing ones would write if they were let through.
var endpointBodies = []struct{ op, body string }{
	{"query", `{"resource":"task","version":1}`},
	{"mutation", `{"resource":"task","version":1,"operation":"insert","id":"task:x","record":{"title":"X"},"clientId":"x","mutationId":"x1"}`},
	{"transact", `{"transactionId":"x","steps":[{"mutation":{"resource":"task","version":1,"operation":"insert","id":"task:y","record":{"title":"Y"},"clientId":"x","mutationId":"x2"}}]}`},
	{"seed", `{"clientId":"x"}`},
	{"clone", `{"clientId":"x"}`},
	{"pull", `{"clientId":"x","cursors":{"task":"0","note":"0"}}`},
	{"push", `{"clientId":"x","mutations":[{"resource":"task","version":1,"operation":"insert","id":"task:z","record":{"title":"Z"},"mutationId":"x3"}]}`},
	{"reconcile", `{"clientId":"x"}`},
}

// credential is one Authorization header value ("" sends none).
type credential struct{ name, header string }

// requireRefused sends every endpoint with every bad credential.
func requireRefused(t *testing.T, srv *serverProc, bad []credential) {
	for _, cred := range bad {
		for _, e := range endpointBodies {
			t.Run(cred.name+"/"+e.op, func(t *testing.T) {
				r := srv.call("POST", e.op, e.body, cred.header)
				require.Equal(t, 401, r.status, r.body)
				require.JSONEq(t, forbidden, r.body)
				require.Equal(t, "Bearer", r.header.Get("WWW-Authenticate"))
			})
		}
	}
	r := srv.call("GET", "status", "", "")
	require.Equal(t, 200, r.status, "status needs no credential")
}

func TestAccessTokens(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.json")
	require.NoError(t, os.WriteFile(tokens, []byte(`{"tokA":"nsA","tokB":"nsB"}`), 0o600))
	srv := startServer(t, dir, nil, "--schema", writeSchema(t, dir), "--db", "sqlite:"+filepath.Join(dir, "db"),
		"--auth", "tokens:"+tokens)
	requireRefused(t, srv, []credential{
		{"missing", ""},
		{"empty bearer", "Bearer "},
		{"unknown token", "Bearer tokC"},
		{"namespace as token", "Bearer nsA"},
		{"token with suffix", "Bearer tokA2"},
		{"token without scheme", "tokA"},
		{"basic scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("tokA:"))},
		{"case-changed token", "Bearer TOKA"},
	})
	requireNothingWritten(t, srv, "Bearer tokA", "Bearer tokB")
	requireIsolated(t, srv, "Bearer tokA", "Bearer tokB")
}

func TestAccessJWT(t *testing.T) {
	const secret = "reliability-secret"
	dir := t.TempDir()
	srv := startServer(t, dir, []string{"DATAFN_REL_SECRET=" + secret}, "--schema", writeSchema(t, dir),
		"--db", "sqlite:"+filepath.Join(dir, "db"), "--auth", "jwt-hs256:DATAFN_REL_SECRET")
	now := time.Now().Unix()
	hs := `{"alg":"HS256","typ":"JWT"}`
	good := func(claims string) string { return "Bearer " + jwt(hs, claims, secret) }
	a := good(`{"ns":"nsA","exp":` + strconv.FormatInt(now+3600, 10) + `}`)
	b := good(`{"sub":"nsB"}`)
	parts := strings.Split(strings.TrimPrefix(a, "Bearer "), ".")
	requireRefused(t, srv, []credential{
		{"missing", ""},
		{"expired", good(`{"ns":"nsA","exp":` + strconv.FormatInt(now-5, 10) + `}`)},
		{"not yet valid", good(`{"ns":"nsA","nbf":` + strconv.FormatInt(now+3600, 10) + `}`)},
		{"exp as string", good(`{"ns":"nsA","exp":"` + strconv.FormatInt(now+3600, 10) + `"}`)},
		{"no namespace claim", good(`{"exp":` + strconv.FormatInt(now+3600, 10) + `}`)},
		{"empty ns and sub", good(`{"ns":"","sub":""}`)},
		{"namespace too long", good(`{"ns":"` + strings.Repeat("n", 256) + `"}`)},
		{"wrong secret", "Bearer " + jwt(hs, `{"ns":"nsA"}`, "other")},
		{"alg none", "Bearer " + seg(`{"alg":"none"}`) + "." + seg(`{"ns":"nsA"}`) + "."},
		{"alg HS512 header", "Bearer " + jwt(`{"alg":"HS512"}`, `{"ns":"nsA"}`, secret)},
		{"payload swapped", "Bearer " + parts[0] + "." + seg(`{"ns":"nsB"}`) + "." + parts[2]},
		{"signature dropped", "Bearer " + parts[0] + "." + parts[1] + "."},
		{"two segments", "Bearer " + parts[0] + "." + parts[1]},
		{"padded base64", "Bearer " + parts[0] + "." + parts[1] + "." + parts[2] + "=="},
		{"token without scheme", strings.TrimPrefix(a, "Bearer ")},
	})
	requireNothingWritten(t, srv, a, b)
	requireIsolated(t, srv, a, b)
}

// jwt is a compact HS256-signed JWS of header and claims.
func jwt(header, claims, secret string) string {
	in := seg(header) + "." + seg(claims)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// requireNothingWritten: the refused writes left both namespaces empty.
func requireNothingWritten(t *testing.T, srv *serverProc, a, b string) {
	for _, tok := range []string{a, b} {
		r := srv.call("POST", "reconcile", `{"clientId":"x"}`, tok)
		require.JSONEq(t, `{"ok":true,"result":{"ok":true,"counts":{"task":0,"note":0},"joinCounts":{},"latestCursor":"0"}}`, r.body)
	}
}

// requireIsolated: what A writes, B can neither read nor change, and B's
// writes of the same ids and mutationIds stay in B.
func requireIsolated(t *testing.T, srv *serverProc, a, b string) {
	call := func(tok, op, body string) reply { return srv.call("POST", op, body, tok) }
	mut := func(op, id, record, mid string) string {
		return `{"resource":"task","version":1,"operation":"` + op + `","id":"` + id + `","record":` + record +
			`,"clientId":"c1","mutationId":"` + mid + `"}`
	}
	call(a, "mutation", mut("insert", "task:1", `{"title":"secretA"}`, "m1")).result(t)
	call(a, "mutation", `{"resource":"note","version":1,"operation":"insert","id":"n:1","record":{"body":"secretA"},"clientId":"c1","mutationId":"m2"}`).result(t)
	call(a, "seed", `{"clientId":"c1"}`).result(t)
	aState := call(a, "reconcile", `{"clientId":"c1"}`).body
	require.JSONEq(t, `{"ok":true,"result":{"ok":true,"counts":{"task":1,"note":1},"joinCounts":{},"latestCursor":"2"}}`, aState)

	// B reads nothing of A's.
	for _, q := range []struct{ op, body, want string }{
		{"query", `{"resource":"task","version":1}`, `{"ok":true,"result":{"data":[],"nextCursor":null}}`},
		{"query", `[{"resource":"task","version":1,"filters":{"id":"task:1"}},{"resource":"note","version":1,"count":true}]`, ""},
		{"clone", `{"clientId":"c1"}`, `{"ok":true,"result":{"ok":true,"data":{"task":[],"note":[]},"cursors":{"task":"0","note":"0"}}}`},
		{"clone", `{"clientId":"c1","page":{"table":"task","afterId":null,"limit":10}}`, ""},
		{"pull", `{"clientId":"c1","cursors":{"task":"0","note":"0"}}`, `{"ok":true,"result":{"ok":true,"records":{"task":[],"note":[]},"merged":{"task":[],"note":[]},"deleted":{"task":[],"note":[]},"cursors":{"task":"0","note":"0"},"hasMore":false}}`},
		{"reconcile", `{"clientId":"c1"}`, `{"ok":true,"result":{"ok":true,"counts":{"task":0,"note":0},"joinCounts":{},"latestCursor":"0"}}`},
		{"transact", `{"transactionId":"r","steps":[{"query":{"resource":"task","version":1,"filters":{"id":"task:1"}}}]}`, ""},
	} {
		r := call(b, q.op, q.body)
		require.Equal(t, 200, r.status, r.body)
		require.NotContains(t, r.body, "secretA", "%s %s", q.op, q.body)
		require.NotContains(t, r.body, "task:1", "%s %s", q.op, q.body)
		if q.want != "" {
			require.JSONEq(t, q.want, r.body, "%s %s", q.op, q.body)
		}
	}

	// B cannot change A's rows: a merge without the required title (which
	// would create the row, §5.4) and a guard both see no row in B.
	r := call(b, "mutation", mut("merge", "task:1", `{"status":"done"}`, "b1"))
	require.Equal(t, 404, r.status, r.body)
	r = call(b, "push", `{"clientId":"c1","mutations":[`+mut("merge", "task:1", `{"status":"done"}`, "b2")+`]}`)
	require.Equal(t, 400, r.status, r.body)
	require.Contains(t, r.body, `"NOT_FOUND"`)
	guarded := strings.Replace(mut("merge", "task:1", `{"title":"hackedB"}`, "b3"), `"record"`, `"if":{"title":"secretA"},"record"`, 1)
	r = call(b, "transact", `{"transactionId":"t","atomic":true,"steps":[{"mutation":`+guarded+`}]}`)
	require.Contains(t, r.body, `"Guard condition not met"`)
	r = call(b, "mutation", strings.Replace(guarded, `"b3"`, `"b4"`, 1))
	require.Equal(t, 409, r.status, r.body)
	call(b, "mutation", mut("delete", "task:1", `{}`, "b5")).result(t)
	// The same clientId and mutationId as A's insert are new in B.
	res := call(b, "mutation", mut("insert", "task:1", `{"title":"fromB"}`, "m1")).result(t)
	require.False(t, res.Get("deduped").Bool(), "B's mutation deduped against A's idempotency record")
	res = call(b, "push", `{"clientId":"c1","mutations":[`+mut("replace", "task:2", `{"title":"fromB"}`, "m2")+`]}`).result(t)
	require.Equal(t, `["m2"]`, res.Get("applied").String())

	// A is untouched.
	require.JSONEq(t, aState, call(a, "reconcile", `{"clientId":"c1"}`).body)
	rows := call(a, "query", `{"resource":"task","version":1,"sort":["id"]}`).result(t)
	require.Equal(t, `[{"id":"task:1","title":"secretA","status":"active"}]`, rows.Get("data").String())
	pulled := call(a, "pull", `{"clientId":"c1","cursors":{"task":"2","note":"2"}}`).result(t)
	require.Equal(t, `{"task":"2","note":"2"}`, pulled.Get("cursors").String())
	// And B sees only its own.
	rows = call(b, "query", `{"resource":"task","version":1,"sort":["id"]}`).result(t)
	require.Equal(t, `[{"id":"task:1","title":"fromB","status":"active"},{"id":"task:2","title":"fromB","status":"active"}]`,
		rows.Get("data").String())
	require.Equal(t, value.Array, rows.Get("data").Kind())
}
