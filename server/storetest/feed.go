package storetest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/server"
	"github.com/datafn/datafn-go/value"
)

func testChanges(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	require.NoError(t, e.write(func(tx server.WriteTx) error {
		steps := []struct{ res, id, op, data string }{
			{"task", "task:1", "insert", `{"id":"task:1","title":"a","prio":null}`}, // 1
			{"note", "n:1", "insert", `{"id":"n:1","body":"😀"}`},                    // 2
			{"task", "task:1", "merge", `{"title":"b"}`},                            // 3
			{"task", "task:2", "replace", `{"id":"task:2"}`},                        // 4
			{"task", "task:1", "delete", ``},                                        // 5
			{"note", "n:1", "merge", `{"body":"x"}`},                                // 6
		}
		for _, s := range steps {
			var d value.Value
			if s.data != "" {
				d = value.MustParse(s.data)
			}
			if _, err := tx.AppendChange(s.res, s.id, s.op, d); err != nil {
				return err
			}
		}
		return nil
	}))
	cases := []struct {
		name  string
		after map[string]int64
		limit int
		want  []int64
	}{
		{"one resource from zero", map[string]int64{"task": 0}, 0, []int64{1, 3, 4, 5}},
		{"both resources, merged by seq", map[string]int64{"task": 0, "note": 0}, 0, []int64{1, 2, 3, 4, 5, 6}},
		{"after a cursor", map[string]int64{"task": 3}, 0, []int64{4, 5}},
		{"cursor between a resource's seqs", map[string]int64{"note": 4}, 0, []int64{6}},
		{"limit is per resource", map[string]int64{"task": 0, "note": 0}, 1, []int64{1, 2}},
		{"limit 2", map[string]int64{"task": 1, "note": 0}, 2, []int64{2, 3, 4, 6}},
		{"past the end", map[string]int64{"task": 6}, 10, nil},
		{"unknown resource", map[string]int64{"kv": 0}, 0, nil},
		{"empty map", map[string]int64{}, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.read(func(tx server.ReadTx) error {
				ch, err := tx.Changes(c.after, c.limit)
				require.NoError(t, err)
				got := seqs(ch)
				if len(got) == 0 {
					got = nil
				}
				require.Equal(t, c.want, got)
				return nil
			})
		})
	}
	e.read(func(tx server.ReadTx) error {
		ch, err := tx.Changes(map[string]int64{"task": 0, "note": 0}, 0)
		require.NoError(t, err)
		require.Len(t, ch, 6)
		want := []server.Change{
			{Seq: 1, Resource: "task", ID: "task:1", Op: "insert"},
			{Seq: 2, Resource: "note", ID: "n:1", Op: "insert"},
			{Seq: 3, Resource: "task", ID: "task:1", Op: "merge"},
			{Seq: 4, Resource: "task", ID: "task:2", Op: "replace"},
			{Seq: 5, Resource: "task", ID: "task:1", Op: "delete"},
			{Seq: 6, Resource: "note", ID: "n:1", Op: "merge"},
		}
		for i, w := range want {
			got := ch[i]
			require.Equal(t, w.Seq, got.Seq)
			require.Equal(t, w.Resource, got.Resource)
			require.Equal(t, w.ID, got.ID)
			require.Equal(t, w.Op, got.Op)
		}
		require.Equal(t, `{"id":"task:1","prio":null,"title":"a"}`, Canonical(decoded(t, ch[0])))
		require.Equal(t, `{"body":"😀","id":"n:1"}`, Canonical(decoded(t, ch[1])))
		require.Equal(t, `{"title":"b"}`, Canonical(decoded(t, ch[2])))
		require.Nil(t, ch[4].Data, "a delete has no data")
		return nil
	})
}

func testIdempotency(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	result := []byte(`{"ok":true,"mutationId":"m1","affectedIds":["task:1"],"errors":[],"deduped":false,"s":"😀"}`)
	require.NoError(t, e.write(func(tx server.WriteTx) error {
		_, ok, err := tx.Idempotency("c1", "m1")
		require.NoError(t, err)
		require.False(t, ok)
		require.NoError(t, tx.PutIdempotency("c1", "m1", result))
		got, ok, err := tx.Idempotency("c1", "m1")
		require.NoError(t, err)
		require.True(t, ok, "visible inside its own transaction")
		require.JSONEq(t, string(result), string(got))
		return tx.PutIdempotency("c2", "m1", []byte(`{"ok":false}`))
	}))
	check := func(st server.Store) {
		require.NoError(t, st.Read(e.ctx, e.ns, func(tx server.ReadTx) error {
			got, ok, err := tx.Idempotency("c1", "m1")
			require.NoError(t, err)
			require.True(t, ok)
			require.JSONEq(t, string(result), string(got))
			got, ok, err = tx.Idempotency("c2", "m1")
			require.NoError(t, err)
			require.True(t, ok)
			require.JSONEq(t, `{"ok":false}`, string(got))
			_, ok, err = tx.Idempotency("c1", "m2")
			require.NoError(t, err)
			require.False(t, ok)
			return nil
		}))
	}
	check(e.store)
	r, ok := e.store.(Reopener)
	if !ok {
		t.Skip("store cannot reopen its database")
	}
	e.store = r.Reopen(t)
	check(e.store)
}

func testSeeded(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	for i, want := range []bool{true, false, false} {
		require.NoError(t, e.write(func(tx server.WriteTx) error {
			ok, err := tx.MarkSeeded("c1")
			require.Equal(t, want, ok, "call %d", i)
			return err
		}))
	}
}

func testMigrate(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	e.put("task", `{"id":"task:1","title":"kept","status":"active"}`)
	require.NoError(t, e.store.Migrate(e.ctx, e.sc))
	// A schema that adds a resource, a field and an index keeps everything.
	wider, err := parseSchema(FixtureSchema[:strings.LastIndex(FixtureSchema, "]")] + `,
    { "name": "extra", "version": 1, "indices": ["n"], "fields": [ { "name": "n", "type": "number" } ] } ] }`)
	require.NoError(t, err)
	require.NoError(t, e.store.Migrate(e.ctx, wider))
	require.NoError(t, e.store.Migrate(e.ctx, wider))
	e.read(func(tx server.ReadTx) error {
		row, ok, err := tx.Get(e.res("task"), "task:1")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "kept", row.Get("title").Str())
		seq, err := tx.CurrentSeq()
		require.NoError(t, err)
		require.EqualValues(t, 1, seq)
		return nil
	})
	if r, ok := e.store.(Reopener); ok {
		e.store = r.Reopen(t)
		require.NoError(t, e.store.Migrate(e.ctx, e.sc))
		e.read(func(tx server.ReadTx) error {
			n, err := tx.Count(e.res("task"))
			require.NoError(t, err)
			require.EqualValues(t, 1, n)
			return nil
		})
	}
}

func testPing(t *testing.T, open func(t *testing.T) server.Store) {
	e := setup(t, open)
	require.NoError(t, e.store.Ping(e.ctx))
}

// decoded parses a change's document.
func decoded(t *testing.T, c server.Change) value.Value {
	v, err := c.Decode()
	require.NoError(t, err)
	return v
}
