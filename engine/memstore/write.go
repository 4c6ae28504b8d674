package memstore

import (
	"errors"
	"math"
	"sort"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/value"
)

// writeTx records an undo function for every write so that a failed
// transaction can be rolled back completely.
type writeTx struct {
	readTx
	undo []func()
}

var errInjected = errors.New("memstore: injected fault")

// fault reports (and consumes) an injected failure of op.
func (t *writeTx) fault(op string) error {
	if !t.s.faults[op] {
		return nil
	}
	delete(t.s.faults, op)
	if op == "changelogAppend" {
		return engine.ErrAppendFailed(errInjected)
	}
	return engine.StorageError("storage."+op, op+" failed", errInjected)
}

func (t *writeTx) PutRow(resource string, row value.Value) error {
	if err := t.fault("putRow"); err != nil {
		return err
	}
	m, err := t.table(resource)
	if err != nil {
		return err
	}
	id := row.Get("id")
	if row.Kind() != value.Object || id.Kind() != value.String {
		return engine.StorageError("storage.putRow", "row must be an object with a string id", nil)
	}
	t.saveRow(resource, m, id.Str())
	m[id.Str()] = row
	t.s.ids[resource].add(id.Str())
	return nil
}

func (t *writeTx) DeleteRow(resource, id string) error {
	if err := t.fault("deleteRow"); err != nil {
		return err
	}
	m, err := t.table(resource)
	if err != nil {
		return err
	}
	t.saveRow(resource, m, id)
	delete(m, id)
	t.s.ids[resource].remove(id)
	return nil
}

func (t *writeTx) saveRow(resource string, m map[string]value.Value, id string) {
	old, had := m[id]
	ids := t.s.ids[resource]
	t.undo = append(t.undo, func() {
		if had {
			m[id] = old
			ids.add(id)
		} else {
			delete(m, id)
			ids.remove(id)
		}
	})
}

func (t *writeTx) SetCursor(key, cursor string) error {
	if err := t.fault("setCursor"); err != nil {
		return err
	}
	saveMap(t, t.s.cursors, key)
	t.s.cursors[key] = cursor
	return nil
}

func (t *writeTx) SetHydration(resource string, s engine.HydrationState) error {
	if err := t.fault("setHydrationState"); err != nil {
		return err
	}
	cur, _ := t.Hydration(resource)
	if err := engine.CheckHydrationTransition(cur, s); err != nil {
		return err
	}
	saveMap(t, t.s.hydration, resource)
	t.s.hydration[resource] = s
	return nil
}

func (t *writeTx) ResetHydration(resource string) error {
	saveMap(t, t.s.hydration, resource)
	t.s.hydration[resource] = engine.NotStarted
	return nil
}

func (t *writeTx) SetCloneProgress(resource string, p engine.CloneProgress) error {
	if err := t.fault("setCloneProgress"); err != nil {
		return err
	}
	saveMap(t, t.s.progress, resource)
	t.s.progress[resource] = p
	return nil
}

func (t *writeTx) DeleteCloneProgress(resource string) error {
	saveMap(t, t.s.progress, resource)
	delete(t.s.progress, resource)
	return nil
}

func (t *writeTx) AddRestore(k engine.RestoreKey) error {
	if err := t.fault("addRestore"); err != nil {
		return err
	}
	saveMap(t, t.s.restore, k)
	t.s.restore[k] = true
	return nil
}

func (t *writeTx) RemoveRestore(k engine.RestoreKey) error {
	saveMap(t, t.s.restore, k)
	delete(t.s.restore, k)
	return nil
}

func (t *writeTx) SetEpochs(cloneEpoch, caughtUpEpoch int64) error {
	if err := t.fault("setEpochs"); err != nil {
		return err
	}
	oc, ou := t.s.cloneEp, t.s.caughtEp
	t.undo = append(t.undo, func() { t.s.cloneEp, t.s.caughtEp = oc, ou })
	t.s.cloneEp, t.s.caughtEp = cloneEpoch, caughtUpEpoch
	return nil
}

func (t *writeTx) ChangelogAppend(e engine.ChangelogEntry) (engine.ChangelogEntry, error) {
	if err := t.fault("changelogAppend"); err != nil {
		return engine.ChangelogEntry{}, err
	}
	if e.ClientID == "" || e.MutationID == "" {
		return engine.ChangelogEntry{}, engine.ErrAppendFailed(errors.New("clientId and mutationId are required"))
	}
	if old, ok, _ := t.ChangelogFind(e.ClientID, e.MutationID); ok {
		return old, nil
	}
	e.Fresh = false // an append hint, not stored
	// Appending only adds at the end: undoing it is a truncation, so a
	// write costs nothing proportional to the pending entries.
	n, last := len(t.s.changelog), t.s.lastSeq
	k := pairKey{e.ClientID, e.MutationID}
	t.undo = append(t.undo, func() {
		t.s.changelog, t.s.lastSeq = t.s.changelog[:n], last
		delete(t.s.pairs, k)
	})
	t.s.lastSeq++
	e.Seq = t.s.lastSeq
	t.s.changelog = append(t.s.changelog, e)
	t.s.pairs[k] = e.Seq
	return e, nil
}

func (t *writeTx) ChangelogAck(throughSeq float64) error {
	if err := t.fault("changelogAck"); err != nil {
		return err
	}
	if throughSeq != math.Trunc(throughSeq) || math.IsInf(throughSeq, 0) {
		return engine.ErrThroughSeq()
	}
	// The acknowledged entries are a prefix; the kept ones go to a new
	// array, so the old one is the undo snapshot as it is.
	old := t.s.changelog
	cut := sort.Search(len(old), func(i int) bool { return float64(old[i].Seq) > throughSeq })
	for _, e := range old[:cut] {
		delete(t.s.pairs, pairKey{e.ClientID, e.MutationID})
	}
	t.undo = append(t.undo, func() {
		t.s.changelog = old
		for _, e := range old[:cut] {
			t.s.pairs[pairKey{e.ClientID, e.MutationID}] = e.Seq
		}
	})
	t.s.changelog = append([]engine.ChangelogEntry(nil), old[cut:]...)
	return nil
}

func (t *writeTx) GetOrCreateClientID(newID string) (string, error) {
	if t.s.clientID != "" {
		return t.s.clientID, nil
	}
	if err := t.fault("clientId"); err != nil {
		return "", err
	}
	t.undo = append(t.undo, func() { t.s.clientID = "" })
	t.s.clientID = newID
	return newID, nil
}

// saveMap records how to restore key k of m.
func saveMap[K comparable, V any](t *writeTx, m map[K]V, k K) {
	old, had := m[k]
	t.undo = append(t.undo, func() {
		if had {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
}
