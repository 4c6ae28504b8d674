//go:build js && wasm

package idb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/jsbridge"
	"github.com/datafn/datafn-go/schema"
)

// fixture is the storagetest fixture: task (indexed on title) and note, plus
// a remote-only resource that must get no store.
func fixture() []*schema.Resource {
	return []*schema.Resource{
		{Name: "task", Indices: schema.Indices{Base: []string{"title", "done"}}},
		{Name: "note"},
		{Name: "audit", RemoteOnly: true},
	}
}

// dbName is a database name unique to the test: t.Name() plus a random suffix.
func dbName(t *testing.T) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return fmt.Sprintf("%s-%08x", name, rand.Uint32())
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openFresh opens a new database for the test; it is closed and deleted
// when the test ends.
func openFresh(t *testing.T, resources []*schema.Resource) *Store {
	name := dbName(t)
	t.Cleanup(func() { deleteDB(t, name) })
	s, err := Open(testCtx(t), name, resources)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// deleteDB deletes a database, failing the test if that fails.
func deleteDB(t *testing.T, name string) {
	t.Helper()
	p := jsFunc([]string{"name"}, `return new Promise((ok, fail) => {
		const req = indexedDB.deleteDatabase(name);
		req.onsuccess = () => ok("deleted");
		req.onerror = () => fail(req.error);
		// blocked only means a closing connection still finishes a
		// transaction; the delete proceeds once it has.
	});`).Invoke(name)
	_, err := jsbridge.Await(p)
	require.NoError(t, err)
}

// jsFunc compiles a JS function from its parameter names and body (tests
// only: the package itself never evaluates code).
func jsFunc(params []string, body string) js.Value {
	args := make([]any, 0, len(params)+1)
	for _, p := range params {
		args = append(args, p)
	}
	return js.Global().Get("Function").New(append(args, body)...)
}

// await runs a JS function body returning a promise and waits for it.
func await(t *testing.T, params []string, body string, args ...any) js.Value {
	t.Helper()
	v, err := jsbridge.Await(jsFunc(params, body).Invoke(args...))
	require.NoError(t, err)
	return v
}

// rawLayout describes the database as IndexedDB sees it, in a fixed order:
// "store keyPath autoIncrement [index keyPath unique ...]" per store.
func rawLayout(t *testing.T, name string) []string {
	v := await(t, []string{"name"}, `return new Promise((ok, fail) => {
		const req = indexedDB.open(name);
		req.onerror = () => fail(req.error);
		req.onsuccess = () => {
			const db = req.result, out = [];
			const names = Array.from(db.objectStoreNames).sort();
			if (names.length === 0) { db.close(); ok(JSON.stringify(out)); return; }
			const tx = db.transaction(names, "readonly");
			for (const n of names) {
				const st = tx.objectStore(n);
				let line = n + " " + JSON.stringify(st.keyPath) + " " + st.autoIncrement;
				for (const i of Array.from(st.indexNames).sort()) {
					const ix = st.index(i);
					line += " [" + i + " " + JSON.stringify(ix.keyPath) + " " + ix.unique + "]";
				}
				out.push(line);
			}
			db.close();
			ok(JSON.stringify(out));
		};
	});`, name)
	var out []string
	list := js.Global().Get("JSON").Call("parse", v)
	for i := 0; i < list.Length(); i++ {
		out = append(out, list.Index(i).String())
	}
	return out
}
