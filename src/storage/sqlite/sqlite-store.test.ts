// Tests of the SQLite Store against the storage contract: CAS, revisions, snapshot lists,
// watch replay and live delivery, compaction, group commit, close, and durability under kill -9.

import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { KeyValue, StoreError, WatchEvent } from '../store.js';
import { openSqliteStore, SqliteStore } from './sqlite-store.js';
import { AFTER_ALL_TEXT, prefixUpperBound } from './key-range.js';

const buf = (s: string): Buffer => Buffer.from(s);

async function rejectsWith(p: Promise<unknown>, code: string): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected StoreError '${code}', but the call succeeded`);
}

/** A seeded generator so that the randomized tests are reproducible. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** What the store should hold: the key/values at every revision. */
class Model {
  readonly state = new Map<string, KeyValue>();
  readonly snapshots = new Map<number, Map<string, KeyValue>>([[0, new Map()]]);
  readonly events: WatchEvent[] = [];

  apply(ev: WatchEvent): void {
    if (ev.type === 'put') this.state.set(ev.kv.key, ev.kv);
    else this.state.delete(ev.kv.key);
    this.events.push(ev);
    this.snapshots.set(ev.revision, new Map(this.state));
  }

  at(revision: number, prefix: string): KeyValue[] {
    let snap: Map<string, KeyValue> | undefined;
    for (let r = revision; r >= 0 && !snap; r--) snap = this.snapshots.get(r);
    return [...(snap as Map<string, KeyValue>).values()]
      .filter((kv) => kv.key.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }
}

/** Runs a random mix of creates, updates and deletes, recording each success in the model. */
async function randomWrites(store: SqliteStore, model: Model, n: number, rand: () => number, keys: string[]) {
  for (let i = 0; i < n; i++) {
    const key = keys[Math.floor(rand() * keys.length)];
    const cur = model.state.get(key);
    const value = buf(`${key}@${i}:${rand().toString(36).slice(2)}`);
    if (!cur) {
      const kv = await store.create(key, value);
      model.apply({ type: 'put', kv, revision: kv.modRevision });
    } else if (rand() < 0.7) {
      const kv = await store.update(key, value, cur.modRevision);
      model.apply({ type: 'put', kv, prevKv: cur, revision: kv.modRevision });
    } else {
      const kv = await store.delete(key, cur.modRevision);
      model.apply({ type: 'delete', kv, prevKv: cur, revision: kv.modRevision });
    }
  }
}

function collectWatch(store: SqliteStore, prefix: string, afterRevision: number) {
  const events: WatchEvent[] = [];
  const errors: StoreError[] = [];
  const watcher = store.watch(prefix, {
    afterRevision,
    onEvent: (ev) => events.push(ev),
    onError: (err) => errors.push(err),
  });
  return { events, errors, watcher };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-sqlite-'));
  store = await openSqliteStore(join(dir, 'data', 'store.db'));
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('prefixUpperBound', () => {
  test('increments the last code point, skipping surrogates and overflow', () => {
    assert.equal(prefixUpperBound('/registry/pods/'), '/registry/pods0');
    assert.equal(prefixUpperBound('a\uD7FF'), 'a\uE000');
    assert.equal(prefixUpperBound('a\u{10FFFF}'), 'b');
    assert.equal(prefixUpperBound(''), AFTER_ALL_TEXT);
    assert.equal(prefixUpperBound('\u{10FFFF}'), AFTER_ALL_TEXT);
  });
});

describe('SqliteStore writes', () => {
  test('create then create again fails with exists; get returns what was written', async () => {
    const kv = await store.create('/registry/pods/default/a', buf('v1'));
    assert.deepEqual(kv, { key: '/registry/pods/default/a', value: buf('v1'), createRevision: 1, modRevision: 1 });
    const err = await rejectsWith(store.create('/registry/pods/default/a', buf('v2')), 'exists');
    assert.equal(err.current?.modRevision, 1);
    assert.deepEqual(await store.get('/registry/pods/default/a'), kv);
    assert.equal(await store.get('/registry/pods/default/b'), undefined);
    assert.equal(store.currentRevision(), 1);
  });

  test('update is compare-and-swap on modRevision', async () => {
    const a = await store.create('/k/a', buf('1'));
    await store.create('/k/other', buf('x'));
    const a2 = await store.update('/k/a', buf('2'), a.modRevision);
    assert.deepEqual(a2, { key: '/k/a', value: buf('2'), createRevision: 1, modRevision: 3 });
    const conflict = await rejectsWith(store.update('/k/a', buf('3'), a.modRevision), 'conflict');
    assert.deepEqual(conflict.current, a2);
    await rejectsWith(store.update('/k/missing', buf('3'), 1), 'notfound');
    assert.deepEqual(await store.get('/k/a'), a2);
    assert.equal(store.currentRevision(), 3, 'failed writes must not consume revisions');
  });

  test('delete honours its precondition and returns the last value at the delete revision', async () => {
    const a = await store.create('/k/a', buf('1'));
    const a2 = await store.update('/k/a', buf('2'), a.modRevision);
    await rejectsWith(store.delete('/k/a', a.modRevision), 'conflict');
    assert.ok(await store.get('/k/a'));
    const deleted = await store.delete('/k/a', a2.modRevision);
    assert.deepEqual(deleted, { key: '/k/a', value: buf('2'), createRevision: 1, modRevision: 3 });
    assert.equal(await store.get('/k/a'), undefined);
    await rejectsWith(store.delete('/k/a'), 'notfound');
    const b = await store.create('/k/b', buf('b'));
    assert.equal((await store.delete('/k/b')).modRevision, b.modRevision + 1);
    const again = await store.create('/k/a', buf('new'));
    assert.equal(again.createRevision, 6, 'a re-created key starts a new incarnation');
  });

  test('the caller mutating its buffer after create does not change the stored value', async () => {
    const value = buf('original');
    const p = store.create('/k/a', value);
    value.write('XXXXXXXX');
    await p;
    assert.deepEqual((await store.get('/k/a'))?.value, buf('original'));
  });

  test('revisions keep increasing across reopen, after deleting the newest key and after compaction', async () => {
    const file = join(dir, 'data', 'store.db');
    await store.create('/k/a', buf('a'));
    const b = await store.create('/k/b', buf('b'));
    await store.delete('/k/b', b.modRevision);
    await store.close();
    store = await openSqliteStore(file);
    assert.equal(store.currentRevision(), 3);
    assert.equal((await store.create('/k/c', buf('c'))).modRevision, 4);
    await store.delete('/k/c');
    await store.compact(5);
    await store.close();
    store = await openSqliteStore(file);
    assert.equal(store.currentRevision(), 5);
    assert.equal(store.compactedRevision(), 5);
    assert.equal((await store.create('/k/d', buf('d'))).modRevision, 6);
    assert.deepEqual((await store.get('/k/a'))?.value, buf('a'));
  });

  test('creates the directory 0700 and keeps the database and its WAL 0600', async () => {
    await store.create('/k/a', buf('a'));
    const file = join(dir, 'data', 'store.db');
    assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(existsSync(file + '-wal'), 'WAL mode keeps a -wal file');
    assert.equal(statSync(file + '-wal').mode & 0o777, 0o600);
    assert.equal(existsSync(file + '-shm'), false, 'exclusive locking keeps the WAL index in memory');
  });

  test('a second opener of the same file is refused while the store is open', async () => {
    const err = await rejectsWith(openSqliteStore(join(dir, 'data', 'store.db')), 'internal');
    assert.match(err.message, /in use by another process/);
    await store.create('/k/a', buf('still works'));
  });
});

/** Schema 1's layout (what Bulwark wrote before values were stored once), for the upgrade tests. */
const SCHEMA_1 = `
CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE current (key TEXT PRIMARY KEY, value BLOB NOT NULL, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE history (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, value BLOB NOT NULL, create_rev INTEGER NOT NULL, prev_rev INTEGER, deleted INTEGER NOT NULL);
CREATE INDEX history_key_rev ON history (key, rev, deleted);
PRAGMA user_version = 1;
`;

/** A schema-1 file: /k/a created at 1 and updated at 3, /k/b created at 2 and deleted at 4, /k/c created at 5. */
function writeSchema1File(file: string, tamper?: (db: Database.Database) => void): void {
  const db = new Database(file);
  db.exec(SCHEMA_1);
  const h = db.prepare('INSERT INTO history (rev, key, value, create_rev, prev_rev, deleted) VALUES (?, ?, ?, ?, ?, ?)');
  const c = db.prepare('INSERT INTO current (key, value, create_rev, mod_rev) VALUES (?, ?, ?, ?)');
  h.run(1, '/k/a', buf('a1'), 1, null, 0);
  h.run(2, '/k/b', buf('b1'), 2, null, 0);
  h.run(3, '/k/a', buf('a2'), 1, 1, 0);
  h.run(4, '/k/b', buf('b1'), 2, 2, 1);
  h.run(5, '/k/c', buf('c1'), 5, null, 0);
  c.run('/k/a', buf('a2'), 1, 3);
  c.run('/k/c', buf('c1'), 5, 5);
  db.prepare("INSERT INTO meta (name, value) VALUES ('revision', 5)").run();
  tamper?.(db);
  db.close();
}

describe('SqliteStore on disk', () => {
  test('a value is stored once, however large', async () => {
    const file = join(dir, 'data', 'store.db');
    const marker = 'unique-marker-7c1f';
    const big = buf(marker + 'x'.repeat(5000));
    const kv = await store.create('/k/big', big);
    await store.update('/k/big', buf(marker + 'y'.repeat(5000)), kv.modRevision);
    await store.close();
    // closing checkpoints the WAL into the file: count the marker in the file's pages
    const bytes = readFileSync(file);
    let count = 0;
    for (let i = bytes.indexOf(marker); i >= 0; i = bytes.indexOf(marker, i + 1)) count++;
    assert.equal(count, 2, 'two versions, each stored once');
    store = await openSqliteStore(file);
    assert.deepEqual((await store.get('/k/big'))?.value, buf(marker + 'y'.repeat(5000)));
  });

  test('a schema-1 file is upgraded on open with its values, revisions and history intact', async () => {
    await store.close();
    const file = join(dir, 'old.db');
    writeSchema1File(file);
    store = await openSqliteStore(file);
    assert.equal(store.currentRevision(), 5);
    assert.deepEqual((await store.get('/k/a'))?.value, buf('a2'));
    assert.equal((await store.get('/k/a'))?.createRevision, 1);
    assert.equal(await store.get('/k/b'), undefined);
    assert.deepEqual((await store.list('/k/')).items.map((kv) => [kv.key, kv.value.toString(), kv.modRevision]), [['/k/a', 'a2', 3], ['/k/c', 'c1', 5]]);
    assert.deepEqual((await store.list('/k/', { revision: 2 })).items.map((kv) => kv.value.toString()), ['a1', 'b1']);
    const w = collectWatch(store, '/k/', 0);
    await until(() => w.events.length === 5, 'the replayed history');
    assert.deepEqual(w.events.map((e) => `${e.type}:${e.kv.key}@${e.revision}`), ['put:/k/a@1', 'put:/k/b@2', 'put:/k/a@3', 'delete:/k/b@4', 'put:/k/c@5']);
    w.watcher.stop();
    const updated = await store.update('/k/a', buf('a3'), 3);
    assert.equal(updated.modRevision, 6);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), 2);
      const columns = (db.prepare('PRAGMA table_info(current)').all() as { name: string }[]).map((c) => c.name);
      assert.deepEqual(columns, ['key', 'create_rev', 'mod_rev']);
    } finally {
      db.close();
    }
    store = await openSqliteStore(file);
    assert.deepEqual((await store.get('/k/a'))?.value, buf('a3'));
  });

  test('a schema-1 file whose current value has no history row is refused and left as it was', async () => {
    await store.close();
    const file = join(dir, 'old.db');
    writeSchema1File(file, (db) => db.prepare('DELETE FROM history WHERE rev = 5').run());
    const err = await rejectsWith(openSqliteStore(file), 'internal');
    assert.match(err.message, /cannot upgrade the file to storage schema version 2: 1 current value\(s\) have no matching history row/);
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), 1);
      assert.equal(db.prepare('SELECT count(*) FROM current').pluck().get(), 2);
    } finally {
      db.close();
    }
    store = await openSqliteStore(join(dir, 'data', 'store.db'));
  });

  test('a file from a newer schema is refused', async () => {
    await store.close();
    const file = join(dir, 'new.db');
    const db = new Database(file);
    db.pragma('user_version = 3');
    db.close();
    const err = await rejectsWith(openSqliteStore(file), 'internal');
    assert.match(err.message, /storage schema version 3; this version of Bulwark reads up to 2/);
    store = await openSqliteStore(join(dir, 'data', 'store.db'));
  });
});

describe('SqliteStore group commit', () => {
  test('concurrent creates share one transaction and get consecutive revisions', async () => {
    const before = store.commitStats();
    const keys = Array.from({ length: 300 }, (_, i) => `/registry/configmaps/ns/cm-${i}`);
    const results = await Promise.all(keys.map((k) => store.create(k, buf(k))));
    const after = store.commitStats();
    assert.equal(after.batches - before.batches, 1);
    assert.equal(after.writes - before.writes, 300);
    assert.deepEqual(
      results.map((r) => r.modRevision),
      keys.map((_, i) => i + 1),
    );
    assert.equal(await store.count('/registry/configmaps/ns/'), 300);
  });

  test('a failing precondition rejects only its own write in the batch', async () => {
    const existing = await store.create('/k/existing', buf('e'));
    const outcomes = await Promise.allSettled([
      store.create('/k/a', buf('a')),
      store.create('/k/existing', buf('dup')),
      store.update('/k/existing', buf('stale'), existing.modRevision + 7),
      store.create('/k/b', buf('b')),
      store.update('/k/existing', buf('ok'), existing.modRevision),
      store.delete('/k/nothing'),
      store.create('/k/c', buf('c')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'fulfilled' ? o.value.modRevision : (o.reason as StoreError).code)),
      [2, 'exists', 'conflict', 3, 4, 'notfound', 5],
    );
    assert.deepEqual((await store.get('/k/existing'))?.value, buf('ok'));
  });

  test('writes in one batch see the writes before them', async () => {
    const [created, deleted, recreated] = await Promise.all([
      store.create('/k/a', buf('1')),
      store.delete('/k/a', 1),
      store.create('/k/a', buf('2')),
    ]);
    assert.equal(created.modRevision, 1);
    assert.deepEqual(deleted, { key: '/k/a', value: buf('1'), createRevision: 1, modRevision: 2 });
    assert.equal(recreated.createRevision, 3);
  });

  test('a very large burst is split into bounded transactions without losing a write', async () => {
    const n = 2500;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => store.create(`/k/${i}`, buf(String(i)))));
    assert.equal(new Set(results.map((r) => r.modRevision)).size, n);
    assert.equal(store.currentRevision(), n);
    assert.ok(store.commitStats().batches >= 3);
    assert.equal(await store.count('/k/'), n);
  });
});

describe('SqliteStore list', () => {
  test('orders by key and respects prefix boundaries', async () => {
    const keys = [
      '/registry/pods/ab/x',
      '/registry/pods/a/z',
      '/registry/pods/a',
      '/registry/pods/a/b',
      '/registry/pods/a/a-long-name',
      '/registry/pods/a0/y',
      '/registry/pods/a/\u00e9t\u00e9',
      '/registry/podsecuritypolicies/a/x',
    ];
    for (const k of keys) await store.create(k, buf(k));
    const res = await store.list('/registry/pods/a/');
    assert.deepEqual(
      res.items.map((kv) => kv.key),
      ['/registry/pods/a/a-long-name', '/registry/pods/a/b', '/registry/pods/a/z', '/registry/pods/a/\u00e9t\u00e9'],
    );
    assert.equal(res.more, false);
    assert.equal(res.revision, keys.length);
    assert.equal(await store.count('/registry/pods/a/'), 4);
    assert.equal((await store.list('/registry/pods/')).items.length, 7);
    assert.equal((await store.list('')).items.length, keys.length);
    assert.deepEqual((await store.list('/registry/pods/a/', { revision: 3 })).items.map((kv) => kv.key), [
      '/registry/pods/a/z',
    ]);
  });

  test('pages at a fixed revision stay consistent while writes continue', async () => {
    const rand = prng(7);
    for (let i = 0; i < 30; i++) await store.create(`/registry/secrets/ns/s-${String(i).padStart(2, '0')}`, buf(`v${i}`));
    await store.create('/registry/secrets/other/s', buf('outside'));
    const expected = (await store.list('/registry/secrets/ns/')).items;
    const first = await store.list('/registry/secrets/ns/', { limit: 8 });
    assert.equal(first.items.length, 8);
    assert.equal(first.more, true);
    assert.equal(first.remaining, 22);
    const pages = [...first.items];
    let last = first;
    while (last.more) {
      // Churn between pages: updates, deletes and new keys inside the listed range.
      for (let j = 0; j < 5; j++) {
        const victim = `/registry/secrets/ns/s-${String(Math.floor(rand() * 30)).padStart(2, '0')}`;
        const cur = await store.get(victim);
        if (cur && rand() < 0.5) await store.update(victim, buf('changed'), cur.modRevision);
        else if (cur) await store.delete(victim);
        else await store.create(victim, buf('reborn'));
      }
      await store.create(`/registry/secrets/ns/s-${String(pages.length).padStart(2, '0')}-new`, buf('new'));
      const startAfter = pages[pages.length - 1].key;
      last = await store.list('/registry/secrets/ns/', { limit: 8, startAfter, revision: first.revision });
      assert.equal(last.revision, first.revision);
      assert.equal(last.remaining, Math.max(0, expected.length - pages.length - last.items.length));
      pages.push(...last.items);
    }
    assert.deepEqual(pages, expected);
    assert.equal(store.currentRevision(), first.revision + 18, 'three rounds of six writes between pages');
  });

  test('snapshot reads return exactly the state at every past revision', async () => {
    const model = new Model();
    const keys = Array.from({ length: 12 }, (_, i) => `/r/${i % 3}/k${i}`);
    await randomWrites(store, model, 150, prng(42), keys);
    for (let rev = 0; rev <= store.currentRevision(); rev++) {
      for (const prefix of ['', '/r/1/']) {
        const res = await store.list(prefix, { revision: rev });
        assert.deepEqual(res.items, model.at(rev, prefix), `list ${prefix} at revision ${rev}`);
        assert.equal(res.revision, rev);
      }
    }
    const paged = await store.list('', { revision: 60, limit: 3, startAfter: '/r/0/' });
    assert.deepEqual(paged.items, model.at(60, '').filter((kv) => kv.key > '/r/0/').slice(0, 3));
  });

  test('a revision newer than the current one is refused', async () => {
    await store.create('/k/a', buf('a'));
    await rejectsWith(store.list('/k/', { revision: 2 }), 'future');
    await rejectsWith(store.compact(2), 'future');
  });
});

describe('SqliteStore watch', () => {
  test('replays history then delivers live events, in order, with no gap or duplicate', async () => {
    const model = new Model();
    const keys = Array.from({ length: 10 }, (_, i) => `/w/${i % 2 ? 'in' : 'out'}/k${i}`);
    const rand = prng(3);
    await randomWrites(store, model, 60, rand, keys);
    const { events, errors } = collectWatch(store, '/w/in/', 20);
    // Writers running concurrently with the replay, each its own sequence of CAS writes.
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        const own = keys.filter((_, i) => i % 4 === w);
        await randomWrites(store, model, 60, prng(100 + w), own);
      }),
    );
    const wanted = model.events.filter((ev) => ev.revision > 20 && ev.kv.key.startsWith('/w/in/'));
    await until(() => events.length >= wanted.length, 'watch to catch up');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(errors, []);
    assert.deepEqual(events, wanted);
  });

  test('replay across chunks hands over to live delivery without loss', async () => {
    const n = 1300;
    await Promise.all(Array.from({ length: n }, (_, i) => store.create(`/c/${i}`, buf(String(i)))));
    const { events } = collectWatch(store, '/c/', 0);
    assert.equal(events.length, 0, 'no event is delivered before watch() returns');
    const live: Promise<KeyValue>[] = [];
    for (let i = 0; i < 50; i++) live.push(store.create(`/c/live-${i}`, buf('l')));
    await Promise.all(live);
    await until(() => events.length >= n + 50, 'all events');
    assert.deepEqual(
      events.map((e) => e.revision),
      Array.from({ length: n + 50 }, (_, i) => i + 1),
    );
  });

  test('delete events carry the last value and prevKv; updates carry prevKv', async () => {
    const a = await store.create('/k/a', buf('1'));
    const a2 = await store.update('/k/a', buf('2'), a.modRevision);
    const { events } = collectWatch(store, '/k/', 0);
    const del = await store.delete('/k/a');
    await until(() => events.length === 3, 'three events');
    const expectedDelete: WatchEvent = { type: 'delete', kv: del, prevKv: a2, revision: 3 };
    assert.deepEqual(events, [
      { type: 'put', kv: a, revision: 1 },
      { type: 'put', kv: a2, prevKv: a, revision: 2 },
      expectedDelete,
    ]);
    // The same events replayed from history must look identical to the live ones.
    const replayed = collectWatch(store, '/k/', 0);
    await until(() => replayed.events.length === 3, 'replay');
    assert.deepEqual(replayed.events, events);
  });

  test('a watch starting at the current or a future revision gets only later events', async () => {
    await store.create('/k/a', buf('1'));
    const now = collectWatch(store, '/k/', 1);
    const future = collectWatch(store, '/k/', 3);
    await store.create('/k/b', buf('2'));
    await store.create('/k/c', buf('3'));
    await store.create('/k/d', buf('4'));
    await until(() => now.events.length === 3, 'events');
    assert.deepEqual(now.events.map((e) => e.revision), [2, 3, 4]);
    assert.deepEqual(future.events.map((e) => e.revision), [4]);
  });

  test('fan-out to many watchers on many prefixes', async () => {
    const watches = Array.from({ length: 150 }, (_, i) => collectWatch(store, `/registry/pods/ns-${i % 30}/`, 0));
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.create(`/registry/pods/ns-${i % 30}/p-${i}`, buf('x'))));
    await until(() => watches.every((w) => w.events.length === 10), 'each watcher to see its 10 pods');
    for (const [i, w] of watches.entries()) {
      assert.ok(w.events.every((e) => e.kv.key.startsWith(`/registry/pods/ns-${i % 30}/`)));
    }
  });

  test('a stopped watcher gets nothing more', async () => {
    const w = collectWatch(store, '/k/', 0);
    await store.create('/k/a', buf('1'));
    w.watcher.stop();
    await store.create('/k/b', buf('2'));
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(w.events.map((e) => e.kv.key), ['/k/a']);
  });

  test('a watcher whose onEvent throws is ended without harming the store or other watchers', async () => {
    const errors: StoreError[] = [];
    store.watch('/k/', {
      afterRevision: 0,
      onEvent: () => {
        throw new Error('consumer bug');
      },
      onError: (err) => errors.push(err),
    });
    const good = collectWatch(store, '/k/', 0);
    await store.create('/k/a', buf('1'));
    await store.create('/k/b', buf('2'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'internal');
    assert.match(errors[0].message, /consumer bug/);
    assert.equal(good.events.length, 2);
  });

  test('watching from a compacted revision throws synchronously with the compacted revision', async () => {
    for (let i = 0; i < 5; i++) await store.create(`/k/${i}`, buf('x'));
    await store.compact(3);
    assert.throws(
      () => store.watch('/k/', { afterRevision: 2, onEvent: () => {} }),
      (err: unknown) => err instanceof StoreError && err.code === 'compacted' && err.compactedRevision === 3,
    );
    const w = collectWatch(store, '/k/', 3);
    await until(() => w.events.length === 2, 'events after the compacted revision');
    assert.deepEqual(w.events.map((e) => e.revision), [4, 5]);
  });

  test('a replaying watcher overtaken by compaction ends with a compacted error', async () => {
    await Promise.all(Array.from({ length: 1200 }, (_, i) => store.create(`/k/${i % 10}/${i}`, buf('x'))));
    const w = collectWatch(store, '/k/', 0);
    await store.compact(1100);
    await until(() => w.errors.length === 1, 'the error');
    assert.equal(w.errors[0].code, 'compacted');
    assert.equal(w.errors[0].compactedRevision, 1100);
  });
});

describe('SqliteStore compaction', () => {
  test('keeps every read at or after the compacted revision and drops superseded history', async () => {
    const model = new Model();
    const keys = Array.from({ length: 8 }, (_, i) => `/c/k${i}`);
    await randomWrites(store, model, 200, prng(9), keys);
    const target = 120;
    const watchFrom = collectWatch(store, '/c/', target);
    await store.compact(target);
    assert.equal(store.compactedRevision(), target);
    await rejectsWith(store.list('/c/', { revision: target - 1 }), 'compacted');
    for (let rev = target; rev <= store.currentRevision(); rev++) {
      assert.deepEqual((await store.list('/c/', { revision: rev })).items, model.at(rev, '/c/'), `revision ${rev}`);
    }
    // Replay after compaction still gets every event with its prevKv.
    const replay = collectWatch(store, '/c/', target);
    const wanted = model.events.filter((e) => e.revision > target);
    await until(() => replay.events.length === wanted.length && watchFrom.events.length === wanted.length, 'replay');
    assert.deepEqual(replay.events, wanted);
    assert.deepEqual(watchFrom.events, wanted);

    await store.compact(target - 10); // older than the compacted revision: nothing to do
    assert.equal(store.compactedRevision(), target);
    const file = join(dir, 'data', 'store.db');
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare('SELECT count(*) FROM history WHERE rev <= ?').pluck().get(target) as number;
      assert.equal(rows, model.at(target, '/c/').length, 'one row per live key at the compacted revision');
      const total = db.prepare('SELECT count(*) FROM history').pluck().get() as number;
      assert.equal(total, rows + (model.events.length - target));
    } finally {
      db.close();
    }
    store = await openSqliteStore(file);
    assert.equal(store.compactedRevision(), target);
  });

  test('compacts on a timer to the revision seen one interval earlier', async () => {
    await store.close();
    store = await openSqliteStore(join(dir, 'data', 'timed.db'), { compactionIntervalMs: 40 });
    for (let i = 0; i < 5; i++) await store.create(`/k/${i}`, buf('x'));
    await until(() => store.compactedRevision() === 5, 'the first periodic compaction');
    for (let i = 5; i < 8; i++) await store.create(`/k/${i}`, buf('x'));
    assert.ok(store.compactedRevision() <= 5, 'history newer than one interval is kept');
    await until(() => store.compactedRevision() === 8, 'the next periodic compaction');
    assert.equal((await store.list('/k/')).items.length, 8);
  });
});

describe('SqliteStore close', () => {
  test('flushes pending writes, ends watchers, and refuses later calls', async () => {
    const w = collectWatch(store, '/k/', 0);
    const pending = store.create('/k/a', buf('1'));
    await store.close();
    assert.equal((await pending).modRevision, 1);
    assert.deepEqual(w.events.map((e) => e.revision), [1]);
    assert.equal(w.errors.length, 1);
    assert.equal(w.errors[0].code, 'closed');
    await rejectsWith(store.create('/k/b', buf('2')), 'closed');
    await rejectsWith(store.get('/k/a'), 'closed');
    await rejectsWith(store.list('/k/'), 'closed');
    await rejectsWith(store.compact(1), 'closed');
    assert.throws(() => store.watch('/k/', { afterRevision: 0, onEvent: () => {} }), /closed/);
    await store.close();
    store = await openSqliteStore(join(dir, 'data', 'store.db'));
    assert.deepEqual((await store.get('/k/a'))?.value, buf('1'));
  });
});

describe('SqliteStore durability', () => {
  const moduleUrl = new URL('./sqlite-store.js', import.meta.url).href;

  test('every acknowledged create survives kill -9', async () => {
    const file = join(dir, 'crash', 'store.db');
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { openSqliteStore } from ${JSON.stringify(moduleUrl)};
         const store = await openSqliteStore(${JSON.stringify(file)});
         let i = 0;
         const writer = async () => {
           for (;;) {
             const key = '/registry/configmaps/crash/cm-' + (i++);
             await store.create(key, Buffer.from('value-of-' + key));
             process.stdout.write(key + '\\n');
           }
         };
         for (let w = 0; w < 16; w++) writer();`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const acknowledged: string[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      acknowledged.push(line);
      if (acknowledged.length === 2000) child.kill('SIGKILL');
    });
    assert.equal(await exited, 'SIGKILL');
    assert.ok(acknowledged.length >= 2000);

    const reopened = await openSqliteStore(file);
    try {
      for (const key of acknowledged) {
        assert.deepEqual((await reopened.get(key))?.value, Buffer.from('value-of-' + key), key);
      }
      const all = await reopened.list('/registry/configmaps/crash/');
      assert.equal(reopened.currentRevision(), all.items.length, 'one revision per stored create');
    } finally {
      await reopened.close();
    }
  });

  test('the compaction timer does not keep the process alive', () => {
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { openSqliteStore } from ${JSON.stringify(moduleUrl)};
         const store = await openSqliteStore(${JSON.stringify(join(dir, 'timer', 'store.db'))}, { compactionIntervalMs: 60000 });
         await store.create('/k', Buffer.from('v'));
         console.log('done');`,
      ],
      { timeout: 20000, encoding: 'utf8' },
    );
    assert.equal(result.signal, null, 'the process had to be killed');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'done');
  });
});
