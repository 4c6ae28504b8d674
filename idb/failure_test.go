//go:build js && wasm

package idb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

func entry(m string) engine.ChangelogEntry {
	return engine.ChangelogEntry{ClientID: "c1", MutationID: m, TimestampMs: 1000,
		Timestamp: "1970-01-01T00:00:01.000Z", Mutation: value.MustParse(`{"resource":"task","operation":"insert"}`)}
}

// seed commits one row and the changelog entries m1 and m2.
func seed(t *testing.T, s *Store) {
	require.NoError(t, s.Update(testCtx(t), func(tx engine.WriteTx) error {
		require.NoError(t, tx.PutRow("task", value.MustParse(`{"id":"task:1","title":"A"}`)))
		for _, m := range []string{"m1", "m2"} {
			if _, err := tx.ChangelogAppend(entry(m)); err != nil {
				return err
			}
		}
		return nil
	}))
}

// requireSeedOnly checks that only what seed committed is stored.
func requireSeedOnly(t *testing.T, s *Store) {
	require.NoError(t, s.View(testCtx(t), func(tx engine.ReadTx) error {
		rows, err := tx.Rows("task")
		require.NoError(t, err)
		require.Len(t, rows, 1)
		require.Equal(t, `{"id":"task:1","title":"A"}`, rows[0].String())
		list, err := tx.Changelog(0)
		require.NoError(t, err)
		require.Len(t, list, 2)
		require.Equal(t, []string{"m1", "m2"}, []string{list[0].MutationID, list[1].MutationID})
		c, err := tx.Cursors()
		require.NoError(t, err)
		require.Empty(t, c)
		return nil
	}))
}

// failingWrites makes the writes of a local mutation plus a cursor, then
// calls inject to break the transaction.
func failingWrites(inject func(w *writeTx) error) func(engine.WriteTx) error {
	return func(tx engine.WriteTx) error {
		if err := tx.PutRow("task", value.MustParse(`{"id":"task:2","title":"B"}`)); err != nil {
			return err
		}
		if err := tx.DeleteRow("task", "task:1"); err != nil {
			return err
		}
		if _, err := tx.ChangelogAppend(entry("m3")); err != nil {
			return err
		}
		if err := tx.SetCursor("task", "5"); err != nil {
			return err
		}
		return inject(tx.(*writeTx))
	}
}

// duplicatePair queues a changelog put that violates the unique
// by_client_mutation index: IndexedDB fails it asynchronously with
// ConstraintError and aborts the transaction.
func duplicatePair(w *writeTx) {
	e := entry("m1")
	e.Seq = 99
	w.queue(changelogStore, opPut)
	w.buf = appendEntry(w.buf, e)
}

func requireStorageError(t *testing.T, err error, msgPrefix string, cause error) {
	t.Helper()
	var pe *protocol.Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, protocol.CodeInternal, pe.Code)
	require.Equal(t, "storage", pe.Path)
	require.Regexp(t, "^"+msgPrefix, pe.Message)
	require.ErrorIs(t, err, cause)
}

func TestFailedWriteTransactionLeavesNothing(t *testing.T) {
	cases := []struct {
		name   string
		inject func(w *writeTx) error
		msg    string
		cause  error
	}{
		{"request fails at commit", func(w *writeTx) error {
			duplicatePair(w)
			return nil
		}, "Storage error: transaction aborted: ConstraintError: ", ErrConstraint},
		{"request fails before a later read", func(w *writeTx) error {
			duplicatePair(w)
			_, err := w.ChangelogCount() // sees the abort, reports its cause
			return err
		}, "Storage error: transaction failed: ConstraintError: ", ErrConstraint},
		{"failed read ignored by fn", func(w *writeTx) error {
			duplicatePair(w)
			_, _ = w.Rows("task")
			return nil
		}, "Storage error: transaction failed: ConstraintError: ", ErrConstraint},
		{"key IndexedDB refuses synchronously", func(w *writeTx) error {
			w.queue("task", opDelete)
			w.buf = append(w.buf, "{}"...) // not a valid key: DataError
			return nil
		}, "Storage error: transaction failed: DataError: ", &DOMError{Name: "DataError"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openFresh(t, fixture())
			seed(t, s)
			err := s.Update(testCtx(t), failingWrites(tc.inject))
			requireStorageError(t, err, tc.msg, tc.cause)
			requireSeedOnly(t, s)
			// The store stays usable and the rolled-back seq is not reused
			// wrongly: the next append follows the committed ones.
			var e engine.ChangelogEntry
			require.NoError(t, s.Update(testCtx(t), func(tx engine.WriteTx) error {
				e, err = tx.ChangelogAppend(entry("m4"))
				return err
			}))
			require.EqualValues(t, 3, e.Seq)
		})
	}
}

// patch replaces a method of a prototype for the test, restoring it after.
// body is the new method's body; `orig` is the original method.
func patch(t *testing.T, proto, method, body string) {
	saved := jsFunc(nil, `return `+proto+`.prototype.`+method+`;`).Invoke()
	jsFunc([]string{"orig"}, proto+`.prototype.`+method+` = function(...args) {`+body+`};`).Invoke(saved)
	t.Cleanup(func() {
		jsFunc([]string{"orig"}, proto+`.prototype.`+method+` = orig;`).Invoke(saved)
	})
}

func TestQuotaExceeded(t *testing.T) {
	cases := []struct {
		name              string
		proto, method, js string
	}{
		// The request itself is refused: put throws synchronously.
		{"put throws", "IDBObjectStore", "put", `
			if (this.name === "changelog") throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
			return orig.apply(this, args);`},
		// What Chromium does when the commit runs out of quota: the
		// transaction aborts with error QuotaExceededError.
		{"commit aborts", "IDBTransaction", "commit", `
			Object.defineProperty(this, "error", {value: new DOMException("The quota has been exceeded.", "QuotaExceededError")});
			this.abort();`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openFresh(t, fixture())
			seed(t, s)
			patch(t, tc.proto, tc.method, tc.js)
			err := s.Update(testCtx(t), failingWrites(func(*writeTx) error { return nil }))
			var pe *protocol.Error
			require.ErrorAs(t, err, &pe)
			require.Equal(t, &protocol.Error{Code: protocol.CodeInternal, Message: "Storage error: quota exceeded",
				Path: "storage", Err: pe.Err}, pe)
			require.ErrorIs(t, err, ErrQuotaExceeded)
			requireSeedOnly(t, s)
		})
	}
}

// TestInjectedFaults covers every fault name: the operation fails with its
// own storage error and the transaction leaves nothing.
func TestInjectedFaults(t *testing.T) {
	ops := map[string]func(tx engine.WriteTx) error{
		"putRow":    func(tx engine.WriteTx) error { return tx.PutRow("task", value.MustParse(`{"id":"task:3"}`)) },
		"deleteRow": func(tx engine.WriteTx) error { return tx.DeleteRow("task", "task:1") },
		"setCursor": func(tx engine.WriteTx) error { return tx.SetCursor("task", "1") },
		"setHydrationState": func(tx engine.WriteTx) error {
			return tx.SetHydration("task", engine.Hydrating)
		},
		"setCloneProgress": func(tx engine.WriteTx) error {
			return tx.SetCloneProgress("task", engine.CloneProgress{AfterID: "a", Cursor: "1"})
		},
		"addRestore":   func(tx engine.WriteTx) error { return tx.AddRestore(engine.RestoreKey{Resource: "task", ID: "x"}) },
		"setEpochs":    func(tx engine.WriteTx) error { return tx.SetEpochs(1, 1) },
		"changelogAck": func(tx engine.WriteTx) error { return tx.ChangelogAck(2) },
		"clientId": func(tx engine.WriteTx) error {
			_, err := tx.GetOrCreateClientID("c9")
			return err
		},
	}
	for op, fn := range ops {
		t.Run(op, func(t *testing.T) {
			s := openFresh(t, fixture())
			seed(t, s)
			s.InjectFault(op)
			err := s.Update(testCtx(t), failingWrites(func(w *writeTx) error { return fn(w) }))
			var pe *protocol.Error
			require.ErrorAs(t, err, &pe)
			require.Equal(t, "Storage error: "+op+" failed", pe.Message)
			require.Equal(t, "storage."+op, pe.Path)
			require.True(t, errors.Is(err, errInjected))
			requireSeedOnly(t, s)
			require.NoError(t, s.Update(context.Background(), fn), "the fault fires once")
		})
	}
}

// TestAwaitingOtherWorkEndsTheTransaction: fn breaks the rule of §11.6 and
// waits for a timer; IndexedDB commits the (empty) transaction meanwhile, and
// the next storage call says why it failed. The buffered write is lost with
// it, not half-committed.
func TestAwaitingOtherWorkEndsTheTransaction(t *testing.T) {
	s := openFresh(t, fixture())
	seed(t, s)
	err := s.Update(testCtx(t), func(tx engine.WriteTx) error {
		require.NoError(t, tx.PutRow("task", value.MustParse(`{"id":"task:2"}`)))
		<-time.After(20 * time.Millisecond)
		_, _, err := tx.Row("task", "task:2")
		return err
	})
	var pe *protocol.Error
	require.ErrorAs(t, err, &pe)
	require.Regexp(t, `^Storage error: transaction ended early \(only storage calls may be awaited inside a transaction\): `+
		`(TransactionInactiveError|InvalidStateError): `, pe.Message)
	requireSeedOnly(t, s)
}
