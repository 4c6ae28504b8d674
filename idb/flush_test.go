//go:build js && wasm

package idb

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/value"
)

// TestFlushInChunks writes more than one flush chunk of puts and deletes
// in runs of several stores in one transaction, with a read in between.
func TestFlushInChunks(t *testing.T) {
	s := openFresh(t, fixture())
	const n = autoFlush + 2*flushChunk + 7 // an automatic flush, then chunks
	require.NoError(t, s.Update(testCtx(t), func(tx engine.WriteTx) error {
		for i := range n {
			if err := tx.PutRow("task", value.MustParse(fmt.Sprintf(`{"id":"t:%04d","title":"T%d"}`, i, i))); err != nil {
				return err
			}
			if i%100 == 0 {
				if err := tx.PutRow("note", value.MustParse(fmt.Sprintf(`{"id":"n:%d"}`, i))); err != nil {
					return err
				}
			}
		}
		ids, err := tx.RowIDs("task", nil, nil) // flushes
		require.NoError(t, err)
		require.Len(t, ids, n)
		for i := 0; i < n; i += 2 {
			if err := tx.DeleteRow("task", fmt.Sprintf("t:%04d", i)); err != nil {
				return err
			}
		}
		return tx.SetCursor("task", "3")
	}))
	require.NoError(t, s.View(testCtx(t), func(tx engine.ReadTx) error {
		ids, err := tx.RowIDs("task", nil, nil)
		require.NoError(t, err)
		require.Len(t, ids, n/2)
		require.Equal(t, "t:0001", ids[0])
		r, ok, err := tx.Row("task", "t:1201")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, `{"id":"t:1201","title":"T1201"}`, r.String())
		notes, err := tx.Rows("note")
		require.Len(t, notes, (n+99)/100)
		cur, _ := tx.Cursors()
		require.Equal(t, "3", cur["task"])
		return err
	}))
}

// TestFlushChunkFailureReportsCause: a write of the first chunk fails
// asynchronously while flush waits between chunks; the transaction reports
// the cause, not the refused later chunk, and leaves nothing.
func TestFlushChunkFailureReportsCause(t *testing.T) {
	s := openFresh(t, fixture())
	seed(t, s)
	err := s.Update(testCtx(t), func(tx engine.WriteTx) error {
		duplicatePair(tx.(*writeTx))
		for i := range 4 * flushChunk {
			if err := tx.PutRow("task", value.MustParse(fmt.Sprintf(`{"id":"x:%04d"}`, i))); err != nil {
				return err
			}
		}
		_, err := tx.ChangelogCount()
		return err
	})
	requireStorageError(t, err, "Storage error: transaction failed: ConstraintError: ", ErrConstraint)
	requireSeedOnly(t, s)
}
