package storagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// idsOrder are ids in code point order (§3.4). IndexedDB orders keys by
// UTF-16 code units, which puts "😀" (a surrogate pair, D83D DE00) before
// "" (U+E000) and "ｚ" (U+FF5A): RowIDs must not.
var idsOrder = []string{"", "a", "a\x00", "a:1", "a:10", "a:2", "b", "zz", "Ä", "\ue000", "ｚ", "😀", "😀x"}

func strp(s string) *string { return &s }

func testRowIDs(t *testing.T, s engine.Storage) {
	update(t, s, func(tx engine.WriteTx) error {
		// Inserted out of order; a row of another store must not show.
		for i := len(idsOrder) - 1; i >= 0; i-- {
			require.NoError(t, tx.PutRow("task", row(idsOrder[i], "T")))
		}
		return tx.PutRow("note", row("a:3", "N"))
	})
	cases := []struct {
		after, hi *string
		want      []string
	}{
		{nil, nil, idsOrder},
		{strp("a:1"), strp("b"), []string{"a:10", "a:2", "b"}},
		{strp("a:11"), strp("a:99"), []string{"a:2"}},
		{strp("a"), nil, idsOrder[2:]},
		{nil, strp("a:1"), idsOrder[:4]},
		{nil, strp(""), []string{""}},
		{strp(""), strp("a"), []string{"a"}},
		{strp("zz"), strp("\ue000"), []string{"Ä", "\ue000"}},
		{strp("Ä"), strp("😀"), []string{"\ue000", "ｚ", "😀"}},
		{strp("\ue000"), nil, []string{"ｚ", "😀", "😀x"}},
		{strp("b"), strp("a"), []string{}},
		{strp("b"), strp("b"), []string{}},
		{strp("😀x"), nil, []string{}},
	}
	view(t, s, func(tx engine.ReadTx) error {
		for _, c := range cases {
			got, err := tx.RowIDs("task", c.after, c.hi)
			require.NoError(t, err)
			require.Equal(t, c.want, got, "after %q hi %q", deref(c.after), deref(c.hi))
		}
		got, err := tx.RowIDs("note", nil, nil)
		require.NoError(t, err)
		require.Equal(t, []string{"a:3"}, got)
		_, err = tx.RowIDs("nope", nil, nil)
		requireProtoErr(t, err, protocol.CodeInvalid, "Storage error: missing object store nope", "storage")
		return nil
	})
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// testRowIDsTx: inside a write transaction RowIDs sees the transaction's
// own puts and deletes; a failed transaction leaves the ids as they were.
func testRowIDsTx(t *testing.T, s engine.Storage) {
	update(t, s, func(tx engine.WriteTx) error {
		for _, id := range []string{"t:1", "t:2", "t:3"} {
			require.NoError(t, tx.PutRow("task", row(id, "T")))
		}
		return nil
	})
	errBoom := errors.New("boom")
	err := s.Update(context.Background(), func(tx engine.WriteTx) error {
		require.NoError(t, tx.DeleteRow("task", "t:2"))
		require.NoError(t, tx.PutRow("task", row("t:0", "T")))
		require.NoError(t, tx.PutRow("task", row("t:4", "T")))
		require.NoError(t, tx.PutRow("task", row("t:1", "T2")))
		got, err := tx.RowIDs("task", strp("t:0"), strp("t:4"))
		require.NoError(t, err)
		require.Equal(t, []string{"t:1", "t:3", "t:4"}, got)
		got, err = tx.RowIDs("task", nil, nil)
		require.NoError(t, err)
		require.Equal(t, []string{"t:0", "t:1", "t:3", "t:4"}, got)
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	view(t, s, func(tx engine.ReadTx) error {
		got, err := tx.RowIDs("task", nil, nil)
		require.NoError(t, err)
		require.Equal(t, []string{"t:1", "t:2", "t:3"}, got)
		return nil
	})
}

// testRowBatches: the batches hold every row once (more rows than a
// browser backend reads per request), an error of fn stops the reading
// and comes back, and the transaction goes on working after it.
func testRowBatches(t *testing.T, s engine.Storage) {
	const n = 2345
	update(t, s, func(tx engine.WriteTx) error {
		for i := range n {
			require.NoError(t, tx.PutRow("task", row(fmt.Sprintf("t:%05d", i), "T")))
		}
		return tx.PutRow("note", row("n:1", "N"))
	})
	view(t, s, func(tx engine.ReadTx) error {
		seen := map[string]bool{}
		calls := 0
		require.NoError(t, tx.RowBatches("task", func(batch []value.Value) error {
			calls++
			require.NotEmpty(t, batch)
			for _, r := range batch {
				id := r.Get("id").Str()
				require.False(t, seen[id], "row %s twice", id)
				seen[id] = true
				require.Equal(t, "T", r.Get("title").Str())
			}
			return nil
		}))
		require.Len(t, seen, n)
		errStop := errors.New("stop")
		calls = 0
		err := tx.RowBatches("task", func([]value.Value) error {
			calls++
			return errStop
		})
		require.ErrorIs(t, err, errStop)
		require.Equal(t, 1, calls)
		notes, err := tx.Rows("note")
		require.NoError(t, err)
		require.Len(t, notes, 1)
		r, ok, err := tx.Row("task", "t:00007")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, `{"id":"t:00007","title":"T"}`, r.String())
		require.NoError(t, tx.RowBatches("note", func(batch []value.Value) error {
			require.Len(t, batch, 1)
			return nil
		}))
		return nil
	})
	err := s.View(context.Background(), func(tx engine.ReadTx) error {
		return tx.RowBatches("nope", func([]value.Value) error { return nil })
	})
	requireProtoErr(t, err, protocol.CodeInvalid, "Storage error: missing object store nope", "storage")
}
