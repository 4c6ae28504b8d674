//go:build js && wasm

package idb

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// schemaA has task indexed on title, and note.
func schemaA() []*schema.Resource {
	return []*schema.Resource{
		{Name: "task", Indices: schema.Indices{Base: []string{"title"}}},
		{Name: "note"},
	}
}

// schemaB adds an index on task.done and a resource project, and drops note.
func schemaB() []*schema.Resource {
	return []*schema.Resource{
		{Name: "task", Indices: schema.Indices{Base: []string{"title", "done"}}},
		{Name: "project", Indices: schema.Indices{Base: []string{"name"}}},
	}
}

func dbVersion(t *testing.T, name string) int {
	return await(t, []string{"name"}, `return indexedDB.databases().then((all) => all.find((d) => d.name === name).version);`,
		name).Int()
}

// writeSample commits a row in task and note, a cursor and a changelog entry.
func writeSample(t *testing.T, s *Store) {
	require.NoError(t, s.Update(testCtx(t), func(tx engine.WriteTx) error {
		require.NoError(t, tx.PutRow("task", value.MustParse(`{"id":"task:1","title":"A","done":false}`)))
		require.NoError(t, tx.PutRow("note", value.MustParse(`{"id":"note:1"}`)))
		require.NoError(t, tx.SetCursor("task", "3"))
		_, err := tx.ChangelogAppend(entry("m1"))
		return err
	}))
}

func TestUpgradeKeepsData(t *testing.T) {
	ctx := testCtx(t)
	name := dbName(t)
	t.Cleanup(func() { deleteDB(t, name) })
	s, err := Open(ctx, name, schemaA())
	require.NoError(t, err)
	writeSample(t, s)
	require.NoError(t, s.Close())
	require.Equal(t, 1, dbVersion(t, name))

	s, err = Open(ctx, name, schemaA())
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.Equal(t, 1, dbVersion(t, name), "nothing missing: no version bump")

	s, err = Open(ctx, name, schemaB())
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, 2, dbVersion(t, name))
	require.Equal(t, []string{
		`changelog "seq" true [by_client_mutation ["clientId","mutationId"] true]`,
		`meta ["type","key"] false`,
		`note "id" false`, // left the schema: left alone, rows kept
		`project "id" false [by_name "name" false]`,
		`task "id" false [by_done "done" false] [by_title "title" false]`,
	}, rawLayout(t, name))
	require.NoError(t, s.Update(ctx, func(tx engine.WriteTx) error {
		r, ok, err := tx.Row("task", "task:1")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, `{"id":"task:1","title":"A","done":false}`, r.String())
		c, _ := tx.Cursors()
		require.Equal(t, map[string]string{"task": "3"}, c)
		e, err := tx.ChangelogAppend(entry("m2"))
		require.NoError(t, err)
		require.EqualValues(t, 2, e.Seq)
		require.NoError(t, tx.PutRow("project", value.MustParse(`{"id":"project:1","name":"P"}`)))
		_, err = tx.Rows("note")
		require.ErrorContains(t, err, "Storage error: missing object store note")
		return nil
	}))
	n := await(t, []string{"name"}, `return new Promise((ok) => {
		indexedDB.open(name).onsuccess = (ev) => {
			const db = ev.target.result, req = db.transaction("note").objectStore("note").count();
			req.onsuccess = () => { db.close(); ok(req.result); };
		};
	});`, name).Int()
	require.Equal(t, 1, n, "the note rows are still there")
}

// TestUpgradeWhileAnotherStoreIsOpen: the open store closes on versionchange
// so the upgrade proceeds, and reconnects on its next transaction.
func TestUpgradeWhileAnotherStoreIsOpen(t *testing.T) {
	ctx := testCtx(t)
	name := dbName(t)
	t.Cleanup(func() { deleteDB(t, name) })
	a, err := Open(ctx, name, schemaA())
	require.NoError(t, err)
	defer a.Close()
	writeSample(t, a)

	b, err := Open(ctx, name, schemaB())
	require.NoError(t, err)
	defer b.Close()
	require.Equal(t, 2, dbVersion(t, name))
	old := a.conn
	require.True(t, old.stale.Load(), "a closed its connection on versionchange")

	require.NoError(t, a.Update(ctx, func(tx engine.WriteTx) error {
		n, err := tx.ChangelogCount()
		require.NoError(t, err)
		require.Equal(t, 1, n)
		return tx.PutRow("note", value.MustParse(`{"id":"note:2"}`))
	}))
	require.NoError(t, b.View(ctx, func(tx engine.ReadTx) error {
		rows, err := tx.Rows("task")
		require.Len(t, rows, 1)
		return err
	}))
	require.NotSame(t, old, a.conn, "a reconnected")
	require.Equal(t, 2, dbVersion(t, name), "a found everything it needs: no further bump")
}

// TestUpgradeBlocked: a connection that ignores versionchange blocks the
// upgrade; Open gives up after blockedWait, and succeeds once the connection
// is gone.
func TestUpgradeBlocked(t *testing.T) {
	name := dbName(t)
	t.Cleanup(func() { deleteDB(t, name) })
	s, err := Open(testCtx(t), name, schemaA())
	require.NoError(t, err)
	require.NoError(t, s.Close())
	holder := await(t, []string{"name"}, `return new Promise((ok, fail) => {
		const req = indexedDB.open(name);
		req.onerror = () => fail(req.error);
		req.onsuccess = () => ok(req.result); // no onversionchange: it stays open
	});`, name)

	defer func(d time.Duration) { blockedWait = d }(blockedWait)
	blockedWait = 100 * time.Millisecond
	_, err = Open(testCtx(t), name, schemaB())
	require.ErrorContains(t, err, "Storage error: open: upgrade blocked by another open connection")
	require.ErrorIs(t, err, errBlocked)

	holder.Call("close")
	s, err = Open(testCtx(t), name, schemaB())
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.Equal(t, 2, dbVersion(t, name))
}
