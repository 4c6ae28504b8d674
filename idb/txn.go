//go:build js && wasm

package idb

import (
	"errors"
	"syscall/js"

	"github.com/datafn/datafn-go/value"
)

var (
	jsJSON     = js.Global().Get("JSON")
	jsKeyRange = js.Global().Get("IDBKeyRange")
	jsArray    = js.Global().Get("Array")
	canCommit  = js.Global().Get("IDBTransaction").Get("prototype").Get("commit").Truthy()
)

// maxInFlight bounds the reads one call of do issues together; the events
// channel holds that many so the event loop never blocks on it.
const maxInFlight = 8

// txn is one IndexedDB transaction driven from one goroutine. Writes are
// buffered (see write.go) and issued before the next read or at commit;
// reads issue their requests and wait for the answers, which IndexedDB
// delivers in request order.
type txn struct {
	s      *Store
	tx     js.Value
	stores map[string]js.Value

	events chan js.Value // success/error events of awaited requests
	end    chan bool     // true: complete, false: abort
	onReq  js.Func
	onEnd  js.Func

	err error // the first failure; the transaction is then aborted

	buf []byte  // pending writes: a JSON array without its closing ']'
	ops []bufOp // what to do with each element of buf
}

func newTxn(c *conn, s *Store, mode string) (t *txn, err error) {
	defer catch(&err)
	tx := c.db.Call("transaction", c.scope, mode)
	t = &txn{
		s: s, tx: tx, stores: map[string]js.Value{},
		events: make(chan js.Value, maxInFlight),
		end:    make(chan bool, 1),
	}
	// Both handlers run on the event loop and must not block: the
	// channels have room for every event that can come.
	t.onReq = js.FuncOf(func(_ js.Value, args []js.Value) any {
		t.events <- args[0]
		return nil
	})
	t.onEnd = js.FuncOf(func(_ js.Value, args []js.Value) any {
		t.end <- args[0].Get("type").String() == "complete"
		// No request event follows the transaction's end.
		t.onReq.Release()
		t.onEnd.Release()
		return nil
	})
	tx.Set("oncomplete", t.onEnd)
	tx.Set("onabort", t.onEnd)
	return t, nil
}

// store returns the handle of an object store of this transaction.
func (t *txn) store(name string) js.Value {
	st, ok := t.stores[name]
	if !ok {
		st = t.tx.Call("objectStore", name)
		t.stores[name] = st
	}
	return st
}

// call is one read request: method(args...) on a store or one of its indexes.
type call struct {
	store, index string
	method       string
	args         []any
}

// do flushes pending writes, issues calls back to back and returns their
// results. After a failure the transaction is aborted and every later call
// returns the same error.
func (t *txn) do(calls ...call) ([]js.Value, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	n, err := t.issue(calls)
	if err != nil {
		t.fail(err)
		return nil, t.err
	}
	results := make([]js.Value, n)
	for i := range results {
		ev := <-t.events
		req := ev.Get("target")
		if ev.Get("type").String() != "success" {
			t.fail(t.requestError(req))
			return nil, t.err
		}
		results[i] = req.Get("result")
	}
	return results, nil
}

// issue makes the requests of calls and returns how many were made.
func (t *txn) issue(calls []call) (n int, err error) {
	defer catch(&err)
	for _, c := range calls {
		target := t.store(c.store)
		if c.index != "" {
			target = target.Call("index", c.index)
		}
		req := target.Call(c.method, c.args...)
		req.Set("onsuccess", t.onReq)
		req.Set("onerror", t.onReq)
		n++
	}
	return n, nil
}

// requestError is the cause of a failed request: the transaction's error
// when the request failed only because the transaction aborted.
func (t *txn) requestError(req js.Value) error {
	if e := t.tx.Get("error"); e.Truthy() {
		return domError(e)
	}
	if e := req.Get("error"); e.Truthy() {
		return domError(e)
	}
	return ErrAbort
}

// fail records the first failure and aborts the transaction.
func (t *txn) fail(cause error) {
	if t.err == nil {
		what := "transaction failed"
		if errors.Is(cause, ErrTransactionInactive) || errors.Is(cause, ErrInvalidState) {
			// IndexedDB committed the transaction when control went back
			// to the event loop with no request pending (§11.6).
			what = "transaction ended early (only storage calls may be awaited inside a transaction)"
		}
		t.err = storageError(what, cause)
	}
	t.abort()
}

// abort rolls the transaction back; one that already ended stays as it is.
func (t *txn) abort() {
	func() {
		var err error
		defer catch(&err)
		t.tx.Call("abort")
	}()
}

// commit issues the pending writes, asks IndexedDB to commit and waits for
// the outcome.
func (t *txn) commit() error {
	if err := t.flush(); err != nil {
		<-t.end
		return err
	}
	if canCommit {
		// Starts the commit without waiting for the event loop; it throws
		// only when the transaction has already finished, which the end
		// event below reports.
		func() {
			var err error
			defer catch(&err)
			t.tx.Call("commit")
		}()
	}
	if <-t.end {
		return nil
	}
	if t.err != nil {
		return t.err
	}
	cause := error(ErrAbort)
	if e := t.tx.Get("error"); e.Truthy() {
		cause = domError(e)
	}
	return storageError("transaction aborted", cause)
}

// jsonValue reads a JS value (a request result) as a value.Value by way of
// one JSON string; ok is false for undefined and null.
func jsonValue(v js.Value) (value.Value, bool, error) {
	if v.IsUndefined() || v.IsNull() {
		return value.Value{}, false, nil
	}
	s := jsJSON.Call("stringify", v)
	if s.Type() != js.TypeString {
		return value.Value{}, false, nil
	}
	x, err := value.ParseString(s.String())
	if err != nil {
		return value.Value{}, false, storageError("decode stored value", err)
	}
	return x, true, nil
}

// metaKey is the key of a meta record.
func metaKey(typ, key string) js.Value { return js.ValueOf([]any{typ, key}) }

// metaType is the key range of every meta record of one type: arrays sort
// after strings, so [typ, []] is above every [typ, "<key>"].
func metaType(typ string) js.Value {
	return jsKeyRange.Call("bound", js.ValueOf([]any{typ}), js.ValueOf([]any{typ, jsArray.New()}))
}
