// datafn-go: the JavaScript face of the datafn client engine.
//
// The engine itself is Go compiled to WebAssembly (datafn.wasm); this module
// only loads it once per page and wraps the raw bridge described in
// wasm/BRIDGE.md into the public API of contracts.md §3. What lives here is
// JavaScript-only convenience: table handle identity, events.on/off
// bookkeeping, Date conversion at the boundary (protocol.md §9.6) and the
// synchronous "Client has been destroyed" checks. Everything with behaviour
// (validation, storage, sync, events) happens in Go.

const MODULE_URL = import.meta.url;

/** How long to wait for the Go main to publish globalThis.__datafnRaw. */
const RAW_READY_TIMEOUT_MS = 30000;

/**
 * The event types of protocol.md §10.2, plus storage_failed and
 * storage_recovered (storage pressure); "*" subscribes to all of them.
 */
export const EVENT_TYPES = Object.freeze([
  "mutation_applied",
  "mutation_rejected",
  "sync_started",
  "sync_applied",
  "sync_failed",
  "sync_retry",
  "connectivity_changed",
  "hydration_changed",
  "storage_failed",
  "storage_recovered",
]);

/** Config keys that are functions or JS-only and never cross into Go. */
const JS_ONLY_KEYS = ["wasmUrl", "getTimestamp", "generateId"];

let runtimePromise = null;

/**
 * Builds an Error carrying the protocol's code and details.
 * @param {string} code
 * @param {string} message
 * @param {object} details
 */
function datafnError(code, message, details) {
  const err = new Error(message);
  err.name = "DatafnError";
  err.code = code;
  err.details = details;
  return err;
}

function destroyedError() {
  return datafnError("DFQL_INVALID", "Client has been destroyed", { path: "$" });
}

// ---------------------------------------------------------------------------
// Loading the wasm runtime (one instance per page, shared by every client).

/** Loads wasm_exec.js (which defines globalThis.Go) once per page. */
async function loadWasmExec() {
  if (typeof globalThis.Go === "function") return;
  const src = new URL("./wasm_exec.js", MODULE_URL).href;
  if (typeof document !== "undefined" && document.head) {
    await new Promise((resolve, reject) => {
      const existing = document.querySelector(`script[data-datafn-wasm-exec]`);
      const script = existing || document.createElement("script");
      script.addEventListener("load", () => resolve(), { once: true });
      script.addEventListener("error", () => reject(new Error(`datafn: cannot load ${src}`)), { once: true });
      if (!existing) {
        script.src = src;
        script.dataset.datafnWasmExec = "";
        document.head.appendChild(script);
      }
    });
  } else if (typeof globalThis.importScripts === "function") {
    globalThis.importScripts(src); // classic worker
  } else {
    const res = await fetch(src);
    if (!res.ok) throw new Error(`datafn: cannot load ${src}: HTTP ${res.status}`);
    (0, eval)(await res.text()); // module worker: evaluate in global scope
  }
  if (typeof globalThis.Go !== "function") {
    throw new Error("datafn: wasm_exec.js did not define globalThis.Go");
  }
}

/** Instantiates the module, streaming when the server sends application/wasm. */
async function instantiate(url, importObject) {
  if (typeof WebAssembly.instantiateStreaming === "function") {
    try {
      return await WebAssembly.instantiateStreaming(fetch(url), importObject);
    } catch (err) {
      // A wrong Content-Type makes streaming fail; fall back to a buffer.
      if (!(err instanceof TypeError)) throw err;
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`datafn: cannot load ${url}: HTTP ${res.status}`);
  return WebAssembly.instantiate(await res.arrayBuffer(), importObject);
}

/** Waits until Go's main has set globalThis.__datafnRaw, or fails. */
function waitForRaw(exited) {
  const deadline = Date.now() + RAW_READY_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const poll = () => {
      const raw = globalThis.__datafnRaw;
      if (raw && typeof raw.createClient === "function") return resolve(raw);
      if (exited.error) return reject(exited.error);
      if (Date.now() > deadline) return reject(new Error("datafn: the wasm module did not start within 30 s"));
      setTimeout(poll, 5);
    };
    poll();
  });
}

async function startRuntime(wasmUrl) {
  if (globalThis.__datafnRaw) return globalThis.__datafnRaw;
  await loadWasmExec();
  const go = new globalThis.Go();
  const { instance } = await instantiate(wasmUrl, go.importObject);
  const exited = { error: null };
  // go.run resolves only when the Go program exits, which it never should.
  Promise.resolve(go.run(instance)).then(
    () => { exited.error = new Error("datafn: the wasm module exited"); },
    (err) => { exited.error = err instanceof Error ? err : new Error(String(err)); },
  );
  return waitForRaw(exited);
}

/** The raw bridge, loading it on first use. A failed load may be retried. */
function loadRuntime(wasmUrl) {
  if (!runtimePromise) {
    runtimePromise = startRuntime(wasmUrl).catch((err) => {
      runtimePromise = null;
      throw err;
    });
  }
  return runtimePromise;
}

// ---------------------------------------------------------------------------
// Dates at the boundary (protocol.md §9.6).

/** JSON.stringify replacer: a Date anywhere in an input becomes its epoch ms. */
function dateReplacer(key, value) {
  const original = this[key];
  return original instanceof Date ? original.getTime() : value;
}

function toJSON(value) {
  return JSON.stringify(value === undefined ? null : value, dateReplacer);
}

/** Effective capabilities of a resource (§2.5). */
function capabilitiesOf(schema, resource) {
  const caps = new Set(Array.isArray(schema.capabilities) ? schema.capabilities : []);
  const own = resource.capabilities;
  if (Array.isArray(own)) own.forEach((c) => caps.add(c));
  else if (own && Array.isArray(own.exclude)) own.exclude.forEach((c) => caps.delete(c));
  return caps;
}

/** Resource name → { name, version, dateFields:Set } from the user's schema. */
function describeResources(schema) {
  const map = new Map();
  for (const r of schema.resources) {
    const dateFields = new Set();
    for (const f of r.fields || []) if (f && f.type === "date") dateFields.add(f.name);
    if (capabilitiesOf(schema, r).has("timestamps")) {
      dateFields.add("createdAt");
      dateFields.add("updatedAt");
    }
    map.set(r.name, { name: r.name, version: r.version, dateFields });
  }
  return map;
}

function convertFields(row, fields) {
  for (const f of fields) {
    if (typeof row[f] === "number") row[f] = new Date(row[f]);
  }
}

/** Turns date-field values of a query result into Date objects, in place. */
function convertQueryResult(result, query, dateFields) {
  if (!result || dateFields.size === 0) return result;
  if (Array.isArray(result.data)) {
    for (const row of result.data) convertFields(row, dateFields);
  }
  if (Array.isArray(result.groups)) {
    const q = query || {};
    const groupDates = (Array.isArray(q.groupBy) ? q.groupBy : []).filter((f) => dateFields.has(f));
    const aggs = q.aggregations && typeof q.aggregations === "object" ? q.aggregations : {};
    for (const [alias, agg] of Object.entries(aggs)) {
      if (agg && (agg.op === "min" || agg.op === "max") && dateFields.has(agg.field)) groupDates.push(alias);
    }
    for (const row of result.groups) convertFields(row, groupDates);
  }
  return result;
}

// ---------------------------------------------------------------------------
// The client wrapper.

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Splits the user's config into the JSON for Go and the function hooks. */
function splitConfig(config) {
  const plain = { ...config };
  const hooks = {};
  for (const key of JS_ONLY_KEYS) delete plain[key];
  if (typeof config.getTimestamp === "function") hooks.getTimestamp = config.getTimestamp;
  if (typeof config.generateId === "function") hooks.generateId = config.generateId;
  if (typeof config.authToken === "function") {
    hooks.authToken = config.authToken;
    delete plain.authToken;
  }
  return { configJSON: toJSON(plain), hooks };
}

/** Wraps an event handler so one that throws cannot disturb the others. */
function safeHandler(handler) {
  return (event) => {
    try {
      handler(event);
    } catch (err) {
      console.error("datafn: event handler threw", err);
    }
  };
}

class EventsApi {
  #client;
  #subs = new Map(); // type → Map<handler, Set<unsubscribe>>

  constructor(client) {
    this.#client = client;
  }

  /** Subscribes handler to one event type ("*" for all); returns an unsubscribe function. */
  on(type, handler) {
    this.#client._checkOpen();
    if (type !== "*" && !EVENT_TYPES.includes(type)) {
      throw datafnError("DFQL_INVALID", `Invalid event type: ${type}`, { path: "type" });
    }
    if (typeof handler !== "function") {
      throw datafnError("DFQL_INVALID", "Invalid DFQL: handler must be function", { path: "handler" });
    }
    const raw = this.#client._subscribeRaw(handler, type === "*" ? null : { type });
    let byHandler = this.#subs.get(type);
    if (!byHandler) this.#subs.set(type, (byHandler = new Map()));
    let set = byHandler.get(handler);
    if (!set) byHandler.set(handler, (set = new Set()));
    const off = () => {
      raw();
      set.delete(off);
      if (set.size === 0 && byHandler.get(handler) === set) byHandler.delete(handler);
    };
    set.add(off);
    return off;
  }

  /** Removes every subscription that on(type, handler) made. */
  off(type, handler) {
    const set = this.#subs.get(type)?.get(handler);
    if (!set) return;
    for (const off of [...set]) off();
  }
}

class TableHandle {
  #client;
  #info;

  constructor(client, info) {
    this.#client = client;
    this.#info = info;
    Object.defineProperty(this, "name", { value: info.name, enumerable: true });
    Object.defineProperty(this, "version", { value: info.version, enumerable: true });
  }

  /** Runs a DFQL query; date fields of the result become Date objects. */
  async query(query) {
    const raw = this.#client._rawOrThrow();
    const result = await raw.query(this.#info.name, toJSON(query));
    return convertQueryResult(result, query, this.#info.dateFields);
  }

  /** Applies one mutation or an array of them. */
  async mutate(mutation) {
    const raw = this.#client._rawOrThrow();
    return raw.mutate(this.#info.name, toJSON(mutation));
  }

  /** client.subscribe with filter.resource forced to this table. */
  subscribe(handler, filter) {
    return this.#client.subscribe(handler, { ...(isPlainObject(filter) ? filter : {}), resource: this.#info.name });
  }
}

class DatafnClient {
  #raw;
  #resources;
  #tables = new Map();
  #closed = false;
  #closePromise = null;

  constructor(raw, resources) {
    this.#raw = raw;
    this.#resources = resources;
    this.events = new EventsApi(this);
    this.sync = Object.freeze({
      start: async () => this._rawOrThrow().syncStart(),
      stop: () => {
        if (!this.#closed) this.#raw.syncStop();
      },
      pullNow: async () => this._rawOrThrow().pullNow(),
      pushNow: async () => this._rawOrThrow().pushNow(),
      cloneNow: async () => this._rawOrThrow().cloneNow(),
      status: async () => this._rawOrThrow().status(),
    });
    this.changelog = Object.freeze({
      list: async (options) => this._rawOrThrow().changelogList(toJSON(options ?? {})),
    });
  }

  /** The clientId in use (given, or the one kept in the database). */
  get clientId() {
    return this.#raw.clientId();
  }

  /** The table handle of a resource; the same object on every call. */
  table(name) {
    this._checkOpen();
    let handle = this.#tables.get(name);
    if (handle) return handle;
    const info = typeof name === "string" ? this.#resources.get(name) : undefined;
    if (!info) {
      throw datafnError("DFQL_UNKNOWN_RESOURCE", `Unknown resource: ${name}`, { path: "resource", resource: name });
    }
    handle = new TableHandle(this, info);
    this.#tables.set(name, handle);
    return handle;
  }

  /** Calls handler for every event matching filter (§10.3); returns an unsubscribe function. */
  subscribe(handler, filter) {
    this._checkOpen();
    if (typeof handler !== "function") {
      throw datafnError("DFQL_INVALID", "Invalid DFQL: handler must be function", { path: "handler" });
    }
    return this._subscribeRaw(handler, filter ?? null);
  }

  /** Stops syncing, aborts requests in flight and closes storage. */
  close() {
    if (!this.#closePromise) {
      this.#closed = true;
      this.#closePromise = Promise.resolve(this.#raw.close());
    }
    return this.#closePromise;
  }

  _checkOpen() {
    if (this.#closed) throw destroyedError();
  }

  _rawOrThrow() {
    this._checkOpen();
    return this.#raw;
  }

  _subscribeRaw(handler, filter) {
    const off = this.#raw.subscribe(toJSON(filter), safeHandler(handler));
    // Go cannot throw into JavaScript: a refused filter comes back as the Error.
    if (typeof off !== "function") throw off;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      off();
    };
  }
}

/**
 * Creates a client (protocol.md §9.1). Resolves once storage is open; does not
 * contact the server until client.sync.start().
 * @param {object} config
 */
export async function createDatafnClient(config) {
  if (!isPlainObject(config)) {
    throw datafnError("DFQL_INVALID", "Invalid client config: config must be an object", { path: "$" });
  }
  const wasmUrl = config.wasmUrl ? String(config.wasmUrl) : new URL("./datafn.wasm", MODULE_URL).href;
  const runtime = await loadRuntime(wasmUrl);
  const { configJSON, hooks } = splitConfig(config);
  const raw = await runtime.createClient(configJSON, hooks);
  // Go validated the schema, so its shape can be trusted from here on.
  return new DatafnClient(raw, describeResources(config.schema));
}

/** Same as createDatafnClient. */
export const createClient = createDatafnClient;

const api = Object.freeze({ createDatafnClient, createClient, EVENT_TYPES });
globalThis.datafn = api;

export default api;
