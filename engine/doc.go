// Package engine is the datafn client: table handles, query routing between
// the local engine and the server, local-first mutations with a durable
// changelog, events, and the sync loop (clone, pull, push, restore) of
// protocol.md §9-§12.
//
// The engine is pure Go. Everything that differs between a native program and
// the browser is behind a small interface declared here: Storage (memstore
// natively, IndexedDB in the browser), Transport (net/http natively, fetch in
// the browser), Connectivity (online/offline/visibility events), Clock
// (timers; FakeClock in tests) and Lane (the sync lane of §12.10: a mutex for
// memory storage, a Web Lock in the browser).
package engine
