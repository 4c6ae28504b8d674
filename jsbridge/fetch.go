//go:build js && wasm

package jsbridge

import (
	"context"
	"strings"
	"syscall/js"
	"time"

	"github.com/datafn/datafn-go/protocol"
)

// RequestTimeout is how long one protocol request may take (protocol.md
// §9.5).
const RequestTimeout = 60 * time.Second

var (
	jsObject          = js.Global().Get("Object")
	jsUint8Array      = js.Global().Get("Uint8Array")
	jsAbortController = js.Global().Get("AbortController")
)

// FetchPoster is the engine.Poster of the browser: POST <Remote>/<op> with
// fetch, so that the wasm binary does not link net/http (~7 MB). The engine's
// NewTransport does the response handling on top of it. Post blocks its
// goroutine until fetch settles, so it must not be called on the goroutine
// of a js.Func callback.
type FetchPoster struct {
	// Remote is the protocol base URL without a trailing "/".
	Remote string
	// Token, when non-nil, is called before every request; a non-empty token
	// is sent as "Authorization: Bearer <token>".
	Token func(ctx context.Context) (string, error)
	// Timeout defaults to RequestTimeout.
	Timeout time.Duration
}

// NewFetchPoster is a FetchPoster for remote (one trailing "/" removed).
func NewFetchPoster(remote string, token func(ctx context.Context) (string, error)) *FetchPoster {
	return &FetchPoster{Remote: strings.TrimSuffix(remote, "/"), Token: token, Timeout: RequestTimeout}
}

// The transport failures of §9.5.
func errNetwork() *protocol.Error {
	return protocol.Errorf(protocol.CodeTransport, "$", "Transport error: network request failed")
}

func errTimeout() *protocol.Error {
	return protocol.Errorf(protocol.CodeTransport, "$", "Transport error: request timed out")
}

func errAborted() *protocol.Error {
	return protocol.Errorf(protocol.CodeAborted, "$", "Request aborted")
}

// Post implements engine.Poster. Failures are *protocol.Error: DFQL_ABORTED
// when ctx is cancelled, the timeout and network failures of §9.5, or the
// token function's own protocol error.
func (p *FetchPoster) Post(ctx context.Context, op string, body []byte) (int, string, []byte, error) {
	if ctx.Err() != nil {
		return 0, "", nil, errAborted()
	}
	headers := jsObject.New()
	headers.Set("Content-Type", "application/json")
	if p.Token != nil {
		tok, err := p.Token(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return 0, "", nil, errAborted()
			}
			return 0, "", nil, tokenError(err)
		}
		if tok != "" {
			headers.Set("Authorization", "Bearer "+tok)
		}
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = RequestTimeout
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	status, text, data, err := p.fetch(tctx, p.Remote+"/"+op, headers, body)
	switch {
	case err == nil:
		return status, text, data, nil
	case ctx.Err() != nil:
		return 0, "", nil, errAborted()
	case tctx.Err() != nil:
		return 0, "", nil, errTimeout()
	}
	e := errNetwork()
	e.Err = err
	return 0, "", nil, e
}

// tokenError: the token function's protocol error passes through; any other
// failure means the request could not be sent.
func tokenError(err error) error {
	if pe, ok := err.(*protocol.Error); ok {
		return pe
	}
	e := errNetwork()
	e.Err = err
	return e
}

// fetch runs one request and reads the whole body. Cancelling ctx aborts
// both the request and the body read through one AbortController.
func (p *FetchPoster) fetch(ctx context.Context, url string, headers js.Value, body []byte) (int, string, []byte, error) {
	ac := jsAbortController.New()
	abort := func() { ac.Call("abort") }
	opts := jsObject.New()
	opts.Set("method", "POST")
	opts.Set("headers", headers)
	opts.Set("signal", ac.Get("signal"))
	buf := jsUint8Array.New(len(body))
	js.CopyBytesToJS(buf, body)
	opts.Set("body", buf)
	// globalThis.fetch is looked up on every call so that a page (or a test)
	// may wrap it.
	started, err := Call(js.Global().Get("fetch"), url, opts)
	if err != nil {
		return 0, "", nil, err
	}
	resp, err := AwaitContext(ctx, started, abort)
	if err != nil {
		return 0, "", nil, err
	}
	ab, err := AwaitContext(ctx, resp.Call("arrayBuffer"), abort)
	if err != nil {
		return 0, "", nil, err
	}
	data := make([]byte, ab.Get("byteLength").Int())
	js.CopyBytesToGo(data, jsUint8Array.New(ab))
	status := resp.Get("status").Int()
	text := resp.Get("statusText").String()
	if text == "" {
		text = statusText(status) // HTTP/2 has no reason phrase
	}
	return status, text, data, nil
}
