package engine

import (
	"github.com/datafn/datafn-go/dfql"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// The mutation operations of §5.1.
const (
	OpInsert  = dfql.OpInsert
	OpMerge   = dfql.OpMerge
	OpReplace = dfql.OpReplace
	OpDelete  = dfql.OpDelete
)

// mutation is a completed mutation as the engine works with it; raw is its
// JSON form (the changelog's "mutation", §11.5).
type mutation struct {
	raw        value.Value
	resource   string
	op         string
	id         string
	record     value.Value // Absent for delete
	guard      value.Value // Absent without "if"
	clientID   string
	mutationID string
	context    value.Value
	silent     bool
	system     bool
	// parsed is the validated form; nil for entries read back from storage.
	parsed *dfql.Mutation
	// freshID: the engine made mutationId for this call (§5.2), so no
	// changelog entry can hold it yet and the dedupe lookup is skipped (the
	// changelog's unique index still refuses a duplicate).
	freshID bool
}

// decodeMutation reads the members of a mutation object without validating
// it (stored changelog entries were validated when they were made).
func decodeMutation(v value.Value) *mutation {
	return &mutation{
		raw:        v,
		resource:   v.Get("resource").Str(),
		op:         v.Get("operation").Str(),
		id:         v.Get("id").Str(),
		record:     v.Get("record"),
		guard:      v.Get("if"),
		clientID:   v.Get("clientId").Str(),
		mutationID: v.Get("mutationId").Str(),
		context:    v.Get("context"),
		silent:     v.Get("silent").Bool(),
		system:     v.Get("system").Bool(),
	}
}

// entryMutation decodes a changelog entry's mutation; the entry's pair wins
// over the mutation's own members.
func entryMutation(e ChangelogEntry) *mutation {
	m := decodeMutation(e.Mutation)
	if m.clientID == "" {
		m.clientID = e.ClientID
	}
	m.mutationID = e.MutationID
	return m
}

// reapplyPending re-applies, in seq order, every pending entry whose
// (resource, id) is in touched, over the rows of tx (§12.5, D6).
func reapplyPending(tx WriteTx, s *schema.Schema, touched map[RestoreKey]bool) error {
	if len(touched) == 0 {
		return nil
	}
	entries, err := tx.Changelog(0)
	if err != nil {
		return err
	}
	for _, e := range entries {
		m := entryMutation(e)
		res := s.Resource(m.resource)
		if res == nil || res.RemoteOnly || !touched[RestoreKey{m.resource, m.id}] {
			continue
		}
		cur, exists, err := tx.Row(m.resource, m.id)
		if err != nil {
			return err
		}
		row, ok := reapplyObj(res, m, cur, exists, e.TimestampMs)
		if err := writeEffect(tx, m.resource, m.id, row, ok, exists); err != nil {
			return err
		}
	}
	return nil
}

// writeEffect stores row (ok) or removes the row (!ok, when it existed).
func writeEffect(tx WriteTx, resource, id string, row value.Value, ok, existed bool) error {
	if ok {
		return tx.PutRow(resource, row)
	}
	if existed {
		return tx.DeleteRow(resource, id)
	}
	return nil
}
