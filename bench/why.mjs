// What would close a missed target, by profile label, read from the CPU
// profiles of `make bench-profile` (bench/results/profiles/<label>.txt) on
// 2026-11-25 (tree at 2026260, before the clonefast/wasmsize work landed).
// run.mjs appends the hint to the note of every missed row of that label,
// after the profile's current top functions. Re-read the profiles and edit
// these when the engine changes; a hint that no longer matches its profile
// is worse than none.
export const WHY = {
  size:
    "not a CPU profile matter: a per-function size listing of a wasm built without -s -w (its name section; go tool nm does not read wasm, twiggy or wasm-objdump do) shows what to drop; encoding/json, reflect-heavy and fmt paths in the client are the usual candidates",
  memory:
    "not a CPU profile matter: the figure is the growth of wasm linear memory while inserting, which never shrinks and includes garbage and the Go heap's headroom (GOGC=100 lets the heap reach twice the live data before collecting); live heap bytes after runtime.GC (a debug hook) would separate rows from headroom, and a tighter GOGC/memory limit or more compact resident rows would close it",
  coldStart:
    "busy time is wasm compilation ((program)) plus Go runtime init; it scales with the module, so a smaller datafn.wasm (the size row) closes it",
  handOff:
    "Table.QueryJSON encodes through encoding/json (QueryResult.MarshalJSON, then appendCompact re-scans every byte): writing the result with value.AppendJSON into one buffer, no json.Marshal/Compact pass, closes most of it",
  mutation:
    "about half is waiting for IndexedDB; the busy half is idb Store.Update issuing get+put calls one by one through syscall/js (mutateLocal reads the row and the changelog entry first): fewer calls per mutation (no reads when the row/entry are known) closes it",
  burst:
    "every mutate is its own IndexedDB transaction (idb Store.Update: ChangelogFind, Row, puts, commit): committing concurrent mutations together in one transaction (group commit) closes both burst rows",
  "reopen-10k":
    "loadTable parses every stored row (idb.jsonValue → value.Parse) after copying each string across syscall/js (jsString/loadString): packed values (one string per many rows) and answering the first query before the whole table is resident close it",
  "reopen-100k":
    "loadTable parses every stored row (idb.jsonValue → value.Parse) after copying each string across syscall/js (jsString/loadString): packed values (one string per many rows) and answering the first query before the whole table is resident close it",
  initialSync:
    "applyClonePage issues one IndexedDB put per row from Go (idb issueWrites → jsCall), reapplyPending reads the changelog every page, and each page runs as one long main-thread task: packed rows, skipping the re-application when the changelog is empty, and yielding between pages close it",
  "bulkApply-10k":
    "one IndexedDB put per row issued from Go (put is the top self entry; the packed baseline is 6-16x faster than one put per row), and DebugApplyPull's decodeSyncResult parses the body three times (value.Parse, AppendJSON, encoding/json): packed row storage and decoding the pull result straight from value.Value close it",
  "bulkApply-100k":
    "one IndexedDB put per row issued from Go (put is the top self entry; the packed baseline is 6-16x faster than one put per row), and decodeSyncResult parses the body three times (value.Parse, AppendJSON, encoding/json, ~15% of the time): packed row storage and decoding the pull result straight from value.Value close it",
  server:
    "not profiled by the suite: go test -run '^$' -bench 'Push/batch=500' -cpuprofile cpu.prof ./server/sqlite, then go tool pprof -top cpu.prof",
};
