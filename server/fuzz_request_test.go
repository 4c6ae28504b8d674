//go:build !js

package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/sqlite"
	"github.com/datafn/datafn-go/server/storetest"
)

// FuzzRequest sends requests with a fuzzed method, path, Authorization
// header and body to a server with --auth tokens and --cors-origin '*'
// (§6.4). Outside /datafn the answer is 404 without CORS headers. On a
// protocol path it is a preflight 204 for OPTIONS on a route, or else a JSON
// envelope below 500 with the CORS origin: 404 for an unknown route, 405
// with Allow for a wrong method, 401 FORBIDDEN with WWW-Authenticate for
// a missing or unknown token on every route but /status, and a 2xx only
// for a listed token there.
func FuzzRequest(f *testing.F) {
	f.Add("POST", "/datafn/query", "Bearer tokA", []byte(`{"resource":"task","version":1}`))
	f.Add("GET", "/datafn/status", "", []byte(nil))
	f.Add("OPTIONS", "/datafn/push", "", []byte(nil))
	f.Add("DELETE", "/datafn/clone", "bearer tokA", []byte(`{}`))
	f.Add("POST", "/datafn/pull", "Bearer nsA", []byte(`{"clientId":"c","cursors":{"task":"0"}}`))
	st, err := sqlite.Open(filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	sc := storetest.Fixture(f)
	if err := st.Migrate(context.Background(), sc); err != nil {
		f.Fatal(err)
	}
	h, err := server.New(server.Config{Schema: sc, Store: st, Auth: server.TokenAuth{"tokA": "nsA"}, CORSOrigin: "*"})
	if err != nil {
		f.Fatal(err)
	}
	routes := map[string]string{"status": "GET"}
	for _, op := range protocol.Operations() {
		if op != "status" {
			routes[op] = "POST"
		}
	}
	f.Fuzz(func(t *testing.T, method, path, authorization string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Method, req.URL.Path = method, path
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		hdr := rec.Header()
		if path != protocol.BasePath && !strings.HasPrefix(path, protocol.BasePath+"/") {
			if rec.Code != http.StatusNotFound || hdr.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("%s %q: %d %v", method, path, rec.Code, hdr)
			}
			return
		}
		if hdr.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("%s %q: no CORS origin", method, path)
		}
		name := strings.TrimPrefix(strings.TrimPrefix(path, protocol.BasePath), "/")
		want, known := routes[name]
		if known && method == http.MethodOptions {
			if rec.Code != http.StatusNoContent || !strings.Contains(hdr.Get("Access-Control-Allow-Headers"), "Authorization") {
				t.Fatalf("preflight %q: %d %v", path, rec.Code, hdr)
			}
			return
		}
		if hdr.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s %q: Content-Type %q", method, path, hdr.Get("Content-Type"))
		}
		checkEnvelope(t, rec)
		scheme, tok, _ := strings.Cut(authorization, " ")
		authorized := name == "status" || (strings.EqualFold(scheme, "Bearer") && tok == "tokA")
		switch {
		case !known:
			if rec.Code != http.StatusNotFound {
				t.Fatalf("%s %q: %d, want 404", method, path, rec.Code)
			}
		case method != want:
			if rec.Code != http.StatusMethodNotAllowed || hdr.Get("Allow") != want+", OPTIONS" {
				t.Fatalf("%s %q: %d Allow %q", method, path, rec.Code, hdr.Get("Allow"))
			}
		case !authorized:
			if rec.Code != http.StatusUnauthorized || hdr.Get("WWW-Authenticate") != "Bearer" ||
				rec.Body.String() != `{"ok":false,"error":{"code":"FORBIDDEN","message":"Forbidden","details":{"path":"$"}}}` {
				t.Fatalf("%s %q with %q: %d %s", method, path, authorization, rec.Code, rec.Body)
			}
		default:
			if rec.Code == http.StatusUnauthorized {
				t.Fatalf("%s %q: refused a listed token", method, path)
			}
		}
	})
}
