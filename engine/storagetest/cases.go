package storagetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
)

func testRows(t *testing.T, s engine.Storage) {
	update(t, s, func(tx engine.WriteTx) error {
		require.NoError(t, tx.PutRow("task", row("task:1", "A")))
		require.NoError(t, tx.PutRow("task", row("task:2", "B")))
		require.NoError(t, tx.PutRow("task", row("task:1", "A2")))
		require.NoError(t, tx.PutRow("note", row("n:1", "N")))
		require.NoError(t, tx.DeleteRow("task", "task:2"))
		return tx.DeleteRow("task", "task:404")
	})
	view(t, s, func(tx engine.ReadTx) error {
		r, ok, err := tx.Row("task", "task:1")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, `{"id":"task:1","title":"A2"}`, r.String())
		_, ok, err = tx.Row("task", "task:2")
		require.NoError(t, err)
		require.False(t, ok)
		rows, err := tx.Rows("task")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		rows, err = tx.Rows("note")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		return nil
	})
}

func testMissingStore(t *testing.T, s engine.Storage) {
	err := s.View(context.Background(), func(tx engine.ReadTx) error {
		_, err := tx.Rows("nope")
		return err
	})
	requireProtoErr(t, err, protocol.CodeInvalid, "Storage error: missing object store nope", "storage")
}

func testSeqs(t *testing.T, s engine.Storage) {
	var seqs []int64
	update(t, s, func(tx engine.WriteTx) error {
		for _, m := range []string{"m1", "m2", "m3"} {
			e, err := tx.ChangelogAppend(entry("c1", m))
			require.NoError(t, err)
			seqs = append(seqs, e.Seq)
		}
		return nil
	})
	require.Equal(t, []int64{1, 2, 3}, seqs)
	update(t, s, func(tx engine.WriteTx) error { return tx.ChangelogAck(3) })
	var e engine.ChangelogEntry
	update(t, s, func(tx engine.WriteTx) error {
		var err error
		e, err = tx.ChangelogAppend(entry("c1", "m4"))
		return err
	})
	require.EqualValues(t, 4, e.Seq)
	view(t, s, func(tx engine.ReadTx) error {
		list, err := tx.Changelog(0)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, "m4", list[0].MutationID)
		require.Equal(t, "1970-01-01T00:00:01.000Z", list[0].Timestamp)
		require.EqualValues(t, 1000, list[0].TimestampMs)
		require.Equal(t, entry("c1", "m4").Mutation.String(), list[0].Mutation.String())
		return nil
	})
}

func testThroughSeq(t *testing.T, s engine.Storage) {
	update(t, s, func(tx engine.WriteTx) error {
		_, err := tx.ChangelogAppend(entry("c1", "m1"))
		return err
	})
	err := s.Update(context.Background(), func(tx engine.WriteTx) error { return tx.ChangelogAck(1.5) })
	requireProtoErr(t, err, protocol.CodeInternal, "Storage error: throughSeq must be integer",
		"storage.changelogAck.throughSeq")
	view(t, s, func(tx engine.ReadTx) error {
		n, err := tx.ChangelogCount()
		require.Equal(t, 1, n)
		return err
	})
}

func testChangelogDedup(t *testing.T, s engine.Storage) {
	update(t, s, func(tx engine.WriteTx) error {
		first, err := tx.ChangelogAppend(entry("c1", "m1"))
		require.NoError(t, err)
		_, err = tx.ChangelogAppend(entry("c2", "m1")) // other client, same mutationId
		require.NoError(t, err)
		again := entry("c1", "m1")
		again.TimestampMs = 9999
		got, err := tx.ChangelogAppend(again)
		require.NoError(t, err)
		require.Equal(t, first.Seq, got.Seq)
		require.EqualValues(t, 1000, got.TimestampMs, "the existing entry is returned unchanged")
		return nil
	})
	view(t, s, func(tx engine.ReadTx) error {
		list, err := tx.Changelog(1)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, "c1", list[0].ClientID)
		n, _ := tx.ChangelogCount()
		require.Equal(t, 2, n)
		e, ok, err := tx.ChangelogFind("c2", "m1")
		require.NoError(t, err)
		require.True(t, ok)
		require.EqualValues(t, 2, e.Seq)
		_, ok, _ = tx.ChangelogFind("c3", "m1")
		require.False(t, ok)
		return nil
	})
}

func testAppendNeedsIDs(t *testing.T, s engine.Storage) {
	err := s.Update(context.Background(), func(tx engine.WriteTx) error {
		_, err := tx.ChangelogAppend(entry("c1", ""))
		return err
	})
	requireProtoErr(t, err, protocol.CodeInternal, "Storage error: changelogAppend failed", "storage.changelogAppend")
}

func testHydrationErrors(t *testing.T, s engine.Storage) {
	view(t, s, func(tx engine.ReadTx) error {
		h, err := tx.Hydration("task")
		require.Equal(t, engine.NotStarted, h)
		return err
	})
	err := s.Update(context.Background(), func(tx engine.WriteTx) error { return tx.SetHydration("task", "wat") })
	requireProtoErr(t, err, protocol.CodeInternal, "Storage error: invalid hydration state",
		"storage.setHydrationState.state")
	err = s.Update(context.Background(), func(tx engine.WriteTx) error { return tx.SetHydration("task", engine.Ready) })
	requireProtoErr(t, err, protocol.CodeInternal, "Storage error: invalid hydration state transition",
		"storage.setHydrationState.state")
}

func testHydrationTransitions(t *testing.T, s engine.Storage) {
	steps := []engine.HydrationState{engine.NotStarted, engine.Hydrating, engine.Hydrating, engine.Ready,
		engine.Ready, engine.Hydrating, engine.NotStarted, engine.Hydrating}
	for _, st := range steps {
		update(t, s, func(tx engine.WriteTx) error { return tx.SetHydration("note", st) })
	}
	err := s.Update(context.Background(), func(tx engine.WriteTx) error { return tx.SetHydration("note", engine.NotStarted) })
	require.NoError(t, err, "hydrating → notStarted is allowed")
	update(t, s, func(tx engine.WriteTx) error {
		require.NoError(t, tx.SetHydration("note", engine.Hydrating))
		require.NoError(t, tx.SetHydration("note", engine.Ready))
		return tx.ResetHydration("note") // the reset on open needs no transition check
	})
	view(t, s, func(tx engine.ReadTx) error {
		h, err := tx.Hydration("note")
		require.Equal(t, engine.NotStarted, h)
		return err
	})
}

func testMeta(t *testing.T, s engine.Storage) {
	a, b := engine.RestoreKey{Resource: "task", ID: "task:2"}, engine.RestoreKey{Resource: "note", ID: "n:1"}
	update(t, s, func(tx engine.WriteTx) error {
		require.NoError(t, tx.SetCursor("task", "3"))
		require.NoError(t, tx.SetCursor(engine.GlobalCursorKey, "3"))
		require.NoError(t, tx.SetCursor("task", "12"))
		require.NoError(t, tx.SetCloneProgress("task", engine.CloneProgress{AfterID: "task:4", Cursor: "5"}))
		require.NoError(t, tx.SetCloneProgress("note", engine.CloneProgress{AfterID: "n:1", Cursor: "1"}))
		require.NoError(t, tx.DeleteCloneProgress("note"))
		require.NoError(t, tx.AddRestore(a))
		require.NoError(t, tx.AddRestore(b))
		require.NoError(t, tx.AddRestore(a))
		return tx.SetEpochs(2, 1)
	})
	view(t, s, func(tx engine.ReadTx) error {
		c, err := tx.Cursors()
		require.NoError(t, err)
		require.Equal(t, map[string]string{"task": "12", engine.GlobalCursorKey: "3"}, c)
		p, ok, err := tx.CloneProgress("task")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, engine.CloneProgress{AfterID: "task:4", Cursor: "5"}, p)
		_, ok, _ = tx.CloneProgress("note")
		require.False(t, ok)
		set, err := tx.RestoreSet()
		require.NoError(t, err)
		require.Equal(t, []engine.RestoreKey{b, a}, set)
		ce, cu, err := tx.Epochs()
		require.Equal(t, [2]int64{2, 1}, [2]int64{ce, cu})
		return err
	})
	update(t, s, func(tx engine.WriteTx) error { return tx.RemoveRestore(a) })
	view(t, s, func(tx engine.ReadTx) error {
		set, err := tx.RestoreSet()
		require.Equal(t, []engine.RestoreKey{b}, set)
		return err
	})
}

func testClientID(t *testing.T, s engine.Storage) {
	view(t, s, func(tx engine.ReadTx) error {
		_, ok, err := tx.ClientID()
		require.False(t, ok)
		return err
	})
	var ids []string
	for _, n := range []string{"first", "second"} {
		update(t, s, func(tx engine.WriteTx) error {
			id, err := tx.GetOrCreateClientID(n)
			ids = append(ids, id)
			return err
		})
	}
	require.Equal(t, []string{"first", "first"}, ids)
}

var errBoom = errors.New("boom")

func testAtomicity(t *testing.T, s engine.Storage) {
	update(t, s, func(tx engine.WriteTx) error {
		require.NoError(t, tx.PutRow("task", row("task:1", "A")))
		_, err := tx.ChangelogAppend(entry("c1", "m1"))
		return err
	})
	err := s.Update(context.Background(), func(tx engine.WriteTx) error {
		require.NoError(t, tx.PutRow("task", row("task:1", "changed")))
		require.NoError(t, tx.PutRow("task", row("task:2", "B")))
		require.NoError(t, tx.DeleteRow("note", "n:0"))
		_, err := tx.ChangelogAppend(entry("c1", "m2"))
		require.NoError(t, err)
		require.NoError(t, tx.ChangelogAck(1))
		require.NoError(t, tx.SetCursor("task", "9"))
		require.NoError(t, tx.SetHydration("task", engine.Hydrating))
		require.NoError(t, tx.SetCloneProgress("task", engine.CloneProgress{AfterID: "x", Cursor: "1"}))
		require.NoError(t, tx.AddRestore(engine.RestoreKey{Resource: "task", ID: "task:1"}))
		require.NoError(t, tx.SetEpochs(5, 5))
		_, err = tx.GetOrCreateClientID("c9")
		require.NoError(t, err)
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	requireUnchangedAfterFailure(t, s)
	// The next append continues after the highest seq that was committed or
	// rolled back; it must not collide with the committed entry.
	update(t, s, func(tx engine.WriteTx) error {
		e, err := tx.ChangelogAppend(entry("c1", "m3"))
		require.Greater(t, e.Seq, int64(1))
		return err
	})
}

// requireUnchangedAfterFailure checks the state left by testAtomicity's
// committed transaction only.
func requireUnchangedAfterFailure(t *testing.T, s engine.Storage) {
	view(t, s, func(tx engine.ReadTx) error {
		rows, err := tx.Rows("task")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		require.Equal(t, `{"id":"task:1","title":"A"}`, rows[0].String())
		list, _ := tx.Changelog(0)
		require.Len(t, list, 1)
		require.Equal(t, "m1", list[0].MutationID)
		c, _ := tx.Cursors()
		require.Empty(t, c)
		h, _ := tx.Hydration("task")
		require.Equal(t, engine.NotStarted, h)
		_, ok, _ := tx.CloneProgress("task")
		require.False(t, ok)
		set, _ := tx.RestoreSet()
		require.Empty(t, set)
		ce, cu, _ := tx.Epochs()
		require.Zero(t, ce+cu)
		_, ok, _ = tx.ClientID()
		require.False(t, ok)
		return nil
	})
}

func testInjectedFailure(t *testing.T, s engine.Storage) {
	fi, ok := s.(engine.FaultInjector)
	if !ok {
		t.Skip("backend has no fault injection")
	}
	fi.InjectFault("changelogAppend")
	err := s.Update(context.Background(), func(tx engine.WriteTx) error {
		if err := tx.PutRow("task", row("task:1", "A")); err != nil {
			return err
		}
		_, err := tx.ChangelogAppend(entry("c1", "m1"))
		return err
	})
	requireProtoErr(t, err, protocol.CodeInternal, "Storage error: changelogAppend failed", "storage.changelogAppend")
	view(t, s, func(tx engine.ReadTx) error {
		rows, _ := tx.Rows("task")
		require.Empty(t, rows, "the row write is rolled back with the failed append")
		n, _ := tx.ChangelogCount()
		require.Zero(t, n)
		return nil
	})
	// The fault fires once.
	update(t, s, func(tx engine.WriteTx) error {
		_, err := tx.ChangelogAppend(entry("c1", "m1"))
		return err
	})
}

// testRowsByIDAndFreshAppend: RowsByID answers like Row for each id, seeing
// the transaction's own writes; a Fresh append stores an ordinary entry.
func testRowsByIDAndFreshAppend(t *testing.T, s engine.Storage) {
	update(t, s, func(tx engine.WriteTx) error {
		require.NoError(t, tx.PutRow("task", row("task:1", "A")))
		return nil
	})
	update(t, s, func(tx engine.WriteTx) error {
		require.NoError(t, tx.PutRow("task", row("task:2", "B")))
		require.NoError(t, tx.DeleteRow("task", "task:1"))
		rows, found, err := tx.RowsByID("task", []string{"task:2", "task:1", "task:9", "task:2"})
		require.NoError(t, err)
		require.Equal(t, []bool{true, false, false, true}, found)
		require.Equal(t, `{"id":"task:2","title":"B"}`, rows[0].String())
		require.Equal(t, `{"id":"task:2","title":"B"}`, rows[3].String())
		rows, found, err = tx.RowsByID("task", nil)
		require.NoError(t, err)
		require.Empty(t, rows)
		require.Empty(t, found)
		e := entry("c1", "m-fresh")
		e.Fresh = true
		got, err := tx.ChangelogAppend(e)
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Seq)
		return nil
	})
	view(t, s, func(tx engine.ReadTx) error {
		list, err := tx.Changelog(0)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.False(t, list[0].Fresh)
		require.Equal(t, "m-fresh", list[0].MutationID)
		_, _, err = tx.RowsByID("nope", []string{"x"})
		require.Error(t, err)
		return nil
	})
}
