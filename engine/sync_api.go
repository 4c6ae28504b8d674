package engine

import (
	"context"
	"sort"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Sync is client.sync (§12.1, §12.12, §12.13).
type Sync struct{ c *Client }

// Sync returns client.sync.
func (c *Client) Sync() Sync { return Sync{c} }

// Start is client.sync.start() (§12.1).
func (s Sync) Start(ctx context.Context) error {
	if err := s.c.enter(); err != nil {
		return err
	}
	defer s.c.leave(ctx)
	return s.c.sync.Start(ctx)
}

// Stop is client.sync.stop().
func (s Sync) Stop() {
	if s.c.enter() != nil {
		return
	}
	defer s.c.leave(context.Background())
	s.c.sync.Stop()
}

// PullNow requests a pull and settles with its outcome (§12.13, D33).
func (s Sync) PullNow(ctx context.Context) error {
	return s.explicit(ctx, func(w chan error) { s.c.sync.requestPull(false, w) })
}

// PushNow runs push cycles until the changelog is empty or a cycle
// acknowledges nothing, whose failure it returns (§12.13).
func (s Sync) PushNow(ctx context.Context) error {
	return s.explicit(ctx, func(w chan error) { s.c.sync.requestPush(false, w) })
}

// CloneNow clones every local resource, ready ones included (§12.13).
func (s Sync) CloneNow(ctx context.Context) error {
	if err := s.c.enter(); err != nil {
		return err
	}
	defer s.c.leave(ctx)
	if !s.c.sync.enabled() {
		return nil
	}
	var all []string
	for _, r := range s.c.localResources() {
		all = append(all, r.Name)
	}
	return s.c.sync.awaitClone(ctx, &cloneJob{tables: all, all: true})
}

func (s Sync) explicit(ctx context.Context, request func(w chan error)) error {
	if err := s.c.enter(); err != nil {
		return err
	}
	defer s.c.leave(ctx)
	if !s.c.sync.enabled() {
		return nil
	}
	return s.c.sync.await(ctx, request)
}

// StatusError is status().lastError.
type StatusError struct {
	Code    protocol.Code `json:"code"`
	Message string        `json:"message"`
	Phase   string        `json:"phase"`
}

// Status is the result of client.sync.status() (§12.12).
type Status struct {
	IsOnline  bool                      `json:"isOnline"`
	Running   bool                      `json:"running"`
	Pending   int                       `json:"pending"`
	Hydration map[string]HydrationState `json:"hydration"`
	Cursors   map[string]string         `json:"cursors"`
	LastError *StatusError              `json:"lastError"`
}

// Status is client.sync.status().
func (s Sync) Status(ctx context.Context) (Status, error) {
	st := Status{Hydration: map[string]HydrationState{}, Cursors: map[string]string{}}
	if err := s.c.enter(); err != nil {
		return st, err
	}
	defer s.c.leave(ctx)
	sy := s.c.sync
	sy.ask(func() {
		st.IsOnline, st.Running = sy.online, sy.running
		if sy.lastError != nil {
			e := *sy.lastError
			st.LastError = &e
		}
	})
	if s.c.store == nil {
		return st, nil
	}
	err := s.c.view(ctx, func(tx ReadTx) error {
		var err error
		if st.Pending, err = tx.ChangelogCount(); err != nil {
			return err
		}
		if st.Cursors, err = tx.Cursors(); err != nil {
			return err
		}
		for _, r := range s.c.localResources() {
			if st.Hydration[r.Name], err = tx.Hydration(r.Name); err != nil {
				return err
			}
		}
		return nil
	})
	return st, err
}

// setLastError records a sync_failed for status() before the event fires,
// so a handler that asks for the status sees it.
func (s *syncer) failed(phase string, err error, extra ...kv) {
	pe := protocol.As(err)
	s.post(func() { s.lastError = &StatusError{Code: pe.Code, Message: pe.Message, Phase: phase} })
	keys := []string{"phase", "error"}
	vals := []value.Value{value.Str(phase), obj(kv{"code", value.Str(string(pe.Code))}, kv{"message", value.Str(pe.Message)})}
	for _, e := range extra {
		keys, vals = append(keys, e.k), append(vals, e.v)
	}
	s.c.emit(protocol.Event{Type: protocol.EventSyncFailed, Context: value.Obj(keys, vals)})
}

// applied clears lastError and fires sync_applied with ctx.
func (s *syncer) applied(ctx value.Value) {
	s.post(func() { s.lastError = nil })
	s.c.emit(protocol.Event{Type: protocol.EventSyncApplied, Context: ctx})
}

// kv is one member of an event context object.
type kv struct {
	k string
	v value.Value
}

func obj(members ...kv) value.Value {
	keys := make([]string, len(members))
	vals := make([]value.Value, len(members))
	for i, m := range members {
		keys[i], vals[i] = m.k, m.v
	}
	return value.Obj(keys, vals)
}

func strs(list []string) value.Value {
	out := make([]value.Value, len(list))
	for i, s := range list {
		out[i] = value.Str(s)
	}
	return value.Arr(out)
}

func sortedStrs(list []string) value.Value {
	c := append([]string(nil), list...)
	sort.Strings(c)
	return strs(c)
}

func cursorObj(m map[string]string) value.Value {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vals := make([]value.Value, len(keys))
	for i, k := range keys {
		vals[i] = value.Str(m[k])
	}
	return value.Obj(keys, vals)
}

func connectivityEvent(online bool) protocol.Event {
	return protocol.Event{Type: protocol.EventConnectivityChanged, Context: obj(kv{"isOnline", value.Boolean(online)})}
}

func hydrationEvent(resource string, from, to HydrationState) protocol.Event {
	return protocol.Event{Type: protocol.EventHydrationChanged, Resource: resource,
		Context: obj(kv{"from", value.Str(string(from))}, kv{"to", value.Str(string(to))})}
}
