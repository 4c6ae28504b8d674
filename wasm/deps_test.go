//go:build !(js && wasm)

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWasmDoesNotLinkNetHTTP keeps net/http (~7 MB of wasm) out of
// datafn.wasm (architecture.md rule 1): the browser transport is fetch.
func TestWasmDoesNotLinkNetHTTP(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", exitText(err))
	deps := strings.Fields(string(out))
	// The listing is of the wasm build of this command, not an empty one.
	require.Contains(t, deps, "syscall/js")
	require.Contains(t, deps, "github.com/datafn/datafn-go/engine")
	require.NotContains(t, deps, "net/http")
}

func exitText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
