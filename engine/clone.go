package engine

import (
	"context"
	"sort"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// fullModePageSize is the page size at and above which a table is cloned in
// full mode, and the page size after a full response with a next marker.
const fullModePageSize = 1000

// cloneJob is one queued clone run (§12.6).
type cloneJob struct {
	tables         []string
	background     bool // background phase: sync_failed carries operation
	boot           bool // boot phase: the boot pull follows, so no pull request
	auto           bool // automatic: skipped while stopped or offline
	all            bool // cloneNow: ready tables are cloned again
	onlyNotStarted bool // the online retry: only notStarted tables
	done           chan error
}

// cloneTable is the progress of one table within a run.
type cloneTable struct {
	name    string
	start   HydrationState
	page    bool
	size    int
	afterID *string
	lowest  int64 // lowest cursor seen in this clone
	highest int64
	seen    bool
	done    bool
	cursor  string
}

// cloneRun runs one clone run; every request with its application is a lane
// unit, the first one also choosing the tables and marking them hydrating.
func (s *syncer) cloneRun(ctx context.Context, j *cloneJob) error {
	var tables []*cloneTable
	err := s.unit(ctx, nil, func() error {
		var err error
		if tables, err = s.cloneBegin(ctx, j); err != nil || len(tables) == 0 {
			return err
		}
		return s.cloneFull(ctx, tables)
	})
	if err == nil && len(tables) > 0 {
		err = s.clonePages(ctx, tables)
	}
	if len(tables) == 0 && err == nil {
		return nil
	}
	if err != nil {
		if !isAborted(err) {
			s.cloneFailed(ctx, j, tables, err)
		}
		return err
	}
	names := make([]string, len(tables))
	cursors := map[string]string{}
	for i, t := range tables {
		names[i] = t.name
		cursors[t.name] = t.cursor
	}
	s.applied(obj(kv{"phase", value.Str("clone")}, kv{"resources", strs(names)}, kv{"cursors", cursorObj(cursors)}))
	if !j.boot {
		s.post(func() { s.requestPull(true, nil) })
	}
	return nil
}

// cloneBegin chooses the run's tables, fires sync_started and sets them
// hydrating (§12.6 steps 1-3).
func (s *syncer) cloneBegin(ctx context.Context, j *cloneJob) ([]*cloneTable, error) {
	var tables []*cloneTable
	names := append([]string(nil), j.tables...)
	sort.Strings(names)
	err := s.c.view(ctx, func(tx ReadTx) error {
		for _, n := range names {
			h, err := tx.Hydration(n)
			if err != nil {
				return err
			}
			if (h == Ready && !j.all) || (j.onlyNotStarted && h != NotStarted) {
				continue
			}
			t := &cloneTable{name: n, start: h, size: s.c.cfg.Hydration.PageSize(n)}
			if p, ok, err := tx.CloneProgress(n); err != nil {
				return err
			} else if ok {
				after := p.AfterID
				t.page, t.afterID, t.size = true, &after, min(t.size, fullModePageSize)
				t.lowest, t.highest, t.seen = cursorInt(p.Cursor), cursorInt(p.Cursor), true
			} else {
				t.page = t.size < fullModePageSize
			}
			tables = append(tables, t)
		}
		return nil
	})
	if err != nil || len(tables) == 0 {
		return nil, err
	}
	names = names[:0]
	for _, t := range tables {
		names = append(names, t.name)
	}
	s.c.emit(protocol.Event{Type: protocol.EventSyncStarted,
		Context: obj(kv{"phase", value.Str("clone")}, kv{"resources", strs(names)})})
	return tables, s.setStates(ctx, tables, func(t *cloneTable) HydrationState { return Hydrating }, false)
}

// setStates stores a state per table (nil: leave it) and fires
// hydration_changed for each change after the commit.
func (s *syncer) setStates(ctx context.Context, tables []*cloneTable, state func(*cloneTable) HydrationState,
	dropProgressOfReady bool) error {
	var changed []protocol.Event
	err := s.c.update(ctx, func(tx *cacheTx) error {
		changed = changed[:0]
		for _, t := range tables {
			to := state(t)
			if to == "" {
				continue
			}
			from, err := tx.Hydration(t.name)
			if err != nil {
				return err
			}
			if err := tx.SetHydration(t.name, to); err != nil {
				return err
			}
			if dropProgressOfReady && to == Ready {
				if err := tx.DeleteCloneProgress(t.name); err != nil {
					return err
				}
			}
			if from != to {
				changed = append(changed, hydrationEvent(t.name, from, to))
			}
		}
		return nil
	})
	if err == nil {
		for _, ev := range changed {
			s.c.emit(ev)
		}
	}
	return err
}

// cloneFull requests the full-mode tables together (§12.6 step 4).
func (s *syncer) cloneFull(ctx context.Context, tables []*cloneTable) error {
	var full []*cloneTable
	var names []string
	for _, t := range tables {
		if !t.page {
			full, names = append(full, t), append(names, t.name)
		}
	}
	if len(full) == 0 {
		return nil
	}
	res, err := s.cloneRequest(ctx, protocol.CloneRequest{ClientID: s.c.clientID, Tables: names, IncludeJoins: true})
	if err != nil {
		return err
	}
	for _, t := range full {
		if err := s.checkCloneCursor(ctx, t, res); err != nil {
			return err
		}
	}
	for _, t := range full {
		next := res.Next[t.name]
		if err := s.applyClonePage(ctx, t, res, nil, next); err != nil {
			return err
		}
		if next != nil {
			t.page, t.size, t.afterID = true, fullModePageSize, next
		}
	}
	return nil
}

// clonePages runs the page-mode tables one after another in name order
// (§12.6 step 5), each page its own lane unit.
func (s *syncer) clonePages(ctx context.Context, tables []*cloneTable) error {
	for _, t := range tables {
		for t.page && !t.done {
			err := s.unit(ctx, nil, func() error {
				req := protocol.CloneRequest{ClientID: s.c.clientID, Tables: []string{t.name}, IncludeJoins: true,
					Page: &protocol.ClonePage{Table: t.name, AfterID: t.afterID, Limit: t.size}}
				res, err := s.cloneRequest(ctx, req)
				if err != nil {
					return err
				}
				if err := s.checkCloneCursor(ctx, t, res); err != nil {
					return err
				}
				next := res.Next[t.name]
				if err := s.applyClonePage(ctx, t, res, t.afterID, next); err != nil {
					return err
				}
				t.afterID = next
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *syncer) cloneRequest(ctx context.Context, req protocol.CloneRequest) (protocol.CloneResult, error) {
	rctx, cancel := s.c.reqCtx(ctx)
	defer cancel()
	return s.c.transport.Clone(rctx, req)
}

// checkCloneCursor refuses a cursor lower than the stored one or than an
// earlier page's (§12.6 step 6.1, D8); the lowest one is kept (D23).
func (s *syncer) checkCloneCursor(ctx context.Context, t *cloneTable, res protocol.CloneResult) error {
	c, ok := protocol.ParseCursor(res.Cursors[t.name])
	if !ok {
		return errShape()
	}
	var stored string
	if err := s.c.view(ctx, func(tx ReadTx) error {
		cur, err := tx.Cursors()
		stored = cur[t.name]
		return err
	}); err != nil {
		return err
	}
	if c < cursorInt(stored) || (t.seen && c < t.highest) {
		return nonMonotonic(t.name)
	}
	if !t.seen || c < t.lowest {
		t.lowest = c
	}
	t.highest, t.seen = max(t.highest, c), true
	return nil
}
