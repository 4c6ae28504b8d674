package engine

import (
	"context"
	"sort"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// unit runs fn as one unit of the sync lane (§12.10). The first unit of a
// ticket marks it started, so later requests no longer join it.
func (s *syncer) unit(ctx context.Context, t *ticket, fn func() error) error {
	release, err := s.c.deps.Lane.Acquire(ctx)
	if err != nil {
		return errAborted()
	}
	defer release()
	if t != nil {
		t.start()
	}
	return fn()
}

// pullState is what a pull reads at the start of every unit.
type pullState struct {
	ready      []string
	cursors    map[string]string
	cloneEpoch int64
}

func (s *syncer) readPullState(ctx context.Context) (pullState, error) {
	var st pullState
	err := s.c.view(ctx, func(tx ReadTx) error {
		var err error
		if st.cursors, err = tx.Cursors(); err != nil {
			return err
		}
		if st.cloneEpoch, _, err = tx.Epochs(); err != nil {
			return err
		}
		for _, r := range s.c.localResources() {
			h, err := tx.Hydration(r.Name)
			if err != nil {
				return err
			}
			if h == Ready {
				st.ready = append(st.ready, r.Name)
			}
		}
		return nil
	})
	return st, err
}

// pullRun accumulates what one pull reports in its sync_applied.
type pullRun struct {
	cloneEpoch int64
	start      map[string]int64
	end        map[string]int64
	last       map[string]string
	changed    map[string]bool
}

// pull runs one pull (§12.7): up to maxPullIterations units, each reading the
// ready resources and their cursors, requesting a window and applying it.
func (s *syncer) pull(ctx context.Context, t *ticket) error {
	run := &pullRun{start: map[string]int64{}, end: map[string]int64{}, changed: map[string]bool{}}
	empty, done := false, false
	for i := 0; i < s.c.cfg.MaxPullIterations && !done && !empty; i++ {
		first := i == 0
		err := s.unit(ctx, t, func() error {
			st, err := s.readPullState(ctx)
			if err != nil {
				return err
			}
			if first {
				if len(st.ready) == 0 {
					empty = true
					return nil
				}
				run.cloneEpoch = st.cloneEpoch
				for _, r := range st.ready {
					run.start[r] = cursorInt(st.cursors[r])
				}
				s.c.emit(protocol.Event{Type: protocol.EventSyncStarted, Context: obj(kv{"phase", value.Str("pull")})})
			}
			done, err = s.pullWindow(ctx, st, run)
			return err
		})
		if err != nil {
			s.failed("pull", err)
			return err
		}
	}
	if empty {
		return nil
	}
	s.applied(run.appliedContext())
	s.restore(ctx)
	return nil
}

func (s *syncer) pullWindow(ctx context.Context, st pullState, run *pullRun) (bool, error) {
	req := protocol.PullRequest{ClientID: s.c.clientID, Cursors: map[string]string{},
		Limit: s.c.cfg.PullBatchSize, IncludeJoins: true}
	for _, r := range st.ready {
		req.Cursors[r] = orZero(st.cursors[r])
	}
	rctx, cancel := s.c.reqCtx(ctx)
	res, err := s.c.transport.Pull(rctx, req)
	cancel()
	if err != nil {
		return false, err
	}
	if err := s.applyWindow(ctx, st.ready, res, run); err != nil {
		return false, err
	}
	run.last = map[string]string{}
	for _, r := range st.ready {
		if c, ok := res.Cursors[r]; ok {
			run.last[r] = c
		}
	}
	return !res.HasMore, nil
}

func orZero(c string) string {
	if c == "" {
		return "0"
	}
	return c
}

// cursorInt reads a stored cursor ("" or malformed counts as 0).
func cursorInt(c string) int64 {
	n, _ := protocol.ParseCursor(c)
	return n
}

func nonMonotonic(key string) *protocol.Error {
	return protocol.Errorf(protocol.CodeConflict, "cursors."+key, "Non-monotonic cursor")
}

// applyWindow writes one pull window in one transaction (§12.7): cursor
// check, rows, re-application, cursors, and the catch-up on the last window.
func (s *syncer) applyWindow(ctx context.Context, ready []string, res protocol.PullResult, run *pullRun) error {
	inR := map[string]bool{}
	for _, r := range ready {
		inR[r] = true
	}
	return s.c.update(ctx, func(tx *cacheTx) error {
		stored, err := tx.Cursors()
		if err != nil {
			return err
		}
		keys := sortedKeys(res.Cursors)
		for _, k := range keys {
			if inR[k] && cursorInt(res.Cursors[k]) < cursorInt(stored[k]) {
				return nonMonotonic(k)
			}
		}
		// Read before the rows are written, so the read does not wait for
		// the writes (they leave the changelog as it is).
		pending, err := tx.ChangelogCount()
		if err != nil {
			return err
		}
		touched := map[RestoreKey]bool{}
		if err := s.writeWindowRows(tx, inR, res, touched, run); err != nil {
			return err
		}
		if pending > 0 {
			if err := reapplyPending(tx, s.c.schema, touched); err != nil {
				return err
			}
		}
		if err := raiseCursors(tx, stored, res.Cursors, inR, run); err != nil {
			return err
		}
		if res.HasMore {
			return nil
		}
		ce, _, err := tx.Epochs()
		if err != nil {
			return err
		}
		return tx.SetEpochs(ce, run.cloneEpoch)
	})
}

func (s *syncer) writeWindowRows(tx WriteTx, inR map[string]bool, res protocol.PullResult,
	touched map[RestoreKey]bool, run *pullRun) error {
	for r, rows := range res.Records {
		for _, row := range rows {
			if !inR[r] || row.Get("id").Kind() != value.String {
				continue
			}
			if err := tx.PutRow(r, row); err != nil {
				return err
			}
			touched[RestoreKey{r, row.Get("id").Str()}], run.changed[r] = true, true
		}
	}
	for r, rows := range res.Merged {
		for _, patch := range rows {
			id := patch.Get("id")
			if !inR[r] || id.Kind() != value.String {
				continue
			}
			cur, ok, err := tx.Row(r, id.Str())
			if err != nil {
				return err
			}
			if ok {
				patch = mergeKeys(cur, patch)
			}
			if err := tx.PutRow(r, patch); err != nil {
				return err
			}
			touched[RestoreKey{r, id.Str()}], run.changed[r] = true, true
		}
	}
	for r, ids := range res.Deleted {
		for _, id := range ids {
			if !inR[r] {
				continue
			}
			if err := tx.DeleteRow(r, id); err != nil {
				return err
			}
			touched[RestoreKey{r, id}], run.changed[r] = true, true
		}
	}
	return nil
}

// mergeKeys replaces in row every key of patch.
func mergeKeys(row, patch value.Value) value.Value {
	for i, k := range patch.Keys() {
		row = row.With(k, patch.Elems()[i])
	}
	return row
}

// raiseCursors stores every cursor of R that rose and raises the global
// cursor to the largest (§12.7 step 4).
func raiseCursors(tx WriteTx, stored, got map[string]string, inR map[string]bool, run *pullRun) error {
	global := cursorInt(stored[GlobalCursorKey])
	maxSeen := global
	for _, k := range sortedKeys(got) {
		n := cursorInt(got[k])
		if !inR[k] {
			continue
		}
		if n > run.end[k] {
			run.end[k] = n
		}
		if n > cursorInt(stored[k]) || stored[k] == "" {
			if err := tx.SetCursor(k, protocol.FormatCursor(n)); err != nil {
				return err
			}
		}
		maxSeen = max(maxSeen, n)
	}
	if maxSeen > global || (stored[GlobalCursorKey] == "" && maxSeen > 0) {
		return tx.SetCursor(GlobalCursorKey, protocol.FormatCursor(maxSeen))
	}
	return nil
}

func (run *pullRun) appliedContext() value.Value {
	var deltaKeys []string
	var deltaVals []value.Value
	for _, k := range sortedKeys(run.start) {
		if d := run.end[k] - run.start[k]; d > 0 {
			deltaKeys = append(deltaKeys, k)
			deltaVals = append(deltaVals, value.Num(float64(d)))
		}
	}
	var changed []string
	for r := range run.changed {
		changed = append(changed, r)
	}
	return obj(kv{"phase", value.Str("pull")}, kv{"cursors", cursorObj(run.last)},
		kv{"cursorDelta", value.Obj(deltaKeys, deltaVals)}, kv{"resources", sortedStrs(changed)})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
