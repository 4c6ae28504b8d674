package protocol

// ProtocolVersion is the only protocolVersion a request may carry (§6.4).
const ProtocolVersion = "1"

// DefaultNamespace is the namespace of every request under --auth none (§6.5).
const DefaultNamespace = "datafn"

// GlobalCursorKey is the client's meta key for its largest stored cursor (§11.3).
const GlobalCursorKey = "__global_cursor__"

// BasePath is where the protocol is mounted; operation op lives at
// BasePath + "/" + op (§6.1).
const BasePath = "/datafn"

// The operations of §6.1. A client calls <remote>/<operation>; the server
// answers GET on OpStatus and POST on every other one.
const (
	OpStatus    = "status"
	OpQuery     = "query"
	OpMutation  = "mutation"
	OpTransact  = "transact"
	OpSeed      = "seed"
	OpClone     = "clone"
	OpPull      = "pull"
	OpPush      = "push"
	OpReconcile = "reconcile"
)

// Operations lists every operation in the order of §6.1. It returns a fresh
// slice, so callers may keep or modify it.
func Operations() []string {
	return []string{OpStatus, OpQuery, OpMutation, OpTransact, OpSeed, OpClone, OpPull, OpPush, OpReconcile}
}

// RoutePath is the server path of operation op, for example "/datafn/pull".
func RoutePath(op string) string { return BasePath + "/" + op }

// The server limits of §8.9 and Appendix B. They are fixed in milestone 1.
const (
	// MaxPayloadBytes is the largest accepted request body (413 above it).
	MaxPayloadBytes = 5242880
	// MaxLimit is the largest query limit the server accepts.
	MaxLimit = 100
	// MaxBatchSize is the most queries per /query and mutations per
	// /mutation or /push request.
	MaxBatchSize = 500
	// MaxTransactSteps is the most steps of one /transact request.
	MaxTransactSteps = 100
	// MaxPullLimit caps a pull's limit; higher values are lowered silently.
	MaxPullLimit = 1000
	// DefaultPullLimit is a pull's limit when the request has none.
	DefaultPullLimit = 200
	// MaxCloneRecords is the most rows per table of a full-mode clone.
	MaxCloneRecords = 10000
	// MaxClonePageSize is the largest clone page.limit.
	MaxClonePageSize = 1000
	// MaxSelect is the most select (or omit) tokens of a query.
	MaxSelect = 50
	// MaxFilterKeys is the most keys of one filter object.
	MaxFilterKeys = 20
	// MaxFilterDepth is the deepest nesting of filter groups.
	MaxFilterDepth = 10
	// MaxSortTerms is the most sort terms of a query.
	MaxSortTerms = 10
	// MaxAggregations is the most aggregations of a grouped query.
	MaxAggregations = 20
	// MaxLikePattern is the longest $like/$ilike pattern, in code points.
	MaxLikePattern = 200
	// MaxIDLength is the longest id, mutationId or namespace, in code points.
	MaxIDLength = 255
	// IdempotencyTTLMs is how long idempotency records are kept at least.
	IdempotencyTTLMs = 86400000
)

// The capabilities GET /status announces (§7.1).
const (
	CapQuery     = "dfql.query"
	CapMutation  = "dfql.mutation"
	CapTransact  = "dfql.transact"
	CapSeed      = "sync.seed"
	CapClone     = "sync.clone"
	CapPull      = "sync.pull"
	CapPush      = "sync.push"
	CapReconcile = "sync.reconcile"
)

// ServerCapabilities is the capability list of §7.1, in its order. It returns
// a fresh slice, so callers may keep or modify it.
func ServerCapabilities() []string {
	return []string{CapQuery, CapMutation, CapTransact, CapSeed, CapClone, CapPull, CapPush, CapReconcile}
}

// ServerLimits is the limits object GET /status reports (§7.1).
func ServerLimits() Limits {
	return Limits{
		MaxLimit:         MaxLimit,
		MaxTransactSteps: MaxTransactSteps,
		MaxPayloadBytes:  MaxPayloadBytes,
		MaxPullLimit:     MaxPullLimit,
		MaxBatchSize:     MaxBatchSize,
		MaxCloneRecords:  MaxCloneRecords,
		MaxClonePageSize: MaxClonePageSize,
	}
}
