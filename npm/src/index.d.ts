// Type declarations for datafn-go (contracts.md §3, protocol.md §2, §4, §5, §9-§12).

// ---------------------------------------------------------------------------
// Schema (protocol.md §2)

/** Field types; `"id"` is accepted and becomes `"string"`. */
export type DatafnFieldType = "string" | "number" | "boolean" | "date" | "object" | "array" | "json" | "id";

/** JSON values as they travel on the wire. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface DatafnFieldDef {
  name: string;
  type: DatafnFieldType;
  required?: boolean;
  nullable?: boolean;
  readonly?: boolean;
  default?: JsonValue;
  /** `string` and `number` fields. */
  enum?: Array<string | number>;
  /** `number` and `date` fields (dates in epoch ms). */
  min?: number;
  max?: number;
  /** `string` (code points) and `array` (elements) fields. */
  minLength?: number;
  maxLength?: number;
  /** Go RE2 syntax, searched anywhere in the value. */
  pattern?: string;
}

/** Capability names; milestone 1 implements `timestamps` only. */
export type DatafnCapability = "timestamps" | (string & {});

export interface DatafnResourceDef {
  name: string;
  version: number;
  idPrefix?: string;
  isRemoteOnly?: boolean;
  capabilities?: DatafnCapability[] | { exclude: DatafnCapability[] };
  fields: DatafnFieldDef[];
  indices?: string[] | { base?: string[]; search?: string[]; vector?: string[] };
}

export interface DatafnSchema {
  version?: number;
  capabilities?: DatafnCapability[];
  resources: DatafnResourceDef[];
  relations?: [];
  namespaced?: true;
}

// ---------------------------------------------------------------------------
// Queries (protocol.md §4)

/** A scalar operand; a Date becomes its epoch ms. */
export type DatafnScalar = string | number | boolean | null | Date;
export type DatafnOrderable = string | number | Date;

/** Operators, canonical (`$eq`) and bare (`eq`) spellings. */
export interface DatafnOperators {
  $eq?: DatafnScalar; eq?: DatafnScalar;
  $ne?: DatafnScalar; ne?: DatafnScalar;
  $gt?: DatafnOrderable; gt?: DatafnOrderable;
  $gte?: DatafnOrderable; gte?: DatafnOrderable;
  $lt?: DatafnOrderable; lt?: DatafnOrderable;
  $lte?: DatafnOrderable; lte?: DatafnOrderable;
  $in?: DatafnScalar[]; in?: DatafnScalar[];
  $nin?: DatafnScalar[]; nin?: DatafnScalar[]; $not_in?: DatafnScalar[]; not_in?: DatafnScalar[];
  $contains?: DatafnScalar; contains?: DatafnScalar;
  $startsWith?: string; startsWith?: string;
  $endsWith?: string; endsWith?: string;
  $like?: string; like?: string;
  $ilike?: string; ilike?: string;
  $not_like?: string; not_like?: string;
  $not_ilike?: string; not_ilike?: string;
  $is_null?: boolean; is_null?: boolean;
  $is_not_null?: boolean; is_not_null?: boolean;
  $is_empty?: boolean; is_empty?: boolean;
  $is_not_empty?: boolean; is_not_empty?: boolean;
  $before?: number | Date; before?: number | Date;
  $after?: number | Date; after?: number | Date;
  $between?: [number | Date, number | Date] | [string, string];
  between?: [number | Date, number | Date] | [string, string];
  $not_between?: [number | Date, number | Date] | [string, string];
  not_between?: [number | Date, number | Date] | [string, string];
}

/** A condition: a scalar (`$eq`), an array (`$in`) or an operator object. */
export type DatafnCondition = DatafnScalar | DatafnScalar[] | DatafnOperators;

/** A filter object: field names (or dotted paths into object/json fields) to conditions, plus `$and`/`$or`. */
export interface DatafnFilter {
  $and?: DatafnFilter[];
  $or?: DatafnFilter[];
  [field: string]: DatafnCondition | DatafnFilter[] | undefined;
}

export type DatafnSortTerm =
  | string // "field", "field:asc", "field:desc", "-field"
  | { field: string; direction?: "asc" | "desc" };

/** Values of every sort field plus `id`, for one row. */
export type DatafnCursorPosition = { id: string } & { [field: string]: JsonValue | Date };

export type DatafnCursor = { after: DatafnCursorPosition } | { before: DatafnCursorPosition };

export type DatafnAggregationOp = "count" | "sum" | "avg" | "min" | "max";

export interface DatafnAggregation {
  op: DatafnAggregationOp;
  /** A field, or `"*"` with `count`. */
  field: string;
}

export interface DatafnQuery {
  /** Replaced by the table handle's name. */
  resource?: string;
  /** Replaced by the table handle's version. */
  version?: number;
  select?: string[];
  omit?: string[];
  filters?: DatafnFilter;
  sort?: DatafnSortTerm[];
  /** Positive integer; uncapped in the client, pages of 100 against the server. */
  limit?: number;
  offset?: number;
  cursor?: DatafnCursor;
  count?: boolean;
  groupBy?: string[];
  aggregations?: Record<string, DatafnAggregation>;
  having?: DatafnFilter;
  metadata?: unknown;
}

/** A row as returned: `id` plus stored fields; date fields are Date objects. */
export type DatafnRecord = { id: string } & { [field: string]: unknown };

/** Row query result (§4.2). `nextCursor` carries dates as epoch ms. */
export interface DatafnRowResult<T = DatafnRecord> {
  data: T[];
  nextCursor: { [field: string]: JsonValue } | null;
  count?: number;
}

/** Grouped query result (§4.2). */
export interface DatafnGroupResult<G = { [key: string]: unknown }> {
  groups: G[];
  nextCursor: null;
}

export type DatafnQueryResult<T = DatafnRecord> = DatafnRowResult<T> | DatafnGroupResult;

// ---------------------------------------------------------------------------
// Mutations (protocol.md §5)

export type DatafnOperation = "insert" | "merge" | "replace" | "delete";

export interface DatafnMutation {
  operation: DatafnOperation;
  /** Optional for insert (generated as `<prefix>:<uuid>`). */
  id?: string;
  /** Required for insert, merge and replace; a Date becomes its epoch ms. */
  record?: { [field: string]: unknown };
  /** Guard filter evaluated against the stored row. */
  if?: DatafnFilter;
  /** Replaced by the table handle's name. */
  resource?: string;
  /** Replaced by the table handle's version. */
  version?: number;
  clientId?: string;
  mutationId?: string;
  /** Carried to client events; ignored by the server. */
  context?: JsonValue;
  /** No mutation_applied/mutation_rejected events. */
  silent?: boolean;
  /** Marks the events with `system: true`. */
  system?: boolean;
}

export interface DatafnMutationError {
  code: DatafnErrorCode;
  message: string;
  path: string;
  retryable: boolean;
}

export interface DatafnMutationResult {
  ok: boolean;
  mutationId: string;
  affectedIds: string[];
  /** Empty on success; exactly one error on failure. */
  errors: DatafnMutationError[];
  deduped: boolean;
}

// ---------------------------------------------------------------------------
// Configuration (protocol.md §9)

export interface DatafnStorageConfig {
  /** IndexedDB database name; default `"datafn_client_db"`. */
  dbName?: string;
  /** Default `"indexeddb"`; `"memory"` keeps nothing after close(). */
  type?: "indexeddb" | "memory";
}

export interface DatafnPushRetryBackoff {
  baseDelayMs?: number;
  multiplier?: number;
  maxDelayMs?: number;
  jitterMs?: number;
}

export interface DatafnPushIntervalBackoff {
  baseMultiplier?: number;
  maxDelayMs?: number;
  jitterMs?: number;
}

export interface DatafnHydrationConfig {
  bootResources?: string[];
  backgroundResources?: string[];
  /** Page size for clones; below 1000 a table is cloned in pages. */
  clonePageSize?: number | Record<string, number>;
}

export interface DatafnSyncConfig {
  mode?: "sync" | "local-only";
  /** `http:`/`https:` URL of the protocol base, e.g. `http://localhost:8080/datafn`. */
  remote?: string;
  offlinability?: boolean;
  /** Milliseconds; unset means every local mutation schedules a push. */
  pushInterval?: number;
  /** 1-500, default 100. */
  pushBatchSize?: number;
  /** Default 3 (4 attempts per cycle). */
  pushMaxRetries?: number;
  pushRetryBackoff?: DatafnPushRetryBackoff;
  pushIntervalBackoff?: DatafnPushIntervalBackoff;
  /** 10-10000, default 200. */
  pullBatchSize?: number;
  /** Default 50. */
  maxPullIterations?: number;
  hydration?: DatafnHydrationConfig;
}

export interface DatafnClientConfig {
  schema: DatafnSchema;
  clientId?: string;
  storage?: DatafnStorageConfig;
  sync?: DatafnSyncConfig;
  /** Default: `datafn.wasm` next to index.js. */
  wasmUrl?: string | URL;
  /** Sent as `Authorization: Bearer <token>` when non-empty. */
  authToken?: string | (() => string | Promise<string>);
  /** Clock for changelog entries, write-time fields and events; default Date.now. */
  getTimestamp?: () => number;
  /** Id generator for inserts without id; must return `<idPrefix>:...`. */
  generateId?: (args: { resource: string; idPrefix: string }) => string;
}

// ---------------------------------------------------------------------------
// Events (protocol.md §10)

export type DatafnHydrationState = "notStarted" | "hydrating" | "ready";
export type DatafnSyncPhase = "clone" | "pull" | "push";

interface DatafnEventBase {
  timestampMs: number;
  resource?: string;
  ids?: string[];
  mutationId?: string;
  clientId?: string;
  action?: DatafnOperation;
  fields?: string[];
  record?: { [field: string]: JsonValue };
  system?: true;
  /**
   * Present (true) on events fired for what another client on the same
   * database (another tab) changed, applied from its announcement (§12.10).
   */
  fromRemoteTab?: true;
}

/** mutation_applied for a mutation of this client. */
export interface DatafnLocalMutationAppliedEvent extends DatafnEventBase {
  type: "mutation_applied";
  resource: string;
  ids: string[];
  mutationId: string;
  clientId: string;
  action: DatafnOperation;
  fields: string[];
  context?: JsonValue;
  fromRemoteTab?: undefined;
}

/**
 * mutation_applied for rows another tab on the same database wrote (its
 * mutations, or pulls it applied): one event per resource and announcement.
 * Only the resource and the row ids are known, so mutationId, clientId,
 * action, fields and record are absent (a `fields` filter does not match it).
 */
export interface DatafnRemoteTabMutationAppliedEvent extends DatafnEventBase {
  type: "mutation_applied";
  resource: string;
  ids: string[];
  fromRemoteTab: true;
}

/** Narrow on `fromRemoteTab` to tell the two apart. */
export type DatafnMutationAppliedEvent = DatafnLocalMutationAppliedEvent | DatafnRemoteTabMutationAppliedEvent;

export interface DatafnMutationRejectedEvent extends DatafnEventBase {
  type: "mutation_rejected";
  resource: string;
  ids: string[];
  mutationId: string;
  clientId: string;
  action: DatafnOperation;
  fields: string[];
  context: { code: DatafnErrorCode; message: string; path: string; retryable?: boolean; mutation: JsonValue };
}

export type DatafnSyncStartedContext =
  | { phase: "clone"; resources: string[] }
  | { phase: "pull" }
  | { phase: "push"; pendingCount: number };

export interface DatafnSyncStartedEvent extends DatafnEventBase {
  type: "sync_started";
  context: DatafnSyncStartedContext;
}

export type DatafnSyncAppliedContext =
  | { phase: "clone"; resources: string[]; cursors: Record<string, string> }
  | { phase: "pull"; resources: string[]; cursors: Record<string, string>; cursorDelta: Record<string, number> }
  | { phase: "push"; cursor: string; appliedCount: number; errors: DatafnMutationError[] };

/**
 * sync_applied; with `fromRemoteTab: true` another tab on the same database
 * completed a clone (context `{ phase: "clone", resources, cursors }`).
 */
export interface DatafnSyncAppliedEvent extends DatafnEventBase {
  type: "sync_applied";
  context: DatafnSyncAppliedContext;
}

export interface DatafnSyncFailedEvent extends DatafnEventBase {
  type: "sync_failed";
  context: {
    phase: DatafnSyncPhase;
    error: { code: DatafnErrorCode; message: string };
    /** clone: the tables that did not complete. */
    tables?: string[];
    /** clone of background resources. */
    operation?: "background";
    /** push: when retries ran out. */
    attempts?: number;
    cursor?: string;
    appliedCount?: number;
    errors?: DatafnMutationError[];
  };
}

export interface DatafnSyncRetryEvent extends DatafnEventBase {
  type: "sync_retry";
  context: { phase: "push"; attempt: number; delayMs: number };
}

export interface DatafnConnectivityChangedEvent extends DatafnEventBase {
  type: "connectivity_changed";
  context: { isOnline: boolean };
}

export interface DatafnHydrationChangedEvent extends DatafnEventBase {
  type: "hydration_changed";
  resource: string;
  context: { from: DatafnHydrationState; to: DatafnHydrationState };
}

/**
 * A write transaction failed because of the storage (IndexedDB's
 * QuotaExceededError, a failed commit). Nothing of it was written; the call
 * that caused it rejects with the same error. Refused sync work is retried
 * (1 s, doubling to 30 s) while the engine runs.
 */
export interface DatafnStorageFailedEvent extends DatafnEventBase {
  type: "storage_failed";
  context: { error: { code: DatafnErrorCode; message: string }; quotaExceeded: boolean };
}

/** The first write that stored something after storage_failed. */
export interface DatafnStorageRecoveredEvent extends DatafnEventBase {
  type: "storage_recovered";
}

/** Event objects by type. */
export interface DatafnEventMap {
  mutation_applied: DatafnMutationAppliedEvent;
  mutation_rejected: DatafnMutationRejectedEvent;
  sync_started: DatafnSyncStartedEvent;
  sync_applied: DatafnSyncAppliedEvent;
  sync_failed: DatafnSyncFailedEvent;
  sync_retry: DatafnSyncRetryEvent;
  connectivity_changed: DatafnConnectivityChangedEvent;
  hydration_changed: DatafnHydrationChangedEvent;
  storage_failed: DatafnStorageFailedEvent;
  storage_recovered: DatafnStorageRecoveredEvent;
}

export type DatafnEventType = keyof DatafnEventMap;
export type DatafnEvent = DatafnEventMap[DatafnEventType];
export type DatafnEventHandler<E extends DatafnEvent = DatafnEvent> = (event: E) => void;

/** Subscription filter (§10.3); every given key must hold. */
export interface DatafnEventFilter {
  type?: DatafnEventType | DatafnEventType[];
  resource?: string | string[];
  mutationId?: string | string[];
  action?: DatafnOperation | DatafnOperation[];
  ids?: string | string[];
  fields?: string[];
  contextKeys?: string[];
  context?: { [key: string]: JsonValue };
}

export type Unsubscribe = () => void;

// ---------------------------------------------------------------------------
// Errors (protocol.md §6.3)

export type DatafnErrorCode =
  | "DFQL_INVALID"
  | "DFQL_UNKNOWN_RESOURCE"
  | "DFQL_UNKNOWN_FIELD"
  | "DFQL_UNKNOWN_RELATION"
  | "DFQL_UNSUPPORTED"
  | "DFQL_ABORTED"
  | "LIMIT_EXCEEDED"
  | "SCHEMA_INVALID"
  | "CAPABILITY_FIELD_COLLISION"
  | "INVALID_CAPABILITY"
  | "INVALID_CAPABILITY_CONFIG"
  | "CAPABILITY_DEPENDENCY"
  | "CONFLICT"
  | "NOT_FOUND"
  | "DATAFN_UNSUPPORTED_PROTOCOL_VERSION"
  | "FORBIDDEN"
  | "TRANSACTION_ROLLED_BACK"
  | "RELATION_RESTRICTED"
  | "MUTATION_FAILED"
  | "INTERNAL"
  | "SERVICE_UNAVAILABLE"
  | "TRANSPORT_ERROR"
  | (string & {});

/** Every rejection is an Error carrying the protocol's code and details. */
export interface DatafnError extends Error {
  code: DatafnErrorCode;
  message: string;
  details: { path: string; [key: string]: unknown };
}

// ---------------------------------------------------------------------------
// Client (protocol.md §9.4)

export interface DatafnSyncStatus {
  isOnline: boolean;
  running: boolean;
  /** Number of changelog entries not yet acknowledged. */
  pending: number;
  hydration: Record<string, DatafnHydrationState>;
  cursors: Record<string, string>;
  lastError: { code: DatafnErrorCode; message: string; phase: DatafnSyncPhase } | null;
}

export interface DatafnChangelogEntry {
  seq: number;
  clientId: string;
  mutationId: string;
  /** The completed mutation, dates as epoch ms. */
  mutation: DatafnMutation & { resource: string; id: string; clientId: string; mutationId: string };
  timestampMs: number;
  timestamp?: string;
  userId?: string;
}

export interface DatafnTable<T extends DatafnRecord = DatafnRecord> {
  readonly name: string;
  readonly version: number;
  query(query: DatafnQuery & { groupBy: string[] }): Promise<DatafnGroupResult>;
  query(query: DatafnQuery & { aggregations: Record<string, DatafnAggregation> }): Promise<DatafnGroupResult>;
  query(query?: DatafnQuery): Promise<DatafnRowResult<T>>;
  mutate(mutation: DatafnMutation): Promise<DatafnMutationResult>;
  mutate(mutations: DatafnMutation[]): Promise<DatafnMutationResult[]>;
  subscribe(handler: DatafnEventHandler, filter?: DatafnEventFilter): Unsubscribe;
}

export interface DatafnEvents {
  on<K extends DatafnEventType>(type: K, handler: DatafnEventHandler<DatafnEventMap[K]>): Unsubscribe;
  on(type: "*", handler: DatafnEventHandler): Unsubscribe;
  off<K extends DatafnEventType>(type: K, handler: DatafnEventHandler<DatafnEventMap[K]>): void;
  off(type: "*", handler: DatafnEventHandler): void;
}

export interface DatafnSync {
  /** Boot hydration, then background sync; never rejects for sync failures. */
  start(): Promise<void>;
  stop(): void;
  pullNow(): Promise<void>;
  pushNow(): Promise<void>;
  cloneNow(): Promise<void>;
  status(): Promise<DatafnSyncStatus>;
}

export interface DatafnChangelog {
  list(options?: { limit?: number }): Promise<DatafnChangelogEntry[]>;
}

export interface DatafnClient {
  /** The clientId in use (given, or the one kept in the database). */
  readonly clientId: string;
  /** Throws DFQL_UNKNOWN_RESOURCE for a name not in the schema. */
  table<T extends DatafnRecord = DatafnRecord>(name: string): DatafnTable<T>;
  subscribe(handler: DatafnEventHandler, filter?: DatafnEventFilter): Unsubscribe;
  readonly events: DatafnEvents;
  readonly sync: DatafnSync;
  readonly changelog: DatafnChangelog;
  close(): Promise<void>;
}

export declare const EVENT_TYPES: readonly DatafnEventType[];

export declare function createDatafnClient(config: DatafnClientConfig): Promise<DatafnClient>;
export declare const createClient: typeof createDatafnClient;

declare const datafn: {
  readonly createDatafnClient: typeof createDatafnClient;
  readonly createClient: typeof createDatafnClient;
  readonly EVENT_TYPES: readonly DatafnEventType[];
};
export default datafn;

declare global {
  /** Set when the module is loaded. */
  var datafn: {
    readonly createDatafnClient: typeof createDatafnClient;
    readonly createClient: typeof createDatafnClient;
    readonly EVENT_TYPES: readonly DatafnEventType[];
  };
}
