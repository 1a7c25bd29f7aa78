// The embedded Store: etcd's semantics (one global revision, CAS, snapshot reads, ordered watch)
// on one SQLite file, with group commit so that concurrent writes share one fsynced transaction.

import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreError,
  WatchEvent,
  Watcher,
  WatchOptions,
} from '../store.js';
import { prefixUpperBound } from './key-range.js';

export interface SqliteStoreOptions {
  /**
   * Compact on a timer: each tick compacts to the revision recorded at the previous tick,
   * so at least one interval of history is always kept. 0 or undefined: no automatic compaction.
   */
  compactionIntervalMs?: number;
}

/**
 * Bumped when the on-disk layout changes; a newer file is refused rather than misread, an older one
 * upgraded on open. 2: each value is stored once, in `history`; `current` points at its row.
 */
const SCHEMA_VERSION = 2;

/** Bounds one transaction's size (and the time the event loop is blocked committing it). */
const MAX_BATCH = 1000;
/** Watch replay reads history in chunks so that a long replay does not block other work. */
const REPLAY_CHUNK = 500;
/** Compaction deletes superseded history for this many revisions per transaction. */
const COMPACT_CHUNK = 2000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS current (
  key        TEXT PRIMARY KEY,
  create_rev INTEGER NOT NULL,
  mod_rev    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
  rev        INTEGER PRIMARY KEY,
  key        TEXT NOT NULL,
  value      BLOB NOT NULL,
  create_rev INTEGER NOT NULL,
  prev_rev   INTEGER,
  deleted    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS history_key_rev ON history (key, rev, deleted);
`;

/*
 * Schema 1 kept each current value in `current` as well as in `history`. Besides writing every value
 * twice, that put values of more than about 1 KiB (most pods) on overflow pages, since `current` is a
 * WITHOUT ROWID table, whose rows SQLite keeps short. Upgrading drops the copy: each current version
 * has its own history row (compaction only removes superseded and deleted versions), which the
 * upgrade checks before relying on it.
 */
const UPGRADE_FROM_1 = `
CREATE TABLE current_v2 (
  key        TEXT PRIMARY KEY,
  create_rev INTEGER NOT NULL,
  mod_rev    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO current_v2 (key, create_rev, mod_rev) SELECT key, create_rev, mod_rev FROM current;
DROP TABLE current;
ALTER TABLE current_v2 RENAME TO current;
`;
const UNMATCHED_CURRENT_ROWS = `
SELECT count(*) FROM current c LEFT JOIN history h ON h.rev = c.mod_rev
 WHERE h.rev IS NULL OR h.key IS NOT c.key OR h.deleted <> 0 OR h.value IS NOT c.value OR h.create_rev IS NOT c.create_rev`;

interface CurrentRow {
  value: Buffer;
  create_rev: number;
  mod_rev: number;
}

interface KvRow extends CurrentRow {
  key: string;
}

interface SnapshotKeyRow {
  key: string;
  rev: number;
  deleted: number;
}

interface HistoryValueRow {
  value: Buffer;
  create_rev: number;
}

interface HistoryEventRow {
  rev: number;
  key: string;
  value: Buffer;
  create_rev: number;
  prev_rev: number | null;
  deleted: number;
  prev_value: Buffer | null;
  prev_create_rev: number | null;
}

type KeyBound = string | Buffer;

interface PendingWrite {
  kind: 'create' | 'update' | 'delete';
  key: string;
  value?: Buffer;
  expected?: number;
  resolve: (kv: KeyValue) => void;
  reject: (err: StoreError) => void;
}

type WriteOutcome = { ok: true; kv: KeyValue; event: WatchEvent } | { ok: false; err: StoreError };

function prepareStatements(db: Database.Database) {
  return {
    getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
    setMeta: db.prepare<[string, number]>(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    // The current version of a key, its value from the history row it points at (CROSS JOIN keeps
    // SQLite's loop order: the key's row in `current` first).
    getCurrent: db.prepare<[string], CurrentRow>(
      'SELECT h.value, c.create_rev, c.mod_rev FROM current c CROSS JOIN history h ON h.rev = c.mod_rev WHERE c.key = ?',
    ),
    insertCurrent: db.prepare<[string, number, number]>('INSERT INTO current (key, create_rev, mod_rev) VALUES (?, ?, ?)'),
    updateCurrent: db.prepare<[number, string]>('UPDATE current SET mod_rev = ? WHERE key = ?'),
    deleteCurrent: db.prepare<[string]>('DELETE FROM current WHERE key = ?'),
    insertHistory: db.prepare<[number, string, Buffer, number, number | null, number]>(
      'INSERT INTO history (rev, key, value, create_rev, prev_rev, deleted) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    // Two shapes of each range read: inclusive lower bound (the prefix) or exclusive (startAfter),
    // so that SQLite always gets a single index range.
    listCurrentFrom: db.prepare<[KeyBound, KeyBound, number], KvRow>(
      'SELECT c.key, h.value, c.create_rev, c.mod_rev FROM current c CROSS JOIN history h ON h.rev = c.mod_rev WHERE c.key >= ? AND c.key < ? ORDER BY c.key LIMIT ?',
    ),
    listCurrentAfter: db.prepare<[KeyBound, KeyBound, number], KvRow>(
      'SELECT c.key, h.value, c.create_rev, c.mod_rev FROM current c CROSS JOIN history h ON h.rev = c.mod_rev WHERE c.key > ? AND c.key < ? ORDER BY c.key LIMIT ?',
    ),
    countCurrentFrom: db.prepare<[KeyBound, KeyBound], number>(
      'SELECT count(*) FROM current WHERE key >= ? AND key < ?',
    ).pluck(),
    countCurrentAfter: db.prepare<[KeyBound, KeyBound], number>(
      'SELECT count(*) FROM current WHERE key > ? AND key < ?',
    ).pluck(),
    // The latest version of each key at or below a revision; SQLite takes the bare columns
    // from the row holding MAX(rev), and the covering index answers it without touching values.
    snapshotKeysFrom: db.prepare<[KeyBound, KeyBound, number], SnapshotKeyRow>(
      'SELECT key, MAX(rev) AS rev, deleted FROM history WHERE key >= ? AND key < ? AND rev <= ? GROUP BY key ORDER BY key',
    ),
    snapshotKeysAfter: db.prepare<[KeyBound, KeyBound, number], SnapshotKeyRow>(
      'SELECT key, MAX(rev) AS rev, deleted FROM history WHERE key > ? AND key < ? AND rev <= ? GROUP BY key ORDER BY key',
    ),
    historyValue: db.prepare<[number], HistoryValueRow>('SELECT value, create_rev FROM history WHERE rev = ?'),
    replay: db.prepare<[number, number, KeyBound, KeyBound, number], HistoryEventRow>(
      `SELECT h.rev, h.key, h.value, h.create_rev, h.prev_rev, h.deleted,
              p.value AS prev_value, p.create_rev AS prev_create_rev
         FROM history h LEFT JOIN history p ON p.rev = h.prev_rev
        WHERE h.rev > ? AND h.rev <= ? AND h.key >= ? AND h.key < ?
        ORDER BY h.rev LIMIT ?`,
    ),
    // Rows at or below the compact revision that a read at that revision or later cannot see:
    // superseded by a later version at or below it, or a deletion. Only keys written in
    // (lo, hi] can have gained such rows since the previous compaction.
    compactChunk: db.prepare<{ lo: number; hi: number; target: number }>(
      `DELETE FROM history WHERE rev IN (
         SELECT o.rev FROM history o
          WHERE o.key IN (SELECT key FROM history WHERE rev > $lo AND rev <= $hi)
            AND o.rev <= $target
            AND (o.deleted = 1 OR EXISTS (
                  SELECT 1 FROM history n WHERE n.key = o.key AND n.rev > o.rev AND n.rev <= $target)))`,
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/** Orders like SQLite's BINARY collation on TEXT (UTF-8 bytes), not like JavaScript's `<`. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function asStoreError(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  return new StoreError('internal', `${what}: ${describe(err)}`);
}

class SqliteWatcher implements Watcher {
  /** The highest revision delivered (or, before any, the revision the watch started after). */
  position: number;
  /** Events at or below this came (or will come) from the history replay, never from live fan-out. */
  readonly floor: number;
  replaying: boolean;
  stopped = false;
  /** Live events that arrived while the replay was still running, in revision order. */
  private buffer: WatchEvent[] = [];

  constructor(
    private readonly store: SqliteStore,
    readonly prefix: string,
    readonly replayUntil: number,
    private readonly opts: WatchOptions,
  ) {
    this.position = opts.afterRevision;
    this.floor = Math.max(opts.afterRevision, replayUntil);
    this.replaying = opts.afterRevision < replayUntil;
  }

  offerLive(ev: WatchEvent): void {
    if (this.stopped || ev.revision <= this.floor) return;
    if (this.replaying) this.buffer.push(ev);
    else this.deliver(ev);
  }

  deliver(ev: WatchEvent): void {
    if (this.stopped || ev.revision <= this.position) return;
    this.position = ev.revision;
    try {
      this.opts.onEvent(ev);
    } catch (err) {
      // A consumer that throws has lost track of the stream; end its watch visibly instead of
      // letting the exception unwind through the store's commit path.
      this.fail(new StoreError('internal', `watch consumer failed on revision ${ev.revision}: ${describe(err)}`));
    }
  }

  /** Hands over from replay to live delivery; events that arrive while draining are buffered too. */
  finishReplay(): void {
    for (let i = 0; i < this.buffer.length && !this.stopped; i++) this.deliver(this.buffer[i]);
    this.buffer = [];
    this.replaying = false;
  }

  fail(err: StoreError): void {
    if (this.stopped) return;
    this.stop();
    try {
      this.opts.onError?.(err);
    } catch {
      // The watch is already over; nothing useful can be done with a failing error handler.
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.buffer = [];
    this.store.removeWatcher(this);
  }
}

export class SqliteStore implements Store {
  private readonly stmts: Statements;
  private readonly commitBatchTxn: (batch: PendingWrite[], outcomes: WriteOutcome[]) => number;
  private revision: number;
  private compacted: number;
  private closed = false;
  private queue: PendingWrite[] = [];
  private flushHandle: NodeJS.Immediate | undefined;
  private flushing = false;
  /** Watchers grouped by prefix, so that fan-out costs one prefix test per distinct prefix. */
  private readonly watchGroups = new Map<string, Set<SqliteWatcher>>();
  private compactionTimer: NodeJS.Timeout | undefined;
  private lastTickRevision: number;
  private periodicCompactionRunning = false;
  private batches = 0;
  private writes = 0;

  /** Use openSqliteStore. */
  constructor(
    private readonly db: Database.Database,
    /** Absolute path of the database file. */
    readonly file: string,
    opts: SqliteStoreOptions,
  ) {
    this.stmts = prepareStatements(db);
    this.revision = this.stmts.getMeta.get('revision')?.value ?? 0;
    this.compacted = this.stmts.getMeta.get('compacted')?.value ?? 0;
    this.commitBatchTxn = db.transaction((batch: PendingWrite[], outcomes: WriteOutcome[]) =>
      this.applyBatch(batch, outcomes),
    );
    this.lastTickRevision = this.revision;
    const interval = opts.compactionIntervalMs ?? 0;
    if (interval > 0) {
      this.compactionTimer = setInterval(() => this.compactionTick(), interval);
      this.compactionTimer.unref();
    }
  }

  currentRevision(): number {
    return this.revision;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  /** Committed transactions and the writes (successful or not) they carried; for metrics and tests. */
  commitStats(): { batches: number; writes: number } {
    return { batches: this.batches, writes: this.writes };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    try {
      const row = this.stmts.getCurrent.get(key);
      return row && { key, value: row.value, createRevision: row.create_rev, modRevision: row.mod_rev };
    } catch (err) {
      throw asStoreError(err, `reading ${key}`);
    }
  }

  create(key: string, value: Buffer): Promise<KeyValue> {
    return this.enqueue({ kind: 'create', key, value: Buffer.from(value) });
  }

  update(key: string, value: Buffer, expectedModRevision: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'update', key, value: Buffer.from(value), expected: expectedModRevision });
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'delete', key, expected: expectedModRevision });
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const revision = opts.revision ?? this.revision;
    this.assertReadable(revision);
    const limit = opts.limit && opts.limit > 0 ? Math.floor(opts.limit) : 0;
    const upper = prefixUpperBound(prefix);
    const after = opts.startAfter !== undefined && compareKeys(opts.startAfter, prefix) >= 0;
    const lower = after ? (opts.startAfter as string) : prefix;
    try {
      return revision === this.revision
        ? this.listCurrent(lower, after, upper, limit, revision)
        : this.listSnapshot(lower, after, upper, limit, revision);
    } catch (err) {
      throw asStoreError(err, `listing ${prefix}`);
    }
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    try {
      return this.stmts.countCurrentFrom.get(prefix, prefixUpperBound(prefix)) as number;
    } catch (err) {
      throw asStoreError(err, `counting ${prefix}`);
    }
  }

  watch(prefix: string, opts: WatchOptions): Watcher {
    this.assertOpen();
    if (opts.afterRevision < this.compacted) {
      throw new StoreError(
        'compacted',
        `revision ${opts.afterRevision} has been compacted; the oldest watchable revision is ${this.compacted}`,
        undefined,
        this.compacted,
      );
    }
    const watcher = new SqliteWatcher(this, prefix, this.revision, opts);
    let group = this.watchGroups.get(prefix);
    if (!group) {
      group = new Set();
      this.watchGroups.set(prefix, group);
    }
    group.add(watcher);
    // Even the first replay chunk is delivered later, so onEvent never runs before watch() returns.
    if (watcher.replaying) setImmediate(() => this.replayStep(watcher));
    return watcher;
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (!Number.isSafeInteger(revision) || revision < 0) {
      throw new StoreError('internal', `compaction revision must be a non-negative integer, got ${revision}`);
    }
    if (revision > this.revision) {
      throw new StoreError('future', `cannot compact to revision ${revision}: the current revision is ${this.revision}`);
    }
    if (revision <= this.compacted) return;
    const from = this.compacted;
    // Refuse older reads before removing anything they would need; rows left behind by an
    // interrupted compaction are harmless (reads take the newest version at or below their revision).
    try {
      this.stmts.setMeta.run('compacted', revision);
    } catch (err) {
      throw asStoreError(err, `recording compaction to revision ${revision}`);
    }
    this.compacted = revision;
    for (const w of this.allWatchers()) {
      if (w.replaying && w.position < revision) w.fail(this.fellBehind(w));
    }
    for (let lo = from; lo < revision; lo += COMPACT_CHUNK) {
      if (this.closed) throw new StoreError('closed', 'the store was closed during compaction');
      const hi = Math.min(lo + COMPACT_CHUNK, revision);
      try {
        this.stmts.compactChunk.run({ lo, hi, target: revision });
      } catch (err) {
        throw asStoreError(err, `compacting history to revision ${revision}`);
      }
      if (hi < revision) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.flushHandle) clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    while (this.queue.length > 0) this.commitBatch(this.queue.splice(0, MAX_BATCH));
    this.closed = true;
    if (this.compactionTimer) clearInterval(this.compactionTimer);
    const err = new StoreError('closed', 'the store has been closed');
    for (const w of this.allWatchers()) w.fail(err);
    this.db.close();
  }

  /** @internal Called by a watcher when it stops. */
  removeWatcher(w: SqliteWatcher): void {
    const group = this.watchGroups.get(w.prefix);
    if (!group) return;
    group.delete(w);
    if (group.size === 0) this.watchGroups.delete(w.prefix);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('closed', 'the store has been closed');
  }

  private assertReadable(revision: number): void {
    if (revision > this.revision) {
      throw new StoreError('future', `revision ${revision} is newer than the current revision ${this.revision}`);
    }
    if (revision < this.compacted) {
      throw new StoreError(
        'compacted',
        `revision ${revision} has been compacted; the oldest readable revision is ${this.compacted}`,
        undefined,
        this.compacted,
      );
    }
  }

  private listCurrent(lower: string, after: boolean, upper: KeyBound, limit: number, revision: number): ListResult {
    const rows = (after ? this.stmts.listCurrentAfter : this.stmts.listCurrentFrom).all(
      lower,
      upper,
      limit > 0 ? limit + 1 : -1,
    );
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    const items = rows.map((r) => ({ key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.mod_rev }));
    const remaining = more ? (this.stmts.countCurrentAfter.get(rows[rows.length - 1].key, upper) as number) : 0;
    return { items, revision, more, remaining };
  }

  private listSnapshot(lower: string, after: boolean, upper: KeyBound, limit: number, revision: number): ListResult {
    const picked: Array<{ key: string; rev: number }> = [];
    let remaining = 0;
    // Collect first, fetch values after: the connection cannot run a statement while iterating.
    for (const row of (after ? this.stmts.snapshotKeysAfter : this.stmts.snapshotKeysFrom).iterate(
      lower,
      upper,
      revision,
    )) {
      if (row.deleted) continue;
      if (limit === 0 || picked.length < limit) picked.push({ key: row.key, rev: row.rev });
      else remaining++;
    }
    const items = picked.map(({ key, rev }) => {
      const row = this.stmts.historyValue.get(rev) as HistoryValueRow;
      return { key, value: row.value, createRevision: row.create_rev, modRevision: rev };
    });
    return { items, revision, more: remaining > 0, remaining };
  }

  private enqueue(op: Omit<PendingWrite, 'resolve' | 'reject'>): Promise<KeyValue> {
    if (this.closed) return Promise.reject(new StoreError('closed', 'the store has been closed'));
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push({ ...op, resolve, reject });
      if (this.queue.length >= MAX_BATCH && !this.flushing) this.flush();
      else if (!this.flushHandle) this.flushHandle = setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    if (this.flushHandle) clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    if (this.flushing || this.closed || this.queue.length === 0) return;
    this.commitBatch(this.queue.splice(0, MAX_BATCH));
    if (this.queue.length > 0 && !this.closed && !this.flushHandle) {
      this.flushHandle = setImmediate(() => this.flush());
    }
  }

  /** Commits one batch in one transaction, then settles its promises and fans its events out. */
  private commitBatch(batch: PendingWrite[]): void {
    this.flushing = true;
    try {
      const outcomes: WriteOutcome[] = [];
      let revision: number;
      try {
        revision = this.commitBatchTxn(batch, outcomes);
      } catch (err) {
        const failure = asStoreError(err, 'committing writes');
        for (const op of batch) op.reject(failure);
        return;
      }
      this.revision = revision;
      this.batches++;
      this.writes += batch.length;
      const events: WatchEvent[] = [];
      for (let i = 0; i < batch.length; i++) {
        const outcome = outcomes[i];
        if (outcome.ok) {
          batch[i].resolve(outcome.kv);
          events.push(outcome.event);
        } else {
          batch[i].reject(outcome.err);
        }
      }
      this.fanOut(events);
    } finally {
      this.flushing = false;
    }
  }

  /** Runs inside the transaction: each write's precondition is checked against the writes before it. */
  private applyBatch(batch: PendingWrite[], outcomes: WriteOutcome[]): number {
    const s = this.stmts;
    let rev = this.revision;
    for (const op of batch) {
      const cur = s.getCurrent.get(op.key);
      const curKv: KeyValue | undefined = cur && {
        key: op.key,
        value: cur.value,
        createRevision: cur.create_rev,
        modRevision: cur.mod_rev,
      };
      if (op.kind === 'create') {
        if (curKv) {
          outcomes.push({ ok: false, err: new StoreError('exists', `key ${op.key} already exists`, curKv) });
          continue;
        }
        const value = op.value as Buffer;
        rev++;
        s.insertHistory.run(rev, op.key, value, rev, null, 0);
        s.insertCurrent.run(op.key, rev, rev);
        const kv = { key: op.key, value, createRevision: rev, modRevision: rev };
        outcomes.push({ ok: true, kv: { ...kv }, event: { type: 'put', kv, revision: rev } });
        continue;
      }
      if (!curKv) {
        outcomes.push({ ok: false, err: new StoreError('notfound', `key ${op.key} not found`) });
        continue;
      }
      if (op.expected !== undefined && op.expected !== curKv.modRevision) {
        outcomes.push({
          ok: false,
          err: new StoreError(
            'conflict',
            `key ${op.key} was modified at revision ${curKv.modRevision}, expected revision ${op.expected}`,
            curKv,
          ),
        });
        continue;
      }
      rev++;
      if (op.kind === 'update') {
        const value = op.value as Buffer;
        s.insertHistory.run(rev, op.key, value, curKv.createRevision, curKv.modRevision, 0);
        s.updateCurrent.run(rev, op.key);
        const kv = { key: op.key, value, createRevision: curKv.createRevision, modRevision: rev };
        outcomes.push({ ok: true, kv: { ...kv }, event: { type: 'put', kv, prevKv: curKv, revision: rev } });
      } else {
        s.deleteCurrent.run(op.key);
        // The deletion row keeps the last value so that replayed delete events carry it.
        s.insertHistory.run(rev, op.key, curKv.value, curKv.createRevision, curKv.modRevision, 1);
        const kv = { key: op.key, value: curKv.value, createRevision: curKv.createRevision, modRevision: rev };
        outcomes.push({ ok: true, kv: { ...kv }, event: { type: 'delete', kv, prevKv: curKv, revision: rev } });
      }
    }
    if (rev !== this.revision) s.setMeta.run('revision', rev);
    return rev;
  }

  private fanOut(events: WatchEvent[]): void {
    if (this.watchGroups.size === 0) return;
    for (const ev of events) {
      for (const [prefix, group] of this.watchGroups) {
        if (!ev.kv.key.startsWith(prefix)) continue;
        for (const w of group) w.offerLive(ev);
      }
    }
  }

  private replayStep(w: SqliteWatcher): void {
    if (w.stopped || this.closed) return;
    if (w.position < this.compacted) {
      w.fail(this.fellBehind(w));
      return;
    }
    let rows: HistoryEventRow[];
    try {
      rows = this.stmts.replay.all(w.position, w.replayUntil, w.prefix, prefixUpperBound(w.prefix), REPLAY_CHUNK);
    } catch (err) {
      w.fail(asStoreError(err, `replaying history for watch on ${w.prefix}`));
      return;
    }
    for (const row of rows) {
      w.deliver(eventFromHistory(row));
      if (w.stopped) return;
    }
    if (rows.length < REPLAY_CHUNK) w.finishReplay();
    else setImmediate(() => this.replayStep(w));
  }

  private fellBehind(w: SqliteWatcher): StoreError {
    return new StoreError(
      'compacted',
      `watch on ${w.prefix} fell behind compaction: revision ${w.position} is older than ${this.compacted}`,
      undefined,
      this.compacted,
    );
  }

  private *allWatchers(): Iterable<SqliteWatcher> {
    for (const group of [...this.watchGroups.values()]) yield* [...group];
  }

  private compactionTick(): void {
    const target = this.lastTickRevision;
    this.lastTickRevision = this.revision;
    if (this.closed || this.periodicCompactionRunning || target <= this.compacted) return;
    this.periodicCompactionRunning = true;
    this.compact(target)
      .catch(() => {
        // A failed periodic compaction only leaves extra history; the next tick tries again.
      })
      .finally(() => {
        this.periodicCompactionRunning = false;
      });
  }
}

function eventFromHistory(row: HistoryEventRow): WatchEvent {
  const kv: KeyValue = { key: row.key, value: row.value, createRevision: row.create_rev, modRevision: row.rev };
  if (row.deleted) {
    const prevKv: KeyValue = {
      key: row.key,
      value: row.value,
      createRevision: row.create_rev,
      modRevision: row.prev_rev ?? row.create_rev,
    };
    return { type: 'delete', kv, prevKv, revision: row.rev };
  }
  const ev: WatchEvent = { type: 'put', kv, revision: row.rev };
  if (row.prev_rev !== null && row.prev_value !== null && row.prev_create_rev !== null) {
    ev.prevKv = { key: row.key, value: row.prev_value, createRevision: row.prev_create_rev, modRevision: row.prev_rev };
  }
  return ev;
}

function sqliteCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** Runs inside the opening transaction, so a failed upgrade leaves the file as it was. */
function upgradeFrom1(db: Database.Database): void {
  const unmatched = db.prepare(UNMATCHED_CURRENT_ROWS).pluck().get() as number;
  if (unmatched > 0) {
    throw new Error(
      `cannot upgrade the file to storage schema version ${SCHEMA_VERSION}: ${unmatched} current value(s) have no matching history row`,
    );
  }
  db.exec(UPGRADE_FROM_1);
}

/**
 * Opens (creating if needed) the store in `file`. The directory is created 0700 and the
 * database file (and its WAL) kept 0600. The file is locked for this process alone.
 */
export async function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const path = resolvePath(file);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Create the file ourselves so that it never exists with the umask's mode; SQLite gives
  // the WAL the database file's mode.
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: 1000 });
    // Exclusive locking: a second process on the same file would break the in-memory revision
    // counter, so it is refused; it also keeps the WAL index in memory (no -shm file).
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`could not switch to WAL journal mode (got ${String(mode)})`);
    // FULL: every commit fsyncs the WAL, so an acknowledged write survives a crash or power cut.
    db.pragma('synchronous = FULL');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`the file uses storage schema version ${version}; this version of Bulwark reads up to ${SCHEMA_VERSION}`);
    }
    db.transaction(() => {
      if (version === 1) upgradeFrom1(db!);
      db!.exec(SCHEMA);
      if (version < SCHEMA_VERSION) db!.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
    const store = new SqliteStore(db, path, opts);
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
    }
    return store;
  } catch (err) {
    db?.close();
    if (sqliteCode(err) === 'SQLITE_BUSY') {
      throw new StoreError('internal', `the store file ${path} is in use by another process`);
    }
    throw asStoreError(err, `opening the store file ${path}`);
  }
}
