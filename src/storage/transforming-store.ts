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
}
