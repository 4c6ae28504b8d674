package engine

import (
	"context"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// finishCycle runs steps 8-13 of §12.8.2 after the main request: the
// follow-up push of covered writes, classification, acknowledgement with
// the cursor shortcut, restore, and the events.
func (s *syncer) finishCycle(ctx context.Context, b *pushBatch, main attempts) pushOutcome {
	outcomes := make([]entryOutcome, len(b.entries))
	classifySent(b, main.res, outcomes)
	final := main
	followIdx := b.followUpEntries(outcomes, main.res)
	if len(followIdx) > 0 {
		main.release()
		bodies := make([]value.Value, len(followIdx))
		for i, idx := range followIdx {
			bodies[i] = b.bodies[idx]
		}
		final = s.sendWithRetries(ctx, nil, nil, func() []value.Value { return bodies }, func() bool { return false })
		for _, idx := range followIdx {
			outcomes[idx] = outcomeOf(b.muts[idx].mutationID, final.res)
		}
	}
	prefix := 0
	for prefix < len(outcomes) && outcomes[prefix] != outOpen {
		prefix++
	}
	var pullNeeded, restore bool
	var ackErr error
	remaining := 0
	if prefix > 0 {
		pullNeeded, restore, remaining, ackErr = s.acknowledge(ctx, b, outcomes[:prefix], main.res, len(followIdx) > 0)
	}
	final.release()
	if prefix > 0 && ackErr == nil && restore {
		_ = s.restore(ctx)
	}
	if pullNeeded {
		s.post(func() { s.requestPull(true, nil) })
	}
	cycleErr := s.pushEvents(main)
	if ackErr != nil {
		s.failed("push", ackErr)
		return pushOutcome{err: ackErr}
	}
	for i := 0; i < prefix; i++ {
		if outcomes[i] == outTerminal {
			s.rejected(b.muts[i], b.entries[i], errorOf(b.muts[i].mutationID, final.res, main.res))
		}
	}
	out := pushOutcome{acked: prefix > 0, remaining: remaining, err: cycleErr}
	out.followUp = out.acked && (prefix < len(b.entries) || len(b.entries) < b.read || b.read == s.c.cfg.PushBatchSize)
	return out
}

// classifySent classifies the entries that were sent in the main request.
func classifySent(b *pushBatch, res *protocol.PushResult, out []entryOutcome) {
	for i, m := range b.muts {
		if b.coveredBy[i] < 0 {
			out[i] = outcomeOf(m.mutationID, res)
		}
	}
	for i, d := range b.coveredBy {
		if d >= 0 && out[d] == outApplied {
			out[i] = outCovered
		}
	}
}

// followUpEntries are the covered writes of deletes that failed terminally
// (§12.8.2 step 8, D36), in seq order.
func (b *pushBatch) followUpEntries(out []entryOutcome, res *protocol.PushResult) []int {
	var idx []int
	for i, d := range b.coveredBy {
		if d >= 0 && out[d] == outTerminal {
			idx = append(idx, i)
		}
	}
	return idx
}

func outcomeOf(mutationID string, res *protocol.PushResult) entryOutcome {
	if res == nil {
		return outOpen
	}
	for _, a := range res.Applied {
		if a == mutationID {
			return outApplied
		}
	}
	for _, e := range res.Errors {
		if e.MutationID != nil && *e.MutationID == mutationID && !e.Retryable {
			return outTerminal
		}
	}
	return outOpen
}

// errorOf finds the error of a terminal entry in the results.
func errorOf(mutationID string, results ...*protocol.PushResult) *protocol.Error {
	for _, r := range results {
		if r == nil {
			continue
		}
		for _, e := range r.Errors {
			if e.MutationID != nil && *e.MutationID == mutationID {
				return &protocol.Error{Code: e.Code, Message: e.Message, Path: e.Path}
			}
		}
	}
	return protocol.Errorf(protocol.CodeInternal, "$", "Internal error")
}

// acknowledge removes the prefix, applies the cursor rules of §12.8.5 and
// adds the terminal entries, and the ones in doubt (see doubts), to the
// restore set, in one transaction. restore reports that it added any.
func (s *syncer) acknowledge(ctx context.Context, b *pushBatch, prefix []entryOutcome, res *protocol.PushResult,
	followed bool) (pullNeeded, restore bool, remaining int, err error) {
	doubtful := make([]bool, len(prefix))
	for i := range prefix {
		doubtful[i] = s.doubts.take(b.muts[i].mutationID)
	}
	err = s.c.update(ctx, func(tx *cacheTx) error {
		pullNeeded, restore = false, false
		if err := tx.ChangelogAck(float64(b.entries[len(prefix)-1].Seq)); err != nil {
			return err
		}
		for i, o := range prefix {
			if o == outTerminal || doubtful[i] {
				restore = true
				if err := tx.AddRestore(RestoreKey{b.muts[i].resource, b.muts[i].id}); err != nil {
					return err
				}
			}
		}
		if res != nil {
			var err error
			if pullNeeded, err = s.pushCursors(tx, b, res, followed); err != nil {
				return err
			}
		}
		if res != nil && !pullNeeded {
			// No pull follows, so the server's createdAt/updatedAt of a
			// timestamps row would never replace the local ones: a push
			// replayed after a lost answer is deduped with the cursor the
			// client already has. Those rows are fetched by a restore.
			for i, o := range prefix {
				m := b.muts[i]
				if (o != outApplied && o != outCovered) || doubtful[i] || m.op == OpDelete || !s.hasTimestamps(m.resource) {
					continue
				}
				restore = true
				if err := tx.AddRestore(RestoreKey{m.resource, m.id}); err != nil {
					return err
				}
			}
		}
		remaining, err = tx.ChangelogCount()
		return err
	})
	if err != nil {
		for i, d := range doubtful {
			if d {
				s.doubts.mark(b.muts[i].mutationID) // still pending
			}
		}
	}
	return pullNeeded, restore, remaining, err
}

// pushCursors takes the shortcut of §12.8.5 when the push provably missed
// nothing (D5, D26); otherwise it asks for a pull when the server moved on.
func (s *syncer) pushCursors(tx WriteTx, b *pushBatch, res *protocol.PushResult, followed bool) (bool, error) {
	cur, err := tx.Cursors()
	if err != nil {
		return false, err
	}
	g := cursorInt(cur[GlobalCursorKey])
	before, okBefore := protocol.ParseCursor(res.CursorBefore)
	ce, cu, err := tx.Epochs()
	if err != nil {
		return false, err
	}
	if !okBefore || before != g || ce != cu || followed || b.hasTimestamps(s) {
		return cursorInt(res.Cursor) > g, nil
	}
	for _, r := range sortedKeys(res.Cursors) {
		h, err := tx.Hydration(r)
		if err != nil {
			return false, err
		}
		if n := cursorInt(res.Cursors[r]); h == Ready && n > cursorInt(cur[r]) {
			if err := tx.SetCursor(r, protocol.FormatCursor(n)); err != nil {
				return false, err
			}
		}
	}
	if n := cursorInt(res.Cursor); n > g {
		return false, tx.SetCursor(GlobalCursorKey, protocol.FormatCursor(n))
	}
	return false, nil
}

func (b *pushBatch) hasTimestamps(s *syncer) bool {
	for _, m := range b.muts {
		if s.hasTimestamps(m.resource) {
			return true
		}
	}
	return false
}

func (s *syncer) hasTimestamps(resource string) bool {
	r := s.c.schema.Resource(resource)
	return r != nil && r.HasTimestamps()
}

// pushEvents fires the cycle's sync_applied or sync_failed (§12.8.2 step
// 11) and returns the failure of a cycle without ok.
func (s *syncer) pushEvents(a attempts) error {
	if a.res != nil && a.res.OK {
		s.applied(obj(kv{"phase", value.Str("push")}, kv{"cursor", value.Str(a.res.Cursor)},
			kv{"appliedCount", value.Num(float64(len(a.res.Applied)))}, kv{"errors", value.Arr(nil)}))
		return nil
	}
	err := a.err
	if a.res != nil {
		// ok:false without an error is a malformed answer (a nil
		// *protocol.Error must not become a non-nil error).
		err = errShape()
		if pe := a.res.Err(); pe != nil {
			err = pe
		}
	}
	if err == nil || isAborted(err) {
		return err
	}
	var extra []kv
	if a.ranOut {
		extra = append(extra, kv{"attempts", value.Num(float64(a.n))})
	}
	if a.res != nil {
		extra = append(extra, kv{"cursor", value.Str(a.res.Cursor)},
			kv{"appliedCount", value.Num(float64(len(a.res.Applied)))}, kv{"errors", pushErrorsValue(a.res.Errors)})
	}
	s.failed("push", err, extra...)
	return err
}

// rejected fires mutation_rejected for a terminal entry (§12.9 step 4).
func (s *syncer) rejected(m *mutation, e ChangelogEntry, perr *protocol.Error) {
	if m.silent {
		return
	}
	s.c.emit(mutationEvent(protocol.EventMutationRejected, m, rejectionContext(perr, false, e.Mutation)))
}

// rejectionContext is {code, message, path, retryable, mutation}.
func rejectionContext(e *protocol.Error, retryable bool, mut value.Value) value.Value {
	return obj(kv{"code", value.Str(string(e.Code))}, kv{"message", value.Str(e.Message)},
		kv{"path", value.Str(e.Path)}, kv{"retryable", value.Boolean(retryable)}, kv{"mutation", mut})
}
