// Package storagetest is the conformance suite every engine.Storage backend
// runs: memstore natively, the IndexedDB backend in Chromium. It uses only
// the testing package and the Storage interface, so it builds for
// GOOS=js GOARCH=wasm.
package storagetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Resources are the object stores the suite needs: open must return a
// storage with a store for each of them (the non-remote-only resources of
// the fixture schema S of protocol.md Appendix A).
var Resources = []string{"task", "note"}

// Run runs the suite. open returns a new, empty storage for one test.
func Run(t *testing.T, open func(t *testing.T) engine.Storage) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s engine.Storage)
	}{
		{"Rows", testRows},
		{"RowIDsRange", testRowIDs},
		{"RowIDsOwnWritesAndRollback", testRowIDsTx},
		{"RowBatches", testRowBatches},
		{"MissingStore", testMissingStore},
		{"LM6_SeqsNeverReused", testSeqs},
		{"LM6_ThroughSeqMustBeInteger", testThroughSeq},
		{"ChangelogDedupAndOrder", testChangelogDedup},
		{"RowsByIDAndFreshAppend", testRowsByIDAndFreshAppend},
		{"ChangelogAppendNeedsIDs", testAppendNeedsIDs},
		{"LM9_HydrationErrors", testHydrationErrors},
		{"HydrationTransitions", testHydrationTransitions},
		{"CursorsProgressRestoreEpochs", testMeta},
		{"ClientIDGetOrCreate", testClientID},
		{"AtomicityFailedTransactionLeavesNothing", testAtomicity},
		{"LM5_InjectedAppendFailure", testInjectedFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

// RunPersistence checks that data survives closing and reopening a
// persistent backend. open(t, name) opens (or creates) the database name.
func RunPersistence(t *testing.T, open func(t *testing.T, name string) engine.Storage) {
	ctx := context.Background()
	name := "storagetest-" + t.Name()
	s := open(t, name)
	require.NoError(t, s.Update(ctx, func(tx engine.WriteTx) error {
		if err := tx.PutRow("task", row("task:1", "A")); err != nil {
			return err
		}
		if _, err := tx.GetOrCreateClientID("c-first"); err != nil {
			return err
		}
		if err := tx.SetCursor("task", "7"); err != nil {
			return err
		}
		for _, m := range []string{"m1", "m2"} {
			if _, err := tx.ChangelogAppend(entry("c1", m)); err != nil {
				return err
			}
		}
		return tx.ChangelogAck(2)
	}))
	require.NoError(t, s.Close())

	s = open(t, name)
	defer s.Close()
	var got engine.ChangelogEntry
	require.NoError(t, s.Update(ctx, func(tx engine.WriteTx) error {
		r, ok, err := tx.Row("task", "task:1")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, `{"id":"task:1","title":"A"}`, r.String())
		id, err := tx.GetOrCreateClientID("c-second")
		require.NoError(t, err)
		require.Equal(t, "c-first", id)
		cur, _ := tx.Cursors()
		require.Equal(t, "7", cur["task"])
		got, err = tx.ChangelogAppend(entry("c1", "m3"))
		return err
	}))
	require.EqualValues(t, 3, got.Seq, "seqs are never reused, also across reopen")
}

func row(id, title string) value.Value {
	return value.Obj([]string{"id", "title"}, []value.Value{value.Str(id), value.Str(title)})
}

func entry(clientID, mutationID string) engine.ChangelogEntry {
	return engine.ChangelogEntry{
		ClientID: clientID, MutationID: mutationID, TimestampMs: 1000,
		Timestamp: "1970-01-01T00:00:01.000Z",
		Mutation: value.MustParse(`{"resource":"task","operation":"insert","id":"task:1",` +
			`"record":{"title":"A"},"clientId":"` + clientID + `","mutationId":"` + mutationID + `"}`),
	}
}

func update(t *testing.T, s engine.Storage, fn func(tx engine.WriteTx) error) {
	t.Helper()
	require.NoError(t, s.Update(context.Background(), fn))
}

func view(t *testing.T, s engine.Storage, fn func(tx engine.ReadTx) error) {
	t.Helper()
	require.NoError(t, s.View(context.Background(), fn))
}

// requireProtoErr checks code, message and path of a storage error.
func requireProtoErr(t *testing.T, err error, code protocol.Code, msg, path string) {
	t.Helper()
	var pe *protocol.Error
	require.True(t, errors.As(err, &pe), "want *protocol.Error, got %v", err)
	require.Equal(t, code, pe.Code)
	require.Equal(t, msg, pe.Message)
	require.Equal(t, path, pe.Path)
}
