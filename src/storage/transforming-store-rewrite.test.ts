// Tests of TransformingStore.rewriteStale, the store side of key rotation: stale values are
// re-encrypted with the writer in force, page by page, and a concurrent write always wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { identityProvider, providerTransformer, secretboxProvider, type ValueTransformer } from '../encryption/index.js';
import type { ListOptions, ListResult, Store } from './store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import { TransformingStore } from './transforming-store.js';

const key1 = secretboxProvider({ name: 'key1', secret: randomBytes(32) });
const key2 = secretboxProvider({ name: 'key2', secret: randomBytes(32) });
const PREFIX = '/registry/secrets/';

async function withStore(fn: (s: { store: TransformingStore; inner: Store; use(t: ValueTransformer): void }) => Promise<void>, wrap?: (inner: Store, outer: () => TransformingStore) => Store) {
  const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-rewrite-'));
  const inner = await openSqliteStore(path.join(dir, 'state.db'));
  let current = providerTransformer([key1, identityProvider()]);
  let store: TransformingStore;
  const base = wrap ? wrap(inner, () => store) : inner;
  store = new TransformingStore(base, (key) => (key.startsWith(PREFIX) ? current : undefined));
  try {
    await fn({ store, inner, use: (t) => (current = t) });
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const name = (i: number) => `${PREFIX}ns/s${String(i).padStart(3, '0')}`;
const prefixOf = async (inner: Store, key: string) => (await inner.get(key))!.value.subarray(0, 30).toString('latin1');

test('rewriteStale re-encrypts every stale value with the new writer, page by page, and keeps the plaintext', async () => {
  await withStore(async ({ store, inner, use }) => {
    for (let i = 0; i < 100; i++) await store.create(name(i), Buffer.from(`value-${i}`));
    await store.create('/registry/configmaps/ns/plain', Buffer.from('plain'));
    const before = await inner.get(name(0));
    use(providerTransformer([key2, key1, identityProvider()]));
    let startAfter: string | undefined;
    let scanned = 0;
    let rewritten = 0;
    let calls = 0;
    for (;;) {
      const r = await store.rewriteStale(PREFIX, { limit: 30, startAfter, concurrency: 8 });
      calls++;
      scanned += r.scanned;
      rewritten += r.rewritten;
      assert.equal(r.skipped, 0);
      if (r.more) assert.equal(r.remaining, 100 - scanned);
      if (!r.more) break;
      startAfter = r.lastKey;
    }
    assert.equal(calls, 4);
    assert.equal(scanned, 100);
    assert.equal(rewritten, 100);
    for (let i = 0; i < 100; i++) {
      assert.match(await prefixOf(inner, name(i)), /^k8s:enc:secretbox:v1:key2:/);
      const kv = await store.get(name(i));
      assert.equal(kv!.value.toString(), `value-${i}`);
      assert.equal(kv!.stale, false);
    }
    // a rewrite is a write: a new revision, the same creation
    const after = await inner.get(name(0));
    assert.ok(after!.modRevision > before!.modRevision);
    assert.equal(after!.createRevision, before!.createRevision);
    assert.equal((await inner.get('/registry/configmaps/ns/plain'))!.value.toString(), 'plain');
    // nothing stale is left: a second pass writes nothing
    const again = await store.rewriteStale(PREFIX, { limit: 1000 });
    assert.deepEqual([again.scanned, again.rewritten, again.more], [100, 0, false]);
  });
});

test('rewriteStale leaves current values alone and rewrites plain values once an encrypting writer is first', async () => {
  await withStore(async ({ store, inner, use }) => {
    use(providerTransformer([identityProvider()]));
    await store.create(name(1), Buffer.from('was plain'));
    use(providerTransformer([key1, identityProvider()]));
    await store.create(name(2), Buffer.from('already key1'));
    const current = await inner.get(name(2));
    const r = await store.rewriteStale(PREFIX, { limit: 10 });
    assert.deepEqual([r.scanned, r.rewritten, r.skipped], [2, 1, 0]);
    assert.match(await prefixOf(inner, name(1)), /^k8s:enc:secretbox:v1:key1:/);
    assert.equal((await inner.get(name(2)))!.modRevision, current!.modRevision, 'a current value is not written');
  });
});

test('a write or delete that lands between the read and the rewrite wins; the rewrite is skipped', async () => {
  let race = false;
  await withStore(
    async ({ store, inner, use }) => {
      for (let i = 0; i < 5; i++) await store.create(name(i), Buffer.from(`old-${i}`));
      use(providerTransformer([key2, key1]));
      race = true;
      const r = await store.rewriteStale(PREFIX, { limit: 10 });
      assert.deepEqual([r.scanned, r.rewritten, r.skipped], [5, 3, 2]);
      assert.equal((await store.get(name(0)))!.value.toString(), 'client wrote this', 'the concurrent update is kept');
      assert.equal(await inner.get(name(1)), undefined, 'the deleted key stays deleted');
      for (let i = 2; i < 5; i++) assert.equal((await store.get(name(i)))!.value.toString(), `old-${i}`);
    },
    (inner, outer) => {
      // a store that lets a "client" write between the page read and the rewrites
      const racing: Store = {
        currentRevision: () => inner.currentRevision(),
        compactedRevision: () => inner.compactedRevision(),
        get: (k) => inner.get(k),
        create: (k, v) => inner.create(k, v),
        update: (k, v, rev) => inner.update(k, v, rev),
        delete: (k, rev) => inner.delete(k, rev),
        count: (p) => inner.count(p),
        watch: (p, o) => inner.watch(p, o),
        compact: (rev) => inner.compact(rev),
        close: () => inner.close(),
        async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
          const page = await inner.list(prefix, opts);
          if (race) {
            race = false;
            const kv0 = page.items[0]!;
            await outer().update(kv0.key, Buffer.from('client wrote this'), kv0.modRevision);
            await inner.delete(page.items[1]!.key);
          }
          return page;
        },
      };
      return racing;
    },
  );
});

test('a value no provider reads fails the call with a message naming its key', async () => {
  await withStore(async ({ store, use }) => {
    await store.create(name(7), Buffer.from('x'));
    use(providerTransformer([key2]));
    await assert.rejects(store.rewriteStale(PREFIX, { limit: 10 }), (err: Error) => err.message.includes(name(7)) && /secretbox:v1:key1/.test(err.message));
  });
});
