//go:build js && wasm

package idb

import (
	"slices"
	"sort"
	"syscall/js"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/value"
)

// readTx implements engine.ReadTx on a transaction; inside Update it sees
// the transaction's own writes because do issues them first.
type readTx struct{ *txn }

// Meta record types of §11.2, plus "changelog" for lastSeq.
const (
	metaClient    = "client"
	metaCursor    = "cursor"
	metaHydration = "hydration"
	metaClone     = "clone"
	metaRestore   = "restore"
	metaSync      = "sync"
	metaChangelog = "changelog"
	keyLastSeq    = "lastSeq"
)

func (t readTx) checkResource(resource string) error {
	if !t.s.resources[resource] {
		return engine.ErrMissingStore(resource)
	}
	return nil
}

// get1 runs one request and returns its result as a value.
func (t readTx) get1(c call) (value.Value, bool, error) {
	res, err := t.do(c)
	if err != nil {
		return value.Value{}, false, err
	}
	return jsonValue(res[0])
}

// metaValue returns the value of one meta record.
func (t readTx) metaValue(typ, key string) (value.Value, bool, error) {
	rec, ok, err := t.get1(call{store: metaStore, method: "get", args: []any{metaKey(typ, key)}})
	return rec.Get("value"), ok, err
}

// metaRecords returns every meta record of one type.
func (t readTx) metaRecords(typ string) ([]value.Value, error) {
	v, _, err := t.get1(call{store: metaStore, method: "getAll", args: []any{metaType(typ)}})
	return v.Elems(), err
}

func (t readTx) Row(resource, id string) (value.Value, bool, error) {
	if err := t.checkResource(resource); err != nil {
		return value.Value{}, false, err
	}
	return t.get1(call{store: resource, method: "get", args: []any{id}})
}

// RowsByID issues one get per id back to back and waits once.
func (t readTx) RowsByID(resource string, ids []string) ([]value.Value, []bool, error) {
	if err := t.checkResource(resource); err != nil {
		return nil, nil, err
	}
	if len(ids) == 0 {
		return nil, nil, nil
	}
	calls := make([]call, len(ids))
	for i, id := range ids {
		calls[i] = call{store: resource, method: "get", args: []any{id}}
	}
	res, err := t.do(calls...)
	if err != nil {
		return nil, nil, err
	}
	rows, found := make([]value.Value, len(ids)), make([]bool, len(ids))
	for i, r := range res {
		if rows[i], found[i], err = jsonValue(r); err != nil {
			return nil, nil, err
		}
	}
	return rows, found, nil
}

// Rows reads the whole store with one getAll; the array crosses to Go as
// one JSON string.
func (t readTx) Rows(resource string) ([]value.Value, error) {
	if err := t.checkResource(resource); err != nil {
		return nil, err
	}
	v, _, err := t.get1(call{store: resource, method: "getAll"})
	if err != nil {
		return nil, err
	}
	if v.Len() == 0 {
		return []value.Value{}, nil
	}
	return v.Elems(), nil
}

// rowBatch is how many rows one request of RowBatches reads: small enough
// that decoding a batch stays a short event-loop task.
const rowBatch = 1000

// RowBatches reads the store with getAll requests of rowBatch rows, each
// starting after the last key of the one before. The next request is
// issued before the current batch is decoded, so IndexedDB reads while Go
// decodes.
func (t readTx) RowBatches(resource string, fn func([]value.Value) error) (err error) {
	if err := t.checkResource(resource); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	inFlight := false
	next := func(after js.Value) error {
		q := js.Null()
		if !after.IsUndefined() {
			q = jsKeyRange.Call("lowerBound", after, true)
		}
		if _, err := t.issue([]call{{store: resource, method: "getAll", args: []any{q, rowBatch}}}); err != nil {
			t.fail(err)
			return t.err
		}
		inFlight = true
		return nil
	}
	defer func() {
		if inFlight { // fn failed: take the answer nobody waits for
			<-t.events
		}
	}()
	if err := next(js.Undefined()); err != nil {
		return err
	}
	for inFlight {
		ev := <-t.events
		inFlight = false
		req := ev.Get("target")
		if ev.Get("type").String() != "success" {
			t.fail(t.requestError(req))
			return t.err
		}
		arr := req.Get("result")
		n := arr.Length()
		if n == rowBatch {
			if err := next(arr.Index(n - 1).Get("id")); err != nil {
				return err
			}
		}
		if n == 0 {
			break
		}
		v, _, err := jsonValue(arr)
		if err != nil {
			t.fail(err)
			return t.err
		}
		if err := fn(v.Elems()); err != nil {
			return err
		}
	}
	return nil
}

// RowIDs reads the primary keys in the range with one getAllKeys. IndexedDB
// orders keys by UTF-16 code units, which agrees with code point order for
// comparisons against a bound below U+D800 (the first difference decides,
// and a surrogate or any later unit sorts above such a character in both
// orders); with another bound the whole key list is read. The result is
// filtered and sorted in code point order either way.
func (t readTx) RowIDs(resource string, after, hi *string) ([]string, error) {
	if err := t.checkResource(resource); err != nil {
		return nil, err
	}
	if after != nil && hi != nil && *after >= *hi {
		return []string{}, nil
	}
	var args []any
	if belowSurrogates(after) && belowSurrogates(hi) {
		switch {
		case after != nil && hi != nil:
			args = []any{jsKeyRange.Call("bound", *after, *hi, true, false)}
		case after != nil:
			args = []any{jsKeyRange.Call("lowerBound", *after, true)}
		case hi != nil:
			args = []any{jsKeyRange.Call("upperBound", *hi)}
		}
	}
	v, _, err := t.get1(call{store: resource, method: "getAllKeys", args: args})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, v.Len())
	for _, k := range v.Elems() {
		id := k.Str()
		if (after == nil || id > *after) && (hi == nil || id <= *hi) {
			ids = append(ids, id)
		}
	}
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	return ids, nil
}

// belowSurrogates reports whether every character of the bound (nil: none)
// is below U+D800.
func belowSurrogates(s *string) bool {
	if s == nil {
		return true
	}
	for _, r := range *s {
		if r >= 0xD800 {
			return false
		}
	}
	return true
}

func (t readTx) Cursors() (map[string]string, error) {
	recs, err := t.metaRecords(metaCursor)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(recs))
	for _, r := range recs {
		out[r.Get("key").Str()] = r.Get("value").Str()
	}
	return out, nil
}

func (t readTx) Hydration(resource string) (engine.HydrationState, error) {
	v, ok, err := t.metaValue(metaHydration, resource)
	if err != nil || !ok {
		return engine.NotStarted, err
	}
	return engine.HydrationState(v.Str()), nil
}

func (t readTx) CloneProgress(resource string) (engine.CloneProgress, bool, error) {
	v, ok, err := t.metaValue(metaClone, resource)
	if err != nil || !ok {
		return engine.CloneProgress{}, false, err
	}
	return engine.CloneProgress{AfterID: v.Get("afterId").Str(), Cursor: v.Get("cursor").Str()}, true, nil
}

func (t readTx) RestoreSet() ([]engine.RestoreKey, error) {
	recs, err := t.metaRecords(metaRestore)
	if err != nil {
		return nil, err
	}
	out := make([]engine.RestoreKey, 0, len(recs))
	for _, r := range recs {
		v := r.Get("value")
		out = append(out, engine.RestoreKey{Resource: v.Get("resource").Str(), ID: v.Get("id").Str()})
	}
	// IndexedDB orders keys by UTF-16 code units; the contract wants Go's
	// byte order, which differs above the BMP (§11.2).
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (t readTx) Epochs() (int64, int64, error) {
	res, err := t.do(
		call{store: metaStore, method: "get", args: []any{metaKey(metaSync, "cloneEpoch")}},
		call{store: metaStore, method: "get", args: []any{metaKey(metaSync, "caughtUpEpoch")}},
	)
	if err != nil {
		return 0, 0, err
	}
	return recordInt(res[0]), recordInt(res[1]), nil
}

// recordInt is the integer value of a meta record, 0 when there is none.
func recordInt(rec js.Value) int64 {
	if !rec.Truthy() {
		return 0
	}
	v := rec.Get("value")
	if v.Type() != js.TypeNumber {
		return 0
	}
	return int64(v.Float())
}

func (t readTx) Changelog(limit int) ([]engine.ChangelogEntry, error) {
	args := []any{}
	if limit > 0 {
		args = []any{js.Null(), limit}
	}
	v, _, err := t.get1(call{store: changelogStore, method: "getAll", args: args})
	if err != nil {
		return nil, err
	}
	out := make([]engine.ChangelogEntry, v.Len())
	for i, e := range v.Elems() {
		out[i] = entryFromValue(e)
	}
	return out, nil
}

func (t readTx) ChangelogCount() (int, error) {
	res, err := t.do(call{store: changelogStore, method: "count"})
	if err != nil {
		return 0, err
	}
	return res[0].Int(), nil
}

func (t readTx) ChangelogFind(clientID, mutationID string) (engine.ChangelogEntry, bool, error) {
	v, ok, err := t.get1(findCall(clientID, mutationID))
	if err != nil || !ok {
		return engine.ChangelogEntry{}, false, err
	}
	return entryFromValue(v), true, nil
}

func findCall(clientID, mutationID string) call {
	return call{store: changelogStore, index: byClientMut, method: "get", args: []any{js.ValueOf([]any{clientID, mutationID})}}
}

func (t readTx) ClientID() (string, bool, error) {
	v, ok, err := t.metaValue(metaClient, "clientId")
	if err != nil || !ok {
		return "", false, err
	}
	return v.Str(), true, nil
}

// entryFromValue reads a stored changelog entry (§11.5).
func entryFromValue(v value.Value) engine.ChangelogEntry {
	return engine.ChangelogEntry{
		Seq:         int64(v.Get("seq").Num()),
		ClientID:    v.Get("clientId").Str(),
		MutationID:  v.Get("mutationId").Str(),
		Mutation:    v.Get("mutation"),
		TimestampMs: int64(v.Get("timestampMs").Num()),
		UserID:      v.Get("userId").Str(),
		Timestamp:   v.Get("timestamp").Str(),
	}
}
