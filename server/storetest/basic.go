package storetest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/value"
)

var errBoom = errors.New("boom")

func testPutGet(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	task := e.res("task")
	rows := []string{
		`{"id":"task:1","title":"apple","prio":null,"tags":["home","urgent"],"meta":{"color":"red","size":3,"deep":{"x":null}},"due":1700000000000}`,
		`{"id":"task:2","title":"😀 Äpfel Ａ \"q\" \\ \u0001 \u2028","prio":-0.5,"big":1e300,"tiny":5e-324,"neg":-9007199254740991}`,
		`{"id":"task:3","title":"","tags":[],"meta":{},"flag":true,"off":false,"nested":[[1,{"a":[null]}]]}`,
	}
	e.put("task", rows...)
	e.read(func(tx server.ReadTx) error {
		for _, r := range rows {
			want := value.MustParse(r)
			got, ok, err := tx.Get(task, want.Get("id").Str())
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, Canonical(want), Canonical(got))
			require.ElementsMatch(t, want.Keys(), got.Keys(), "absent stays absent, null stays null")
		}
		_, ok, err := tx.Get(task, "task:404")
		require.NoError(t, err)
		require.False(t, ok)
		return nil
	})
	// Put replaces the whole row: keys not in the new row disappear.
	require.NoError(t, e.write(func(tx server.WriteTx) error {
		return tx.Put(task, "task:1", value.MustParse(`{"id":"task:1","title":"new"}`))
	}))
	e.read(func(tx server.ReadTx) error {
		got, ok, err := tx.Get(task, "task:1")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, `{"id":"task:1","title":"new"}`, Canonical(got))
		return nil
	})
}

func testDelete(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	task := e.res("task")
	e.put("task", `{"id":"task:1","title":"a"}`, `{"id":"task:2","title":"b"}`)
	require.NoError(t, e.write(func(tx server.WriteTx) error {
		require.NoError(t, tx.Delete(task, "task:1"))
		return tx.Delete(task, "task:missing")
	}))
	e.read(func(tx server.ReadTx) error {
		_, ok, err := tx.Get(task, "task:1")
		require.NoError(t, err)
		require.False(t, ok)
		rows, err := tx.Scan(task, nil, 0)
		require.NoError(t, err)
		require.Equal(t, []string{"task:2"}, ids(rows))
		return nil
	})
}

func testScanOrder(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	// Inserted out of order; code point order is Z < a < Ａ (U+FF21) < 😀 (U+1F600).
	e.put("task", `{"id":"task:😀"}`, `{"id":"task:a"}`, `{"id":"task:Ａ"}`, `{"id":"task:Z"}`)
	e.read(func(tx server.ReadTx) error {
		rows, err := tx.Scan(e.res("task"), nil, 0)
		require.NoError(t, err)
		require.Equal(t, []string{"task:Z", "task:a", "task:Ａ", "task:😀"}, ids(rows))
		// Page size 1, each afterId the previous id (ORD-2).
		var got []string
		var after *string
		for {
			page, err := tx.Scan(e.res("task"), after, 1)
			require.NoError(t, err)
			if len(page) == 0 {
				break
			}
			require.Len(t, page, 1)
			id := page[0].Get("id").Str()
			got = append(got, id)
			after = &id
		}
		require.Equal(t, []string{"task:Z", "task:a", "task:Ａ", "task:😀"}, got)
		return nil
	})
}

func testScanPaging(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	e.put("task", `{"id":"task:1"}`, `{"id":"task:2"}`, `{"id":"task:3"}`, `{"id":"task:4"}`)
	e.put("note", `{"id":"n:1"}`)
	str := func(s string) *string { return &s }
	cases := []struct {
		name  string
		after *string
		limit int
		want  []string
	}{
		{"all", nil, 0, []string{"task:1", "task:2", "task:3", "task:4"}},
		{"negative limit is none", nil, -1, []string{"task:1", "task:2", "task:3", "task:4"}},
		{"first page", nil, 2, []string{"task:1", "task:2"}},
		{"after existing id", str("task:2"), 2, []string{"task:3", "task:4"}},
		{"after missing id", str("task:25"), 0, []string{"task:3", "task:4"}},
		{"after last", str("task:4"), 5, nil},
		{"after empty string", str(""), 1, []string{"task:1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.read(func(tx server.ReadTx) error {
				rows, err := tx.Scan(e.res("task"), c.after, c.limit)
				require.NoError(t, err)
				require.Equal(t, c.want, nilIfEmpty(ids(rows)))
				return nil
			})
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func testCount(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	e.read(func(tx server.ReadTx) error {
		n, err := tx.Count(e.res("task"))
		require.NoError(t, err)
		require.Zero(t, n)
		return nil
	})
	e.put("task", `{"id":"task:1"}`, `{"id":"task:2"}`, `{"id":"task:3"}`)
	e.put("note", `{"id":"n:1"}`)
	e.read(func(tx server.ReadTx) error {
		n, err := tx.Count(e.res("task"))
		require.NoError(t, err)
		require.EqualValues(t, 3, n)
		n, err = tx.Count(e.res("note"))
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		return nil
	})
}

func testSeq(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	e.read(func(tx server.ReadTx) error {
		seq, err := tx.CurrentSeq()
		require.NoError(t, err)
		require.Zero(t, seq)
		return nil
	})
	var got []int64
	require.NoError(t, e.write(func(tx server.WriteTx) error {
		before, err := tx.CurrentSeq()
		require.NoError(t, err)
		require.Zero(t, before)
		for i := 0; i < 3; i++ {
			s, err := tx.AppendChange("task", "task:1", "merge", value.MustParse(`{"id":"task:1"}`))
			require.NoError(t, err)
			got = append(got, s)
		}
		cur, err := tx.CurrentSeq()
		require.NoError(t, err)
		require.EqualValues(t, 3, cur, "a write sees its own allocations")
		return nil
	}))
	require.Equal(t, []int64{1, 2, 3}, got)
	require.NoError(t, e.write(func(tx server.WriteTx) error {
		s, err := tx.AppendChange("note", "n:1", "delete", value.Value{})
		require.NoError(t, err)
		require.EqualValues(t, 4, s, "one counter per namespace, across resources")
		return nil
	}))
	// A write without changes leaves the counter alone.
	require.NoError(t, e.write(func(tx server.WriteTx) error { return nil }))
	e.read(func(tx server.ReadTx) error {
		seq, err := tx.CurrentSeq()
		require.NoError(t, err)
		require.EqualValues(t, 4, seq)
		return nil
	})
}

func testIsolation(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	other := *e
	other.ns = e.ns + "_other"
	task := e.res("task")
	e.put("task", `{"id":"task:1","title":"alpha"}`)
	other.put("task", `{"id":"task:1","title":"beta"}`, `{"id":"task:2","title":"beta"}`)
	require.NoError(t, e.write(func(tx server.WriteTx) error {
		require.NoError(t, tx.PutIdempotency("c1", "m1", []byte(`{"ok":true}`)))
		ok, err := tx.MarkSeeded("c1")
		require.True(t, ok)
		return err
	}))
	other.read(func(tx server.ReadTx) error {
		seq, err := tx.CurrentSeq()
		require.NoError(t, err)
		require.EqualValues(t, 2, seq, "AUTH-5: seqs are per namespace")
		row, ok, err := tx.Get(task, "task:1")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "beta", row.Get("title").Str())
		n, err := tx.Count(task)
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
		ch, err := tx.Changes(map[string]int64{"task": 0}, 0)
		require.NoError(t, err)
		require.Len(t, ch, 2)
		_, ok, err = tx.Idempotency("c1", "m1")
		require.NoError(t, err)
		require.False(t, ok)
		return nil
	})
	require.NoError(t, other.write(func(tx server.WriteTx) error {
		ok, err := tx.MarkSeeded("c1")
		require.True(t, ok, "seed markers are per namespace")
		return err
	}))
	e.read(func(tx server.ReadTx) error {
		seq, err := tx.CurrentSeq()
		require.NoError(t, err)
		require.EqualValues(t, 1, seq)
		rows, err := tx.Scan(task, nil, 0)
		require.NoError(t, err)
		require.Len(t, rows, 1)
		require.Equal(t, "alpha", rows[0].Get("title").Str())
		return nil
	})
}

func testSavepoint(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	task := e.res("task")
	require.NoError(t, e.write(func(tx server.WriteTx) error {
		require.NoError(t, tx.Savepoint(func() error {
			require.NoError(t, tx.Put(task, "task:1", value.MustParse(`{"id":"task:1"}`)))
			s, err := tx.AppendChange("task", "task:1", "insert", value.MustParse(`{"id":"task:1"}`))
			require.EqualValues(t, 1, s)
			return err
		}))
		err := tx.Savepoint(func() error {
			require.NoError(t, tx.Put(task, "task:2", value.MustParse(`{"id":"task:2"}`)))
			require.NoError(t, tx.Delete(task, "task:1"))
			s, err := tx.AppendChange("task", "task:2", "insert", value.MustParse(`{"id":"task:2"}`))
			require.NoError(t, err)
			require.EqualValues(t, 2, s)
			require.NoError(t, tx.PutIdempotency("c", "m2", []byte(`{}`)))
			// A nested savepoint that succeeds is still undone by its parent.
			require.NoError(t, tx.Savepoint(func() error {
				_, err := tx.AppendChange("task", "task:2", "merge", value.MustParse(`{"id":"task:2"}`))
				return err
			}))
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)
		cur, err := tx.CurrentSeq()
		require.NoError(t, err)
		require.EqualValues(t, 1, cur, "the failed part's allocations are rolled back")
		_, ok, err := tx.Get(task, "task:2")
		require.NoError(t, err)
		require.False(t, ok)
		_, ok, err = tx.Get(task, "task:1")
		require.NoError(t, err)
		require.True(t, ok)
		_, ok, err = tx.Idempotency("c", "m2")
		require.NoError(t, err)
		require.False(t, ok)
		// The transaction goes on: the next allocation reuses the number.
		s, err := tx.AppendChange("task", "task:3", "insert", value.MustParse(`{"id":"task:3"}`))
		require.NoError(t, err)
		require.EqualValues(t, 2, s)
		return tx.Put(task, "task:3", value.MustParse(`{"id":"task:3"}`))
	}))
	e.read(func(tx server.ReadTx) error {
		rows, err := tx.Scan(task, nil, 0)
		require.NoError(t, err)
		require.Equal(t, []string{"task:1", "task:3"}, ids(rows))
		ch, err := tx.Changes(map[string]int64{"task": 0}, 0)
		require.NoError(t, err)
		require.Equal(t, []int64{1, 2}, seqs(ch))
		require.Equal(t, []string{"task:1", "task:3"}, changeIDs(ch))
		seq, err := tx.CurrentSeq()
		require.NoError(t, err)
		require.EqualValues(t, 2, seq)
		return nil
	})
}

func seqs(ch []server.Change) []int64 {
	out := make([]int64, 0, len(ch))
	for _, c := range ch {
		out = append(out, c.Seq)
	}
	return out
}

func changeIDs(ch []server.Change) []string {
	out := make([]string, 0, len(ch))
	for _, c := range ch {
		out = append(out, c.ID)
	}
	return out
}

func testWriteError(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	task := e.res("task")
	e.put("task", `{"id":"task:1","title":"keep"}`)
	err := e.write(func(tx server.WriteTx) error {
		require.NoError(t, tx.Put(task, "task:1", value.MustParse(`{"id":"task:1","title":"lost"}`)))
		require.NoError(t, tx.Put(task, "task:2", value.MustParse(`{"id":"task:2"}`)))
		_, err := tx.AppendChange("task", "task:2", "insert", value.MustParse(`{"id":"task:2"}`))
		require.NoError(t, err)
		require.NoError(t, tx.PutIdempotency("c", "m", []byte(`{}`)))
		ok, err := tx.MarkSeeded("c")
		require.NoError(t, err)
		require.True(t, ok)
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	e.read(func(tx server.ReadTx) error {
		rows, err := tx.Scan(task, nil, 0)
		require.NoError(t, err)
		require.Len(t, rows, 1)
		require.Equal(t, "keep", rows[0].Get("title").Str())
		seq, err := tx.CurrentSeq()
		require.NoError(t, err)
		require.EqualValues(t, 1, seq)
		_, ok, err := tx.Idempotency("c", "m")
		require.NoError(t, err)
		require.False(t, ok)
		return nil
	})
	require.NoError(t, e.write(func(tx server.WriteTx) error {
		ok, err := tx.MarkSeeded("c")
		require.True(t, ok, "the rolled back seed marker is gone")
		return err
	}))
	// A panic inside fn also rolls back and leaves the store usable.
	require.Panics(t, func() {
		_ = e.write(func(tx server.WriteTx) error {
			require.NoError(t, tx.Put(task, "task:9", value.MustParse(`{"id":"task:9"}`)))
			panic("boom")
		})
	})
	e.read(func(tx server.ReadTx) error {
		_, ok, err := tx.Get(task, "task:9")
		require.NoError(t, err)
		require.False(t, ok)
		return nil
	})
	require.NoError(t, e.write(func(tx server.WriteTx) error { return nil }))
}

// testScanRaw checks the optional RawScanner against Scan.
func testScanRaw(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	e.put("task", `{"id":"task:😀","t":"x"}`, `{"id":"task:a","n":null,"u":"é"}`, `{"id":"task:Ａ"}`, `{"id":"task:Z","big":1700000000000}`)
	e.read(func(tx server.ReadTx) error {
		rs, ok := tx.(server.RawScanner)
		if !ok {
			t.Skip("no RawScanner")
		}
		for _, after := range []*string{nil, ptr("task:Z"), ptr("task:😀")} {
			for _, limit := range []int{0, 2} {
				want, err := tx.Scan(e.res("task"), after, limit)
				require.NoError(t, err)
				var got []string
				require.NoError(t, rs.ScanRaw(e.res("task"), after, limit, func(id string, row []byte) error {
					v, err := value.Parse(row)
					require.NoError(t, err)
					require.Equal(t, id, v.Get("id").Str())
					got = append(got, Canonical(v))
					return nil
				}))
				require.Len(t, got, len(want))
				for i := range want {
					require.Equal(t, Canonical(want[i]), got[i])
				}
			}
		}
		return nil
	})
}

func ptr(s string) *string { return &s }
