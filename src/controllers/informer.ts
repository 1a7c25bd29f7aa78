// List-then-watch over one registry, delivering the current state and every later change to a
// controller; the watch is re-established with a fresh list if it ever ends.
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { KObject } from '../registry/object.js';

export interface InformerHandlers {
  /** The full current state, before any change; called again after a re-list. */
  onList(items: KObject[]): void;
  onChange(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KObject): void;
}

const RELIST_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 30_000;

/** Informers whose list has not succeeded yet, with why: the server's `informer-sync` readiness check. */
const unsynced = new Map<Informer, string>();

export function unsyncedInformers(): string[] {
  return [...unsynced.values()];
}

export class Informer {
  private stopped = false;
  private watcher?: { stop(): void };

  constructor(
    private readonly reg: GenericRegistry,
    private readonly handlers: InformerHandlers,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  /**
   * Lists and starts watching. A list that fails (say one stored object no key can decrypt) does not
   * fail the caller: the server must still start so that an operator can repair it. The informer
   * retries with backoff and is reported by `unsyncedInformers()` until a list succeeds.
   */
  async start(retryDelayMs = RELIST_DELAY_MS): Promise<void> {
    if (this.stopped) return;
    try {
      const listed = await this.reg.list('', {});
      this.handlers.onList(listed.items);
      // the watch starts at the listed revision; if it cannot (compacted meanwhile), list again
      const watcher = await this.reg.watch(
        '',
        { resourceVersion: listed.resourceVersion },
        (ev) => {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') this.handlers.onChange(ev.type, ev.object);
        },
        (err) => {
          if (this.stopped) return;
          this.log(`watch on ${this.reg.qualified} ended; listing again`, err);
          setTimeout(() => void this.start(), RELIST_DELAY_MS).unref();
        },
      );
      if (this.stopped) {
        watcher.stop();
        return;
      }
      this.watcher = watcher;
      if (unsynced.delete(this)) this.log(`listing ${this.reg.qualified} succeeded again`);
    } catch (err) {
      const why = `${this.reg.qualified}: ${err instanceof Error ? err.message : String(err)}`;
      if (!unsynced.has(this)) this.log(`listing ${this.reg.qualified} failed; retrying until it succeeds`, err);
      unsynced.set(this, why);
      setTimeout(() => void this.start(Math.min(retryDelayMs * 2, MAX_RETRY_DELAY_MS)), retryDelayMs).unref();
    }
  }

  stop(): void {
    this.stopped = true;
    unsynced.delete(this);
    this.watcher?.stop();
  }
}
