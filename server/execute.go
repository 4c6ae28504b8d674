package server

import (
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// envelopeMut is a mutation object after the checks that need no database
// (§7.3 steps 1-3, §8.6 steps 1-2).
type envelopeMut struct {
	raw        value.Value
	clientID   string
	mutationID string
}

// checkEnvelope runs §7.3 steps 1-3. clientID is the default clientId (the
// push request's) or "" when the mutation must carry its own.
func checkEnvelope(v value.Value, clientID string) (*envelopeMut, *protocol.Error) {
	if v.Kind() != value.Object {
		return nil, protocol.Invalid("$", "mutation must be object")
	}
	c, mid := v.Get("clientId"), v.Get("mutationId")
	if c.IsAbsent() && clientID != "" {
		c = value.Str(clientID)
	}
	if c.Kind() != value.String || mid.Kind() != value.String {
		return nil, protocol.Invalid("$", "missing clientId or mutationId")
	}
	em := &envelopeMut{raw: v, clientID: c.Str(), mutationID: mid.Str()}
	if utf8.RuneCountInString(em.mutationID) > maxIDLen {
		return em, protocol.Invalid("mutationId", "mutationId must be at most 255 characters")
	}
	return em, nil
}

// outcomeKind tells how executing one mutation ended.
type outcomeKind int

const (
	ranOK       outcomeKind = iota // applied (or a remembered success)
	ranTerminal                    // a terminal failure (validation, conflict, not found)
	ranFailed                      // an unexpected failure; the savepoint was rolled back
)

// executed is the outcome of one mutation inside a write transaction.
type executed struct {
	kind   outcomeKind
	result protocol.MutationResult
	// seq is the serverSeq of the change written, 0 when none.
	seq      int64
	resource string
	// cause is the unexpected error of ranFailed.
	cause error
}

// execute runs §7.3 steps 4-6 (§8.6 steps 4-6) for one mutation in tx:
// idempotency lookup, validation, then guard, operation, change row and
// idempotency record inside a savepoint.
func (s *Server) execute(tx WriteTx, ns string, em *envelopeMut, push bool, now int64) executed {
	stored, hit, err := tx.Idempotency(em.clientID, em.mutationID)
	if err != nil {
		return executed{kind: ranFailed, cause: err}
	}
	if hit {
		return remembered(stored)
	}
	m, perr := dfql.ParseMutation(s.cfg.Schema, em.raw)
	if perr != nil {
		return executed{kind: ranTerminal, result: protocol.MutationFailure(em.mutationID, perr)}
	}
	var out executed
	var terminal *protocol.Error
	err = tx.Savepoint(func() error {
		var err error
		out, terminal, err = s.apply(tx, ns, em, m, push, now)
		if terminal != nil {
			return terminal
		}
		return err
	})
	if terminal != nil && errors.Is(err, terminal) {
		// The failed savepoint is rolled back; its outcome is remembered (§8.5).
		res := protocol.MutationFailure(em.mutationID, terminal)
		if err := putResult(tx, em, res); err != nil {
			return executed{kind: ranFailed, cause: err}
		}
		return executed{kind: ranTerminal, result: res}
	}
	if err != nil {
		return executed{kind: ranFailed, cause: err}
	}
	return out
}

// apply is the body of execute's savepoint.
func (s *Server) apply(tx WriteTx, ns string, em *envelopeMut, m *dfql.Mutation, push bool, now int64) (executed, *protocol.Error, error) {
	if s.cfg.BeforeApply != nil {
		if err := s.cfg.BeforeApply(ns, m); err != nil {
			return executed{}, nil, err
		}
	}
	res := m.Resource
	stored, exists, err := tx.Get(res, m.ID)
	if err != nil {
		return executed{}, nil, err
	}
	var cur *schema.Row
	if exists {
		row := res.RowFromObject(stored)
		cur = &row
	}
	o, perr := dfql.Apply(res, cur, m, now, push)
	if perr != nil {
		return executed{}, perr, nil
	}
	out := executed{kind: ranOK, result: protocol.MutationSuccess(em.mutationID, m.ID), resource: res.Name}
	switch o.ChangeOp {
	case "":
	case dfql.OpDelete:
		err = tx.Delete(res, m.ID)
	default:
		err = tx.Put(res, m.ID, res.RowObject(o.Row))
	}
	if err == nil && o.ChangeOp != "" {
		out.seq, err = tx.AppendChange(res.Name, m.ID, o.ChangeOp, o.ChangeData)
	}
	if err == nil {
		err = putResult(tx, em, out.result)
	}
	return out, nil, err
}

// putResult stores the result as first returned (deduped false, §8.5).
func putResult(tx WriteTx, em *envelopeMut, res protocol.MutationResult) error {
	data, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return tx.PutIdempotency(em.clientID, em.mutationID, data)
}

// remembered turns a stored idempotency result into a deduped outcome.
func remembered(stored []byte) executed {
	var res protocol.MutationResult
	if err := json.Unmarshal(stored, &res); err != nil {
		return executed{kind: ranFailed, cause: err}
	}
	res.Deduped = true
	if res.AffectedIDs == nil {
		res.AffectedIDs = []string{}
	}
	kind := ranOK
	if !res.OK {
		kind = ranTerminal
		for i := range res.Errors {
			res.Errors[i].Retryable = false
		}
	}
	return executed{kind: kind, result: res}
}
