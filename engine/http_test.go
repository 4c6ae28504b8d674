//go:build !(js && wasm)

package engine

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

func serve(t *testing.T, status int, ctype, body string) (*httptest.Server, *[]*http.Request, *[]string) {
	var reqs []*http.Request
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs = append(reqs, r)
		bodies = append(bodies, string(b))
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &reqs, &bodies
}

func TestTR1_RequestShape(t *testing.T) {
	srv, reqs, bodies := serve(t, 200, "application/json", `{"ok":true,"result":{"data":[],"nextCursor":null}}`)
	tr := NewHTTPTransport(srv.URL+"/datafn/", func(context.Context) (string, error) { return "t1", nil })
	_, err := tr.Query(context.Background(), value.MustParse(`{"resource":"task","version":1}`))
	require.NoError(t, err)
	r := (*reqs)[0]
	require.Equal(t, "POST", r.Method)
	require.Equal(t, "/datafn/query", r.URL.Path)
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.Equal(t, "Bearer t1", r.Header.Get("Authorization"))
	require.JSONEq(t, `{"resource":"task","version":1}`, (*bodies)[0])

	noTok := NewHTTPTransport(srv.URL+"/datafn", func(context.Context) (string, error) { return "", nil })
	_, err = noTok.Query(context.Background(), value.MustParse(`{"resource":"task"}`))
	require.NoError(t, err)
	require.Empty(t, (*reqs)[1].Header.Get("Authorization"))
}

func TestTransportResponseTable(t *testing.T) {
	q := value.MustParse(`{"resource":"task","version":1}`)
	cases := []struct {
		name, ctype, body string
		status            int
		code              protocol.Code
		msg, path         string
	}{
		{"TR2_UnexpectedShape", "application/json", `{"hello":"world"}`, 200, protocol.CodeTransport,
			"Transport error: unexpected response shape", "$"},
		{"TR3_HTMLBadGateway", "text/html", `<html>bad</html>`, 502, protocol.CodeTransport, "HTTP Error 502: Bad Gateway", "$"},
		{"TR4_ServerError", "application/json",
			`{"ok":false,"error":{"code":"FORBIDDEN","message":"Forbidden","details":{"path":"$"}}}`, 401,
			protocol.CodeForbidden, "Forbidden", "$"},
		{"JSONErrorOn200", "application/json",
			`{"ok":false,"error":{"code":"DFQL_UNKNOWN_FIELD","message":"Unknown field: filters.x","details":{"path":"filters.x"}}}`,
			200, protocol.CodeUnknownField, "Unknown field: filters.x", "filters.x"},
		{"NonJSON200", "text/plain", `hi`, 200, protocol.CodeTransport, "Transport error: unexpected response shape", "$"},
		{"ResultNotAQueryResult", "application/json", `{"ok":true,"result":5}`, 200, protocol.CodeTransport,
			"Transport error: unexpected response shape", "$"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _, _ := serve(t, tc.status, tc.ctype, tc.body)
			_, err := NewHTTPTransport(srv.URL, nil).Query(context.Background(), q)
			requireErr(t, err, tc.code, tc.msg, tc.path)
		})
	}
}

func TestTR4_ErrorDetailsKept(t *testing.T) {
	srv, _, _ := serve(t, 400, "application/json",
		`{"ok":false,"error":{"code":"DFQL_UNKNOWN_RESOURCE","message":"Unknown resource: x","details":{"path":"resource","resource":"x"}}}`)
	_, err := NewHTTPTransport(srv.URL, nil).Query(context.Background(), value.MustParse(`{}`))
	pe := requireErr(t, err, protocol.CodeUnknownResource, "Unknown resource: x", "resource")
	require.Equal(t, map[string]any{"resource": "x"}, pe.Extra)
}

func TestTransportBareQueryResult(t *testing.T) {
	srv, _, _ := serve(t, 200, "application/json", `{"data":[{"id":"task:1"}],"nextCursor":null,"count":1}`)
	r, err := NewHTTPTransport(srv.URL, nil).Query(context.Background(), value.MustParse(`{}`))
	require.NoError(t, err)
	require.Len(t, r.Data, 1)
	require.EqualValues(t, 1, *r.Count)
	srv, _, _ = serve(t, 200, "application/json", `{"groups":[],"nextCursor":null}`)
	r, err = NewHTTPTransport(srv.URL, nil).Query(context.Background(), value.MustParse(`{}`))
	require.NoError(t, err)
	require.True(t, r.IsGrouped())
}

func TestTransportPartialFailureIsAResult(t *testing.T) {
	srv, _, _ := serve(t, 409, "application/json", `{"ok":false,"error":{"code":"CONFLICT","message":"Record already exists","details":{"path":"id"}},`+
		`"result":{"ok":false,"mutationId":"m-2","affectedIds":[],"errors":[{"code":"CONFLICT","message":"Record already exists","path":"id","retryable":false}],"deduped":false}}`)
	r, err := NewHTTPTransport(srv.URL, nil).Mutation(context.Background(), value.MustParse(`{}`))
	require.NoError(t, err)
	require.False(t, r.OK)
	require.Equal(t, "m-2", r.MutationID)
	require.Equal(t, protocol.CodeConflict, r.Errors[0].Code)

	srv, _, _ = serve(t, 400, "application/json", `{"ok":false,"error":{"code":"CONFLICT","message":"Guard condition not met","details":{"path":"if","mutationId":"m3"}},`+
		`"result":{"ok":false,"applied":[],"errors":[{"mutationId":"m3","code":"CONFLICT","message":"Guard condition not met","path":"if","retryable":false}],"cursor":"2","cursorBefore":"2","cursors":{}}}`)
	p, err := NewHTTPTransport(srv.URL, nil).Push(context.Background(), protocol.PushRequest{ClientID: "c1"})
	require.NoError(t, err)
	require.Equal(t, "2", p.Cursor)
	require.Len(t, p.Errors, 1)
}

func TestTransportSyncResultShapes(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, body string
		code       protocol.Code
		msg        string
	}{
		{"PullMissingCursors", `{"ok":true,"result":{"ok":true,"records":{},"hasMore":false}}`, protocol.CodeTransport,
			"Transport error: unexpected response shape"},
		{"PullCursorNotInteger", `{"ok":true,"result":{"ok":true,"cursors":{"task":"x"},"hasMore":false}}`,
			protocol.CodeTransport, "Transport error: unexpected response shape"},
		{"PullResultError", `{"ok":true,"result":{"ok":false,"error":{"code":"INTERNAL","message":"Internal error","details":{"path":"$"}}}}`,
			protocol.CodeInternal, "Internal error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _, _ := serve(t, 200, "application/json", tc.body)
			_, err := NewHTTPTransport(srv.URL, nil).Pull(ctx, protocol.PullRequest{ClientID: "c"})
			requireErr(t, err, tc.code, tc.msg, "$")
		})
	}
	srv, _, _ := serve(t, 200, "application/json", `{"ok":true,"result":{"cursors":{"task":"3"},"records":{"task":[{"id":"task:1"}]},"hasMore":true}}`)
	r, err := NewHTTPTransport(srv.URL, nil).Pull(ctx, protocol.PullRequest{ClientID: "c"})
	require.NoError(t, err, "a result without ok is accepted")
	require.True(t, r.HasMore)
	require.Equal(t, "3", r.Cursors["task"])

	srv, _, bodies := serve(t, 200, "application/json", `{"ok":true,"result":{"ok":true,"data":{"task":[]},"cursors":{"task":"0"}}}`)
	after := "task:4"
	_, err = NewHTTPTransport(srv.URL, nil).Clone(ctx, protocol.CloneRequest{ClientID: "c", Tables: []string{"task"},
		Page: &protocol.ClonePage{Table: "task", AfterID: &after, Limit: 2}, IncludeJoins: true})
	require.NoError(t, err)
	require.JSONEq(t, `{"clientId":"c","tables":["task"],"page":{"table":"task","afterId":"task:4","limit":2},"includeJoins":true}`, (*bodies)[0])
}

func TestTransportNetworkTimeoutAbort(t *testing.T) {
	srv, _, _ := serve(t, 200, "application/json", `{}`)
	url := srv.URL
	srv.Close()
	_, err := NewHTTPTransport(url, nil).Query(context.Background(), value.MustParse(`{}`))
	requireErr(t, err, protocol.CodeTransport, "Transport error: network request failed", "$")

	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(block)
	tr := NewTransport(&HTTPPoster{Remote: slow.URL, Client: http.DefaultClient, Timeout: 50 * time.Millisecond})
	_, err = tr.Query(context.Background(), value.MustParse(`{}`))
	requireErr(t, err, protocol.CodeTransport, "Transport error: request timed out", "$")

	ctx, cancel := context.WithCancel(context.Background())
	tr = NewTransport(&HTTPPoster{Remote: slow.URL, Client: http.DefaultClient, Timeout: time.Minute})
	done := make(chan error, 1)
	go func() { _, err := tr.Query(ctx, value.MustParse(`{}`)); done <- err }()
	cancel()
	requireErr(t, <-done, protocol.CodeAborted, "Request aborted", "$")
}
