//go:build !(js && wasm)

package engine_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/datafn/datafn-go/engine"
)

// fault is one way a request can go wrong between client and server.
type fault int

const (
	faultNone fault = iota
	// faultLostRequest: the request never reaches the server.
	faultLostRequest
	// faultLostResponse: the server handled it, the client sees a network error.
	faultLostResponse
	// fault500Before: a proxy answers 500 (non-JSON) without asking the server.
	fault500Before
	// fault500After: the server handled it, the proxy turns the answer into a 500.
	fault500After
	// faultTimeout: the server handled it, the response never arrives in time.
	faultTimeout
	// faultGarbage: the server handled it, the body arrives corrupted.
	faultGarbage
	// fault503JSON: the server handled it, then a draining server's JSON
	// error envelope replaces the answer (§6.4: 503 SERVICE_UNAVAILABLE).
	fault503JSON
	numFaults
)

func (f fault) String() string {
	return [...]string{"none", "lostRequest", "lostResponse", "500before", "500after", "timeout", "garbage", "503json"}[f]
}

var errInjected = errors.New("injected network failure")

// faultRT is an http.RoundTripper that forwards to the real transport and
// injects the fault chosen by pick for each request (by operation name and
// the number of earlier requests of that operation). While offline every
// request is lost.
type faultRT struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
	pick func(op string, n int) fault
	off  bool
	log  []string // "op:fault" per request
}

func (rt *faultRT) setOffline(off bool) {
	rt.mu.Lock()
	rt.off = off
	rt.mu.Unlock()
}

func (rt *faultRT) setPick(pick func(op string, n int) fault) {
	rt.mu.Lock()
	rt.pick = pick
	rt.mu.Unlock()
}

func (rt *faultRT) choose(op string) fault {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	f := faultNone
	switch {
	case rt.off:
		f = faultLostRequest
	case rt.pick != nil:
		f = rt.pick(op, rt.n[op])
	}
	if rt.n == nil {
		rt.n = map[string]int{}
	}
	rt.n[op]++
	rt.log = append(rt.log, op+":"+f.String())
	return f
}

func (rt *faultRT) injected() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []string
	for _, l := range rt.log {
		if !strings.HasSuffix(l, ":none") {
			out = append(out, l)
		}
	}
	return out
}

// RoundTrip implements http.RoundTripper.
func (rt *faultRT) RoundTrip(req *http.Request) (*http.Response, error) {
	op := req.URL.Path[strings.LastIndexByte(req.URL.Path, '/')+1:]
	f := rt.choose(op)
	switch f {
	case faultLostRequest:
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, errInjected
	case fault500Before:
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return textResponse(req, http.StatusInternalServerError, "Internal Server Error"), nil
	}
	resp, err := rt.next.RoundTrip(req)
	if err != nil || f == faultNone {
		return resp, err
	}
	// The server has handled the request: read its answer in full so that
	// it is certainly applied, then spoil it.
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	switch f {
	case faultLostResponse:
		return nil, errInjected
	case fault500After:
		return textResponse(req, http.StatusInternalServerError, "Internal Server Error"), nil
	case faultTimeout:
		<-req.Context().Done() // the client's request timeout
		return nil, req.Context().Err()
	case fault503JSON:
		return textResponse(req, http.StatusServiceUnavailable,
			`{"ok":false,"error":{"code":"SERVICE_UNAVAILABLE","message":"Service unavailable","path":"$"}}`), nil
	default: // faultGarbage
		return textResponse(req, http.StatusOK, `{"ok":true,"result":{"applied":[`), nil
	}
}

func textResponse(req *http.Request, status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1,
		ProtoMinor: 1, Header: http.Header{"Content-Type": {"application/json"}}, Request: req,
		Body: io.NopCloser(bytes.NewReader([]byte(body))), ContentLength: int64(len(body))}
}

// faultTransport is the engine's HTTP transport over rt with a short
// request timeout, so the timeout fault costs milliseconds.
func faultTransport(remote string, rt *faultRT, timeout time.Duration) engine.Transport {
	return engine.NewTransport(&engine.HTTPPoster{Remote: remote, Client: &http.Client{Transport: rt},
		Timeout: timeout})
}
