//go:build !(js && wasm)

package engine_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
)

// TestRandomOfflineWritesConverge runs random local writes from two clients
// that go offline and online at random, against the real server. Whatever
// the server refused, once both have pushed and pulled, every local table
// equals the server's (§12.5, §12.9).
func TestRandomOfflineWritesConverge(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			remote := realServer(t)
			clients := []*realClient{
				openReal(t, remote, "a", `,"offlinability":true`),
				openReal(t, remote, "b", `,"offlinability":true`),
			}
			for _, c := range clients {
				require.NoError(t, c.c.Sync().Start(bg))
			}
			offline := make([]bool, len(clients))
			for step := 0; step < 40; step++ {
				i := rng.Intn(len(clients))
				c := clients[i]
				if rng.Intn(6) == 0 {
					offline[i] = !offline[i]
					c.conn.Emit(map[bool]engine.ConnEvent{true: engine.Offline, false: engine.Online}[offline[i]])
					continue
				}
				table, prefix, field := "task", "task", "title"
				if rng.Intn(3) == 0 {
					table, prefix, field = "note", "n", "body"
				}
				id := fmt.Sprintf("%s:%d", prefix, rng.Intn(4))
				rec := fmt.Sprintf(`{"%s":"%c%d"}`, field, 'a'+i, step)
				var m string
				switch rng.Intn(4) {
				case 0:
					m = `{"operation":"insert","id":"` + id + `","record":` + rec + `}`
				case 1, 2:
					m = `{"operation":"merge","id":"` + id + `","record":` + rec + `}`
				default:
					m = `{"operation":"delete","id":"` + id + `"}`
				}
				c.mutate(t, table, m) // a local refusal is a normal outcome
			}
			for i, c := range clients {
				if offline[i] {
					c.conn.Emit(engine.Online)
				}
			}
			for round := 0; round < 2; round++ {
				for _, c := range clients {
					_ = c.c.Sync().PushNow(bg)
					require.NoError(t, c.c.Sync().PullNow(bg))
				}
			}
			observer := openReal(t, remote, "observer", "")
			for _, table := range []string{"task", "note"} {
				want := observer.query(t, table, `{}`)
				for _, c := range clients {
					st, err := c.c.Sync().Status(bg)
					require.NoError(t, err)
					require.Zero(t, st.Pending)
					require.Equal(t, want, c.query(t, table, `{}`), table)
				}
			}
		})
	}
}
