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

export class Informer {
  private stopped = false;
  private watcher?: { stop(): void };

  constructor(
    private readonly reg: GenericRegistry,
    private readonly handlers: InformerHandlers,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const { items, resourceVersion } = await this.reg.list('', {});
    this.handlers.onList(items);
    this.watcher = await this.reg.watch(
      '',
      { resourceVersion },
      (ev) => {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') this.handlers.onChange(ev.type, ev.object);
      },
      (err) => {
        if (this.stopped) return;
        this.log(`watch on ${this.reg.qualified} ended; listing again`, err);
        setTimeout(() => void this.start().catch((e: unknown) => this.log(`re-listing ${this.reg.qualified} failed`, e)), RELIST_DELAY_MS).unref();
      },
    );
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.stop();
  }
}
