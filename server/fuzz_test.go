//go:build !js

package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/server/sqlite"
	"github.com/datafn/datafn-go/server/storetest"
	"github.com/datafn/datafn-go/value"
)

// fuzzOps are the routes FuzzHandler sends bodies to; op picks one.
var fuzzOps = []string{"query", "mutation", "transact", "seed", "clone", "pull", "push", "reconcile", "status"}

// FuzzHandler sends arbitrary bodies to every endpoint. The server must
// never panic or answer 5xx, and every answer must be a JSON envelope; a
// rejection carries a code and a path.
func FuzzHandler(f *testing.F) {
	f.Add(uint8(0), []byte(`{"resource":"task","filters":{"title":{"$like":"a%"}},"sort":["-prio"],"limit":5}`))
	f.Add(uint8(1), []byte(`{"resource":"task","operation":"insert","id":"task:1","record":{"title":"A"},"clientId":"c","mutationId":"m"}`))
	f.Add(uint8(2), []byte(`{"steps":[{"mutation":{"resource":"note","operation":"merge","id":"n:1","record":{"body":"x"},"clientId":"c","mutationId":"t"}},{"query":{"resource":"note"}}]}`))
	f.Add(uint8(4), []byte(`{"clientId":"c","page":{"table":"task","afterId":null,"limit":2}}`))
	f.Add(uint8(5), []byte(`{"clientId":"c","cursors":{"task":"0","note":"1"},"limit":3}`))
	f.Add(uint8(6), []byte(`{"clientId":"c","mutations":[{"resource":"task","operation":"delete","id":"task:1","mutationId":"d"}]}`))
	f.Add(uint8(7), []byte(`{"clientId":"c","resources":["task"]}`))
	st, err := sqlite.Open(filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	sc := storetest.Fixture(f)
	if err := st.Migrate(context.Background(), sc); err != nil {
		f.Fatal(err)
	}
	h, err := server.New(server.Config{Schema: sc, Store: st})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		name := fuzzOps[int(op)%len(fuzzOps)]
		method := http.MethodPost
		if name == "status" {
			method = http.MethodGet
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/datafn/"+name, bytes.NewReader(body)))
		checkEnvelope(t, rec)
	})
}

// checkEnvelope checks one fuzzed answer.
func checkEnvelope(t *testing.T, rec *httptest.ResponseRecorder) {
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	v, err := value.Parse(rec.Body.Bytes())
	if err != nil || v.Kind() != value.Object || v.Get("ok").Kind() != value.Bool {
		t.Fatalf("not an envelope: %q", rec.Body)
	}
	if rec.Code == http.StatusOK {
		return
	}
	e := v.Get("error")
	if rec.Code < 400 || v.Get("ok").Bool() || e.Get("code").Str() == "" || e.Get("message").Str() == "" ||
		e.Get("details").Get("path").Kind() != value.String {
		t.Fatalf("bad rejection %d: %s", rec.Code, rec.Body)
	}
}
