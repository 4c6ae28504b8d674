package protocol

import (
	"strconv"

	"github.com/datafn/datafn-go/value"
)

// QueryResult is the result of one query (§4.2): a row result
//
//	{ "data": [ … ], "nextCursor": null, "count": 2 }
//
// or, when Groups is non-nil, a grouped result
//
//	{ "groups": [ … ], "nextCursor": null }
//
// Build them with RowResult and GroupResult, which keep that distinction:
// a grouped result with no groups must still have a non-nil Groups. A nil
// Data of a row result encodes as []. NextCursor encodes as null when it is
// Absent. Count is present only when the query asked for it.
type QueryResult struct {
	Data       []value.Value `json:"data,omitzero"`
	Groups     []value.Value `json:"groups,omitzero"`
	NextCursor value.Value   `json:"nextCursor"`
	Count      *int64        `json:"count,omitempty"`
}

// RowResult is a row query result; next is Absent or null when there is no
// next page.
func RowResult(data []value.Value, next value.Value) QueryResult {
	return QueryResult{Data: orEmpty(data), NextCursor: next}
}

// GroupResult is a grouped query result; its nextCursor is always null.
func GroupResult(groups []value.Value) QueryResult {
	return QueryResult{Groups: orEmpty(groups), NextCursor: value.NullValue}
}

// IsGrouped reports whether r is a grouped result.
func (r QueryResult) IsGrouped() bool { return r.Groups != nil }

// MarshalJSON encodes r as a grouped result when Groups is non-nil and as a
// row result otherwise.
func (r QueryResult) MarshalJSON() ([]byte, error) {
	type plain QueryResult
	p := plain(r)
	if p.Groups == nil {
		p.Data = orEmpty(p.Data)
	}
	return marshal(p)
}

// TransactRequest is the body of POST /transact (§7.4). Atomic nil leaves the
// key out (the server's default is true).
type TransactRequest struct {
	TransactionID string         `json:"transactionId,omitempty"`
	Atomic        *bool          `json:"atomic,omitempty"`
	Steps         []TransactStep `json:"steps"`
}

// MarshalJSON encodes r with [] for nil steps.
func (r TransactRequest) MarshalJSON() ([]byte, error) {
	type plain TransactRequest
	p := plain(r)
	p.Steps = orEmpty(p.Steps)
	return marshal(p)
}

// TransactStep is one step: exactly one of Query and Mutation is present. Both
// stay raw values; the server validates them like /query and /mutation bodies.
type TransactStep struct {
	Query    value.Value `json:"query,omitzero"`
	Mutation value.Value `json:"mutation,omitzero"`
}

// The kinds of StepResult.
const (
	StepQuery    = "query"
	StepMutation = "mutation"
	StepInvalid  = "invalid"
)

// TransactResult is the result of POST /transact (§7.4). Error is set only
// when an atomic transaction was rolled back.
type TransactResult struct {
	OK      bool           `json:"ok"`
	Results []StepResult   `json:"results"`
	Error   *TransactError `json:"error,omitempty"`
}

// MarshalJSON encodes r with [] for nil results.
func (r TransactResult) MarshalJSON() ([]byte, error) {
	type plain TransactResult
	p := plain(r)
	p.Results = orEmpty(p.Results)
	return marshal(p)
}

// StepResult is the outcome of one transact step. Result is a query result
// or a MutationResult; Error (a full error body with details.path) is set for
// a failed query and an invalid step. RolledBack marks the earlier steps of a
// rolled-back atomic transaction.
type StepResult struct {
	Kind       string      `json:"kind"`
	OK         bool        `json:"ok"`
	Result     value.Value `json:"result,omitzero"`
	Error      *ErrorBody  `json:"error,omitempty"`
	RolledBack bool        `json:"rolledBack,omitempty"`
}

// TransactError is the error of a rolled-back atomic transaction. Unlike an
// envelope error it has no details (§7.4, T-2).
type TransactError struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// RolledBack is the error of an atomic transaction whose step i failed.
func RolledBack(i int) *TransactError {
	return &TransactError{Code: CodeRolledBack, Message: "Step " + strconv.Itoa(i) + " failed; all steps rolled back"}
}
