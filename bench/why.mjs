// What would close a missed target, by profile label, read from the CPU
// profiles of `make bench-profile` (bench/results/profiles/<label>.txt)
// taken on 2026-11-25 15:08–15:15 UTC at 28b02ec (after the clone, write,
// group-commit and wasm-size work). run.mjs appends the hint to the note of
// every missed row of that label, after the profile's current top
// functions. Re-read the profiles and edit these when the engine changes; a
// hint that no longer matches its profile is worse than none.
export const WHY = {
  size:
    "not a CPU profile matter: regexp/syntax plus its Unicode tables are about 0.5 MB and stay, because schema patterns are Go RE2 syntax (protocol.md §2.3, D37) and the browser's RegExp differs; crypto, math/big, net/url, google/uuid and the encoding/json encoders are gone (wasm/deps_test.go guards it). Measured options: wasm-opt -Oz gives 2.08x; ≤ 2x needs patterns in a syntax the browser can run, or a smaller Go runtime (TinyGo)",
  memory:
    "not a CPU profile matter: the figure is wasm linear memory growth while inserting (never shrinks; includes garbage and GOGC headroom). Live resident rows are 552 B/row natively for 333 JSON bytes (schema TestRowsResidentMemory), already 1.7x the 320 B/row JS heap, so ≤ 1x needs a packed resident format (row values in one byte arena, strings not as Go strings) plus a heap limit",
  coldStart:
    "65% is (program), i.e. V8 compiling the 5.4 MB module, and Go's own init is ~15 ms; start time follows module size, so what closes the size row closes most of this",
  handOff:
    "after dropping encoding/json (69x → 9x): value.AppendString, the JS↔Go call, engine query.project allocating a value per row and the sort by id; the path contains the baseline's own JSON.parse plus Go's encoding and the string crossing, so ≤ 1.5x needs no JSON at all: JS-side row objects kept per resident row (handing out references) or a binary result JS reads lazily",
  mutation:
    "42% idle waiting for IndexedDB's commit in the storage process; busy: put, get (the row read inside the transaction), transaction, decode/encode across syscall/js. Visible = durable here (the resident cache is updated after the commit). Would close: read the row from the resident cache, one JS↔Go crossing per call, and publish the write to the resident cache before the commit (rolled back if it fails) for the visibility row",
  burst:
    "group commit (43a36c5, 28b02ec) took 1,000 back-to-back mutations from 1,419 ms to ~300 ms: one transaction per group, rows read in one RowsByID, no changelog lookups; what remains is per call: put (16%), syscall/js value churn (runtime.addspecial, finalizeRef), decode/encode of each mutation and result, one event per mutation delivered to JS. Would close: batching the JS→Go calls of one task (a microtask queue in index.js) and events",
  "reopen-10k":
    "the engine does the baseline's getAll (1,000-row batches) and then copies every row across syscall/js (valueGet, encode/decode) and parses it into resident rows (value parser, maps, GC); would close it: keeping the JS objects of the getAll as the resident rows (no crossing) or packed values, or answering the first query before the whole table is resident",
  "reopen-100k":
    "the engine does the baseline's getAll (1,000-row batches) and then copies every row across syscall/js (valueGet, encode/decode) and parses it into resident rows (value parser, maps, GC); would close it: keeping the JS objects of the getAll as the resident rows (no crossing) or packed values, or answering the first query before the whole table is resident",
  initialSync:
    "57% idle (IndexedDB's storage process and the network), put 16% self: one IndexedDB record per row costs ~40 µs (~4 s per 100k, the raw per-row baseline's own cost) against ~1.3 s for the raw fetch+parse+packed baseline. §11.2 requires one record per row (keyPath id, by_<field> indexes), so ≤ 1.5x needs packed rows, a layout change to decide on; overlapping a page's commit with the next page's fetch would recover part of the idle time. Longest task: decoding the first (10k-row) clone response in one piece",
  "bulkApply-10k":
    "put is the top self entry and ~47% is idle in IndexedDB: the engine runs at 0.85–0.95x the raw one-put-per-row baseline, i.e. at the per-record floor. ≥ 5x that rate and ≥ 0.5x the packed rate need fewer records than rows (packed rows), which §11.2's layout rules out",
  "bulkApply-100k":
    "put is 22% self and 47% is idle in IndexedDB: the engine runs at 0.85–0.95x the raw one-put-per-row baseline, i.e. at the per-record floor (~4 s per 100k). 100k ≤ 1.5 s, ≥ 5x per-row and ≥ 0.5x packed need packed rows, which §11.2's layout rules out",
  server:
    "not profiled by the suite: go test -run '^$' -bench 'Push/batch=500' -cpuprofile cpu.prof ./server/sqlite, then go tool pprof -top cpu.prof",
};
