//go:build !js

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/internal/servertestbin"

	"github.com/datafn/datafn-go/server/storetest"
)

// binary is the datafn-server built once for these tests.
var binary string

func TestMain(m *testing.M) { servertestbin.Main(m, ".", &binary) }

// proc is one running server process.
type proc struct {
	t   *testing.T
	cmd *exec.Cmd
	url string
}

// writeFile writes content into dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// start runs the binary in dir with args and waits for its banner.
func start(t *testing.T, dir string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &proc{t: t, cmd: cmd}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Regexp(t, `^datafn-server listening on http://127\.0\.0\.1:[1-9][0-9]*\n$`, line)
	p.url = strings.TrimSpace(strings.TrimPrefix(line, "datafn-server listening on "))
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return p
}

// stop sends SIGTERM and requires exit status 0.
func (p *proc) stop() {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(p.t, p.cmd.Wait())
	require.Equal(p.t, 0, p.cmd.ProcessState.ExitCode())
}

func (p *proc) post(op, body string) (int, string) {
	p.t.Helper()
	res, err := http.Post(p.url+"/datafn/"+op, "application/json", strings.NewReader(body))
	require.NoError(p.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(p.t, err)
	return res.StatusCode, string(data)
}

func TestSCH1_ServerExitsOnInvalidSchema(t *testing.T) {
	dir := t.TempDir()
	sc := writeFile(t, dir, "schema.json", `{}`)
	cmd := exec.Command(binary, "--schema", sc, "--db", "sqlite:"+filepath.Join(dir, "db.sqlite"), "--addr", "127.0.0.1:0")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.NotEqual(t, 0, cmd.ProcessState.ExitCode())
	require.Contains(t, string(out), "SCHEMA_INVALID: Invalid schema: missing resources (resources)")
	require.NotContains(t, string(out), "listening")
}

func TestFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"no schema":    {"--addr", "127.0.0.1:0"},
		"unknown flag": {"--schema", "x.json", "--nope"},
		"bad db":       {"--schema", "s.json", "--db", "mysql://x", "--addr", "127.0.0.1:0"},
		"bad auth":     {"--schema", "s.json", "--auth", "magic", "--addr", "127.0.0.1:0"},
		"empty secret": {"--schema", "s.json", "--auth", "jwt-hs256:DATAFN_TEST_UNSET_VAR", "--addr", "127.0.0.1:0"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "s.json", storetest.FixtureSchema)
			cmd := exec.Command(binary, args...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "%s", out)
			require.NotEqual(t, 0, cmd.ProcessState.ExitCode())
		})
	}
}

// TestDefaultDB starts without --db: data/datafn.db is created.
func TestDefaultDB(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "s.json", storetest.FixtureSchema)
	p := start(t, dir, "--schema", "s.json", "--addr", "127.0.0.1:0")
	p.stop()
	_, err := os.Stat(filepath.Join(dir, "data", "datafn.db"))
	require.NoError(t, err)
}

const m1 = `{"resource":"task","version":1,"operation":"insert","id":"task:1","record":{"title":"A"},"clientId":"c1","mutationId":"m-1"}`

func TestM2_DedupedAfterRestart(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "s.json", storetest.FixtureSchema)
	args := []string{"--schema", "s.json", "--db", "sqlite:" + filepath.Join(dir, "db", "x.db"), "--addr", "127.0.0.1:0"}
	p := start(t, dir, args...)
	status, body := p.post("mutation", m1)
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"ok":true,"result":{"ok":true,"mutationId":"m-1","affectedIds":["task:1"],"errors":[],"deduped":false}}`, body)
	p.stop()
	p = start(t, dir, args...)
	status, body = p.post("mutation", m1)
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"ok":true,"result":{"ok":true,"mutationId":"m-1","affectedIds":["task:1"],"errors":[],"deduped":true}}`, body)
	_, body = p.post("reconcile", `{"clientId":"c1"}`)
	require.JSONEq(t, `{"ok":true,"result":{"ok":true,"counts":{"task":1,"note":0},"joinCounts":{},"latestCursor":"1"}}`, body)
	p.stop()
}

func TestENV7_GracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "s.json", storetest.FixtureSchema)
	p := start(t, dir, "--schema", "s.json", "--db", "sqlite:x.db", "--addr", "127.0.0.1:0", "--cors-origin", "*")
	// A request whose body is still arriving when the signal comes.
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	body := `{"clientId":"c1"}`
	_, err = fmt.Fprintf(conn, "POST /datafn/seed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:5])
	require.NoError(t, err)
	// The handler runs once the headers are in. A full round trip of another
	// request on a new connection, sent after them, lets the server read them.
	waitFor(t, func() bool {
		_, b := p.post("seed", `{"clientId":"probe"}`)
		return strings.Contains(b, `"ok":true`)
	})
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	var last string
	waitFor(t, func() bool {
		res, err := http.Get(p.url + "/datafn/status")
		if err != nil {
			return false
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		last = string(data)
		return res.StatusCode == http.StatusServiceUnavailable
	})
	require.JSONEq(t, `{"ok":false,"error":{"code":"SERVICE_UNAVAILABLE","message":"Service unavailable","details":{"path":"$"}}}`, last)
	_, err = conn.Write([]byte(body[5:]))
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, 200, res.StatusCode)
	require.JSONEq(t, `{"ok":true,"result":{"ok":true}}`, string(data))
	require.NoError(t, p.cmd.Wait())
	require.Equal(t, 0, p.cmd.ProcessState.ExitCode())
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "condition not met in time")
		time.Sleep(10 * time.Millisecond)
	}
}
