//go:build js && wasm

package main

import (
	"os"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/require"
)

// remote is the protocol URL of the datafn-server that scripts/wasm-exec
// starts for this package (DATAFN_TEST_SERVER_CMD in the Makefile).
func remote(t *testing.T) string {
	url := os.Getenv("DATAFN_TEST_SERVER_URL")
	if url == "" {
		t.Skip("DATAFN_TEST_SERVER_URL is not set: run through make test-wasm, which starts datafn-server")
	}
	return url + "/datafn"
}

// TestServerCloneLocalQueryOfflineQueuePushOnOnline runs the browser
// client against the real server: a clone, a local query that sends nothing,
// a mutation made offline that waits in the changelog, and its push once
// the browser is online again.
func TestServerCloneLocalQueryOfflineQueuePushOnOnline(t *testing.T) {
	r := remote(t)
	sfx := suffix()
	seedID, offID := "task:seed-"+sfx, "task:off-"+sfx

	// A client without storage sends every call to the server.
	server := openClient(t, config(`"sync":{"remote":"`+r+`"}`), js.Undefined())
	res := await(t, server.Call("mutate", "task", `{"operation":"insert","id":"`+seedID+`","record":{"title":"seeded"}}`))
	require.True(t, res.Get("ok").Bool(), jsonOf(res))

	fetches := fetchCounter(t)
	c := openClient(t, config(localOnly, `"sync":{"remote":"`+r+`","offlinability":true}`), js.Undefined())
	await(t, c.Call("syncStart"))
	st := await(t, c.Call("status"))
	require.Equal(t, "ready", st.Get("hydration").Get("task").String(), jsonOf(st))
	require.Positive(t, fetches.Get("urls").Length(), "the clone sent no request")

	before := fetches.Get("urls").Length()
	q := await(t, c.Call("query", "task", `{"filters":{"id":"`+seedID+`"}}`))
	require.Equal(t, `[{"id":"`+seedID+`","title":"seeded","status":"active"}]`, jsonOf(q.Get("data")))
	require.Equal(t, before, fetches.Get("urls").Length(), "a local query sent a request")

	setOnline(t, false)
	res = await(t, c.Call("mutate", "task", `{"operation":"insert","id":"`+offID+`","record":{"title":"offline"}}`))
	require.True(t, res.Get("ok").Bool(), jsonOf(res))
	log := await(t, c.Call("changelogList", `{}`))
	require.Equal(t, 1, log.Length(), jsonOf(log))
	require.Equal(t, offID, log.Index(0).Get("mutation").Get("id").String())
	onServer := func() int {
		return await(t, server.Call("query", "task", `{"filters":{"id":"`+offID+`"}}`)).Get("data").Length()
	}
	require.Equal(t, 0, onServer(), "the offline mutation reached the server")

	setOnline(t, true)
	eventually(t, func() bool { return await(t, c.Call("changelogList", `{}`)).Length() == 0 },
		"the changelog drains after online")
	require.Equal(t, 1, onServer(), "the server does not have the pushed row")
	pushed := false
	for i := 0; i < fetches.Get("urls").Length(); i++ {
		pushed = pushed || fetches.Get("urls").Index(i).String() == r+"/push"
	}
	require.True(t, pushed, "no POST %s/push: %s", r, jsonOf(fetches.Get("urls")))
}

// TestEV3_ServerConflictIsAResult: the server's partial-failure envelope
// crosses fetch as a resolved {ok:false} result with the server's error.
func TestEV3_ServerConflictIsAResult(t *testing.T) {
	r := remote(t)
	server := openClient(t, config(`"sync":{"remote":"`+r+`"}`), js.Undefined())
	m := `{"operation":"insert","id":"task:dup-` + suffix() + `","record":{"title":"A"}}`
	require.True(t, await(t, server.Call("mutate", "task", m)).Get("ok").Bool())
	res := await(t, server.Call("mutate", "task", m))
	require.False(t, res.Get("ok").Bool(), jsonOf(res))
	require.Equal(t, "CONFLICT", res.Get("errors").Index(0).Get("code").String(), jsonOf(res))
	require.Equal(t, "Record already exists", res.Get("errors").Index(0).Get("message").String())
}
