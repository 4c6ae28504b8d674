package protocol

import "github.com/datafn/datafn-go/value"

// The request and result bodies of the sync endpoints (§7.1, §7.5–§7.9).
//
// Request types are what a client sends. The server validates raw request
// bodies (value.Value) itself, because §7 prescribes a message for every
// malformed field that a typed decode could not produce. Result types encode
// every list as [] and every map as {}, never null.

// StatusResult is the result of GET /status (§7.1).
type StatusResult struct {
	SchemaHash   string   `json:"schemaHash"`
	Capabilities []string `json:"capabilities"`
	Limits       Limits   `json:"limits"`
	ServerTimeMs int64    `json:"serverTimeMs"`
}

// Limits is the limits object of StatusResult; ServerLimits fills it.
type Limits struct {
	MaxLimit         int `json:"maxLimit"`
	MaxTransactSteps int `json:"maxTransactSteps"`
	MaxPayloadBytes  int `json:"maxPayloadBytes"`
	MaxPullLimit     int `json:"maxPullLimit"`
	MaxBatchSize     int `json:"maxBatchSize"`
	MaxCloneRecords  int `json:"maxCloneRecords"`
	MaxClonePageSize int `json:"maxClonePageSize"`
}

// MarshalJSON encodes s with [] for nil capabilities.
func (s StatusResult) MarshalJSON() ([]byte, error) {
	type plain StatusResult
	p := plain(s)
	p.Capabilities = orEmpty(p.Capabilities)
	return marshal(p)
}

// SeedRequest is the body of POST /seed (§7.5).
type SeedRequest struct {
	ClientID string `json:"clientId"`
}

// SeedResult is the result of POST /seed: always {"ok":true}.
type SeedResult struct {
	OK bool `json:"ok"`
}

// CloneRequest is the body of POST /clone (§7.6). Tables nil leaves the key
// out (every resource that is not remote-only); an empty non-nil slice sends
// [] (nothing). Page nil means full mode.
type CloneRequest struct {
	ClientID     string     `json:"clientId"`
	Tables       []string   `json:"tables,omitzero"`
	Page         *ClonePage `json:"page,omitempty"`
	IncludeJoins bool       `json:"includeJoins,omitempty"`
}

// ClonePage asks for one page of one table. AfterID nil encodes as null: the
// first page.
type ClonePage struct {
	Table   string  `json:"table"`
	AfterID *string `json:"afterId"`
	Limit   int     `json:"limit"`
}

// CloneResult is the result of POST /clone. Next and Paginated are set only
// when the response is paged (§7.6); a nil entry of Next encodes as null: no
// more rows.
type CloneResult struct {
	OK        bool                     `json:"ok"`
	Data      map[string][]value.Value `json:"data"`
	Cursors   map[string]string        `json:"cursors"`
	Next      map[string]*string       `json:"next,omitempty"`
	Paginated bool                     `json:"paginated,omitempty"`
}

// MarshalJSON encodes r with [] and {} for nil lists and maps.
func (r CloneResult) MarshalJSON() ([]byte, error) {
	type plain CloneResult
	p := plain(r)
	p.Data = listsOrEmpty(p.Data)
	p.Cursors = orEmptyMap(p.Cursors)
	return marshal(p)
}

// PullRequest is the body of POST /pull (§7.7). Limit 0 leaves the key out
// (the server then uses DefaultPullLimit).
type PullRequest struct {
	ClientID     string            `json:"clientId"`
	Cursors      map[string]string `json:"cursors"`
	Limit        int               `json:"limit,omitempty"`
	IncludeJoins bool              `json:"includeJoins,omitempty"`
}

// MarshalJSON encodes r with {} for nil cursors.
func (r PullRequest) MarshalJSON() ([]byte, error) {
	type plain PullRequest
	p := plain(r)
	p.Cursors = orEmptyMap(p.Cursors)
	return marshal(p)
}

// PullResult is the result of POST /pull (§7.7, computed as in §8.4).
type PullResult struct {
	OK      bool                     `json:"ok"`
	Records map[string][]value.Value `json:"records"`
	Merged  map[string][]value.Value `json:"merged"`
	Deleted map[string][]string      `json:"deleted"`
	Cursors map[string]string        `json:"cursors"`
	HasMore bool                     `json:"hasMore"`
}

// MarshalJSON encodes r with [] and {} for nil lists and maps.
func (r PullResult) MarshalJSON() ([]byte, error) {
	type plain PullResult
	p := plain(r)
	p.Records = listsOrEmpty(p.Records)
	p.Merged = listsOrEmpty(p.Merged)
	p.Deleted = listsOrEmpty(p.Deleted)
	p.Cursors = orEmptyMap(p.Cursors)
	return marshal(p)
}

// PushRequest is the body of POST /push (§7.8). Mutations stay raw values:
// the server validates each one on its own and reports it as a terminal
// error of that mutation rather than refusing the request (§8.6).
type PushRequest struct {
	ClientID  string        `json:"clientId"`
	Mutations []value.Value `json:"mutations"`
}

// MarshalJSON encodes r with [] for nil mutations.
func (r PushRequest) MarshalJSON() ([]byte, error) {
	type plain PushRequest
	p := plain(r)
	p.Mutations = orEmpty(p.Mutations)
	return marshal(p)
}

// PushResult is the result of POST /push (§7.8). OK is true exactly when
// Errors is empty.
type PushResult struct {
	OK           bool              `json:"ok"`
	Applied      []string          `json:"applied"`
	Errors       []PushError       `json:"errors"`
	Cursor       string            `json:"cursor"`
	CursorBefore string            `json:"cursorBefore"`
	Cursors      map[string]string `json:"cursors"`
}

// MarshalJSON encodes r with [] and {} for nil lists and maps.
func (r PushResult) MarshalJSON() ([]byte, error) {
	type plain PushResult
	p := plain(r)
	p.Applied = orEmpty(p.Applied)
	p.Errors = orEmpty(p.Errors)
	p.Cursors = orEmptyMap(p.Cursors)
	return marshal(p)
}

// Err is r's first error as an *Error carrying details.mutationId (for the
// partial-failure envelope, §7.8), or nil when r has none.
func (r PushResult) Err() *Error {
	if len(r.Errors) == 0 {
		return nil
	}
	return r.Errors[0].Err()
}

// ReconcileRequest is the body of POST /reconcile (§7.9). Resources nil leaves
// the key out: every resource that is not remote-only.
type ReconcileRequest struct {
	ClientID     string   `json:"clientId"`
	Resources    []string `json:"resources,omitzero"`
	IncludeJoins bool     `json:"includeJoins,omitempty"`
}

// ReconcileResult is the result of POST /reconcile (§7.9). JoinCounts is
// always {} in milestone 1 (no relations).
type ReconcileResult struct {
	OK           bool             `json:"ok"`
	Counts       map[string]int64 `json:"counts"`
	JoinCounts   map[string]int64 `json:"joinCounts"`
	LatestCursor string           `json:"latestCursor"`
}

// MarshalJSON encodes r with {} for nil maps.
func (r ReconcileResult) MarshalJSON() ([]byte, error) {
	type plain ReconcileResult
	p := plain(r)
	p.Counts = orEmptyMap(p.Counts)
	p.JoinCounts = orEmptyMap(p.JoinCounts)
	return marshal(p)
}
