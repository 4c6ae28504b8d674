package engine

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Mutate applies one mutation (§12.4) and resolves with its result. A failed
// mutation is a result; errors are for storage failures, request-level
// server errors and transport failures that are not queued.
func (t *Table) Mutate(ctx context.Context, m value.Value) (protocol.MutationResult, error) {
	if err := t.c.enter(); err != nil {
		return protocol.MutationResult{}, err
	}
	defer t.c.leave(ctx)
	mut, fail := t.prepare(m)
	if fail != nil {
		return fail.result, nil
	}
	if t.localPath() {
		return t.mutateLocal(ctx, mut)
	}
	if err := t.needRemote(); err != nil {
		return protocol.MutationResult{}, err
	}
	rctx, cancel := t.c.reqCtx(ctx)
	res, err := t.c.transport.Mutation(rctx, mut.raw)
	cancel()
	return t.remoteOutcome(ctx, mut, res, err)
}

// MutateBatch is mutate with an array (§12.4 step 4).
func (t *Table) MutateBatch(ctx context.Context, ms []value.Value) ([]protocol.MutationResult, error) {
	if err := t.c.enter(); err != nil {
		return nil, err
	}
	defer t.c.leave(ctx)
	out := make([]protocol.MutationResult, len(ms))
	muts := make([]*mutation, len(ms))
	for i, m := range ms {
		mut, fail := t.prepare(m)
		if fail != nil {
			out[i] = fail.result
			continue
		}
		muts[i] = mut
	}
	if t.localPath() {
		var reqs []localReq
		var idx []int
		for i, mut := range muts {
			if mut != nil {
				reqs, idx = append(reqs, localReq{t: t, m: mut}), append(idx, i)
			}
		}
		if len(reqs) == 0 {
			return out, nil
		}
		res, err := t.c.commitLocal(reqs)
		if err != nil {
			return nil, err
		}
		for k, i := range idx {
			out[i] = res[k]
		}
		return out, nil
	}
	return out, t.mutateRemoteBatch(ctx, muts, out)
}

func (t *Table) mutateRemoteBatch(ctx context.Context, muts []*mutation, out []protocol.MutationResult) error {
	if err := t.needRemote(); err != nil {
		return err
	}
	var send []value.Value
	var idx []int
	for i, m := range muts {
		if m != nil {
			send, idx = append(send, m.raw), append(idx, i)
		}
	}
	if len(send) == 0 {
		return nil
	}
	rctx, cancel := t.c.reqCtx(ctx)
	results, err := t.c.transport.Mutations(rctx, send)
	cancel()
	for k, i := range idx {
		var r protocol.MutationResult
		if err == nil {
			r = results[k]
		}
		res, ierr := t.remoteOutcome(ctx, muts[i], r, err)
		if ierr != nil {
			return ierr
		}
		out[i] = res
	}
	return nil
}

func (t *Table) needRemote() error {
	if t.c.transport == nil {
		return protocol.Errorf(protocol.CodeInvalid, "resource", "Remote-only resource requires a remote: %s", t.res.Name)
	}
	return nil
}

// localPath reports whether mutations go the local path (§12.4 step 2).
func (t *Table) localPath() bool {
	c := t.c
	if c.store == nil || t.res.RemoteOnly {
		return false
	}
	if c.cfg.Mode == ModeLocalOnly {
		return true
	}
	if !c.cfg.Offlinability {
		return false
	}
	h, _ := c.hydration(c.ctx, t.res.Name)
	return h == Ready
}

// failure is a mutation that failed before reaching storage or the server.
type failure struct{ result protocol.MutationResult }

// prepare completes (§5.2) and validates (§5.3) a mutation; a failure has
// already fired mutation_rejected.
func (t *Table) prepare(m value.Value) (*mutation, *failure) {
	fresh := m.Kind() == value.Object && !m.Has("mutationId")
	m, err := t.completeMutation(m)
	var mut *mutation
	if err == nil {
		mut, err = validateMutation(t.c.schema, m)
	}
	if err != nil {
		pe := protocol.As(err)
		d := decodeMutation(m)
		if !d.silent {
			t.c.emit(mutationEvent(protocol.EventMutationRejected, d, rejectionContext(pe, pe.Retryable(), m)))
		}
		return nil, &failure{protocol.MutationFailure(d.mutationID, pe)}
	}
	mut.freshID = fresh
	return mut, nil
}

// completeMutation fills in resource, version, clientId, mutationId and,
// for an insert without id, a generated id (§5.2).
func (t *Table) completeMutation(m value.Value) (value.Value, error) {
	if m.Kind() != value.Object {
		return m, protocol.Invalid("$", "mutation must be object")
	}
	m = t.complete(m)
	if !m.Has("clientId") {
		m = m.With("clientId", value.Str(t.c.clientID))
	}
	if !m.Has("mutationId") {
		m = m.With("mutationId", value.Str(newMutationID(t.c.now())))
	}
	if m.Get("operation").Str() == OpInsert && !m.Has("id") {
		id, err := t.c.deps.GenerateID(t.res.Name, t.res.Prefix)
		if err != nil {
			return m, protocol.As(err)
		}
		if !strings.HasPrefix(id, t.res.Prefix+":") || len(id) == len(t.res.Prefix)+1 {
			return m.With("id", value.Str(id)), protocol.Errorf(protocol.CodeInvalid, "id",
				"Invalid id: does not match required prefix")
		}
		m = m.With("id", value.Str(id))
	}
	return m, nil
}

// newMutationID is "mut-<ms>-<12 random lowercase base-36 characters>".
func newMutationID(ms int64) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	var b [12]byte
	randomBytes(b[:])
	for i := range b {
		b[i] = digits[int(b[i])%36]
	}
	return "mut-" + strconv.FormatInt(ms, 10) + "-" + string(b[:])
}

// mutateLocal is the local path (§12.4 step 2): dedupe, checks, and the
// changelog append with the row write in one transaction.
func (t *Table) mutateLocal(ctx context.Context, m *mutation) (protocol.MutationResult, error) {
	out, err := t.c.commitLocal([]localReq{{t: t, m: m}})
	if err != nil {
		return protocol.MutationResult{}, err
	}
	return out[0], nil
}

// localReq is one local-path mutation waiting for a group commit.
type localReq struct {
	t *Table
	m *mutation
}

// localGroup is one group of local-path mutations committed together.
type localGroup struct {
	reqs []localReq
	out  []protocol.MutationResult
	err  error
	done chan struct{}
}

// groupCommit collects local-path mutations issued while a local write
// transaction runs, so that back-to-back calls (1,000 mutate promises
// started at once) share one transaction instead of one each. Each
// mutation still gets its own checks, dedupe and changelog entry, in call
// order; a rejected one writes nothing and does not disturb the others. A
// storage failure fails the whole group: nothing of it is written and every
// caller gets the error.
type groupCommit struct {
	mu      sync.Mutex
	pending *localGroup // collecting while a group commits
	busy    bool
}

// commitLocal runs reqs in the next group commit and returns their results.
func (c *Client) commitLocal(reqs []localReq) ([]protocol.MutationResult, error) {
	gc := &c.groups
	gc.mu.Lock()
	g := gc.pending
	if g == nil {
		g = &localGroup{done: make(chan struct{})}
		gc.pending = g
	}
	first := len(g.reqs)
	g.reqs = append(g.reqs, reqs...)
	lead := !gc.busy
	if lead {
		gc.busy = true
	}
	gc.mu.Unlock()
	if lead {
		c.leadGroups()
	}
	<-g.done
	if g.err != nil {
		return nil, g.err
	}
	return g.out[first : first+len(reqs)], nil
}

// leadGroups commits pending groups until none is left.
func (c *Client) leadGroups() {
	gc := &c.groups
	for {
		gc.mu.Lock()
		g := gc.pending
		gc.pending = nil
		if g == nil {
			gc.busy = false
			gc.mu.Unlock()
			return
		}
		gc.mu.Unlock()
		c.commitGroup(g)
		close(g.done)
	}
}

// commitGroup writes one group in one transaction, then reports its events.
func (c *Client) commitGroup(g *localGroup) {
	ts := c.now()
	out := make([]protocol.MutationResult, len(g.reqs))
	rejected := make([]*protocol.Error, len(g.reqs))
	deduped := make([]bool, len(g.reqs))
	err := c.update(c.ctx, func(tx *cacheTx) error {
		rows, err := prefetchRows(tx, g.reqs)
		if err != nil {
			return err
		}
		for i, r := range g.reqs {
			rejected[i], deduped[i] = nil, false
			d, rej, err := r.t.writeLocal(tx, rows, r.m, ts)
			if err != nil {
				return err
			}
			rejected[i], deduped[i] = rej, d
		}
		return nil
	})
	if err != nil {
		g.err = err
		return
	}
	pushed := false
	for i, r := range g.reqs {
		m := r.m
		switch {
		case rejected[i] != nil:
			r.t.emitRejected(m, rejected[i])
			out[i] = protocol.MutationFailure(m.mutationID, rejected[i])
		case deduped[i]:
			out[i] = protocol.MutationSuccess(m.mutationID, m.id)
			out[i].Deduped = true
		default:
			r.t.applied(m)
			out[i] = protocol.MutationSuccess(m.mutationID, m.id)
			pushed = true
		}
	}
	g.out = out
	if pushed {
		c.sync.post(func() {
			if c.cfg.PushIntervalMs == 0 {
				c.sync.requestPush(true, nil)
			}
		})
	}
}

// writeLocal is one mutation of a group inside its transaction: deduped
// when its (clientId, mutationId) is in the changelog, rejected (nothing
// written) when a check fails, else the changelog append and the row write.
func (t *Table) writeLocal(tx *cacheTx, rows groupRows, m *mutation, ts int64) (deduped bool, rejected *protocol.Error, err error) {
	if !m.freshID {
		if _, ok, err := tx.ChangelogFind(m.clientID, m.mutationID); err != nil || ok {
			return ok, nil, err
		}
	}
	k := RestoreKey{m.resource, m.id}
	cur := rows[k]
	row, ok, perr := applyObj(t.res, m, cur.row, cur.exists, ts)
	if perr != nil {
		return false, perr, nil
	}
	e := newEntry(m, ts)
	e.Fresh = true // made for this call, or just looked up above
	if _, err := tx.ChangelogAppend(e); err != nil {
		return false, nil, err
	}
	rows[k] = groupRow{row, ok}
	return false, nil, writeEffect(tx, m.resource, m.id, row, ok, cur.exists)
}

// groupRow is a row as a group commit sees it: read once before the
// group's writes, then as the group's earlier mutations left it.
type groupRow struct {
	row    value.Value
	exists bool
}

type groupRows map[RestoreKey]groupRow

// prefetchRows reads the rows every mutation of a group touches, per
// resource in one RowsByID, so that a group of n mutations waits for
// storage once instead of n times.
func prefetchRows(tx *cacheTx, reqs []localReq) (groupRows, error) {
	ids := map[string][]string{}
	out := groupRows{}
	for _, r := range reqs {
		k := RestoreKey{r.m.resource, r.m.id}
		if _, ok := out[k]; ok {
			continue
		}
		out[k] = groupRow{}
		ids[r.m.resource] = append(ids[r.m.resource], r.m.id)
	}
	for res, list := range ids {
		rows, found, err := tx.RowsByID(res, list)
		if err != nil {
			return nil, err
		}
		for i, id := range list {
			out[RestoreKey{res, id}] = groupRow{rows[i], found[i]}
		}
	}
	return out, nil
}

func newEntry(m *mutation, ts int64) ChangelogEntry {
	return ChangelogEntry{ClientID: m.clientID, MutationID: m.mutationID, Mutation: m.raw, TimestampMs: ts,
		Timestamp: time.UnixMilli(ts).UTC().Format("2006-01-02T15:04:05.000Z")}
}

// remoteOutcome handles the answer to a remote mutation (§12.4 step 3).
func (t *Table) remoteOutcome(ctx context.Context, m *mutation, res protocol.MutationResult, err error) (protocol.MutationResult, error) {
	c := t.c
	local := c.store != nil && !t.res.RemoteOnly
	switch {
	case err == nil && res.OK:
		if local {
			if werr := t.writeReapplied(ctx, m, c.now(), false); werr != nil {
				return protocol.MutationResult{}, werr
			}
		}
		t.applied(m)
		if local && t.isReady(ctx) {
			c.sync.post(func() { c.sync.requestPull(true, nil) })
		}
		return res, nil
	case err == nil:
		t.emitRejected(m, res.Err())
		return res, nil
	case IsTransportClass(err) && local && c.cfg.Offlinability:
		c.sync.doubts.mark(m.mutationID)
		if werr := t.writeReapplied(ctx, m, c.now(), true); werr != nil {
			return protocol.MutationResult{}, werr
		}
		t.applied(m)
		c.sync.post(func() { c.sync.requestPush(true, nil) })
		return protocol.MutationSuccess(m.mutationID, m.id), nil
	}
	if !isAborted(err) {
		t.emitRejected(m, protocol.As(err))
	}
	return protocol.MutationResult{}, err
}

// writeReapplied writes a mutation's effect with the re-apply rules of
// §12.5, appending it to the changelog first for a queued fallback.
func (t *Table) writeReapplied(ctx context.Context, m *mutation, ts int64, queue bool) error {
	return t.c.update(ctx, func(tx *cacheTx) error {
		if queue {
			if _, err := tx.ChangelogAppend(newEntry(m, ts)); err != nil {
				return err
			}
		}
		cur, exists, err := tx.Row(m.resource, m.id)
		if err != nil {
			return err
		}
		row, ok := reapplyObj(t.res, m, cur, exists, ts)
		return writeEffect(tx, m.resource, m.id, row, ok, exists)
	})
}

func (t *Table) isReady(ctx context.Context) bool {
	h, _ := t.c.hydration(ctx, t.res.Name)
	return h == Ready
}

func (t *Table) applied(m *mutation) {
	if !m.silent {
		t.c.emit(mutationEvent(protocol.EventMutationApplied, m, m.context))
	}
}

func (t *Table) emitRejected(m *mutation, e *protocol.Error) {
	if e == nil || m.silent {
		return
	}
	t.c.emit(mutationEvent(protocol.EventMutationRejected, m, rejectionContext(e, e.Retryable(), m.raw)))
}

// mutationEvent builds mutation_applied / mutation_rejected (§10.2).
func mutationEvent(typ string, m *mutation, ctx value.Value) protocol.Event {
	ev := protocol.Event{Type: typ, Resource: m.resource, MutationID: m.mutationID, ClientID: m.clientID,
		Action: m.op, Context: ctx, System: m.system}
	if m.id != "" {
		ev.IDs = []string{m.id}
	}
	ev.Fields = []string{}
	if m.op != OpDelete && m.record.Kind() == value.Object {
		ev.Record = m.record
		for _, k := range m.record.Keys() {
			if k != "id" {
				ev.Fields = append(ev.Fields, k)
			}
		}
		slices.Sort(ev.Fields)
	}
	return ev
}
