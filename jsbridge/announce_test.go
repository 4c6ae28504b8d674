//go:build js && wasm

package jsbridge

import (
	"math/rand/v2"
	"strconv"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
)

func uniqueDB(t *testing.T) string {
	return t.Name() + "-" + strconv.FormatUint(rand.Uint64(), 36)
}

// receiver collects what an Announcer applies.
func receiver() (func([]engine.Change), chan []engine.Change) {
	ch := make(chan []engine.Change, 16)
	return func(c []engine.Change) { ch <- c }, ch
}

func next(t *testing.T, ch chan []engine.Change) []engine.Change {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no announcement arrived")
		return nil
	}
}

func TestAnnouncerDeliversToOtherClientsOnly(t *testing.T) {
	db := uniqueDB(t)
	applyA, gotA := receiver()
	applyB, gotB := receiver()
	a, b := NewAnnouncer(db, applyA), NewAnnouncer(db, applyB)
	defer a.Close()
	defer b.Close()
	other := NewAnnouncer(db+"-other", func([]engine.Change) { t.Error("another database received the change") })
	defer other.Close()

	sent := []engine.Change{{Resource: "task", IDs: []string{"task:1", "task:2"}}, {Resource: "note"}}
	a.Announce(sent)
	require.Equal(t, sent, next(t, gotB))

	b.Announce([]engine.Change{{Resource: "task", IDs: []string{}}})
	require.Equal(t, []engine.Change{{Resource: "task", IDs: []string{}}}, next(t, gotA))
	require.Empty(t, gotA, "the sender received its own announcement")
	require.Empty(t, gotB, "the sender received its own announcement")
}

func TestAnnouncerIgnoresForeignMessagesAndStopsAfterClose(t *testing.T) {
	db := uniqueDB(t)
	apply, got := receiver()
	a := NewAnnouncer(db, apply)
	raw := js.Global().Get("BroadcastChannel").New(ChannelName(db))
	defer raw.Call("close")
	for _, msg := range []any{"not json", `{"changes":[{"resource":1}]}`, `{"x":1}`, 42} {
		raw.Call("postMessage", msg)
	}
	raw.Call("postMessage", `{"changes":[{"resource":"task","ids":null}]}`)
	require.Equal(t, []engine.Change{{Resource: "task"}}, next(t, got))

	a.Close()
	a.Close()
	a.Announce([]engine.Change{{Resource: "task"}}) // no panic on a closed channel
	raw.Call("postMessage", `{"changes":[{"resource":"task","ids":null}]}`)
	// A round trip through a second receiver proves the message was
	// delivered before checking that the closed one ignored it.
	apply2, got2 := receiver()
	b := NewAnnouncer(db, apply2)
	defer b.Close()
	raw.Call("postMessage", `{"changes":[{"resource":"note","ids":null}]}`)
	require.Equal(t, []engine.Change{{Resource: "note"}}, next(t, got2))
	require.Empty(t, got)
}
