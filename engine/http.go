//go:build !(js && wasm)

package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/datafn/datafn-go/protocol"
)

// RequestTimeout is how long one protocol request may take (§9.5).
const RequestTimeout = 60 * time.Second

// HTTPPoster is the Poster on net/http for native programs and tests. The
// browser build uses fetch instead (net/http costs ~7 MB of wasm), hence the
// build constraint on this file.
type HTTPPoster struct {
	Remote  string
	Token   func(ctx context.Context) (string, error)
	Client  *http.Client
	Timeout time.Duration
}

// NewHTTPTransport is the Transport for remote (the protocol base URL, one
// trailing "/" removed). token, when non-nil, is called before every request;
// a non-empty token is sent as "Authorization: Bearer <token>".
func NewHTTPTransport(remote string, token func(ctx context.Context) (string, error)) Transport {
	return NewTransport(&HTTPPoster{Remote: strings.TrimSuffix(remote, "/"), Token: token,
		Client: http.DefaultClient, Timeout: RequestTimeout})
}

// Post implements Poster.
func (p *HTTPPoster) Post(ctx context.Context, op string, body []byte) (int, string, []byte, error) {
	if ctx.Err() != nil {
		return 0, "", nil, errAborted()
	}
	tctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodPost, p.Remote+"/"+op, bytes.NewReader(body))
	if err != nil {
		return 0, "", nil, errNetwork()
	}
	req.Header.Set("Content-Type", "application/json")
	if p.Token != nil {
		tok, err := p.Token(ctx)
		if err != nil {
			if pe, ok := err.(*protocol.Error); ok {
				return 0, "", nil, pe
			}
			// authToken failed: the request cannot be sent.
			e := errNetwork()
			e.Err = err
			return 0, "", nil, e
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	resp, err := p.Client.Do(req)
	if err == nil {
		defer resp.Body.Close()
		var data []byte
		if data, err = io.ReadAll(resp.Body); err == nil {
			return resp.StatusCode, statusText(resp), data, nil
		}
	}
	switch {
	case ctx.Err() != nil:
		return 0, "", nil, errAborted()
	case errors.Is(err, context.DeadlineExceeded) || tctx.Err() != nil:
		return 0, "", nil, errTimeout()
	}
	return 0, "", nil, errNetwork()
}

// statusText is the reason phrase of the status line ("Bad Gateway").
func statusText(resp *http.Response) string {
	if _, text, ok := strings.Cut(resp.Status, " "); ok && text != "" {
		return text
	}
	return http.StatusText(resp.StatusCode)
}
