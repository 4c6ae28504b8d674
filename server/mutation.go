package server

import (
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// mutation is POST /datafn/mutation (§7.3): one mutation or an array, each
// in its own transaction.
func (s *Server) mutation(r *request) response {
	switch r.body.Kind() {
	case value.Object:
		res := s.mutateOne(r, r.body)
		if res.OK {
			return okResponse(res)
		}
		first := res.Err()
		return partial(first.HTTPStatus(), first, res)
	case value.Array:
		if n := r.body.Len(); n > MaxBatchSize {
			return errorResponse(batchTooLarge("$", n))
		}
		results := make([]protocol.MutationResult, 0, r.body.Len())
		for _, m := range r.body.Elems() {
			results = append(results, s.mutateOne(r, m))
		}
		return okResponse(results)
	}
	return errorResponse(protocol.Invalid("$", "expected object or array"))
}

// mutateOne runs one mutation of a /mutation request in its own write
// transaction. An unexpected failure becomes an INTERNAL result.
func (s *Server) mutateOne(r *request, v value.Value) protocol.MutationResult {
	em, perr := checkEnvelope(v, "")
	if perr != nil {
		mid := ""
		if em != nil {
			mid = em.mutationID
		}
		return protocol.MutationFailure(mid, perr)
	}
	var out executed
	err := s.cfg.Store.Write(r.ctx, r.ns, func(tx WriteTx) error {
		out = s.execute(tx, r.ns, em, false, r.now)
		if out.kind == ranFailed {
			return out.cause
		}
		return nil
	})
	if err != nil {
		s.log.Error("datafn: mutation failed", "err", err)
		return protocol.MutationFailure(em.mutationID, protocol.Internal(nil))
	}
	return out.result
}

// batchTooLarge is the batch size error of §8.9.
func batchTooLarge(path string, n int) *protocol.Error {
	return protocol.Errorf(protocol.CodeInvalid, path, "Batch size %d exceeds limit %d", n, MaxBatchSize)
}
