package engine

import (
	"context"
	"math"
	"time"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// pushBatch is the batch of one push cycle (§12.8.2 steps 2-6).
type pushBatch struct {
	read      int              // entries read (up to pushBatchSize)
	entries   []ChangelogEntry // the same-clientId prefix
	muts      []*mutation
	bodies    []value.Value // sanitized mutations, parallel to entries
	coveredBy []int         // index of the covering delete, or -1
	clientID  string
}

// The outcome of one batch entry (§12.8.2 step 9).
type entryOutcome int

const (
	outOpen entryOutcome = iota
	outApplied
	outTerminal
	outCovered
)

// pushCycle runs one push cycle and reports its outcome to the loop.
func (s *syncer) pushCycle(ctx context.Context, t *ticket) pushOutcome {
	if s.hasRestores(ctx) {
		_ = s.restore(ctx) // a failed restore stays in the set (§12.9 step 3)
	}
	var b *pushBatch
	prep := func() error {
		var err error
		b, err = s.readBatch(ctx)
		if err != nil || b == nil {
			return err
		}
		s.c.emit(protocol.Event{Type: protocol.EventSyncStarted,
			Context: obj(kv{"phase", value.Str("push")}, kv{"pendingCount", value.Num(float64(b.read))})})
		return nil
	}
	sent := func() []value.Value { return b.sentBodies() }
	att := s.sendWithRetries(ctx, t, prep, sent, func() bool { return b == nil })
	if b == nil {
		att.release()
		if att.err != nil {
			return pushOutcome{err: att.err}
		}
		return pushOutcome{empty: true}
	}
	return s.finishCycle(ctx, b, att)
}

// readBatch reads the pending entries and builds the sanitized, compacted
// batch; nil when nothing is pending.
func (s *syncer) readBatch(ctx context.Context) (*pushBatch, error) {
	var b *pushBatch
	err := s.c.view(ctx, func(tx ReadTx) error {
		entries, err := tx.Changelog(s.c.cfg.PushBatchSize)
		if err != nil || len(entries) == 0 {
			return err
		}
		b = &pushBatch{read: len(entries)}
		for _, e := range entries {
			m := entryMutation(e)
			if len(b.entries) > 0 && m.clientID != b.clientID {
				break
			}
			b.clientID = m.clientID
			b.entries = append(b.entries, e)
			b.muts = append(b.muts, m)
			b.bodies = append(b.bodies, sanitize(s.c.schema, e, m))
			b.coveredBy = append(b.coveredBy, -1)
		}
		if err := b.compact(tx, s.doubts.coveredBy); err != nil {
			return err
		}
		s.doubts.markCovered(b)
		return nil
	})
	return b, err
}

// sanitize prepares a mutation for sending (§12.8.2 step 5).
func sanitize(s *schema.Schema, e ChangelogEntry, m *mutation) value.Value {
	v := m.raw.With("clientId", value.Str(m.clientID)).With("mutationId", value.Str(e.MutationID))
	res := s.Resource(m.resource)
	if res == nil || m.record.Kind() != value.Object {
		return v
	}
	var keys []string
	var vals []value.Value
	for i, k := range m.record.Keys() {
		if fi := res.FieldIndex(k); fi >= 0 && !res.Fields[fi].ReadOnly {
			keys, vals = append(keys, k), append(vals, m.record.Elems()[i])
		}
	}
	rec := value.Obj(keys, vals)
	if m.op == OpInsert || m.op == OpReplace {
		for i := range res.Fields {
			f := &res.Fields[i]
			if !f.ReadOnly && !f.Default.IsAbsent() && rec.Get(f.Name).IsAbsent() {
				rec = rec.With(f.Name, f.Default)
			}
		}
	}
	return v.With("record", rec)
}

// compact leaves out writes covered by a later delete of a row that does
// not exist locally (§12.8.2 step 6), and writes that an earlier request
// left out as covered by a delete of this batch (see doubts).
func (b *pushBatch) compact(tx ReadTx, coveredBefore func(mutationID string) (string, bool)) error {
	at := make(map[string]int, len(b.muts))
	for i, m := range b.muts {
		at[m.mutationID] = i
	}
	for i, m := range b.muts {
		if del, ok := coveredBefore(m.mutationID); ok {
			if d, in := at[del]; in && d > i {
				b.coveredBy[i] = d
			}
		}
	}
	for d, m := range b.muts {
		if m.op != OpDelete {
			continue
		}
		if _, ok, err := tx.Row(m.resource, m.id); err != nil {
			if pe, isPE := err.(*protocol.Error); isPE && pe.Code == protocol.CodeInvalid {
				continue // a resource without a store is sent as it is
			}
			return err
		} else if ok {
			continue
		}
		for i := 0; i < d; i++ {
			o := b.muts[i]
			if b.coveredBy[i] < 0 && o.op != OpDelete && o.resource == m.resource && o.id == m.id {
				b.coveredBy[i] = d
			}
		}
	}
	return nil
}

func (b *pushBatch) sentBodies() []value.Value {
	var out []value.Value
	for i, body := range b.bodies {
		if b.coveredBy[i] < 0 {
			out = append(out, body)
		}
	}
	return out
}

// attempts is the result of sending one body with retries.
type attempts struct {
	res     *protocol.PushResult // the last attempt's result, if any
	err     error                // the last attempt's failure, when no result
	n       int                  // attempts made
	ranOut  bool                 // every attempt failed
	release func()               // releases the lane held by the last attempt
}

// sendWithRetries sends up to 1+pushMaxRetries attempts (§12.8.3). Each
// attempt is a lane unit; the lane is kept after the last one (the caller
// acknowledges in that unit) and released while waiting between attempts.
// prep runs inside the first unit; skip reports that there is nothing to send.
func (s *syncer) sendWithRetries(ctx context.Context, t *ticket, prep func() error, bodies func() []value.Value,
	skip func() bool) attempts {
	maxN := 1 + s.c.cfg.PushMaxRetries
	for n := 1; ; n++ {
		release, err := s.c.deps.Lane.Acquire(ctx)
		if err != nil {
			return attempts{err: errAborted(), n: n, release: func() {}}
		}
		if t != nil {
			t.start()
		}
		if n == 1 && prep != nil {
			if err := prep(); err != nil || skip() {
				return attempts{err: err, release: release}
			}
		}
		rctx, cancel := s.c.reqCtx(ctx)
		res, err := s.c.transport.Push(rctx, protocol.PushRequest{ClientID: s.batchClient(bodies()), Mutations: bodies()})
		cancel()
		if err != nil {
			s.doubts.mark(mutationIDs(bodies())...)
		}
		ok := err == nil && (res.OK || anyTerminal(res))
		if ok || n == maxN || isAborted(err) {
			a := attempts{err: err, n: n, ranOut: !ok && !isAborted(err), release: release}
			if err == nil {
				a.res = &res
			}
			return a
		}
		release()
		d := retryDelay(s.c.cfg.PushRetryBackoff, n, s.c.deps.Random())
		d = msDuration(math.Round(float64(d) / 1e6))
		s.c.emit(protocol.Event{Type: protocol.EventSyncRetry, Context: obj(kv{"phase", value.Str("push")},
			kv{"attempt", value.Num(float64(n))}, kv{"delayMs", value.Num(float64(d.Milliseconds()))})})
		if !s.wait(ctx, d) {
			return attempts{err: errAborted(), n: n, release: func() {}}
		}
	}
}

func mutationIDs(bodies []value.Value) []string {
	ids := make([]string, len(bodies))
	for i, b := range bodies {
		ids[i] = b.Get("mutationId").Str()
	}
	return ids
}

func (s *syncer) batchClient(bodies []value.Value) string {
	if len(bodies) > 0 {
		if id := bodies[0].Get("clientId").Str(); id != "" {
			return id
		}
	}
	return s.c.clientID
}

// wait sleeps d on the engine clock; false when ctx ends first.
func (s *syncer) wait(ctx context.Context, d time.Duration) bool {
	ch := make(chan struct{})
	tm := s.c.deps.Clock.AfterFunc(d, func() { close(ch) })
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		tm.Stop()
		return false
	}
}

func anyTerminal(r protocol.PushResult) bool {
	for _, e := range r.Errors {
		if !e.Retryable {
			return true
		}
	}
	return false
}

func (s *syncer) hasRestores(ctx context.Context) bool {
	var n int
	_ = s.c.view(ctx, func(tx ReadTx) error {
		set, err := tx.RestoreSet()
		n = len(set)
		return err
	})
	return n > 0
}
