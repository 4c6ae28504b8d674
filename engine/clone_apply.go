package engine

import (
	"context"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// applyClonePage writes one response for table t in one transaction
// (§12.6 step 6.2): upserts, range removal (D22), re-application, then
// progress or completion. after is the page's afterId (nil: from the start);
// next is the response's next marker for t (nil: the table is complete).
func (s *syncer) applyClonePage(ctx context.Context, t *cloneTable, res protocol.CloneResult, after, next *string) error {
	rows := res.Data[t.name]
	var last *string
	if n := len(rows); n > 0 {
		id := rows[n-1].Get("id").Str()
		last = &id
	}
	hi := last // the covered range ends at the last returned id when more follow
	if next == nil {
		hi = nil
	}
	if r := s.c.schema.Resource(t.name); r != nil && s.c.deps.Announce != nil {
		if err := s.c.ensureResident(ctx, r); err != nil {
			return err
		}
	}
	err := s.c.update(ctx, func(tx *cacheTx) error {
		touched := make(map[RestoreKey]bool, len(rows))
		got := make(map[string]bool, len(rows))
		for _, row := range rows {
			id := row.Get("id")
			if id.Kind() != value.String {
				return errShape()
			}
			got[id.Str()] = true
		}
		// The reads come before the writes are issued, so they do not wait
		// for the writes: the removal does not list the upserted ids, and
		// the writes leave the changelog as it is.
		pending, err := tx.ChangelogCount()
		if err != nil {
			return err
		}
		if err := removeUncovered(tx, t.name, after, hi, got, touched); err != nil {
			return err
		}
		for _, row := range rows {
			touched[RestoreKey{t.name, row.Get("id").Str()}] = true
			if err := tx.PutRow(t.name, row); err != nil {
				return err
			}
		}
		if pending > 0 {
			if err := reapplyPending(tx, s.c.schema, touched); err != nil {
				return err
			}
		}
		if next != nil {
			return tx.SetCloneProgress(t.name, CloneProgress{AfterID: *next, Cursor: protocol.FormatCursor(t.lowest)})
		}
		return completeTable(tx, t)
	})
	if err != nil {
		return err
	}
	if next == nil {
		t.done, t.cursor = true, protocol.FormatCursor(t.lowest)
		s.c.emit(hydrationEvent(t.name, Hydrating, Ready))
	}
	return nil
}

// removeUncovered deletes local rows with after < id <= hi (open ends when
// nil) that the response did not return: the server has none (§7.6).
func removeUncovered(tx WriteTx, resource string, after, hi *string, got map[string]bool, touched map[RestoreKey]bool) error {
	local, err := tx.RowIDs(resource, after, hi)
	if err != nil {
		return err
	}
	for _, id := range local {
		if got[id] {
			continue
		}
		touched[RestoreKey{resource, id}] = true
		if err := tx.DeleteRow(resource, id); err != nil {
			return err
		}
	}
	return nil
}

// completeTable stores the table's cursor (the lowest seen, replacing any
// stored value), raises the global cursor, drops the progress, makes the
// table ready and increments cloneEpoch.
func completeTable(tx WriteTx, t *cloneTable) error {
	cur, err := tx.Cursors()
	if err != nil {
		return err
	}
	if err := tx.SetCursor(t.name, protocol.FormatCursor(t.lowest)); err != nil {
		return err
	}
	if g, ok := cur[GlobalCursorKey]; !ok || t.lowest > cursorInt(g) {
		if err := tx.SetCursor(GlobalCursorKey, protocol.FormatCursor(max(t.lowest, cursorInt(g)))); err != nil {
			return err
		}
	}
	if err := tx.DeleteCloneProgress(t.name); err != nil {
		return err
	}
	if err := tx.SetHydration(t.name, Ready); err != nil {
		return err
	}
	ce, cu, err := tx.Epochs()
	if err != nil {
		return err
	}
	return tx.SetEpochs(ce+1, cu)
}

// cloneFailed resets the tables that did not complete (§12.6 step 8) and
// fires one sync_failed.
func (s *syncer) cloneFailed(ctx context.Context, j *cloneJob, tables []*cloneTable, err error) {
	var open []string
	var reset []*cloneTable
	for _, t := range tables {
		if !t.done {
			open = append(open, t.name)
			reset = append(reset, t)
		}
	}
	_ = s.setStates(ctx, reset, func(t *cloneTable) HydrationState {
		if t.start == Ready {
			return Ready
		}
		return NotStarted
	}, true)
	extra := []kv{{"tables", strs(open)}}
	if j.background {
		extra = append(extra, kv{"operation", value.Str("background")})
	}
	s.failed("clone", err, extra...)
}
