package protocol

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCodes checks every code against the table of §6.3 and the retryability
// rule of §5.7. Codes that never travel as a request-level error (results
// only, schema, reserved, client side) have no status in the spec; the table
// pins what Code.HTTPStatus answers for them so a change is deliberate.
func TestCodes(t *testing.T) {
	cases := []struct {
		code      Code
		wire      string
		status    int
		retryable bool
	}{
		{CodeInvalid, "DFQL_INVALID", 400, false},
		{CodeUnknownResource, "DFQL_UNKNOWN_RESOURCE", 400, false},
		{CodeUnknownField, "DFQL_UNKNOWN_FIELD", 400, false},
		{CodeUnknownRelation, "DFQL_UNKNOWN_RELATION", 400, false},
		{CodeUnsupported, "DFQL_UNSUPPORTED", 400, false},
		{CodeLimitExceeded, "LIMIT_EXCEEDED", 400, false},
		{CodeUnsupportedProtocol, "DATAFN_UNSUPPORTED_PROTOCOL_VERSION", 400, false},
		{CodeForbidden, "FORBIDDEN", 401, false},
		{CodeNotFound, "NOT_FOUND", 404, false},
		{CodeConflict, "CONFLICT", 409, false},
		{CodeInternal, "INTERNAL", 500, true},
		{CodeServiceUnavailable, "SERVICE_UNAVAILABLE", 503, true},
		{CodeMutationFailed, "MUTATION_FAILED", 500, true},
		{CodeRolledBack, "TRANSACTION_ROLLED_BACK", 400, false},
		{CodeSchemaInvalid, "SCHEMA_INVALID", 400, false},
		{CodeInvalidCapability, "INVALID_CAPABILITY", 400, false},
		{CodeInvalidCapConfig, "INVALID_CAPABILITY_CONFIG", 400, false},
		{CodeCapFieldCollision, "CAPABILITY_FIELD_COLLISION", 400, false},
		{CodeCapDependency, "CAPABILITY_DEPENDENCY", 400, false},
		{CodeRelationRestricted, "RELATION_RESTRICTED", 409, false},
		{CodeTransport, "TRANSPORT_ERROR", 400, false},
		{CodeAborted, "DFQL_ABORTED", 400, false},
	}
	for _, c := range cases {
		t.Run(c.wire, func(t *testing.T) {
			require.Equal(t, c.wire, string(c.code))
			require.Equal(t, c.status, c.code.HTTPStatus())
			require.Equal(t, c.retryable, c.code.Retryable())
			e := Errorf(c.code, "", "m")
			require.Equal(t, c.retryable, e.Retryable())
			require.Equal(t, c.retryable, NewMutationError(e).Retryable)
			require.Equal(t, "$", e.Path)
		})
	}
}

func TestStatusOverride(t *testing.T) {
	// ENV-3: the payload limit answers 413, other limits 400.
	e := LimitExceeded("$", "payload>5242880")
	require.Equal(t, http.StatusBadRequest, e.HTTPStatus())
	e.Status = http.StatusRequestEntityTooLarge
	require.Equal(t, 413, e.HTTPStatus())
	// A wrong method answers 405 with DFQL_INVALID.
	m := Errorf(CodeInvalid, "$", "Method not allowed")
	m.Status = http.StatusMethodNotAllowed
	require.Equal(t, 405, m.HTTPStatus())
}

func TestAsWrapsForeignErrors(t *testing.T) {
	cause := errors.New("disk on fire")
	e := As(cause)
	require.Equal(t, CodeInternal, e.Code)
	require.Equal(t, "Internal error", e.Message)
	require.ErrorIs(t, e, cause)
	conflict := Errorf(CodeConflict, "id", "Record already exists")
	require.Same(t, conflict, As(conflict))
	require.Nil(t, As(nil))
}
