//go:build js && wasm

package idb

import (
	"context"
	"errors"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/datafn/datafn-go/engine"
	"github.com/datafn/datafn-go/schema"
)

// The fixed object stores of §11.2.
const (
	metaStore      = "meta"
	changelogStore = "changelog"
	byClientMut    = "by_client_mutation"
)

// maxUpgradeAttempts bounds the open → check → upgrade loop; another tab
// upgrading the same database at the same moment costs one more round.
const maxUpgradeAttempts = 5

// storeDef is one object store of the layout with the indexes it needs.
type storeDef struct {
	name    string
	keyPath any // string or []any
	autoInc bool
	indexes []indexDef
}

type indexDef struct {
	name    string
	keyPath any
	unique  bool
}

// layout is the §11.2 layout for resources: one store per resource that is
// not remote-only, then meta and changelog.
func layout(resources []*schema.Resource) ([]storeDef, error) {
	var defs []storeDef
	for _, r := range resources {
		if r.RemoteOnly {
			continue
		}
		if r.Name == metaStore || r.Name == changelogStore {
			// The resource's rows would share a store with the engine's own
			// records; §11.2 has no other place for them.
			return nil, engine.StorageError("storage", "resource name "+r.Name+" is reserved for IndexedDB storage", nil)
		}
		d := storeDef{name: r.Name, keyPath: "id"}
		seen := map[string]bool{}
		for _, f := range r.Indices.Base {
			if seen[f] {
				continue
			}
			seen[f] = true
			d.indexes = append(d.indexes, indexDef{name: "by_" + f, keyPath: f})
		}
		defs = append(defs, d)
	}
	return append(defs,
		storeDef{name: metaStore, keyPath: []any{"type", "key"}},
		storeDef{name: changelogStore, keyPath: "seq", autoInc: true, indexes: []indexDef{
			{name: byClientMut, keyPath: []any{"clientId", "mutationId"}, unique: true},
		}},
	), nil
}

// conn is one open connection. It goes stale when another opener asks for a
// new version (versionchange: we close at once so the upgrade proceeds) or
// the browser closes it; the Store then reopens on next use.
type conn struct {
	db       js.Value
	scope    js.Value // the store names every transaction spans
	stale    atomic.Bool
	onChange js.Func
}

func newConn(db js.Value, defs []storeDef) *conn {
	names := make([]any, len(defs))
	for i, d := range defs {
		names[i] = d.name
	}
	c := &conn{db: db, scope: js.ValueOf(names)}
	c.onChange = js.FuncOf(func(_ js.Value, args []js.Value) any {
		c.stale.Store(true)
		if len(args) > 0 && args[0].Get("type").String() == "versionchange" {
			// Running transactions still finish; the other opener's
			// upgrade starts once they have.
			c.db.Call("close")
		}
		return nil
	})
	db.Set("onversionchange", c.onChange)
	db.Set("onclose", c.onChange)
	return c
}

// close closes the connection. Its transactions have ended (Store.Close
// waits for them), so no event can reach the released handler.
func (c *conn) close() {
	c.stale.Store(true)
	c.db.Set("onversionchange", js.Null())
	c.db.Set("onclose", js.Null())
	c.db.Call("close")
	c.onChange.Release()
}

// connect opens the database with every store and index of defs, bumping
// the version and upgrading when one is missing. Existing data is kept;
// stores the layout no longer names are left alone (§11.2).
func connect(ctx context.Context, name string, defs []storeDef) (*conn, error) {
	version := 0 // 0: the current version (or 1 for a new database)
	for attempt := 0; attempt < maxUpgradeAttempts; attempt++ {
		db, err := openDB(ctx, name, version, defs)
		if errors.Is(err, ErrVersion) {
			version = 0 // another opener went past the version we asked for
			continue
		}
		if err != nil {
			return nil, err
		}
		missing, err := missingParts(db, defs)
		if err == nil && !missing {
			return newConn(db, defs), nil
		}
		version = db.Get("version").Int() + 1
		db.Call("close")
		if err != nil {
			return nil, storageError("open", err)
		}
	}
	return nil, engine.StorageError("storage", "open: the database keeps changing version", nil)
}

// missingParts reports whether a store or index of defs is missing in db.
func missingParts(db js.Value, defs []storeDef) (missing bool, err error) {
	defer catch(&err)
	names := db.Get("objectStoreNames")
	var present []any
	for _, d := range defs {
		if !names.Call("contains", d.name).Bool() {
			return true, nil
		}
		if len(d.indexes) > 0 {
			present = append(present, d.name)
		}
	}
	// Index names are only visible through a transaction outside an upgrade.
	tx := db.Call("transaction", js.ValueOf(present), "readonly")
	for _, d := range defs {
		if len(d.indexes) == 0 {
			continue
		}
		idx := tx.Call("objectStore", d.name).Get("indexNames")
		for _, ix := range d.indexes {
			if !idx.Call("contains", ix.name).Bool() {
				return true, nil
			}
		}
	}
	return false, nil
}

// upgrade creates what is missing of defs inside a versionchange
// transaction. It runs in the upgradeneeded event, on the event loop, and
// only makes synchronous calls.
func upgrade(db, tx js.Value, defs []storeDef) (err error) {
	defer catch(&err)
	names := db.Get("objectStoreNames")
	for _, d := range defs {
		var st js.Value
		if names.Call("contains", d.name).Bool() {
			st = tx.Call("objectStore", d.name)
		} else {
			st = db.Call("createObjectStore", d.name, map[string]any{"keyPath": d.keyPath, "autoIncrement": d.autoInc})
		}
		idx := st.Get("indexNames")
		for _, ix := range d.indexes {
			if !idx.Call("contains", ix.name).Bool() {
				st.Call("createIndex", ix.name, ix.keyPath, map[string]any{"unique": ix.unique})
			}
		}
	}
	return nil
}

type openResult struct {
	db  js.Value
	err error
}

// openDB runs one indexedDB.open request (version 0: the current version)
// and upgrades in its upgradeneeded event. While the request is blocked by
// connections that do not close, it waits up to blockedWait (or until ctx
// ends); a connection that opens after the caller gave up is closed.
func openDB(ctx context.Context, name string, version int, defs []storeDef) (js.Value, error) {
	factory := js.Global().Get("indexedDB")
	if !factory.Truthy() {
		return js.Value{}, engine.StorageError("storage", "IndexedDB is not available", nil)
	}
	var req js.Value
	err := func() (err error) {
		defer catch(&err)
		if version > 0 {
			req = factory.Call("open", name, version)
		} else {
			req = factory.Call("open", name)
		}
		return nil
	}()
	if err != nil {
		return js.Value{}, storageError("open", err)
	}
	result := make(chan openResult, 1)
	blocked := make(chan struct{}, 1)
	watchOpen(req, defs, result, blocked)
	return awaitOpen(ctx, result, blocked)
}

// watchOpen installs the open request's handlers. They run on the event
// loop, never block, and release themselves on success or error.
func watchOpen(req js.Value, defs []storeDef, result chan<- openResult, blocked chan<- struct{}) {
	var upgradeErr error
	var onUpgrade, onSuccess, onError, onBlocked js.Func
	release := func() {
		onUpgrade.Release()
		onSuccess.Release()
		onError.Release()
		onBlocked.Release()
	}
	onUpgrade = js.FuncOf(func(js.Value, []js.Value) any {
		tx := req.Get("transaction")
		if upgradeErr = upgrade(req.Get("result"), tx, defs); upgradeErr != nil {
			tx.Call("abort") // the open request then fails with AbortError
		}
		return nil
	})
	onSuccess = js.FuncOf(func(js.Value, []js.Value) any {
		result <- openResult{db: req.Get("result")}
		release()
		return nil
	})
	onError = js.FuncOf(func(js.Value, []js.Value) any {
		err := upgradeErr
		if err == nil {
			err = domError(req.Get("error"))
		}
		result <- openResult{err: err}
		release()
		return nil
	})
	onBlocked = js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case blocked <- struct{}{}:
		default:
		}
		return nil
	})
	req.Set("onupgradeneeded", onUpgrade)
	req.Set("onsuccess", onSuccess)
	req.Set("onerror", onError)
	req.Set("onblocked", onBlocked)
}

// blockedWait is how long an open waits once it is blocked by connections
// that ignore versionchange (an old page of the app, say) before it fails.
var blockedWait = 10 * time.Second

func awaitOpen(ctx context.Context, result chan openResult, blocked <-chan struct{}) (js.Value, error) {
	var giveUp <-chan time.Time // set once the request is blocked
	for {
		select {
		case r := <-result:
			if r.err != nil {
				if errors.Is(r.err, ErrVersion) {
					return js.Value{}, r.err
				}
				return js.Value{}, storageError("open", r.err)
			}
			return r.db, nil
		case <-blocked:
			if giveUp != nil {
				continue
			}
			timer := time.NewTimer(blockedWait)
			defer timer.Stop()
			giveUp = timer.C
		case <-giveUp:
			abandonOpen(result)
			return js.Value{}, engine.StorageError("storage", "open: upgrade blocked by another open connection", errBlocked)
		case <-ctx.Done():
			abandonOpen(result)
			if giveUp != nil {
				return js.Value{}, engine.StorageError("storage", "open: upgrade blocked by another open connection", errBlocked)
			}
			return js.Value{}, engine.StorageError("storage", "open: "+ctx.Err().Error(), ctx.Err())
		}
	}
}

// abandonOpen closes the connection of an open request nobody waits for
// any more, should it still succeed.
func abandonOpen(result chan openResult) {
	go func() {
		if r := <-result; r.err == nil {
			r.db.Call("close")
		}
	}()
}
