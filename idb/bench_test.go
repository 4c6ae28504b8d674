//go:build js && wasm

package idb

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/value"
)

// TestBench10kRows writes 10,000 small rows in one Update and reads them
// back with one getAll, logging the times (no timing assertions: the
// figures depend on the machine). Compare with
// shared/notes/browser-testing.md: plain JS writes 10k rows one per value
// in 0.7-0.9 s and reads them with getAll in 70-100 ms.
func TestBench10kRows(t *testing.T) {
	const n = 10000
	ctx := testCtx(t)
	s := openFresh(t, fixture())
	rows := make([]value.Value, n)
	for i := range rows {
		rows[i] = value.MustParse(fmt.Sprintf(`{"id":"task:%05d","title":"Task number %d","done":%t,"rank":%d}`,
			i, i, i%3 == 0, i))
	}

	start := time.Now()
	require.NoError(t, s.Update(ctx, func(tx engine.WriteTx) error {
		for _, r := range rows {
			if err := tx.PutRow("task", r); err != nil {
				return err
			}
		}
		return nil
	}))
	write := time.Since(start)

	var got []value.Value
	start = time.Now()
	require.NoError(t, s.View(ctx, func(tx engine.ReadTx) error {
		var err error
		got, err = tx.Rows("task")
		return err
	}))
	read := time.Since(start)
	require.Len(t, got, n)

	start = time.Now()
	require.NoError(t, s.View(ctx, func(tx engine.ReadTx) error {
		for i := 0; i < 100; i++ {
			if _, _, err := tx.Row("task", fmt.Sprintf("task:%05d", i*97)); err != nil {
				return err
			}
		}
		return nil
	}))
	point := time.Since(start)

	t.Logf("IndexedDB, one row per value: write %d rows in one Update %d ms (%.0f rows/s); "+
		"read them with Rows %d ms; 100 point reads %d ms",
		n, write.Milliseconds(), n/write.Seconds(), read.Milliseconds(), point.Milliseconds())
}
