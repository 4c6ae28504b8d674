// Package protocol holds the wire types of the DataFn HTTP protocol: the
// envelope, the request and response bodies of every endpoint, and the error
// codes with their HTTP statuses and retryability.
package protocol

import (
	"errors"
	"fmt"
)

// Code is a stable protocol error code, as it travels on the wire.
type Code string

// The error codes of protocol.md §6.3.
const (
	CodeInvalid             Code = "DFQL_INVALID"
	CodeUnknownResource     Code = "DFQL_UNKNOWN_RESOURCE"
	CodeUnknownField        Code = "DFQL_UNKNOWN_FIELD"
	CodeUnknownRelation     Code = "DFQL_UNKNOWN_RELATION"
	CodeUnsupported         Code = "DFQL_UNSUPPORTED"
	CodeLimitExceeded       Code = "LIMIT_EXCEEDED"
	CodeUnsupportedProtocol Code = "DATAFN_UNSUPPORTED_PROTOCOL_VERSION"
	CodeForbidden           Code = "FORBIDDEN"
	CodeNotFound            Code = "NOT_FOUND"
	CodeConflict            Code = "CONFLICT"
	CodeInternal            Code = "INTERNAL"
	CodeServiceUnavailable  Code = "SERVICE_UNAVAILABLE"
	CodeMutationFailed      Code = "MUTATION_FAILED"
	CodeRolledBack          Code = "TRANSACTION_ROLLED_BACK"
	CodeSchemaInvalid       Code = "SCHEMA_INVALID"
	CodeInvalidCapability   Code = "INVALID_CAPABILITY"
	CodeInvalidCapConfig    Code = "INVALID_CAPABILITY_CONFIG"
	CodeCapFieldCollision   Code = "CAPABILITY_FIELD_COLLISION"
	CodeCapDependency       Code = "CAPABILITY_DEPENDENCY"
	CodeRelationRestricted  Code = "RELATION_RESTRICTED"
	CodeTransport           Code = "TRANSPORT_ERROR"
	CodeAborted             Code = "DFQL_ABORTED"
)

// HTTPStatus is the status a request-level error with this code answers with.
// Plain numbers keep net/http (about 7 MB) out of the wasm binary.
func (c Code) HTTPStatus() int {
	switch c {
	case CodeForbidden:
		return 401
	case CodeNotFound:
		return 404
	case CodeConflict, CodeRelationRestricted:
		return 409
	case CodeInternal, CodeMutationFailed:
		return 500
	case CodeServiceUnavailable:
		return 503
	default:
		return 400
	}
}

// Retryable reports whether a failure with this code is transient (§5.7).
func (c Code) Retryable() bool {
	return c == CodeInternal || c == CodeMutationFailed || c == CodeServiceUnavailable
}

// Error is the one error type of the project. It carries a protocol code, a
// message, the path of the offending value and optional extra detail keys.
type Error struct {
	Code    Code
	Message string
	Path    string
	// Extra holds detail keys besides path (resource, mutationId).
	Extra map[string]any
	// Status overrides Code.HTTPStatus when non-zero (413 for payload size, 405).
	Status int
	// Err is an underlying cause; it is logged, never sent.
	Err error
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message + " (" + e.Path + ")" }

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the error's code is transient.
func (e *Error) Retryable() bool { return e.Code.Retryable() }

// HTTPStatus is the HTTP status for this error as a request-level failure.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	return e.Code.HTTPStatus()
}

// Errorf makes an error with a code, a path and a formatted message.
func Errorf(code Code, path, format string, args ...any) *Error {
	if path == "" {
		path = "$"
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Path: path}
}

// Invalid is the common DFQL_INVALID error: message "Invalid DFQL: <reason>".
func Invalid(path, format string, args ...any) *Error {
	return Errorf(CodeInvalid, path, "Invalid DFQL: "+format, args...)
}

// UnknownField is DFQL_UNKNOWN_FIELD "Unknown field: <what>" at path.
func UnknownField(path, what string) *Error {
	return Errorf(CodeUnknownField, path, "Unknown field: %s", what)
}

// Unsupported is DFQL_UNSUPPORTED "Unsupported DFQL feature: <what>".
func Unsupported(path, what string) *Error {
	return Errorf(CodeUnsupported, path, "Unsupported DFQL feature: %s", what)
}

// LimitExceeded is LIMIT_EXCEEDED "Limit exceeded: <what>".
func LimitExceeded(path, what string) *Error {
	return Errorf(CodeLimitExceeded, path, "Limit exceeded: %s", what)
}

// UnknownResource is DFQL_UNKNOWN_RESOURCE with the resource detail key.
func UnknownResource(path, name string) *Error {
	e := Errorf(CodeUnknownResource, path, "Unknown resource: %s", name)
	e.Extra = map[string]any{"resource": name}
	return e
}

// Internal is the server's opaque INTERNAL error wrapping a cause.
func Internal(cause error) *Error {
	return &Error{Code: CodeInternal, Message: "Internal error", Path: "$", Err: cause}
}

// As extracts an *Error from err, wrapping anything else as Internal.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return Internal(err)
}

// ErrorBody is the wire form of an error inside an envelope.
type ErrorBody struct {
	Code    Code           `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// Body returns the wire form of e, with details.path always present.
func (e *Error) Body() ErrorBody {
	d := make(map[string]any, 1+len(e.Extra))
	for k, v := range e.Extra {
		d[k] = v
	}
	// details.path is never empty on the wire (§6.2), even for an Error
	// built by hand without a path.
	d["path"] = e.Path
	if e.Path == "" {
		d["path"] = "$"
	}
	return ErrorBody{Code: e.Code, Message: e.Message, Details: d}
}

// FromBody turns a wire error back into an *Error.
func FromBody(b ErrorBody) *Error {
	e := &Error{Code: b.Code, Message: b.Message, Path: "$"}
	for k, v := range b.Details {
		if k == "path" {
			if s, ok := v.(string); ok {
				e.Path = s
			}
			continue
		}
		if e.Extra == nil {
			e.Extra = map[string]any{}
		}
		e.Extra[k] = v
	}
	return e
}
