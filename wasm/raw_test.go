//go:build js && wasm

package main

import (
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRawExports(t *testing.T) {
	require.Equal(t, "1", raw().Get("version").String())
	require.Equal(t, js.TypeFunction, raw().Get("createClient").Type())
}

func TestCFG8_LocalOnlyInsertThenQueryWithoutNetwork(t *testing.T) {
	fetches := fetchCounter(t)
	c := openClient(t, config(localOnly, `"sync":{"mode":"local-only"}`), js.Undefined())
	res := await(t, c.Call("mutate", "task", `{"operation":"insert","id":"task:1","record":{"title":"A"}}`))
	require.True(t, res.Get("ok").Bool(), jsonOf(res))
	require.Equal(t, `["task:1"]`, jsonOf(res.Get("affectedIds")))

	q := await(t, c.Call("query", "task", `{}`))
	require.Equal(t, `[{"id":"task:1","title":"A","status":"active"}]`, jsonOf(q.Get("data")))
	require.Equal(t, 0, fetches.Get("urls").Length(), "requests: %s", jsonOf(fetches.Get("urls")))

	batch := await(t, c.Call("mutate", "task", `[{"operation":"insert","id":"task:2","record":{"title":"B"}},
		{"operation":"insert","id":"task:3","record":{}}]`))
	require.Equal(t, 2, batch.Length())
	require.True(t, batch.Index(0).Get("ok").Bool())
	require.False(t, batch.Index(1).Get("ok").Bool())
}

func TestCreateClientRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name, cfg, code, message, details string
	}{
		{"CFG-1 schema", `{"schema":{}}`, "SCHEMA_INVALID", "Invalid schema: missing resources", ""},
		{"CFG-2 sync mode needs remote", config(`"sync":{}`), "DFQL_INVALID",
			"Invalid client config: remote or remoteAdapter is required in sync mode", `{"path":"sync"}`},
		{"CFG-4 pullBatchSize", config(`"sync":{"remote":"http://h/datafn","pullBatchSize":5}`), "DFQL_INVALID",
			"Invalid client config: pullBatchSize must be a positive integer between 10 and 10000",
			`{"path":"sync.pullBatchSize"}`},
		{"not JSON", `{`, "DFQL_INVALID", "Invalid client config: config must be an object", `{"path":"$"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := rejection(t, raw().Call("createClient", tc.cfg, js.Global().Get("Object").New()))
			require.Equal(t, tc.code, e.Get("code").String())
			require.Equal(t, tc.message, e.Get("message").String())
			if tc.details != "" {
				require.Equal(t, tc.details, jsonOf(e.Get("details")))
			}
		})
	}
	require.Equal(t, `{"clients":0,"subscriptions":0}`, stats(), "a failed createClient left a client behind")
}

func TestUnknownResourceRejectsWithCodeMessageDetails(t *testing.T) {
	c := openClient(t, config(localOnly, `"sync":{"mode":"local-only"}`), js.Undefined())
	for _, method := range []string{"query", "mutate"} {
		t.Run(method, func(t *testing.T) {
			e := rejection(t, c.Call(method, "nope", `{"operation":"insert","record":{}}`))
			requireError(t, e, "DFQL_UNKNOWN_RESOURCE", "Unknown resource: nope", `{"path":"resource","resource":"nope"}`)
		})
	}
}

func TestRejectedMutationLeavesNoChangelogEntry(t *testing.T) {
	c := openClient(t, config(localOnly, `"sync":{"mode":"local-only"}`), js.Undefined())
	ok := await(t, c.Call("mutate", "task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1"}`))
	require.True(t, ok.Get("ok").Bool(), jsonOf(ok))
	rejected := []string{
		`{"operation":"insert","id":"task:1","record":{"title":"again"},"mutationId":"m-2"}`,  // exists
		`{"operation":"insert","id":"task:2","record":{"prio":9},"mutationId":"m-3"}`,         // invalid record
		`{"operation":"merge","id":"task:404","record":{"status":"done"},"mutationId":"m-4"}`, // missing row
	}
	for _, m := range rejected {
		res := await(t, c.Call("mutate", "task", m))
		require.False(t, res.Get("ok").Bool(), "%s → %s", m, jsonOf(res))
		require.NotEmpty(t, res.Get("errors").Index(0).Get("code").String())
	}
	log := await(t, c.Call("changelogList", `{}`))
	require.Equal(t, 1, log.Length(), jsonOf(log))
	require.Equal(t, "m-1", log.Index(0).Get("mutationId").String())
	one := await(t, c.Call("changelogList", `{"limit":1}`))
	require.Equal(t, 1, one.Length())
	e := rejection(t, c.Call("changelogList", `{"limit":-1}`))
	require.Equal(t, "DFQL_INVALID", e.Get("code").String())
}

func TestHooksTimestampAndID(t *testing.T) {
	hooks := jsFunc(nil, `return {
		getTimestamp: () => 1000,
		generateId: ({resource, idPrefix}) => idPrefix + ":gen-" + resource,
	};`).Invoke()
	c := openClient(t, config(localOnly, `"sync":{"mode":"local-only"}`), hooks)
	res := await(t, c.Call("mutate", "task", `{"operation":"insert","record":{"title":"A"}}`))
	require.Equal(t, `["task:gen-task"]`, jsonOf(res.Get("affectedIds")))
	log := await(t, c.Call("changelogList", `{}`))
	require.Equal(t, 1000, log.Index(0).Get("timestampMs").Int())

	bad := jsFunc(nil, `return {generateId: () => 42, getTimestamp: () => { throw new Error("clock broke"); }};`).Invoke()
	c2 := openClient(t, config(localOnly, `"sync":{"mode":"local-only"}`), bad)
	res = await(t, c2.Call("mutate", "task", `{"operation":"insert","record":{"title":"A"}}`))
	require.False(t, res.Get("ok").Bool())
	require.Equal(t, "DFQL_INVALID", res.Get("errors").Index(0).Get("code").String())
}

func TestEventsArriveBeforeTheCallResolves(t *testing.T) {
	c := openClient(t, config(localOnly, `"sync":{"mode":"local-only"}`), js.Undefined())
	rec := newRecorder()
	off := c.Call("subscribe", `{"type":"mutation_applied"}`, rec.handler())
	require.Equal(t, js.TypeFunction, off.Type(), jsonOf(off))
	await(t, c.Call("mutate", "task", `{"operation":"insert","id":"task:1","record":{"title":"A"},"mutationId":"m-1"}`))
	require.Equal(t, 1, rec.events().Length(), "mutation_applied was not delivered before mutate resolved")
	ev := rec.events().Index(0)
	require.Equal(t, "mutation_applied", ev.Get("type").String())
	require.Equal(t, `["task:1"]`, jsonOf(ev.Get("ids")))
	require.Equal(t, js.TypeNumber, ev.Get("timestampMs").Type())

	require.Equal(t, `{"clients":1,"subscriptions":1}`, stats())
	off.Invoke()
	off.Invoke() // harmless
	require.Equal(t, `{"clients":1,"subscriptions":0}`, stats())
	await(t, c.Call("mutate", "task", `{"operation":"insert","id":"task:2","record":{"title":"B"}}`))
	require.Equal(t, 1, rec.events().Length(), "an event arrived after unsubscribe")

	bad := c.Call("subscribe", `"task"`, rec.handler())
	require.True(t, bad.InstanceOf(js.Global().Get("Error")), "an invalid filter gave %s", jsonOf(bad))
	require.Equal(t, "DFQL_INVALID", bad.Get("code").String())
}

func TestCFG10_CloseRejectsLaterCalls(t *testing.T) {
	c := openClient(t, config(localOnly, `"sync":{"mode":"local-only"}`), js.Undefined())
	id := c.Call("clientId").String()
	require.NotEmpty(t, id)
	off := c.Call("subscribe", "null", newRecorder().handler())
	query := c.Get("query") // a method kept by JavaScript after close
	require.True(t, await(t, c.Call("close")).IsUndefined())
	require.True(t, await(t, c.Call("close")).IsUndefined(), "a second close must resolve too")
	require.Equal(t, `{"clients":0,"subscriptions":0}`, stats())

	destroyed := `{"path":"$"}`
	for _, p := range []js.Value{query.Invoke("task", "{}"), c.Call("mutate", "task", "{}"), c.Call("status"),
		c.Call("changelogList", "{}"), c.Call("syncStart"), c.Call("pullNow")} {
		requireError(t, rejection(t, p), "DFQL_INVALID", "Client has been destroyed", destroyed)
	}
	require.Equal(t, id, c.Call("clientId").String())
	require.True(t, c.Call("syncStop").IsUndefined())
	off.Invoke() // after close: harmless
	e := c.Call("subscribe", "null", newRecorder().handler())
	require.Equal(t, "Client has been destroyed", e.Get("message").String())
}

func TestSeveralClientsShareTheInstance(t *testing.T) {
	a := openClient(t, config(localOnly, `"sync":{"mode":"local-only"}`), js.Undefined())
	b := openClient(t, config(localOnly, `"sync":{"mode":"local-only"}`), js.Undefined())
	await(t, a.Call("mutate", "task", `{"operation":"insert","id":"task:a","record":{"title":"A"}}`))
	require.Equal(t, 0, await(t, b.Call("query", "task", `{}`)).Get("data").Length(), "memory clients share rows")
	require.NotEqual(t, a.Call("clientId").String(), b.Call("clientId").String())
}

// TestTR1_RequestsCarryTheAuthToken: fetch requests go to <remote>/<op>
// with the JSON content type and the token of authToken, a string in the
// config or a hook returning a promise.
func TestTR1_RequestsCarryTheAuthToken(t *testing.T) {
	cases := []struct {
		name, cfg string
		hooks     js.Value
	}{
		{"promise hook", config(`"sync":{"remote":"http://h/datafn/"}`),
			jsFunc(nil, `return {authToken: () => Promise.resolve("t1")};`).Invoke()},
		{"config string", config(`"sync":{"remote":"http://h/datafn"}`, `"authToken":"t1"`), js.Undefined()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := jsFunc(nil, `
				const orig = globalThis.fetch, seen = [];
				globalThis.fetch = (url, init) => {
					seen.push({url, headers: init.headers, body: JSON.parse(new TextDecoder().decode(init.body))});
					return Promise.resolve(new Response('{"ok":true,"result":{"data":[],"nextCursor":null}}'));
				};
				return {seen, restore: () => { globalThis.fetch = orig; }};`).Invoke()
			defer stub.Call("restore")
			c := openClient(t, tc.cfg, tc.hooks)
			q := await(t, c.Call("query", "task", `{"resource":"x","version":9}`))
			require.Equal(t, `[]`, jsonOf(q.Get("data")))
			require.Equal(t, 1, stub.Get("seen").Length())
			req := stub.Get("seen").Index(0)
			require.Equal(t, "http://h/datafn/query", req.Get("url").String())
			require.Equal(t, `{"Content-Type":"application/json","Authorization":"Bearer t1"}`, jsonOf(req.Get("headers")))
			require.Equal(t, "task", req.Get("body").Get("resource").String(), "TR-5: the handle's resource")
			require.Equal(t, 1, req.Get("body").Get("version").Int())
		})
	}
}

// TestCloseAbortsRequestsInFlight: close() aborts a pending fetch through
// its AbortController; the call rejects DFQL_ABORTED and close resolves.
func TestCloseAbortsRequestsInFlight(t *testing.T) {
	stub := jsFunc(nil, `
		const orig = globalThis.fetch, signals = [];
		globalThis.fetch = (url, init) => new Promise((_, reject) => {
			signals.push(init.signal);
			init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
		});
		return {signals, restore: () => { globalThis.fetch = orig; }};`).Invoke()
	defer stub.Call("restore")
	c := openClient(t, config(`"sync":{"remote":"http://h/datafn"}`), js.Undefined())
	pending := c.Call("query", "task", `{}`)
	eventually(t, func() bool { return stub.Get("signals").Length() == 1 }, "the query was never sent")
	closed := c.Call("close")
	requireError(t, rejection(t, pending), "DFQL_ABORTED", "Request aborted", `{"path":"$"}`)
	require.True(t, await(t, closed).IsUndefined())
	require.True(t, stub.Get("signals").Index(0).Get("aborted").Bool())
}
