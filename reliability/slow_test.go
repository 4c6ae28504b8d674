//go:build !js

package reliability

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/value"
)

// slowConns holds hostile connections open until closed.
type slowConns struct {
	t     *testing.T
	stop  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
	// wrote counts connections that have written at least their first byte.
	wrote atomic.Int32
}

func newSlowConns(t *testing.T) *slowConns {
	s := &slowConns{t: t, stop: make(chan struct{})}
	t.Cleanup(s.close)
	return s
}

func (s *slowConns) dial(addr string) net.Conn {
	c, err := net.Dial("tcp", addr)
	require.NoError(s.t, err)
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	return c
}

// dribble writes text one byte per every, until stopped or refused.
func (s *slowConns) dribble(addr, text string, every time.Duration) {
	c := s.dial(addr)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for i := 0; i < len(text); i++ {
			if _, err := c.Write([]byte{text[i]}); err != nil {
				return
			}
			if i == 0 {
				s.wrote.Add(1)
			}
			select {
			case <-s.stop:
				return
			case <-time.After(every):
			}
		}
	}()
}

// stall writes text at once and then nothing more.
func (s *slowConns) stall(addr, text string) {
	c := s.dial(addr)
	_, err := io.WriteString(c, text)
	require.NoError(s.t, err)
	s.wrote.Add(1)
}

func (s *slowConns) close() {
	select {
	case <-s.stop:
		return
	default:
	}
	close(s.stop)
	s.mu.Lock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

const slowHead = "POST /datafn/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

// TestSlowClientsDoNotStarveOthers holds 50 connections sending headers
// byte by byte, 20 with a body that never finishes (Content-Length and
// chunked) and 200 silent ones, and requires every request of a normal
// client meanwhile to be answered within 2 s.
func TestSlowClientsDoNotStarveOthers(t *testing.T) {
	srv, _ := startSQLite(t)
	slow := newSlowConns(t)
	for range 50 {
		slow.dribble(srv.addr, slowHead+"X-Pad: "+strings.Repeat("a", 4000)+"\r\n\r\n", 20*time.Millisecond)
	}
	for range 10 {
		slow.stall(srv.addr, slowHead+"Content-Length: 100000\r\n\r\n{\"clientId\":\"slow\",")
		slow.stall(srv.addr, slowHead+"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"cli\r\n")
	}
	for range 200 {
		slow.dial(srv.addr)
	}
	deadline := time.Now().Add(10 * time.Second)
	for slow.wrote.Load() < 70 {
		require.True(t, time.Now().Before(deadline), "slow clients did not start")
		time.Sleep(5 * time.Millisecond)
	}
	var worst time.Duration
	hold := time.Now().Add(3 * time.Second)
	for i := 0; time.Now().Before(hold); i++ {
		for _, req := range []struct{ method, op, body string }{
			{"GET", "status", ""},
			{"POST", "push", `{"clientId":"fast","mutations":[{"resource":"task","version":1,"operation":"merge","id":"task:f","record":{"title":"F"},"mutationId":"f` + itoa(i) + `"}]}`},
			{"POST", "pull", `{"clientId":"fast","cursors":{"task":"0"}}`},
			{"POST", "query", `{"resource":"task","version":1,"limit":5}`},
		} {
			start := time.Now()
			r := srv.call(req.method, req.op, req.body, "")
			took := time.Since(start)
			worst = max(worst, took)
			require.Less(t, took, 2*time.Second, "%s %s", req.method, req.op)
			require.Less(t, r.status, 500, r.body)
		}
	}
	t.Logf("slowest normal request while 270 slow connections were held: %v", worst)
	slow.close()
	require.True(t, srv.alive())
}

// TestSlowClientsAreCutOff (soak only: it waits for the server's 10 s
// header and 60 s request timeouts) requires a client that never finishes
// its headers, and one that never finishes its body, to be cut off.
func TestSlowClientsAreCutOff(t *testing.T) {
	if !soak() {
		t.Skip("waits 60 s for the server's read timeouts; run with DATAFN_SOAK=1 (make soak)")
	}
	srv, _ := startSQLite(t)
	for _, c := range []struct {
		name    string
		send    func(c net.Conn)
		atMost  time.Duration
		allowed int
	}{
		{"headers never finish", func(c net.Conn) {
			for i := 0; ; i++ {
				if _, err := io.WriteString(c, slowHead[i%len(slowHead):i%len(slowHead)+1]); err != nil {
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
		}, 15 * time.Second, 408},
		{"body never finishes", func(c net.Conn) {
			_, _ = io.WriteString(c, slowHead+"Content-Length: 100\r\n\r\n{\"clientId\":")
		}, 70 * time.Second, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.addr)
			require.NoError(t, err)
			defer conn.Close()
			start := time.Now()
			go c.send(conn)
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			took := time.Since(start)
			require.Less(t, took, c.atMost)
			if err == nil {
				body, _ := io.ReadAll(res.Body)
				t.Logf("answered %d after %v: %s", res.StatusCode, took, body)
				require.Equal(t, c.allowed, res.StatusCode)
			} else {
				t.Logf("closed after %v: %v", took, err)
			}
		})
	}
	require.True(t, srv.alive())
}

// TestMalformedHTTP sends requests net/http refuses before the DataFn
// handler runs. Its own plain-text answers (505 for HTTP/9.9, 501 for an
// unknown Transfer-Encoding, 431, 400) are turned by cmd/datafn-server into
// 4xx DataFn envelopes (framing.go), and the connection is closed.
func TestMalformedHTTP(t *testing.T) {
	srv, _ := startSQLite(t)
	for _, c := range []struct {
		name, text string
		status     int
		reason     string
	}{
		{"garbage request line", "HELLO\r\n\r\n", 400, "400 Bad Request"},
		{"bad HTTP version", "POST /datafn/push HTTP/9.9\r\nHost: x\r\n\r\n", 400, "HTTP Version Not Supported"},
		{"headers over 64 KiB", slowHead + "X-Pad: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", 431, "Request Header Fields Too Large"},
		{"bad Content-Length", slowHead + "Content-Length: abc\r\n\r\n{}", 400, "400 Bad Request"},
		{"two Content-Lengths", slowHead + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, "400 Bad Request"},
		{"unknown Transfer-Encoding", slowHead + "Transfer-Encoding: gzip\r\n\r\n{}", 400, "Unsupported transfer encoding"},
		{"no Host", "POST /datafn/push HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 400, "Host"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ex := rawRequest(t, srv.addr, 10*time.Second, func(conn net.Conn) { _, _ = io.WriteString(conn, c.text) })
			if ex.err != nil {
				t.Logf("closed: %v", ex.err)
			} else {
				t.Logf("%d %s: %q", ex.status, ex.header.Get("Content-Type"), ex.body)
				require.Equal(t, c.status, ex.status, ex.body)
				require.True(t, ex.close, "Connection: close")
				require.Equal(t, "application/json; charset=utf-8", ex.header.Get("Content-Type"))
				env := value.MustParse(ex.body)
				require.Equal(t, "DFQL_INVALID", env.Get("error").Get("code").Str(), ex.body)
				require.Equal(t, "$", env.Get("error").Get("details").Get("path").Str(), ex.body)
				require.Contains(t, env.Get("error").Get("message").Str(), c.reason)
			}
			require.True(t, srv.alive())
			require.Equal(t, 200, srv.call("GET", "status", "", "").status)
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
