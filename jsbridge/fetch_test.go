//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
)

// fetchStub replaces globalThis.fetch for one test with behaviour, the body
// of a JS function of (url, init) returning the fetch promise, and records
// each call's url, method, headers, body text and signal.
func fetchStub(t *testing.T, behaviour string) js.Value {
	t.Helper()
	stub := jsFunc([]string{"behaviour"}, `
		const calls = [];
		const orig = globalThis.fetch;
		globalThis.fetch = (url, init) => {
			calls.push({url, method: init.method, headers: init.headers,
				body: new TextDecoder().decode(init.body), signal: init.signal});
			return behaviour(url, init);
		};
		return {calls, restore: () => { globalThis.fetch = orig; }};`).
		Invoke(jsFunc([]string{"url", "init"}, behaviour))
	t.Cleanup(func() { stub.Call("restore") })
	return stub
}

// hangs is a fetch that settles only by rejecting with an AbortError when
// its signal aborts, as the real one does.
const hangs = `return new Promise((_, reject) => init.signal.addEventListener("abort",
	() => reject(new DOMException("The user aborted a request.", "AbortError"))));`

func TestFetchPosterRequest(t *testing.T) {
	cases := []struct {
		name  string
		token func(context.Context) (string, error)
		want  string // JSON of the recorded headers
	}{
		{"no token function", nil, `{"Content-Type":"application/json"}`},
		{"empty token", func(context.Context) (string, error) { return "", nil },
			`{"Content-Type":"application/json"}`},
		{"token", func(context.Context) (string, error) { return "t1", nil },
			`{"Content-Type":"application/json","Authorization":"Bearer t1"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := fetchStub(t, `return Promise.resolve(new Response('{"ok":true,"result":{"é":1}}',
				{status: 200, statusText: "OK"}));`)
			p := NewFetchPoster("http://h/datafn/", tc.token)
			status, text, body, err := p.Post(context.Background(), "query", []byte(`{"resource":"tâche"}`))
			require.NoError(t, err)
			require.Equal(t, 200, status)
			require.Equal(t, "OK", text)
			require.Equal(t, `{"ok":true,"result":{"é":1}}`, string(body))
			calls := stub.Get("calls")
			require.Equal(t, 1, calls.Length())
			c := calls.Index(0)
			require.Equal(t, "http://h/datafn/query", c.Get("url").String())
			require.Equal(t, "POST", c.Get("method").String())
			require.Equal(t, tc.want, jsonOf(c.Get("headers")))
			require.Equal(t, `{"resource":"tâche"}`, c.Get("body").String())
		})
	}
}

func TestFetchPosterStatusWithoutReasonPhrase(t *testing.T) {
	fetchStub(t, `return Promise.resolve(new Response("<html>bad</html>", {status: 502}));`)
	status, text, body, err := NewFetchPoster("http://h/datafn", nil).Post(context.Background(), "pull", nil)
	require.NoError(t, err)
	require.Equal(t, 502, status)
	require.Equal(t, "Bad Gateway", text)
	require.Equal(t, "<html>bad</html>", string(body))
}

func TestFetchPosterFailures(t *testing.T) {
	netFail := &protocol.Error{Code: protocol.CodeTransport, Message: "Transport error: network request failed", Path: "$"}
	cases := []struct {
		name      string
		behaviour string
		token     func(context.Context) (string, error)
		want      *protocol.Error
	}{
		{"network failure", `return Promise.reject(new TypeError("Failed to fetch"));`, nil, netFail},
		{"fetch throws", `throw new TypeError("bad init");`, nil, netFail},
		{"body read fails", `return Promise.resolve({status: 200, statusText: "OK",
			arrayBuffer: () => Promise.reject(new TypeError("network error"))});`, nil, netFail},
		{"token fails", `return Promise.resolve(new Response("{}"));`,
			func(context.Context) (string, error) { return "", errors.New("no session") }, netFail},
		{"token protocol error passes through", `return Promise.resolve(new Response("{}"));`,
			func(context.Context) (string, error) {
				return "", protocol.Errorf(protocol.CodeForbidden, "$", "Forbidden")
			},
			&protocol.Error{Code: protocol.CodeForbidden, Message: "Forbidden", Path: "$"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fetchStub(t, tc.behaviour)
			_, _, _, err := NewFetchPoster("http://h/datafn", tc.token).Post(context.Background(), "push", []byte(`{}`))
			var pe *protocol.Error
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tc.want.Code, pe.Code)
			require.Equal(t, tc.want.Message, pe.Message)
			require.Equal(t, tc.want.Path, pe.Path)
		})
	}
}

func TestFetchPosterTimeoutAborts(t *testing.T) {
	stub := fetchStub(t, hangs)
	p := NewFetchPoster("http://h/datafn", nil)
	p.Timeout = 20 * time.Millisecond
	_, _, _, err := p.Post(context.Background(), "clone", []byte(`{}`))
	require.Equal(t, &protocol.Error{Code: protocol.CodeTransport, Message: "Transport error: request timed out", Path: "$"}, err)
	require.True(t, stub.Get("calls").Index(0).Get("signal").Get("aborted").Bool(), "the request was not aborted")
}

func TestFetchPosterCancelAborts(t *testing.T) {
	stub := fetchStub(t, hangs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, _, err := NewFetchPoster("http://h/datafn", nil).Post(ctx, "pull", []byte(`{}`))
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for stub.Get("calls").Length() == 0 {
		require.True(t, time.Now().Before(deadline), "fetch was never called")
		time.Sleep(time.Millisecond) // yields to the event loop; polling, not waiting for a result
	}
	cancel()
	require.Equal(t, &protocol.Error{Code: protocol.CodeAborted, Message: "Request aborted", Path: "$"}, <-done)
	require.True(t, stub.Get("calls").Index(0).Get("signal").Get("aborted").Bool(), "the request was not aborted")
}

func TestFetchPosterCancelledBeforeSending(t *testing.T) {
	stub := fetchStub(t, `return Promise.resolve(new Response("{}"));`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, _, err := NewFetchPoster("http://h/datafn", nil).Post(ctx, "pull", nil)
	require.Equal(t, &protocol.Error{Code: protocol.CodeAborted, Message: "Request aborted", Path: "$"}, err)
	require.Equal(t, 0, stub.Get("calls").Length())
}
