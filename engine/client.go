package engine

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// Deps are the parts of a client that differ between a native program, the
// browser and tests. Every field is optional.
type Deps struct {
	// Transport makes protocol calls; default: NewHTTPTransport(remote, Token)
	// natively. The browser passes the fetch transport.
	Transport Transport
	// Token is authToken: called before every request.
	Token func(ctx context.Context) (string, error)
	// OpenStorage opens the configured storage; default: memstore for type
	// "memory", an error for "indexeddb" (only the browser has it).
	OpenStorage func(ctx context.Context, cfg StorageConfig, s *schema.Schema) (Storage, error)
	// Lane is the sync lane; default: a mutex of this client (§12.10).
	Lane Lane
	// Connectivity defaults to an always-online ManualConnectivity.
	Connectivity Connectivity
	// Clock defaults to SystemClock.
	Clock Clock
	// Now is getTimestamp, in epoch ms; default Clock.Now.
	Now func() int64
	// GenerateID is generateId; default "<P>:<uuid v4>".
	GenerateID func(resource, prefix string) (string, error)
	// Random is U of the backoff formulas, uniform in [0, 1).
	Random func() float64
	// Logf reports handler panics and background failures (console.error).
	Logf func(format string, args ...any)
	// Announce, when set, receives what every committed storage write
	// transaction of this client changed (§12.10); other clients on the
	// database pass it to Client.Refresh.
	Announce func(changes []Change)
	// NewMemStore makes memory storage; set by engine/memstore users to avoid
	// an import cycle. Used when OpenStorage is nil and the type is "memory".
	NewMemStore func(resources []string) Storage
}

// Client is a datafn client (§9.4).
type Client struct {
	cfg       *Config
	schema    *schema.Schema
	deps      Deps
	store     Storage // nil: no local data
	transport Transport
	clientID  string
	bus       *bus
	tables    map[string]*Table
	cache     *rowCache
	sync      *syncer
	groups    groupCommit // local-path mutations committed together (mutate.go)
	hyd       hydCache    // hydration states read (hydcache.go)

	ctx    context.Context // cancelled by Close: aborts requests in flight
	cancel context.CancelFunc
	closed atomic.Bool
	wg     sync.WaitGroup // calls in progress, awaited by Close
}

// NewClient validates cfg (§9.3), opens storage, loads or creates the
// clientId and resets interrupted hydrations (§9.1). It neither contacts the
// server nor starts syncing.
func NewClient(ctx context.Context, cfgJSON value.Value, deps Deps) (*Client, error) {
	cfg, err := ParseConfig(cfgJSON)
	if err != nil {
		return nil, err
	}
	return newClient(ctx, cfg, deps)
}

// Open is NewClient for an already validated configuration.
func Open(ctx context.Context, cfg *Config, deps Deps) (*Client, error) {
	return newClient(ctx, cfg, deps)
}

func newClient(ctx context.Context, cfg *Config, deps Deps) (*Client, error) {
	deps = withDefaults(deps)
	c := &Client{cfg: cfg, schema: cfg.Schema, deps: deps, bus: newBus(deps.Logf), tables: map[string]*Table{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	for _, r := range cfg.Schema.Resources {
		c.tables[r.Name] = &Table{c: c, res: r}
	}
	c.cache = newRowCache()
	if err := c.openStorage(ctx); err != nil {
		return nil, err
	}
	c.transport = deps.Transport
	if c.transport == nil && cfg.Remote != "" {
		c.transport = defaultTransport(cfg.Remote, deps.Token)
	}
	c.sync = newSyncer(c)
	return c, nil
}

func withDefaults(d Deps) Deps {
	if d.Clock == nil {
		d.Clock = SystemClock{}
	}
	if d.Now == nil {
		clk := d.Clock
		d.Now = func() int64 { return clk.Now().UnixMilli() }
	}
	if d.Connectivity == nil {
		d.Connectivity = NewManualConnectivity()
	}
	if d.Lane == nil {
		d.Lane = NewMutexLane()
	}
	if d.GenerateID == nil {
		d.GenerateID = func(_, prefix string) (string, error) { return prefix + ":" + newUUID(), nil }
	}
	if d.Random == nil {
		d.Random = randomFloat
	}
	if d.Logf == nil {
		d.Logf = defaultLogf
	}
	return d
}

// localResources are the resources that take part in storage and sync.
func (c *Client) localResources() []*schema.Resource {
	var out []*schema.Resource
	for _, r := range c.schema.Resources {
		if !r.RemoteOnly {
			out = append(out, r)
		}
	}
	return out
}

func (c *Client) openStorage(ctx context.Context) error {
	if c.cfg.Storage == nil {
		c.clientID = c.cfg.ClientID
		if c.clientID == "" {
			c.clientID = newUUID()
		}
		return nil
	}
	st, err := c.open(ctx)
	if err != nil {
		return err
	}
	c.store = &watchedStorage{Storage: st, c: c}
	return st.Update(ctx, func(tx WriteTx) error {
		id := c.cfg.ClientID
		if id == "" {
			if id, err = tx.GetOrCreateClientID(newUUID()); err != nil {
				return err
			}
		}
		c.clientID = id
		// An interrupted clone leaves tables hydrating: they start over as
		// notStarted, keeping their progress, without events (§11.4).
		for _, r := range c.localResources() {
			h, err := tx.Hydration(r.Name)
			if err != nil {
				return err
			}
			if h == Hydrating {
				if err := tx.ResetHydration(r.Name); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (c *Client) open(ctx context.Context) (Storage, error) {
	if c.deps.OpenStorage != nil {
		return c.deps.OpenStorage(ctx, *c.cfg.Storage, c.schema)
	}
	if c.cfg.Storage.Type == StorageMemory && c.deps.NewMemStore != nil {
		var names []string
		for _, r := range c.localResources() {
			names = append(names, r.Name)
		}
		return c.deps.NewMemStore(names), nil
	}
	return nil, StorageError("storage", c.cfg.Storage.Type+" storage is not available", nil)
}

// errDestroyed is the error of every call after Close (§9.4).
func errDestroyed() *protocol.Error {
	return protocol.Errorf(protocol.CodeInvalid, "$", "Client has been destroyed")
}

// enter marks a call in progress; it fails once the client is closed.
func (c *Client) enter() error {
	c.wg.Add(1)
	if c.closed.Load() {
		c.wg.Done()
		return errDestroyed()
	}
	return nil
}

// leave ends a call: the events it caused are delivered first (§10.4).
func (c *Client) leave(ctx context.Context) {
	c.bus.flush(ctx)
	c.wg.Done()
}

// ClientID is the client's clientId.
func (c *Client) ClientID() string { return c.clientID }

// Schema is the client's schema (the bridge converts dates by field type,
// §9.6).
func (c *Client) Schema() *schema.Schema { return c.schema }

// Config is the validated configuration.
func (c *Client) Config() *Config { return c.cfg }

// Table returns the handle of a resource, the same one on every call (CFG-7).
func (c *Client) Table(name string) (*Table, error) {
	if c.closed.Load() {
		return nil, errDestroyed()
	}
	t, ok := c.tables[name]
	if !ok {
		return nil, protocol.UnknownResource("resource", name)
	}
	return t, nil
}

// Subscribe calls h for every event matching f (§10.3) and returns an
// unsubscribe function.
func (c *Client) Subscribe(h Handler, f Filter) (func(), error) {
	if c.closed.Load() {
		return nil, errDestroyed()
	}
	return c.bus.subscribe(h, f, ""), nil
}

// Events is client.events (§10.3).
func (c *Client) Events() Events { return Events{c.bus} }

// Changelog lists the pending changelog entries in seq order; limit <= 0
// means all (§9.4).
func (c *Client) Changelog(ctx context.Context, limit int) ([]ChangelogEntry, error) {
	if err := c.enter(); err != nil {
		return nil, err
	}
	defer c.leave(ctx)
	if c.store == nil {
		return []ChangelogEntry{}, nil
	}
	var out []ChangelogEntry
	err := c.store.View(ctx, func(tx ReadTx) error {
		var err error
		out, err = tx.Changelog(limit)
		return err
	})
	return out, err
}

// Close stops syncing, aborts requests in flight (they fail with
// DFQL_ABORTED and emit no events), waits for calls and storage
// transactions, and closes the storage (§12.1).
func (c *Client) Close(ctx context.Context) error {
	if c.closed.Swap(true) {
		return nil
	}
	c.cancel()
	// Calls waiting for event delivery are released first: one of them may
	// be a handler's own call.
	c.bus.close(ctx, false)
	c.sync.shutdown()
	c.wg.Wait()
	c.bus.close(ctx, true)
	if c.store != nil {
		return c.store.Close()
	}
	return nil
}

// now is getTimestamp().
func (c *Client) now() int64 { return c.deps.Now() }

// emit fires an event stamped with getTimestamp(); nothing after close.
func (c *Client) emit(ev protocol.Event) {
	if c.closed.Load() {
		return
	}
	ev.TimestampMs = c.now()
	c.bus.emit(ev)
}

// reqCtx is the context of a request: cancelled by ctx or by Close.
func (c *Client) reqCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	rc, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(c.ctx, cancel)
	return rc, func() { stop(); cancel() }
}
