//go:build js && wasm

// Package idb is the client engine's engine.Storage on the browser's
// IndexedDB (protocol.md §11), and the sync lane for it: the exclusive Web
// Lock "datafn:<dbName>" (§12.10).
//
// Layout (§11.2): one object store per resource that is not remote-only
// (keyPath "id", a non-unique index "by_<field>" per indices.base field),
// "meta" (keyPath ["type","key"]) and "changelog" (keyPath "seq",
// autoIncrement, unique index "by_client_mutation"). Besides the meta records
// of §11.2 the store keeps {type:"changelog", key:"lastSeq", value:<n>}, the
// highest seq ever assigned, so seqs are never reused even when the
// changelog is empty and the key generator was reset.
//
// How transactions stay cheap and correct (architecture.md rules 4 and 7):
//   - Writes are buffered in Go as one JSON array and issued back to back
//     after a single JSON.parse, either before the next read of the same
//     transaction (IndexedDB orders requests, so the read sees them) or at
//     commit. Only the transaction's complete or abort event is awaited.
//   - Reads cross the boundary once: the request's result is turned into a
//     JSON string in JavaScript and parsed with value.Parse in Go.
//   - Nothing but IndexedDB requests is awaited while a transaction is open,
//     or IndexedDB would commit it behind our back.
//   - A failed transaction (an error in fn, a failed request, an abort,
//     QuotaExceededError) leaves nothing behind and is reported as INTERNAL
//     "Storage error: ...".
package idb
