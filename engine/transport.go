package engine

import (
	"context"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

// Transport makes the protocol calls of §9.5. Every failure is a
// *protocol.Error: the server's own error, TRANSPORT_ERROR for transport
// failures and unexpected responses, DFQL_ABORTED when ctx was cancelled by
// client.close().
type Transport interface {
	// Query runs one completed query (POST /query).
	Query(ctx context.Context, q value.Value) (protocol.QueryResult, error)
	// Mutation sends one mutation (POST /mutation). A failed mutation (the
	// partial-failure envelope) is a result, not an error.
	Mutation(ctx context.Context, m value.Value) (protocol.MutationResult, error)
	// Mutations sends an array of mutations as one POST /mutation.
	Mutations(ctx context.Context, ms []value.Value) ([]protocol.MutationResult, error)
	Clone(ctx context.Context, req protocol.CloneRequest) (protocol.CloneResult, error)
	Pull(ctx context.Context, req protocol.PullRequest) (protocol.PullResult, error)
	// Push returns the push result also for the partial-failure envelope.
	Push(ctx context.Context, req protocol.PushRequest) (protocol.PushResult, error)
}

// The transport failures of §9.5.
var (
	errNetwork = func() *protocol.Error {
		return protocol.Errorf(protocol.CodeTransport, "$", "Transport error: network request failed")
	}
	errTimeout = func() *protocol.Error {
		return protocol.Errorf(protocol.CodeTransport, "$", "Transport error: request timed out")
	}
	errShape = func() *protocol.Error {
		return protocol.Errorf(protocol.CodeTransport, "$", "Transport error: unexpected response shape")
	}
	errAborted = func() *protocol.Error { return protocol.Errorf(protocol.CodeAborted, "$", "Request aborted") }
)

// IsTransportClass reports whether err is a transport-class failure
// (TRANSPORT_ERROR or SERVICE_UNAVAILABLE, §9.5): the ones that turn a remote
// mutation into a queued one.
func IsTransportClass(err error) bool {
	pe, ok := err.(*protocol.Error)
	return ok && (pe.Code == protocol.CodeTransport || pe.Code == protocol.CodeServiceUnavailable)
}
