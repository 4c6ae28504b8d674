package dfql

import (
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Mutation operations (§5.1).
const (
	OpInsert  = schema.OpInsert
	OpMerge   = schema.OpMerge
	OpReplace = schema.OpReplace
	OpDelete  = schema.OpDelete
)

// Mutation is a validated mutation (§5.3).
type Mutation struct {
	Resource *schema.Resource
	// Op is "insert", "merge", "replace" or "delete".
	Op string
	ID string
	// Record is the cleaned record: no "id", no readonly fields, supplied
	// fields in schema order, defaults not added. Absent for delete.
	Record value.Value
	// If is the guard filter, nil when none.
	If Filter
	// ClientID and MutationID are the given strings, "" when absent or not
	// strings (the server checks their presence itself, §7.3, §8.6).
	ClientID, MutationID string
	// Raw is the mutation object as received.
	Raw value.Value
}

// ParseMutation validates a mutation object (§5.3 steps 1-8, in order).
func ParseMutation(s *schema.Schema, m value.Value) (*Mutation, *protocol.Error) {
	if m.Kind() != value.Object {
		return nil, protocol.Invalid("$", "mutation must be object")
	}
	op := m.Get("operation")
	if op.Kind() != value.String {
		return nil, protocol.Invalid("operation", "operation must be string")
	}
	switch op.Str() {
	case OpInsert, OpMerge, OpReplace, OpDelete:
	default:
		return nil, protocol.Unsupported("operation", "mutation.operation."+op.Str())
	}
	res, err := parseResource(s, m)
	if err != nil {
		return nil, err
	}
	if _, err := parseVersion(m); err != nil {
		return nil, err
	}
	id := m.Get("id")
	if err := res.ValidateID(id); err != nil {
		return nil, err
	}
	rec, err := res.ValidateRecord(op.Str(), id.Str(), m.Get("record"))
	if err != nil {
		return nil, err
	}
	out := &Mutation{
		Resource: res, Op: op.Str(), ID: id.Str(), Record: rec, Raw: m,
		ClientID: m.Get("clientId").Str(), MutationID: m.Get("mutationId").Str(),
	}
	if guard := m.Get("if"); !guard.IsAbsent() {
		if out.If, err = ParseFilter(res, guard, "if"); err != nil {
			return nil, err
		}
	}
	return out, nil
}
