package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// errRolledBack makes Store.Write roll back an atomic transaction whose
// result has already been computed.
var errRolledBack = errors.New("server: transaction rolled back")

// transact is POST /datafn/transact (§7.4): every step in one transaction
// holding the namespace write lock.
func (s *Server) transact(r *request) response {
	if r.body.Kind() != value.Object {
		return errorResponse(protocol.Invalid("$", "expected object"))
	}
	steps := r.body.Get("steps")
	if steps.Kind() != value.Array {
		return errorResponse(protocol.Invalid("steps", "steps must be array"))
	}
	if steps.Len() > MaxTransactSteps {
		return errorResponse(protocol.LimitExceeded("steps", "transact.steps>"+strconv.Itoa(MaxTransactSteps)))
	}
	atomic := true
	if a := r.body.Get("atomic"); !a.IsAbsent() {
		if a.Kind() != value.Bool {
			return errorResponse(protocol.Invalid("atomic", "atomic must be boolean"))
		}
		atomic = a.Bool()
	}
	var res protocol.TransactResult
	err := s.cfg.Store.Write(r.ctx, r.ns, func(tx WriteTx) error {
		var err error
		res, err = s.runSteps(tx, r, steps.Elems(), atomic)
		if err == nil && atomic && !res.OK {
			return errRolledBack
		}
		return err
	})
	if err != nil && !errors.Is(err, errRolledBack) {
		return errorResponse(protocol.Internal(err))
	}
	return okResponse(res)
}

// runSteps executes the steps in order. An atomic run stops at the first
// failed step and marks the earlier ones rolled back; the caller then rolls
// the transaction back. An unexpected failure aborts the request.
func (s *Server) runSteps(tx WriteTx, r *request, steps []value.Value, atomic bool) (protocol.TransactResult, error) {
	res := protocol.TransactResult{OK: true, Results: make([]protocol.StepResult, 0, len(steps))}
	for i, st := range steps {
		sr, err := s.runStep(tx, r, st, i)
		if err != nil {
			return res, err
		}
		res.Results = append(res.Results, sr)
		if sr.OK {
			continue
		}
		res.OK = false
		if atomic {
			for j := range res.Results[:i] {
				res.Results[j].OK, res.Results[j].RolledBack = false, true
			}
			res.Error = protocol.RolledBack(i)
			break
		}
	}
	return res, nil
}

// runStep runs one step; mutation steps follow §7.3 steps 1-6.
func (s *Server) runStep(tx WriteTx, r *request, st value.Value, i int) (protocol.StepResult, error) {
	q, m := st.Get("query"), st.Get("mutation")
	if st.Kind() != value.Object || q.IsAbsent() == m.IsAbsent() {
		path := joinIndex("steps", i)
		b := protocol.Invalid(path, "%s must have query or mutation", path).Body()
		return protocol.StepResult{Kind: protocol.StepInvalid, Error: &b}, nil
	}
	if !q.IsAbsent() {
		v, perr, err := s.queryIn(tx, q)
		if err != nil || perr == nil {
			return protocol.StepResult{Kind: protocol.StepQuery, OK: true, Result: v}, err
		}
		b := perr.Body()
		return protocol.StepResult{Kind: protocol.StepQuery, Error: &b}, nil
	}
	em, perr := checkEnvelope(m, "")
	var mr protocol.MutationResult
	if perr != nil {
		mid := ""
		if em != nil {
			mid = em.mutationID
		}
		mr = protocol.MutationFailure(mid, perr)
	} else {
		out := s.execute(tx, r.ns, em, false, r.now)
		if out.kind == ranFailed {
			return protocol.StepResult{}, fmt.Errorf("transact step %d: %w", i, out.cause)
		}
		mr = out.result
	}
	v, err := toValue(mr)
	return protocol.StepResult{Kind: protocol.StepMutation, OK: mr.OK, Result: v}, err
}

// toValue converts a wire result into a value.Value.
func toValue(x any) (value.Value, error) {
	data, err := json.Marshal(x)
	if err != nil {
		return value.Value{}, err
	}
	return value.Parse(data)
}
