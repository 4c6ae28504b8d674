//go:build js && wasm

package idb

import (
	"errors"
	"math"
	"strconv"
	"syscall/js"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/value"
)

// writeTx implements engine.WriteTx. Every write appends one element to the
// transaction's JSON buffer; flush hands the buffer to JavaScript with one
// JSON.parse and issues the puts and deletes without waiting for them.
// Their failures abort the transaction, which commit reports.
type writeTx struct {
	readTx
	lastSeq int64 // highest seq assigned so far, -1 until read
}

type opKind uint8

const (
	opPut           opKind = iota // store.put(element)
	opDelete                      // store.delete(element)
	opDeleteThrough               // store.delete(IDBKeyRange.upperBound(element))
)

type bufOp struct {
	store string
	kind  opKind
	start int // offset in t.buf of the element's wrapper
}

// queue starts the next element of the buffer and records its operation;
// the caller appends the element's JSON to t.buf. Each element is wrapped
// in an array, the argument list of its request (see flush): the buffer
// holds `[e0],[e1],...,[en` until flush closes it.
func (t *txn) queue(store string, kind opKind) {
	if len(t.buf) > 0 {
		t.buf = append(t.buf, "],"...)
	}
	t.ops = append(t.ops, bufOp{store: store, kind: kind, start: len(t.buf)})
	t.buf = append(t.buf, '[')
}

// flushChunk is how many buffered writes one event-loop task issues: a
// clone page or pull window of thousands of rows is issued in several
// tasks, so the page stays responsive (no task much above 50 ms).
const flushChunk = 100

var jsApply = js.Global().Get("Function").Get("prototype").Get("apply")

// flush issues the buffered writes, a chunk per JSON.parse. A run of
// writes of one kind to one store is one call into JavaScript:
// args.map(apply.bind(put, store)) calls store.put(...args[i]) for each
// element, with no crossing per row. After
// each chunk but the first, flush waits for the last request of the chunk
// before (the transaction stays active: a request is pending), which lets
// the event loop run while IndexedDB works on the earlier writes.
func (t *txn) flush() (err error) {
	if t.err != nil {
		return t.err
	}
	if len(t.ops) == 0 {
		return nil
	}
	defer func() {
		if err != nil {
			t.fail(err)
			err = t.err
		}
	}()
	buf := append(t.buf, ']')
	ops := t.ops
	t.buf, t.ops = t.buf[:0], t.ops[:0]
	var pending js.Value // the last request of the previous chunk
	for i := 0; i < len(ops); {
		end := min(i+flushChunk, len(ops))
		// The chunk's elements, parsed with the chunk.
		stop := len(buf)
		if end < len(ops) {
			stop = ops[end].start - 1 // before the separating comma
		}
		src := "[" + string(buf[ops[i].start:stop]) + "]"
		var last js.Value
		if err := jsCall(func() { last = t.issueWrites(jsJSON.Call("parse", src), ops[i:end]) }); err != nil {
			if e := t.tx.Get("error"); e.Truthy() {
				// An earlier chunk failed and aborted the transaction
				// while flush waited: report that, not the refused issue.
				return domError(e)
			}
			return err
		}
		if !pending.IsUndefined() {
			if err := t.await(pending); err != nil {
				return err
			}
		}
		pending, i = last, end
	}
	return nil
}

// issueWrites issues ops, whose arguments are the elements of arr, and
// returns the last request.
func (t *txn) issueWrites(arr js.Value, ops []bufOp) js.Value {
	var last js.Value
	for i := 0; i < len(ops); {
		op := ops[i]
		j := i + 1
		for j < len(ops) && ops[j].store == op.store && ops[j].kind == op.kind {
			j++
		}
		st := t.store(op.store)
		switch op.kind {
		case opDeleteThrough:
			for k := i; k < j; k++ {
				last = st.Call("delete", jsKeyRange.Call("upperBound", arr.Index(k).Index(0)))
			}
		default:
			method := "put"
			if op.kind == opDelete {
				method = "delete"
			}
			reqs := arr.Call("slice", i, j).Call("map", jsApply.Call("bind", st.Get(method), st))
			last = reqs.Index(j - i - 1)
		}
		i = j
	}
	return last
}

// await waits for the outcome of one request issued by flush.
func (t *txn) await(req js.Value) error {
	if err := jsCall(func() {
		req.Set("onsuccess", t.onReq)
		req.Set("onerror", t.onReq)
	}); err != nil {
		return err
	}
	ev := <-t.events
	if ev.Get("type").String() != "success" {
		return t.requestError(ev.Get("target"))
	}
	return nil
}

// jsCall runs fn, turning a JavaScript exception into an error.
func jsCall(fn func()) (err error) {
	defer catch(&err)
	fn()
	return nil
}

// putMeta buffers the meta record {type, key, value}.
func (t *txn) putMeta(typ, key string, v value.Value) {
	t.queue(metaStore, opPut)
	t.buf = append(t.buf, `{"type":`...)
	t.buf = value.AppendString(t.buf, typ)
	t.buf = append(t.buf, `,"key":`...)
	t.buf = value.AppendString(t.buf, key)
	t.buf = append(t.buf, `,"value":`...)
	t.buf = value.AppendJSON(t.buf, v)
	t.buf = append(t.buf, '}')
}

// deleteMeta buffers the removal of the meta record [typ, key].
func (t *txn) deleteMeta(typ, key string) {
	t.queue(metaStore, opDelete)
	t.buf = append(t.buf, '[')
	t.buf = value.AppendString(t.buf, typ)
	t.buf = append(t.buf, ',')
	t.buf = value.AppendString(t.buf, key)
	t.buf = append(t.buf, ']')
}

// fault reports (and consumes) an injected failure of op.
func (w *writeTx) fault(op string) error {
	if !w.s.takeFault(op) {
		return nil
	}
	if op == "changelogAppend" {
		return engine.ErrAppendFailed(errInjected)
	}
	return engine.StorageError("storage."+op, op+" failed", errInjected)
}

func (w *writeTx) PutRow(resource string, row value.Value) error {
	if err := w.fault("putRow"); err != nil {
		return err
	}
	if err := w.checkResource(resource); err != nil {
		return err
	}
	if row.Kind() != value.Object || row.Get("id").Kind() != value.String {
		return engine.StorageError("storage.putRow", "row must be an object with a string id", nil)
	}
	w.queue(resource, opPut)
	w.buf = value.AppendJSON(w.buf, row)
	return w.flushFull()
}

// autoFlush is the number of buffered writes at which a row write issues
// them: the caller's loop over a large page then runs in several
// event-loop tasks, since flush waits between chunks.
const autoFlush = 1000

func (w *writeTx) flushFull() error {
	if len(w.ops) < autoFlush {
		return nil
	}
	return w.flush()
}

func (w *writeTx) DeleteRow(resource, id string) error {
	if err := w.fault("deleteRow"); err != nil {
		return err
	}
	if err := w.checkResource(resource); err != nil {
		return err
	}
	w.queue(resource, opDelete)
	w.buf = value.AppendString(w.buf, id)
	return w.flushFull()
}

func (w *writeTx) SetCursor(key, cursor string) error {
	if err := w.fault("setCursor"); err != nil {
		return err
	}
	w.putMeta(metaCursor, key, value.Str(cursor))
	return nil
}

func (w *writeTx) SetHydration(resource string, s engine.HydrationState) error {
	if err := w.fault("setHydrationState"); err != nil {
		return err
	}
	cur, err := w.Hydration(resource)
	if err != nil {
		return err
	}
	if err := engine.CheckHydrationTransition(cur, s); err != nil {
		return err
	}
	if cur != s {
		w.putMeta(metaHydration, resource, value.Str(string(s)))
	}
	return nil
}

func (w *writeTx) ResetHydration(resource string) error {
	w.putMeta(metaHydration, resource, value.Str(string(engine.NotStarted)))
	return nil
}

func (w *writeTx) SetCloneProgress(resource string, p engine.CloneProgress) error {
	if err := w.fault("setCloneProgress"); err != nil {
		return err
	}
	w.putMeta(metaClone, resource, value.Obj([]string{"afterId", "cursor"},
		[]value.Value{value.Str(p.AfterID), value.Str(p.Cursor)}))
	return nil
}

func (w *writeTx) DeleteCloneProgress(resource string) error {
	w.deleteMeta(metaClone, resource)
	return nil
}

func restoreKey(k engine.RestoreKey) string { return k.Resource + "/" + k.ID }

func (w *writeTx) AddRestore(k engine.RestoreKey) error {
	if err := w.fault("addRestore"); err != nil {
		return err
	}
	w.putMeta(metaRestore, restoreKey(k), value.Obj([]string{"resource", "id"},
		[]value.Value{value.Str(k.Resource), value.Str(k.ID)}))
	return nil
}

func (w *writeTx) RemoveRestore(k engine.RestoreKey) error {
	w.deleteMeta(metaRestore, restoreKey(k))
	return nil
}

func (w *writeTx) SetEpochs(cloneEpoch, caughtUpEpoch int64) error {
	if err := w.fault("setEpochs"); err != nil {
		return err
	}
	w.putMeta(metaSync, "cloneEpoch", value.Num(float64(cloneEpoch)))
	w.putMeta(metaSync, "caughtUpEpoch", value.Num(float64(caughtUpEpoch)))
	return nil
}

func (w *writeTx) GetOrCreateClientID(newID string) (string, error) {
	id, ok, err := w.ClientID()
	if err != nil || ok {
		return id, err
	}
	if err := w.fault("clientId"); err != nil {
		return "", err
	}
	w.putMeta(metaClient, "clientId", value.Str(newID))
	return newID, nil
}

func (w *writeTx) ChangelogAck(throughSeq float64) error {
	if err := w.fault("changelogAck"); err != nil {
		return err
	}
	if throughSeq != math.Trunc(throughSeq) || math.IsInf(throughSeq, 0) {
		return engine.ErrThroughSeq()
	}
	w.queue(changelogStore, opDeleteThrough)
	w.buf = value.AppendNumber(w.buf, throughSeq)
	return nil
}

// ChangelogAppend looks the pair up in by_client_mutation and otherwise
// stores e with the next seq. The next seq is 1 + the larger of the
// lastSeq meta record and the highest key in the store, read once per
// transaction, so neither an emptied store nor a reset key generator can
// make a seq come back (§11.5, LM-6).
func (w *writeTx) ChangelogAppend(e engine.ChangelogEntry) (engine.ChangelogEntry, error) {
	if err := w.fault("changelogAppend"); err != nil {
		return engine.ChangelogEntry{}, err
	}
	if e.ClientID == "" || e.MutationID == "" {
		return engine.ChangelogEntry{}, engine.ErrAppendFailed(errors.New("clientId and mutationId are required"))
	}
	// For a Fresh entry the caller knows there is nothing to find (the
	// unique index still refuses a duplicate); with the seq known the
	// append then waits for nothing.
	var calls []call
	if !e.Fresh {
		calls = append(calls, findCall(e.ClientID, e.MutationID))
	}
	if w.lastSeq < 0 {
		calls = append(calls,
			call{store: metaStore, method: "get", args: []any{metaKey(metaChangelog, keyLastSeq)}},
			call{store: changelogStore, method: "openKeyCursor", args: []any{nil, "prev"}})
	}
	if len(calls) > 0 {
		res, err := w.do(calls...)
		if err != nil {
			return engine.ChangelogEntry{}, err
		}
		if !e.Fresh {
			if old, ok, err := jsonValue(res[0]); err != nil || ok {
				return entryFromValue(old), err
			}
			res = res[1:]
		}
		if w.lastSeq < 0 {
			w.lastSeq = recordInt(res[0])
			if cur := res[1]; cur.Truthy() {
				w.lastSeq = max(w.lastSeq, int64(cur.Get("key").Float()))
			}
		}
	}
	w.lastSeq++
	e.Seq = w.lastSeq
	w.queue(changelogStore, opPut)
	w.buf = appendEntry(w.buf, e)
	w.putMeta(metaChangelog, keyLastSeq, value.Num(float64(e.Seq)))
	return e, nil
}

// appendEntry appends the stored form of a changelog entry (§11.5).
func appendEntry(dst []byte, e engine.ChangelogEntry) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendInt(dst, e.Seq, 10)
	dst = append(dst, `,"clientId":`...)
	dst = value.AppendString(dst, e.ClientID)
	dst = append(dst, `,"mutationId":`...)
	dst = value.AppendString(dst, e.MutationID)
	dst = append(dst, `,"mutation":`...)
	dst = value.AppendJSON(dst, e.Mutation)
	dst = append(dst, `,"timestampMs":`...)
	dst = strconv.AppendInt(dst, e.TimestampMs, 10)
	if e.UserID != "" {
		dst = append(dst, `,"userId":`...)
		dst = value.AppendString(dst, e.UserID)
	}
	dst = append(dst, `,"timestamp":`...)
	dst = value.AppendString(dst, e.Timestamp)
	return append(dst, '}')
}
