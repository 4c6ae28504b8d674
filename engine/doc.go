// Package engine is the datafn client: table handles, query routing between
// the local engine and the server, local-first mutations with a durable
// changelog, events, and the sync loop (clone, pull, push, restore) of
// protocol.md §9-§12.
//
// The engine is pure Go. Everything that differs between a native program and
// the browser is behind a small interface declared here:
//
//   - Storage (§11): memstore natively, IndexedDB in the browser. Every
//     backend runs engine/storagetest.
//   - Transport (§9.5): NewTransport over a Poster. NewHTTPTransport is the
//     net/http Poster (native builds only); the browser passes a fetch Poster.
//     Response handling lives in HandleResponse, shared by both.
//   - Connectivity (§12.11): browser online/offline/visibility/focus events
//     as ConnEvent values.
//   - Clock: timers and backoff; FakeClock lets tests assert delays exactly.
//   - Lane (§12.10): one unit of sync work at a time per database; a mutex
//     for memory storage, the Web Lock "datafn:<dbName>" in the browser.
//   - Deps.Announce and Client.Refresh carry committed changes between
//     clients on one database (the BroadcastChannel of §12.10).
//
// A Client answers queries and mutations from any goroutine. Its sync work
// is owned by one loop goroutine (see syncer); events are delivered in order
// on their own goroutine before the call that caused them returns (§10.4).
package engine
