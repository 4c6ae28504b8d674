//go:build !js

package reliability

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/internal/servertestbin"

	"github.com/datafn/datafn-go/value"
)

// binary is bin/datafn-server built once into a temporary directory.
var binary string

func TestMain(m *testing.M) { servertestbin.Main(m, "../cmd/datafn-server", &binary) }

// soak reports whether the long versions run (DATAFN_SOAK=1).
func soak() bool { return os.Getenv("DATAFN_SOAK") == "1" }

// syncBuffer is a goroutine-safe log of a process's stderr.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serverProc is the datafn-server binary, started, killed and restarted on
// the same arguments and port.
type serverProc struct {
	t    *testing.T
	dir  string
	args []string
	env  []string
	addr string
	// stderr collects the stderr of every run.
	stderr syncBuffer

	mu   sync.Mutex
	cmd  *exec.Cmd
	runs int
}

// freeAddr picks a free loopback port; the server keeps it across restarts.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// startServer starts the binary in dir with args plus --addr on a free port.
func startServer(t *testing.T, dir string, env []string, args ...string) *serverProc {
	t.Helper()
	p := &serverProc{t: t, dir: dir, env: env, addr: freeAddr(t)}
	p.args = append(append([]string{}, args...), "--addr", p.addr)
	t.Cleanup(func() {
		p.mu.Lock()
		cmd := p.cmd
		p.mu.Unlock()
		if cmd != nil && cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		require.NotContains(t, p.stderr.String(), "panic", "server stderr")
	})
	p.start()
	return p
}

// start runs the binary and waits for its banner. A port still held by the
// kernel right after a kill makes the process exit early: it is retried.
func (p *serverProc) start() {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		cmd := exec.Command(binary, p.args...)
		cmd.Dir = p.dir
		cmd.Env = append(os.Environ(), p.env...)
		cmd.Stderr = &p.stderr
		stdout, err := cmd.StdoutPipe()
		require.NoError(p.t, err)
		require.NoError(p.t, cmd.Start())
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil {
			require.Equal(p.t, "datafn-server listening on http://"+p.addr+"\n", line)
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			p.mu.Lock()
			p.cmd = cmd
			p.runs++
			p.mu.Unlock()
			return
		}
		_ = cmd.Wait()
		require.True(p.t, time.Now().Before(deadline), "server did not start: %s", p.stderr.String())
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and reaps the process.
func (p *serverProc) kill() {
	p.t.Helper()
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	require.NoError(p.t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
}

// stop sends SIGTERM and requires a clean exit.
func (p *serverProc) stop() {
	p.t.Helper()
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	require.NoError(p.t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(p.t, cmd.Wait())
}

// alive reports whether the current process has not exited.
func (p *serverProc) alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.ProcessState != nil {
		return false
	}
	return p.cmd.Process.Signal(syscall.Signal(0)) == nil
}

func (p *serverProc) url() string { return "http://" + p.addr }

// reply is one HTTP answer.
type reply struct {
	status int
	header http.Header
	body   string
}

// httpClient never reuses connections, so one bad exchange cannot spoil
// the next, and bounds every exchange.
var httpClient = &http.Client{Timeout: 20 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true}}

// call sends one request; token "" sends no Authorization header.
func (p *serverProc) call(method, op, body, token string) reply {
	p.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, p.url()+"/datafn/"+op, rd)
	require.NoError(p.t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := httpClient.Do(req)
	require.NoError(p.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(p.t, err)
	return reply{status: res.StatusCode, header: res.Header, body: string(data)}
}

// post is call("POST", ...) with the bearer token tok (may be "").
func (p *serverProc) post(op, body, tok string) reply {
	p.t.Helper()
	if tok != "" {
		tok = "Bearer " + tok
	}
	return p.call(http.MethodPost, op, body, tok)
}

// result requires a 200 success envelope and returns its result.
func (r reply) result(t *testing.T) value.Value {
	t.Helper()
	require.Equal(t, 200, r.status, r.body)
	v, err := value.Parse([]byte(r.body))
	require.NoError(t, err)
	require.True(t, v.Get("ok").Bool(), r.body)
	return v.Get("result")
}

// errorEnvelope requires body to be an error envelope with a code, a
// message and details.path, and returns the code and path.
func errorEnvelope(t *testing.T, body string) (code, path string) {
	t.Helper()
	v, err := value.Parse([]byte(body))
	require.NoError(t, err, "body %.200q", body)
	require.Equal(t, value.Bool, v.Get("ok").Kind(), body)
	require.False(t, v.Get("ok").Bool(), body)
	e := v.Get("error")
	require.Equal(t, value.String, e.Get("code").Kind(), body)
	require.Equal(t, value.String, e.Get("message").Kind(), body)
	require.Equal(t, value.String, e.Get("details").Get("path").Kind(), body)
	return e.Get("code").Str(), e.Get("details").Get("path").Str()
}
