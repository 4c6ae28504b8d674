package engine

import (
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

// validRemote reports whether url.Parse(s) succeeds with scheme http or
// https and a non-empty host. It follows net/url (Go 1.26, default GODEBUG)
// step by step instead of calling it: net/url and net/netip are about
// 0.17 MB of datafn.wasm. TestValidRemoteMatchesURLParse holds the two
// together.
func validRemote(s string) bool {
	u, frag, _ := strings.Cut(s, "#")
	if !validEscapes(frag) {
		return false
	}
	for i := 0; i < len(u); i++ {
		if u[i] < ' ' || u[i] == 0x7f {
			return false
		}
	}
	colon := strings.IndexByte(u, ':')
	if scheme := asciiLower(u[:max(colon, 0)]); scheme != "http" && scheme != "https" {
		return false
	}
	rest, _, _ := strings.Cut(u[colon+1:], "?")
	authority, ok := strings.CutPrefix(rest, "//")
	if !ok {
		return false
	}
	path := ""
	if i := strings.IndexByte(authority, '/'); i >= 0 {
		authority, path = authority[:i], authority[i:]
	}
	hostPart := authority
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		hostPart = authority[at+1:]
		if !validUserinfo(authority[:at]) || !validEscapes(authority[:at]) {
			return false
		}
	}
	return validURLHost(hostPart) && validEscapes(path)
}

// asciiLower lowers A-Z only, as net/url lowers a scheme (which is ASCII).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte { return 9*(c>>6) + (c & 15) }

// validEscapes: every % starts a %XX escape (net/url's unescape outside the
// host).
func validEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

// hostByte: an ASCII byte that may stand unescaped in a host or zone.
func hostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(`!$&'()*+,;=:[]<>"-_.~`, c) >= 0
}

// unescapeHost is net/url's unescape in host mode (zone false) or zone mode.
func unescapeHost(s string, zone bool) (string, bool) {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			v := unhex(s[i+1])<<4 | unhex(s[i+2])
			if !zone && unhex(s[i+1]) < 8 && s[i:i+3] != "%25" {
				return "", false
			}
			if zone && s[i:i+3] != "%25" && v != ' ' && (v >= 0x80 || !hostByte(v)) {
				return "", false
			}
			b = append(b, v)
			i += 2
			continue
		case c < 0x80 && !hostByte(c):
			return "", false
		}
		b = append(b, c)
	}
	return string(b), true
}

// validURLHost is net/url's parseHost for http(s) with strict colons,
// giving a non-empty host.
func validURLHost(host string) bool {
	ob := strings.LastIndexByte(host, '[')
	if ob > 0 {
		return false
	}
	if ob < 0 {
		if i := strings.IndexByte(host, ':'); i >= 0 && !validOptionalPort(host[i:]) {
			return false
		}
		h, ok := unescapeHost(host, false)
		return ok && h != ""
	}
	cb := strings.LastIndexByte(host, ']')
	if cb < 0 || !validOptionalPort(host[cb+1:]) {
		return false
	}
	name := host[1:cb]
	var unescaped string
	if zi := strings.Index(name, "%25"); zi >= 0 {
		hp, ok1 := unescapeHost(name[:zi], false)
		zp, ok2 := unescapeHost(name[zi:], true)
		if !ok1 || !ok2 {
			return false
		}
		unescaped = hp + zp
	} else {
		var ok bool
		if unescaped, ok = unescapeHost(name, false); !ok {
			return false
		}
	}
	// netip.ParseAddr must give an IPv6 address: the first of . : % is :.
	if i := strings.IndexAny(unescaped, ".:%"); i < 0 || unescaped[i] != ':' {
		return false
	}
	return validIPv6(unescaped)
}

func validOptionalPort(port string) bool {
	if port == "" {
		return true
	}
	if port[0] != ':' {
		return false
	}
	for _, b := range []byte(port[1:]) {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}

// validUserinfo is net/url's validUserinfo.
func validUserinfo(s string) bool {
	for _, r := range s {
		if 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r < 0x80 && strings.IndexByte("-._:~!$&'()*+,;=%@", byte(r)) >= 0 {
			continue
		}
		return false
	}
	return true
}

// validIPv6 is netip's parseIPv6 succeeding.
func validIPv6(in string) bool {
	s := in
	end := len(in)
	if i := strings.IndexByte(s, '%'); i >= 0 {
		if i == len(s)-1 {
			return false // empty zone
		}
		s, end = s[:i], i
	}
	ellipsis := -1
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		s = s[2:]
		if len(s) == 0 {
			return true
		}
	}
	i := 0
	for i < 16 {
		off := 0
		acc := uint32(0)
		for ; off < len(s) && isHex(s[off]); off++ {
			acc = acc<<4 + uint32(unhex(s[off]))
			if off > 3 || acc > 0xffff {
				return false
			}
		}
		if off == 0 {
			return false
		}
		if off < len(s) && s[off] == '.' {
			if ellipsis < 0 && i != 12 || i+4 > 16 || !validIPv4(in[end-len(s):end]) {
				return false
			}
			s = ""
			i += 4
			break
		}
		i += 2
		s = s[off:]
		if len(s) == 0 {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis >= 0 {
				return false
			}
			ellipsis = i
			s = s[1:]
			if len(s) == 0 {
				break
			}
		}
	}
	if len(s) != 0 {
		return false
	}
	if i < 16 {
		return ellipsis >= 0
	}
	return ellipsis < 0
}

// validIPv4 is netip's parseIPv4Fields succeeding.
func validIPv4(s string) bool {
	val, pos, digits := 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			if digits == 1 && val == 0 {
				return false
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return false
			}
		case c == '.':
			if i == 0 || i == len(s)-1 || s[i-1] == '.' || pos == 3 {
				return false
			}
			pos++
			val, digits = 0, 0
		default:
			return false
		}
	}
	return pos == 3
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
