package engine

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// The sync modes of §9.2.
const (
	ModeSync      = "sync"
	ModeLocalOnly = "local-only"
)

// The storage types of §9.1.
const (
	StorageIndexedDB = "indexeddb"
	StorageMemory    = "memory"
	DefaultDBName    = "datafn_client_db"
)

// Config is a validated client configuration with every default filled in
// (§9.1, §9.2, Appendix B).
type Config struct {
	Schema *schema.Schema
	// ClientID is the configured clientId, "" for the default (§9.1).
	ClientID string
	// Storage is nil when the client keeps no local data.
	Storage *StorageConfig

	Mode string
	// Remote is the protocol base URL without a trailing "/", "" when none.
	Remote              string
	Offlinability       bool
	PushIntervalMs      int64 // 0: unset
	PushBatchSize       int
	PushMaxRetries      int
	PushRetryBackoff    RetryBackoff
	PushIntervalBackoff IntervalBackoff
	PullBatchSize       int
	MaxPullIterations   int
	Hydration           HydrationConfig
}

// StorageConfig is the storage option.
type StorageConfig struct {
	Type   string
	DBName string
}

// RetryBackoff is pushRetryBackoff (§12.8.3).
type RetryBackoff struct {
	BaseDelayMs, Multiplier, MaxDelayMs, JitterMs float64
}

// IntervalBackoff is pushIntervalBackoff (§12.8.6).
type IntervalBackoff struct {
	BaseMultiplier, MaxDelayMs, JitterMs float64
}

// HydrationConfig is sync.hydration (§12.2).
type HydrationConfig struct {
	BootResources       []string
	BackgroundResources []string
	// ClonePageSize is the page size of tables without an entry in
	// ClonePageSizes.
	ClonePageSize  int
	ClonePageSizes map[string]int
}

// PageSize is the clone page size of a table (§12.6 step 3).
func (h HydrationConfig) PageSize(table string) int {
	if n, ok := h.ClonePageSizes[table]; ok {
		return n
	}
	return h.ClonePageSize
}

// DefaultConfig returns the defaults of Appendix B for a schema.
func DefaultConfig(s *schema.Schema) *Config {
	return &Config{
		Schema: s, Mode: ModeSync, PushBatchSize: 100, PushMaxRetries: 3,
		PushRetryBackoff:    RetryBackoff{BaseDelayMs: 1000, Multiplier: 2, MaxDelayMs: 60000, JitterMs: 500},
		PushIntervalBackoff: IntervalBackoff{BaseMultiplier: 2, MaxDelayMs: 300000, JitterMs: 1000},
		PullBatchSize:       200, MaxPullIterations: 50,
		Hydration: HydrationConfig{ClonePageSize: 1000},
	}
}

// cfgErr is DFQL_INVALID "Invalid client config: <msg>" at path.
func cfgErr(path, format string, args ...any) *protocol.Error {
	return protocol.Errorf(protocol.CodeInvalid, path, "Invalid client config: "+format, args...)
}

// ParseConfig validates a configuration given as JSON and fills in defaults.
// It reports the first failing rule in the order of §9.3. Options that are
// functions (authToken, getTimestamp, generateId) travel in Deps.
func ParseConfig(v value.Value) (*Config, error) {
	if v.Kind() != value.Object {
		return nil, cfgErr("$", "config must be an object")
	}
	s, err := schema.FromValue(v.Get("schema"))
	if err != nil {
		return nil, err
	}
	c := DefaultConfig(s)
	steps := []func(c *Config, v value.Value) error{
		parseClientID, parseStorage, parseMode, parseOfflinability, parseNumbers, parseBackoffs,
		parsePullOptions, parseHydration,
	}
	for _, step := range steps {
		if err := step(c, v); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func parseClientID(c *Config, v value.Value) error {
	id := v.Get("clientId")
	if id.IsAbsent() {
		return nil
	}
	if id.Kind() != value.String || id.Str() == "" || utf8.RuneCountInString(id.Str()) > protocol.MaxIDLength {
		return cfgErr("clientId", "clientId must be a non-empty string")
	}
	c.ClientID = id.Str()
	return nil
}

// parseStorage checks rules 3-5.
func parseStorage(c *Config, v value.Value) error {
	st := v.Get("storage")
	if st.IsAbsent() {
		return nil
	}
	if st.Kind() != value.Object {
		return cfgErr("storage", "storage must be an object")
	}
	sc := &StorageConfig{Type: StorageIndexedDB, DBName: DefaultDBName}
	if t := st.Get("type"); !t.IsAbsent() {
		if t.Kind() != value.String || (t.Str() != StorageIndexedDB && t.Str() != StorageMemory) {
			return cfgErr("storage.type", `storage.type must be "indexeddb" or "memory"`)
		}
		sc.Type = t.Str()
	}
	if n := st.Get("dbName"); !n.IsAbsent() {
		if n.Kind() != value.String || n.Str() == "" {
			return cfgErr("storage.dbName", "storage.dbName must be a non-empty string")
		}
		sc.DBName = n.Str()
	}
	c.Storage = sc
	return nil
}

// syncOpts returns the sync object (rule 6): Absent becomes an empty object.
func syncOpts(v value.Value) (value.Value, error) {
	s := v.Get("sync")
	if s.IsAbsent() {
		return value.Obj(nil, nil), nil
	}
	if s.Kind() != value.Object {
		return s, cfgErr("sync", "sync must be an object")
	}
	return s, nil
}

// parseMode checks rules 6-10.
func parseMode(c *Config, v value.Value) error {
	s, err := syncOpts(v)
	if err != nil {
		return err
	}
	if m := s.Get("mode"); !m.IsAbsent() {
		if m.Kind() != value.String || (m.Str() != ModeSync && m.Str() != ModeLocalOnly) {
			return cfgErr("sync.mode", `mode must be "sync" or "local-only"`)
		}
		c.Mode = m.Str()
	}
	if r := s.Get("remote"); !r.IsAbsent() {
		if r.Kind() != value.String || !validRemote(r.Str()) {
			return cfgErr("sync.remote", "remote must be an http or https URL")
		}
		c.Remote = strings.TrimSuffix(r.Str(), "/")
	}
	if c.Mode == ModeSync && c.Remote == "" {
		return cfgErr("sync", "remote or remoteAdapter is required in sync mode")
	}
	if c.Mode == ModeLocalOnly && c.Storage == nil {
		return cfgErr("storage", "storage is required in local-only mode")
	}
	return nil
}

func validRemote(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// parseOfflinability checks rules 11-12.
func parseOfflinability(c *Config, v value.Value) error {
	s, _ := syncOpts(v)
	o := s.Get("offlinability")
	if o.IsAbsent() {
		return nil
	}
	if o.Kind() != value.Bool {
		return cfgErr("sync.offlinability", "offlinability must be boolean")
	}
	c.Offlinability = o.Bool()
	if c.Offlinability && c.Storage == nil {
		return cfgErr("storage", "storage is required when offlinability is true")
	}
	return nil
}

// intOpt reads an optional integer option within [lo, hi]; ok is false when
// it is present and out of rules.
func intOpt(s value.Value, key string, lo, hi float64) (n int64, present, ok bool) {
	x := s.Get(key)
	if x.IsAbsent() {
		return 0, false, true
	}
	if !x.IsInteger() || x.Num() < lo || x.Num() > hi {
		return 0, true, false
	}
	return int64(x.Num()), true, true
}

const maxSafe = 1<<53 - 1

// parseNumbers checks rules 13-15.
func parseNumbers(c *Config, v value.Value) error {
	s, _ := syncOpts(v)
	if n, present, ok := intOpt(s, "pushInterval", 1, maxSafe); !ok {
		return cfgErr("sync.pushInterval", "pushInterval must be a positive integer")
	} else if present {
		c.PushIntervalMs = n
	}
	if n, present, ok := intOpt(s, "pushBatchSize", 1, 500); !ok {
		return cfgErr("sync.pushBatchSize", "pushBatchSize must be a positive integer between 1 and 500")
	} else if present {
		c.PushBatchSize = int(n)
	}
	if n, present, ok := intOpt(s, "pushMaxRetries", 0, maxSafe); !ok {
		return cfgErr("sync.pushMaxRetries", "pushMaxRetries must be a non-negative integer")
	} else if present {
		c.PushMaxRetries = int(n)
	}
	return nil
}

type backoffKey struct {
	name  string
	dst   *float64
	atLe1 bool // the multiplier keys must be numbers >= 1
}

// parseBackoffs checks rules 16-17: partial objects merge over the defaults.
func parseBackoffs(c *Config, v value.Value) error {
	s, _ := syncOpts(v)
	r, i := &c.PushRetryBackoff, &c.PushIntervalBackoff
	if err := mergeBackoff(s, "pushRetryBackoff", []backoffKey{{"baseDelayMs", &r.BaseDelayMs, false},
		{"multiplier", &r.Multiplier, true}, {"maxDelayMs", &r.MaxDelayMs, false}, {"jitterMs", &r.JitterMs, false}}); err != nil {
		return err
	}
	return mergeBackoff(s, "pushIntervalBackoff", []backoffKey{{"baseMultiplier", &i.BaseMultiplier, true},
		{"maxDelayMs", &i.MaxDelayMs, false}, {"jitterMs", &i.JitterMs, false}})
}

func mergeBackoff(s value.Value, name string, keys []backoffKey) error {
	o := s.Get(name)
	if o.IsAbsent() {
		return nil
	}
	if o.Kind() != value.Object {
		return cfgErr("sync."+name, "%s must be an object", name)
	}
	for _, k := range keys {
		x := o.Get(k.name)
		if x.IsAbsent() {
			continue
		}
		switch {
		case k.atLe1 && (x.Kind() != value.Number || x.Num() < 1):
			return cfgErr("sync."+name+"."+k.name, "%s.%s must be a number >= 1", name, k.name)
		case !k.atLe1 && (x.Kind() != value.Number || x.Num() < 0):
			return cfgErr("sync."+name+"."+k.name, "%s.%s must be a non-negative number", name, k.name)
		}
		*k.dst = x.Num()
	}
	return nil
}

// parsePullOptions checks rules 18-19.
func parsePullOptions(c *Config, v value.Value) error {
	s, _ := syncOpts(v)
	if n, present, ok := intOpt(s, "pullBatchSize", 10, 10000); !ok {
		return cfgErr("sync.pullBatchSize", "pullBatchSize must be a positive integer between 10 and 10000")
	} else if present {
		c.PullBatchSize = int(n)
	}
	if n, present, ok := intOpt(s, "maxPullIterations", 1, maxSafe); !ok {
		return cfgErr("sync.maxPullIterations", "maxPullIterations must be a positive integer")
	} else if present {
		c.MaxPullIterations = int(n)
	}
	return nil
}
