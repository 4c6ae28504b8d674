//go:build js && wasm

package main

import (
	"context"
	"syscall/js"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/engine/memstore"
	"github.com/datafn/datafn-go/idb"
	"github.com/datafn/datafn-go/jsbridge"
	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/schema"
	"github.com/datafn/datafn-go/value"
)

// createClient is __datafnRaw.createClient(configJSON, hooks): it validates
// the configuration, opens storage and resolves with a RawClient object.
func createClient(cfgArg, hooks js.Value) (any, error) {
	if cfgArg.Type() != js.TypeString {
		return nil, errConfig()
	}
	cfgJSON, err := value.ParseString(cfgArg.String())
	if err != nil {
		return nil, errConfig()
	}
	cfg, err := engine.ParseConfig(cfgJSON)
	if err != nil {
		return nil, err
	}
	h := &handle{}
	deps := clientDeps(cfg, cfgJSON, hooks, h)
	c, err := engine.Open(context.Background(), cfg, deps)
	if err != nil {
		h.closeAnnouncer()
		return nil, err
	}
	h.c = c
	return register(h), nil
}

func errConfig() error {
	return protocol.Errorf(protocol.CodeInvalid, "$", "Invalid client config: config must be an object")
}

// clientDeps wires the browser's pieces into the engine.
func clientDeps(cfg *engine.Config, cfgJSON value.Value, hooks js.Value, h *handle) engine.Deps {
	if hooks.Type() != js.TypeObject {
		hooks = jsObject.New()
	}
	deps := engine.Deps{
		Token:        tokenHook(cfgJSON.Get("authToken"), hooks.Get("authToken")),
		Now:          nowHook(hooks.Get("getTimestamp"), consoleError),
		GenerateID:   idHook(hooks.Get("generateId")),
		Connectivity: jsbridge.NewConnectivity(),
		Logf:         consoleError,
		NewMemStore:  func(resources []string) engine.Storage { return memstore.New(resources) },
	}
	if cfg.Remote != "" {
		deps.Transport = engine.NewTransport(jsbridge.NewFetchPoster(cfg.Remote, deps.Token))
	}
	// Memory storage belongs to one client; only IndexedDB is shared with
	// other clients (tabs) and needs the lane and the announcements.
	if cfg.Storage != nil && cfg.Storage.Type == engine.StorageIndexedDB {
		deps.OpenStorage = openIndexedDB
		deps.Lane = idb.NewLane(cfg.Storage.DBName)
		h.ann = jsbridge.NewAnnouncer(cfg.Storage.DBName, h.refresh)
		deps.Announce = h.ann.Announce
	}
	return deps
}

// openIndexedDB is Deps.OpenStorage for type "indexeddb".
func openIndexedDB(ctx context.Context, sc engine.StorageConfig, s *schema.Schema) (engine.Storage, error) {
	return idb.Open(ctx, sc.DBName, s.Resources)
}
