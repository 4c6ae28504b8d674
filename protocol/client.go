package protocol

import "github.com/datafn/datafn-go/value"

// ChangelogEntry is one entry of the client's changelog (§11.5), as stored
// and as client.changelog.list() returns it:
//
//	{ "seq": 1, "clientId": "device-1", "mutationId": "m-1", "mutation": { }, "timestampMs": 1700000000000, "timestamp": "2023-11-14T22:13:20.000Z" }
//
// Timestamp is TimestampMs in ISO-8601 UTC with milliseconds. UserID is not
// written in milestone 1; it is kept when present in entries read back.
type ChangelogEntry struct {
	Seq         int64       `json:"seq"`
	ClientID    string      `json:"clientId"`
	MutationID  string      `json:"mutationId"`
	Mutation    value.Value `json:"mutation"`
	TimestampMs int64       `json:"timestampMs"`
	UserID      string      `json:"userId,omitempty"`
	Timestamp   string      `json:"timestamp"`
	// Fresh tells storage, on append only, that the caller knows no stored
	// entry has this (ClientID, MutationID) (it made the id, or looked it up
	// in the same transaction), so the append need not look; never stored or
	// sent.
	Fresh bool `json:"-"`
}

// The client event types (§10.2).
const (
	EventMutationApplied     = "mutation_applied"
	EventMutationRejected    = "mutation_rejected"
	EventSyncStarted         = "sync_started"
	EventSyncApplied         = "sync_applied"
	EventSyncFailed          = "sync_failed"
	EventSyncRetry           = "sync_retry"
	EventConnectivityChanged = "connectivity_changed"
	EventHydrationChanged    = "hydration_changed"
	// Not in §10.2 (issue #8, storage pressure): a write transaction failed
	// because of the storage (context: error {code, message}, quotaExceeded),
	// and the first write that stored something again afterwards.
	EventStorageFailed    = "storage_failed"
	EventStorageRecovered = "storage_recovered"
)

// EventTypes lists every event type of §10.2. It returns a fresh slice.
func EventTypes() []string {
	return []string{EventMutationApplied, EventMutationRejected, EventSyncStarted, EventSyncApplied,
		EventSyncFailed, EventSyncRetry, EventConnectivityChanged, EventHydrationChanged,
		EventStorageFailed, EventStorageRecovered}
}

// Event is a client event (§10.1):
//
//	{ type, resource?, ids?, mutationId?, clientId?, timestampMs, context?, action?, fields?, record?, system?, fromRemoteTab? }
//
// Absent members are left out, never null: empty strings, nil slices, Absent
// values and a false System or FromRemoteTab are omitted. FromRemoteTab marks
// an event fired for what another client on the same database changed
// (§12.10, "Memory cache and other tabs"). A non-nil empty Fields encodes as []
// (the fields of a delete).
type Event struct {
	Type          string      `json:"type"`
	Resource      string      `json:"resource,omitempty"`
	IDs           []string    `json:"ids,omitzero"`
	MutationID    string      `json:"mutationId,omitempty"`
	ClientID      string      `json:"clientId,omitempty"`
	TimestampMs   int64       `json:"timestampMs"`
	Context       value.Value `json:"context,omitzero"`
	Action        string      `json:"action,omitempty"`
	Fields        []string    `json:"fields,omitzero"`
	Record        value.Value `json:"record,omitzero"`
	System        bool        `json:"system,omitempty"`
	FromRemoteTab bool        `json:"fromRemoteTab,omitempty"`
}
