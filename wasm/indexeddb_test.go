//go:build js && wasm

package main

import (
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/require"
)

// indexedDB returns a storage config member for a fresh database that is
// deleted when the test ends (after its clients close: cleanups run last
// registered first).
func indexedDB(t *testing.T) string {
	name := "wasm-" + t.Name() + "-" + suffix()
	t.Cleanup(func() {
		_, _ = awaitRequest(js.Global().Get("indexedDB").Call("deleteDatabase", name))
	})
	return `"storage":{"dbName":"` + name + `"}`
}

// awaitRequest waits for an IDBRequest to succeed or fail.
func awaitRequest(req js.Value) (js.Value, error) {
	p := jsFunc([]string{"r"}, `return new Promise((ok, fail) => {
		r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); r.onblocked = () => ok(null); });`).Invoke(req)
	return awaitValue(p)
}

func TestCFG9_IndexedDBKeepsRowsAndClientID(t *testing.T) {
	storage := indexedDB(t)
	cfg := config(storage, `"sync":{"mode":"local-only"}`)
	a := openClient(t, cfg, js.Undefined())
	id := a.Call("clientId").String()
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
	await(t, a.Call("mutate", "task", `{"operation":"insert","id":"task:1","record":{"title":"kept"}}`))
	await(t, a.Call("close"))

	b := openClient(t, cfg, js.Undefined())
	require.Equal(t, id, b.Call("clientId").String())
	q := await(t, b.Call("query", "task", `{}`))
	require.Equal(t, `[{"id":"task:1","title":"kept","status":"active"}]`, jsonOf(q.Get("data")))
	require.Equal(t, 1, await(t, b.Call("changelogList", `{}`)).Length())
}

// TestD39_AnotherClientsWriteReachesLocalQueries: two clients on one
// database each keep rows in memory; the announcement on the
// BroadcastChannel makes one client's write visible in the other's local
// queries without reopening.
func TestD39_AnotherClientsWriteReachesLocalQueries(t *testing.T) {
	cfg := config(indexedDB(t), `"sync":{"mode":"local-only"}`)
	a := openClient(t, cfg, js.Undefined())
	b := openClient(t, cfg, js.Undefined())
	require.Equal(t, a.Call("clientId").String(), b.Call("clientId").String(), "clients of one database share the clientId")
	require.Equal(t, 0, await(t, b.Call("query", "task", `{}`)).Get("data").Length()) // b caches the empty table

	await(t, a.Call("mutate", "task", `{"operation":"insert","id":"task:1","record":{"title":"from a"}}`))
	eventually(t, func() bool {
		return await(t, b.Call("query", "task", `{}`)).Get("data").Length() == 1
	}, "b's local query never saw a's insert")

	await(t, b.Call("mutate", "task", `{"operation":"merge","id":"task:1","record":{"status":"done"}}`))
	eventually(t, func() bool {
		d := await(t, a.Call("query", "task", `{}`)).Get("data")
		return d.Length() == 1 && d.Index(0).Get("status").String() == "done"
	}, "a's local query never saw b's merge")
}
