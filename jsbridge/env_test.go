//go:build js && wasm

package jsbridge

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPageEnvironmentIsMinimal guards scripts/wasm-exec: the runner copies
// its environment into the page, and wasm_exec.js refuses to start once
// environment plus arguments pass ~8 KB, so the wrapper runs it under env -i.
// Seeing the go command's GOOS here means the test ran without the wrapper.
func TestPageEnvironmentIsMinimal(t *testing.T) {
	require.Empty(t, os.Getenv("GOOS"), "the page sees go's environment: run go test with -exec=scripts/wasm-exec")
	require.NotEmpty(t, os.Getenv("PATH"))
	size := 0
	for _, kv := range os.Environ() {
		size += len(kv) + 1
		name, _, _ := strings.Cut(kv, "=")
		require.NotEqual(t, "DATAFN_TEST_SERVER_CMD", name, "a wrapper-only variable reached the page")
	}
	require.Less(t, size, 4096, "page environment: %q", os.Environ())
}
