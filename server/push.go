package server

import (
	"net/http"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// push is POST /datafn/push (§7.8, §8.6): every mutation in order inside one
// transaction holding the namespace write lock.
func (s *Server) push(r *request) response {
	clientID, perr := objectWithClient(r.body)
	if perr != nil {
		return errorResponse(perr)
	}
	muts, perr := pushMutations(r.body, clientID)
	if perr != nil {
		return errorResponse(perr)
	}
	var res protocol.PushResult
	err := s.cfg.Store.Write(r.ctx, r.ns, func(tx WriteTx) error {
		var err error
		res, err = s.runPush(tx, r, clientID, muts)
		return err
	})
	if err != nil {
		return errorResponse(protocol.Internal(err))
	}
	if !res.OK {
		return partial(http.StatusBadRequest, res.Err(), res)
	}
	return okResponse(res)
}

// pushMutations runs the request-level checks 2 and 3 of §7.8.
func pushMutations(body value.Value, clientID string) ([]value.Value, *protocol.Error) {
	list := body.Get("mutations")
	if list.Kind() != value.Array {
		return nil, protocol.Invalid("mutations", "mutations must be array")
	}
	if list.Len() > MaxBatchSize {
		return nil, batchTooLarge("mutations", list.Len())
	}
	for i, m := range list.Elems() {
		c := m.Get("clientId")
		if !c.IsAbsent() && (c.Kind() != value.String || c.Str() != clientID) {
			p := joinKey(joinIndex("mutations", i), "clientId")
			return nil, protocol.Invalid(p, "%s must match clientId", p)
		}
	}
	return list.Elems(), nil
}

// runPush processes the mutations in order (§8.6). Processing stops at the
// first unexpected failure; the transaction still commits what came before.
func (s *Server) runPush(tx WriteTx, r *request, clientID string, muts []value.Value) (protocol.PushResult, error) {
	before, err := tx.CurrentSeq()
	if err != nil {
		return protocol.PushResult{}, err
	}
	res := protocol.PushResult{Applied: []string{}, Errors: []protocol.PushError{}, Cursors: map[string]string{}}
	cursor := before
	seen := map[string]bool{}
	for _, v := range muts {
		em, perr := checkEnvelope(v, clientID)
		if perr != nil {
			res.Errors = append(res.Errors, protocol.NewPushError(pushID(em), perr))
			continue
		}
		if seen[em.mutationID] {
			continue
		}
		seen[em.mutationID] = true
		out := s.execute(tx, r.ns, em, true, r.now)
		if out.kind == ranFailed {
			s.log.Error("datafn: push mutation failed", "mutationId", em.mutationID, "err", out.cause)
			e := protocol.Errorf(protocol.CodeMutationFailed, "$", "Mutation failed")
			res.Errors = append(res.Errors, protocol.NewPushError(pushID(em), e))
			break
		}
		if out.kind == ranOK {
			res.Applied = append(res.Applied, em.mutationID)
		} else {
			pe := protocol.NewPushError(pushID(em), out.result.Err())
			pe.Retryable = false
			res.Errors = append(res.Errors, pe)
		}
		if out.seq > 0 {
			cursor = out.seq
			res.Cursors[out.resource] = protocol.FormatCursor(out.seq)
		}
	}
	res.OK = len(res.Errors) == 0
	res.CursorBefore, res.Cursor = protocol.FormatCursor(before), protocol.FormatCursor(cursor)
	return res, nil
}

// pushID is the mutationId a push error reports: nil without a usable one.
func pushID(em *envelopeMut) *string {
	if em == nil {
		return nil
	}
	id := em.mutationID
	return &id
}
