//go:build js && wasm

package idb

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
)

// TestTwoStoresOnOneDatabase: two clients on one database (§12.10) append
// concurrently and get distinct, consecutive seqs, and agree on the clientId
// created by get-or-create.
func TestTwoStoresOnOneDatabase(t *testing.T) {
	ctx := testCtx(t)
	name := dbName(t)
	t.Cleanup(func() { deleteDB(t, name) })
	stores := make([]*Store, 2)
	for i := range stores {
		s, err := Open(ctx, name, fixture())
		require.NoError(t, err)
		defer s.Close()
		stores[i] = s
	}

	const per = 15
	var mu sync.Mutex
	var seqs []int64
	ids := make([]string, 2)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			require.NoError(t, s.Update(ctx, func(tx engine.WriteTx) error {
				var err error
				ids[i], err = tx.GetOrCreateClientID(fmt.Sprintf("client-%d", i))
				return err
			}))
		}()
		for j := 0; j < per; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				require.NoError(t, s.Update(ctx, func(tx engine.WriteTx) error {
					e, err := tx.ChangelogAppend(entry(fmt.Sprintf("m-%d-%d", i, j)))
					mu.Lock()
					seqs = append(seqs, e.Seq)
					mu.Unlock()
					return err
				}))
			}()
		}
	}
	wg.Wait()
	require.Equal(t, ids[0], ids[1], "both clients use the clientId stored first")
	sort.Slice(seqs, func(a, b int) bool { return seqs[a] < seqs[b] })
	want := make([]int64, 2*per)
	for i := range want {
		want[i] = int64(i + 1)
	}
	require.Equal(t, want, seqs)
	require.NoError(t, stores[1].View(ctx, func(tx engine.ReadTx) error {
		n, err := tx.ChangelogCount()
		require.Equal(t, 2*per, n)
		return err
	}))
}
