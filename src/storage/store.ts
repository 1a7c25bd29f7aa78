// The storage contract: etcd's semantics (one global revision, CAS on modRevision, ordered watch),
// so that the embedded SQLite store and etcd are interchangeable behind the registry.

/** One stored key at one revision. `value` is the bytes as handed to the store (already transformed). */
export interface KeyValue {
  key: string;
  value: Buffer;
  /** Revision of the write that created this key (its current incarnation). */
  createRevision: number;
  /** Revision of the last write to this key: metadata.resourceVersion. */
  modRevision: number;
  /** Read through a transformer other than the one writes use (an old key): rewrite on update. */
  stale?: boolean;
}

export type WatchEventType = 'put' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  /** For put: the new key/value. For delete: the deleted key with its last value and modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this event (undefined for a create). */
  prevKv?: KeyValue;
  /** The revision of this event (== kv.modRevision). */
  revision: number;
}

export interface ListOptions {
  /** Maximum number of items; 0 or undefined = all. */
  limit?: number;
  /** Return keys strictly greater than this key (pagination). */
  startAfter?: string;
  /** Read at this revision (snapshot); undefined = current. Older than the compacted revision → StoreError 'compacted'. */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when more items follow the last one returned. */
  more: boolean;
  /** How many items remain after the last one returned (when cheaply known). */
  remaining?: number;
}

export type StoreErrorCode = 'exists' | 'notfound' | 'conflict' | 'compacted' | 'future' | 'closed' | 'internal';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** For conflict: the current KeyValue, if any. For compacted: the compacted revision. */
    readonly current?: KeyValue,
    readonly compactedRevision?: number,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface Watcher {
  stop(): void;
}

export interface WatchOptions {
  /** Deliver events with revision > afterRevision. */
  afterRevision: number;
  /** Called for each event in revision order, exactly once. */
  onEvent: (ev: WatchEvent) => void;
  /** Called when the watch can no longer continue (store closed, or fell behind compaction). */
  onError?: (err: StoreError) => void;
}

export interface Store {
  /** Current (latest committed) revision. */
  currentRevision(): number;
  /** The revision below which history is gone (0 = nothing compacted). */
  compactedRevision(): number;

  get(key: string): Promise<KeyValue | undefined>;
  /** Fails with StoreError 'exists' if the key exists. Resolves after the write is durable. */
  create(key: string, value: Buffer): Promise<KeyValue>;
  /** Compare-and-swap on modRevision. 'notfound' / 'conflict' errors. Resolves after the write is durable. */
  update(key: string, value: Buffer, expectedModRevision: number): Promise<KeyValue>;
  /** Deletes the key; optional modRevision precondition. Returns the deleted kv (modRevision = delete revision). */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /** Keys with this prefix, ordered by key. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** Watch keys with this prefix. Throws StoreError 'compacted' synchronously if afterRevision < compactedRevision(). */
  watch(prefix: string, opts: WatchOptions): Watcher;
  /** Remove history at or below `revision` that no read at a later revision needs. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
