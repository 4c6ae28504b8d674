//go:build !js

package main

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
)

// FuzzFlags parses a fuzzed command line (arguments separated by NUL) and a
// fuzzed --auth mode. parseFlags either fails with a message on stderr or
// gives options with a schema path that parse back from their own command
// line to the same options. ParseAuth accepts exactly "none" and
// "jwt-hs256:VAR" with VAR set (tokens: modes read files and are FuzzTokens'
// business). The banner address keeps the listener's port.
func FuzzFlags(f *testing.F) {
	f.Add("--schema\x00s.json\x00--db\x00sqlite:x.db\x00--addr\x00127.0.0.1:0\x00--auth\x00jwt-hs256:S", "jwt-hs256:S", "[::1]:80", uint16(8080))
	f.Add("-schema=s.json\x00--cors-origin\x00*\x00extra", "none", ":0", uint16(0))
	f.Add("--help", "tokens:", "localhost", uint16(1))
	env := func(k string) string {
		if k == "S" {
			return "secret"
		}
		return ""
	}
	f.Fuzz(func(t *testing.T, cmdline, mode, addr string, port uint16) {
		var args []string
		if cmdline != "" {
			args = strings.Split(cmdline, "\x00")
		}
		var stderr bytes.Buffer
		o, err := parseFlags(args, &stderr)
		if err != nil {
			require.NotEmpty(t, stderr.String(), "rejected %q silently", args)
		} else {
			require.NotEmpty(t, o.schema)
			again := []string{"--schema", o.schema, "--db", o.db, "--addr", o.addr, "--static", o.static,
				"--auth", o.auth, "--cors-origin", o.cors}
			o2, err := parseFlags(again, &stderr)
			require.NoError(t, err)
			require.Equal(t, o, o2)
		}

		if !strings.HasPrefix(mode, "tokens:") {
			a, err := server.ParseAuth(mode, env)
			kind, arg, _ := strings.Cut(mode, ":")
			want := mode == "none" || (kind == "jwt-hs256" && env(arg) != "")
			require.Equal(t, want, err == nil, "ParseAuth(%q): %v", mode, err)
			require.Equal(t, want, a != nil)
		}

		actual := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(port)}
		host, p, err := net.SplitHostPort(listenAddr(addr, actual))
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(int(port)), p)
		if h, _, err := net.SplitHostPort(addr); err == nil && h != "" {
			require.Equal(t, h, host)
		}
	})
}
