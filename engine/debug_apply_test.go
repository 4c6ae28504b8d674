package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
)

func TestDebugApplyPullWritesRowsAndCursors(t *testing.T) {
	e := localEnv(t)
	body := `{"ok":true,"result":{"ok":true,"records":{"task":[
		{"id":"task:a","title":"A","status":"active"},
		{"id":"task:b","title":"B","status":"done"}]},
		"merged":{},"deleted":{},"cursors":{"task":"7"},"hasMore":false}}`
	require.NoError(t, e.c.DebugApplyPull(bg, []byte(body)))
	require.Contains(t, e.query("task", `{"filters":{"id":"task:a"}}`), `"title":"A"`)
	require.Contains(t, e.query("task", `{"filters":{"id":"task:b"}}`), `"title":"B"`)

	// A merge and a delete in a later window.
	body = `{"ok":true,"result":{"ok":true,"records":{},"merged":{"task":[{"id":"task:a","title":"A2"}]},
		"deleted":{"task":["task:b"]},"cursors":{"task":"9"},"hasMore":false}}`
	require.NoError(t, e.c.DebugApplyPull(bg, []byte(body)))
	got := e.query("task", `{"filters":{"id":"task:a"}}`)
	require.Contains(t, got, `"title":"A2"`)
	require.Contains(t, got, `"status":"active"`)
	require.Contains(t, e.query("task", `{"filters":{"id":"task:b"}}`), `"data":[]`)

	// The stored cursor is 9: a window below it is refused (§12.7).
	body = `{"ok":true,"result":{"ok":true,"records":{},"merged":{},"deleted":{},"cursors":{"task":"8"},"hasMore":false}}`
	requireProtoErr(t, e.c.DebugApplyPull(bg, []byte(body)), protocol.CodeConflict, "Non-monotonic cursor", "cursors.task")

	require.NoError(t, e.c.Close(bg))
	requireProtoErr(t, e.c.DebugApplyPull(bg, []byte(body)), protocol.CodeInvalid, "Client has been destroyed", "$")
}
