//go:build js && wasm

package idb

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/storagetest"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) engine.Storage { return openFresh(t, fixture()) })
}

func TestPersistence(t *testing.T) {
	seen := map[string]string{} // suite name → database name
	storagetest.RunPersistence(t, func(t *testing.T, name string) engine.Storage {
		if seen[name] == "" {
			seen[name] = dbName(t)
			t.Cleanup(func() { deleteDB(t, seen[name]) })
		}
		s, err := Open(testCtx(t), seen[name], fixture())
		require.NoError(t, err)
		return s
	})
}

// TestPersistenceOfEveryRecord closes and reopens a database and finds
// every kind of record of §11.2 again.
func TestPersistenceOfEveryRecord(t *testing.T) {
	ctx := testCtx(t)
	name := dbName(t)
	t.Cleanup(func() { deleteDB(t, name) })
	s, err := Open(ctx, name, fixture())
	require.NoError(t, err)
	restore := engine.RestoreKey{Resource: "task", ID: "task:9"}
	require.NoError(t, s.Update(ctx, func(tx engine.WriteTx) error {
		require.NoError(t, tx.PutRow("note", value.MustParse(`{"id":"n:1","body":{"x":[1,2.5,null,true]}}`)))
		require.NoError(t, tx.SetCursor("note", "41"))
		require.NoError(t, tx.SetCursor(engine.GlobalCursorKey, "42"))
		require.NoError(t, tx.SetHydration("task", engine.Hydrating))
		require.NoError(t, tx.SetHydration("note", engine.Hydrating))
		require.NoError(t, tx.SetHydration("note", engine.Ready))
		require.NoError(t, tx.SetCloneProgress("task", engine.CloneProgress{AfterID: "task:3", Cursor: "40"}))
		require.NoError(t, tx.AddRestore(restore))
		require.NoError(t, tx.SetEpochs(3, 2))
		_, err := tx.ChangelogAppend(engine.ChangelogEntry{ClientID: "c1", MutationID: "m1", TimestampMs: 5,
			Timestamp: "1970-01-01T00:00:00.005Z", UserID: "u1", Mutation: value.MustParse(`{"resource":"note"}`)})
		return err
	}))
	require.NoError(t, s.Close())

	s, err = Open(ctx, name, fixture())
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.View(ctx, func(tx engine.ReadTx) error {
		r, ok, err := tx.Row("note", "n:1")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, `{"id":"n:1","body":{"x":[1,2.5,null,true]}}`, r.String())
		c, _ := tx.Cursors()
		require.Equal(t, map[string]string{"note": "41", engine.GlobalCursorKey: "42"}, c)
		h, _ := tx.Hydration("task")
		require.Equal(t, engine.Hydrating, h)
		h, _ = tx.Hydration("note")
		require.Equal(t, engine.Ready, h)
		p, ok, _ := tx.CloneProgress("task")
		require.True(t, ok)
		require.Equal(t, engine.CloneProgress{AfterID: "task:3", Cursor: "40"}, p)
		set, _ := tx.RestoreSet()
		require.Equal(t, []engine.RestoreKey{restore}, set)
		ce, cu, _ := tx.Epochs()
		require.Equal(t, [2]int64{3, 2}, [2]int64{ce, cu})
		list, err := tx.Changelog(0)
		require.NoError(t, err)
		require.Equal(t, []engine.ChangelogEntry{{Seq: 1, ClientID: "c1", MutationID: "m1", TimestampMs: 5,
			Timestamp: "1970-01-01T00:00:00.005Z", UserID: "u1", Mutation: value.MustParse(`{"resource":"note"}`)}}, list)
		return nil
	}))
}

// TestLayout checks the stores and indexes of §11.2 as IndexedDB reports
// them, and the meta records as another reader of the database sees them.
func TestLayout(t *testing.T) {
	ctx := testCtx(t)
	s := openFresh(t, fixture())
	require.Equal(t, []string{
		`changelog "seq" true [by_client_mutation ["clientId","mutationId"] true]`,
		`meta ["type","key"] false`,
		`note "id" false`,
		`task "id" false [by_done "done" false] [by_title "title" false]`,
	}, rawLayout(t, s.Name()))
	require.NoError(t, s.Update(ctx, func(tx engine.WriteTx) error {
		require.NoError(t, tx.SetCursor("task", "7"))
		require.NoError(t, tx.SetHydration("task", engine.Hydrating))
		require.NoError(t, tx.SetCloneProgress("task", engine.CloneProgress{AfterID: "task:1", Cursor: "7"}))
		require.NoError(t, tx.AddRestore(engine.RestoreKey{Resource: "task", ID: "task:2"}))
		require.NoError(t, tx.SetEpochs(1, 0))
		_, err := tx.GetOrCreateClientID("c1")
		return err
	}))
	got := await(t, []string{"name"}, `return new Promise((ok, fail) => {
		const req = indexedDB.open(name);
		req.onerror = () => fail(req.error);
		req.onsuccess = () => {
			const db = req.result, get = db.transaction("meta").objectStore("meta").getAll();
			get.onsuccess = () => { db.close(); ok(JSON.stringify(get.result)); };
		};
	});`, s.Name()).String()
	require.JSONEq(t, `[
		{"type":"client","key":"clientId","value":"c1"},
		{"type":"clone","key":"task","value":{"afterId":"task:1","cursor":"7"}},
		{"type":"cursor","key":"task","value":"7"},
		{"type":"hydration","key":"task","value":"hydrating"},
		{"type":"restore","key":"task/task:2","value":{"resource":"task","id":"task:2"}},
		{"type":"sync","key":"caughtUpEpoch","value":0},
		{"type":"sync","key":"cloneEpoch","value":1}
	]`, got)
}

func TestRemoteOnlyResourceHasNoStore(t *testing.T) {
	s := openFresh(t, fixture())
	err := s.View(testCtx(t), func(tx engine.ReadTx) error {
		_, err := tx.Rows("audit")
		return err
	})
	var pe *protocol.Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "Storage error: missing object store audit", pe.Message)
}

func TestReservedResourceName(t *testing.T) {
	for _, name := range []string{"meta", "changelog"} {
		_, err := Open(testCtx(t), dbName(t), []*schema.Resource{{Name: name}})
		require.ErrorContains(t, err, "Storage error: resource name "+name+" is reserved")
	}
}

func TestClosedStoreFails(t *testing.T) {
	s := openFresh(t, fixture())
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is harmless")
	err := s.View(context.Background(), func(engine.ReadTx) error { return nil })
	require.ErrorContains(t, err, "database is closed")
}

// TestReadsSeeEarlierWritesOfTheTransaction: buffered writes are issued
// before every read of the same transaction.
func TestReadsSeeEarlierWritesOfTheTransaction(t *testing.T) {
	ctx := testCtx(t)
	s := openFresh(t, fixture())
	require.NoError(t, s.Update(ctx, func(tx engine.WriteTx) error {
		require.NoError(t, tx.PutRow("task", value.MustParse(`{"id":"task:1","title":"A"}`)))
		rows, err := tx.Rows("task")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		require.NoError(t, tx.DeleteRow("task", "task:1"))
		_, ok, err := tx.Row("task", "task:1")
		require.NoError(t, err)
		require.False(t, ok)
		for _, m := range []string{"m1", "m2", "m3"} {
			_, err := tx.ChangelogAppend(engine.ChangelogEntry{ClientID: "c", MutationID: m})
			require.NoError(t, err)
		}
		require.NoError(t, tx.ChangelogAck(2))
		n, err := tx.ChangelogCount()
		require.NoError(t, err)
		require.Equal(t, 1, n)
		e, err := tx.ChangelogAppend(engine.ChangelogEntry{ClientID: "c", MutationID: "m4"})
		require.NoError(t, err)
		require.EqualValues(t, 4, e.Seq)
		return nil
	}))
}
