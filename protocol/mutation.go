package protocol

// MutationResult is the outcome of one mutation (§5.7), as /mutation and
// /transact return it and as the client resolves mutate():
//
//	{ "ok": true, "mutationId": "m-1", "affectedIds": ["task:1"], "errors": [], "deduped": false }
//
// On failure OK is false, AffectedIDs is empty and Errors holds exactly one
// error. Nil slices encode as [], never null.
type MutationResult struct {
	OK          bool            `json:"ok"`
	MutationID  string          `json:"mutationId"`
	AffectedIDs []string        `json:"affectedIds"`
	Errors      []MutationError `json:"errors"`
	Deduped     bool            `json:"deduped"`
}

// MutationError is one error inside a MutationResult.
type MutationError struct {
	Code      Code   `json:"code"`
	Message   string `json:"message"`
	Path      string `json:"path"`
	Retryable bool   `json:"retryable"`
}

// MarshalJSON encodes r with [] for nil lists.
func (r MutationResult) MarshalJSON() ([]byte, error) {
	type plain MutationResult // drops this method, so no recursion
	p := plain(r)
	p.AffectedIDs = orEmpty(p.AffectedIDs)
	p.Errors = orEmpty(p.Errors)
	return marshal(p)
}

// MutationSuccess is the result of a successful mutation of id (§5.4:
// affectedIds is [id] for every success, a delete of a missing row included).
func MutationSuccess(mutationID, id string) MutationResult {
	return MutationResult{OK: true, MutationID: mutationID, AffectedIDs: []string{id}, Errors: []MutationError{}}
}

// MutationFailure is the result of a mutation that failed with e. mutationID
// is "" when the mutation had none (§5.7).
func MutationFailure(mutationID string, e *Error) MutationResult {
	return MutationResult{MutationID: mutationID, AffectedIDs: []string{}, Errors: []MutationError{NewMutationError(e)}}
}

// Err is r's first error as an *Error (for the partial-failure envelope), or
// nil when r has none.
func (r MutationResult) Err() *Error {
	if len(r.Errors) == 0 {
		return nil
	}
	return r.Errors[0].Err()
}

// NewMutationError is the wire form of e; retryable follows the code (§5.7).
func NewMutationError(e *Error) MutationError {
	return MutationError{Code: e.Code, Message: e.Message, Path: e.Path, Retryable: e.Retryable()}
}

// Err turns m back into an *Error.
func (m MutationError) Err() *Error {
	return &Error{Code: m.Code, Message: m.Message, Path: m.Path}
}

// PushError is one failed mutation of a /push result (§7.8). MutationID is
// nil, and encodes as null, when the mutation had no usable mutationId.
type PushError struct {
	MutationID *string `json:"mutationId"`
	Code       Code    `json:"code"`
	Message    string  `json:"message"`
	Path       string  `json:"path"`
	Retryable  bool    `json:"retryable"`
}

// NewPushError is the push error of mutationID (nil when unusable) failing
// with e; retryable follows the code. A remembered failure replayed from the
// idempotency store is terminal whatever its code: set Retryable to false.
func NewPushError(mutationID *string, e *Error) PushError {
	return PushError{MutationID: mutationID, Code: e.Code, Message: e.Message, Path: e.Path, Retryable: e.Retryable()}
}

// Err turns p into an *Error whose details carry mutationId, as the /push
// partial-failure envelope wants it (§6.2). A nil MutationID gives
// "mutationId": null, matching the errors list.
func (p PushError) Err() *Error {
	var id any
	if p.MutationID != nil {
		id = *p.MutationID
	}
	return &Error{Code: p.Code, Message: p.Message, Path: p.Path, Extra: map[string]any{"mutationId": id}}
}
