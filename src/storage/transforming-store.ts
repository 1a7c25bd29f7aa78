// The value-transformer hook of the storage contract: values are transformed (encrypted) on their
// way into the store and back on their way out, with the storage key as the transformer's
// authenticated context. Keys no transformer covers pass through untouched, synchronously; watch
// events of transformed keys are decrypted once for all watchers and delivered in order.
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchOptions, Watcher } from './store.js';
import { StoreError } from './store.js';

export interface StoreValueTransformer {
  toStorage(plain: Buffer, storageKey: string): Promise<Buffer>;
  fromStorage(stored: Buffer, storageKey: string): Promise<{ value: Buffer; stale: boolean }>;
}

/** The transformer for a storage key, or undefined when its values are stored as they are. */
export type TransformerForKey = (key: string) => StoreValueTransformer | undefined;

export class TransformingStore implements Store {
  /** One decryption per event, shared by every watcher that receives it. */
  private readonly decrypted = new WeakMap<WatchEvent, Promise<WatchEvent>>();

  constructor(
    private readonly inner: Store,
    private readonly transformerFor: TransformerForKey,
  ) {}

  currentRevision(): number {
    return this.inner.currentRevision();
  }

  compactedRevision(): number {
    return this.inner.compactedRevision();
  }

  private async fromStorage(kv: KeyValue): Promise<KeyValue> {
    const t = this.transformerFor(kv.key);
    if (!t) return kv;
    try {
      const { value, stale } = await t.fromStorage(kv.value, kv.key);
      return { ...kv, value, stale };
    } catch (err) {
      throw new StoreError('internal', err instanceof Error ? err.message : String(err));
    }
  }

  private async toStorage(key: string, value: Buffer): Promise<Buffer> {
    const t = this.transformerFor(key);
    return t ? t.toStorage(value, key) : value;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const kv = await this.inner.get(key);
    return kv && this.fromStorage(kv);
  }

  async create(key: string, value: Buffer): Promise<KeyValue> {
    const kv = await this.inner.create(key, await this.toStorage(key, value));
    return { ...kv, value };
  }

  async update(key: string, value: Buffer, expectedModRevision: number): Promise<KeyValue> {
    const kv = await this.inner.update(key, await this.toStorage(key, value), expectedModRevision);
    return { ...kv, value };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.fromStorage(await this.inner.delete(key, expectedModRevision));
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const page = await this.inner.list(prefix, opts);
    return { ...page, items: await Promise.all(page.items.map((kv) => this.fromStorage(kv))) };
  }

  /** The stored bytes under a prefix, untransformed (for reporting which key each value uses). */
  async rawValues(prefix: string): Promise<Buffer[]> {
    return (await this.inner.list(prefix, {})).items.map((kv) => kv.value);
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  private decryptEvent(ev: WatchEvent): Promise<WatchEvent> {
    let p = this.decrypted.get(ev);
    if (!p) {
      p = (async () => {
        const kv = await this.fromStorage(ev.kv);
        const prevKv = ev.prevKv && (await this.fromStorage(ev.prevKv));
        return { ...ev, kv, prevKv };
      })();
      this.decrypted.set(ev, p);
    }
    return p;
  }

  watch(prefix: string, opts: WatchOptions): Watcher {
    let queue: Promise<void> = Promise.resolve();
    let pending = 0;
    let stopped = false;
    const inner = this.inner.watch(prefix, {
      ...opts,
      onEvent: (ev) => {
        const transformed = this.transformerFor(ev.kv.key) !== undefined;
        if (!transformed && pending === 0) {
          // nothing to decrypt and nothing ahead of it: delivered as the store commits
          if (!stopped) opts.onEvent(ev);
          return;
        }
        pending++;
        queue = queue.then(async () => {
          try {
            const out = transformed ? await this.decryptEvent(ev) : ev;
            if (!stopped) opts.onEvent(out);
          } catch (err) {
            if (stopped) return;
            stopped = true;
            inner.stop();
            opts.onError?.(err instanceof StoreError ? err : new StoreError('internal', String(err)));
          } finally {
            pending--;
          }
        });
      },
    });
    return {
      stop() {
        stopped = true;
        inner.stop();
      },
    };
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Re-encrypts with the writer in force the values under `prefix` read through another provider
   * or key (stale), for up to `limit` keys after `startAfter`. Each rewrite is a compare-and-swap
   * on the revision read: a concurrent write (made with the current writer) wins and the value is
   * skipped, never overwritten. Rewrites run `concurrency` at a time so that the store's group
   * commit shares fsyncs among them. A value no provider can read fails the call.
   */
  async rewriteStale(prefix: string, opts: RewriteStaleOptions): Promise<RewriteStaleResult> {
    const page = await this.inner.list(prefix, { limit: opts.limit, startAfter: opts.startAfter });
    const result: RewriteStaleResult = {
      scanned: page.items.length,
      rewritten: 0,
      skipped: 0,
      lastKey: page.items[page.items.length - 1]?.key,
      more: page.more,
      remaining: page.remaining,
    };
    let next = 0;
    let failure: { err: unknown } | undefined;
    const worker = async () => {
      while (!failure && next < page.items.length) {
        const kv = page.items[next++]!;
        const t = this.transformerFor(kv.key);
        if (!t) continue;
        try {
          const { value, stale } = await t.fromStorage(kv.value, kv.key);
          if (!stale) continue;
          // looked up again: a reload since the read must not let the previous writer write
          await this.inner.update(kv.key, await this.toStorage(kv.key, value), kv.modRevision);
          result.rewritten++;
        } catch (err) {
          if (err instanceof StoreError && (err.code === 'conflict' || err.code === 'notfound')) result.skipped++;
          else failure ??= { err };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 64) }, worker));
    if (failure) throw failure.err;
    return result;
  }
}

export interface RewriteStaleOptions {
  /** Keys to read in this call. */
  limit: number;
  /** Continue after this key (the `lastKey` of the previous call). */
  startAfter?: string;
  /** Compare-and-swap updates in flight at once (default 64). */
  concurrency?: number;
}

export interface RewriteStaleResult {
  /** Keys read. */
  scanned: number;
  /** Stale values written again with the current writer. */
  rewritten: number;
  /** Stale values a concurrent write or delete changed first (left as that write made them). */
  skipped: number;
  /** The last key read: where the next call starts. */
  lastKey?: string;
  /** True when keys follow `lastKey`. */
  more: boolean;
  /** How many keys follow `lastKey`, when the store knows it cheaply. */
  remaining?: number;
}
