// Namespace lifecycle controller: when a namespace is marked for deletion, delete everything in it,
// then drop its "kubernetes" finalizer so that the registry removes the namespace itself.
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { UserInfo } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { isPlainObject, metaOf, type KObject } from '../registry/object.js';
import type { Watcher } from '../storage/store.js';

const RETRY_MS = 500;

export class NamespaceController {
  private readonly inProgress = new Set<string>();
  private watcher?: Watcher;
  private stopped = false;

  constructor(
    private readonly namespaces: GenericRegistry,
    private readonly namespaced: GenericRegistry[],
    private readonly user: UserInfo,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const { items, resourceVersion } = await this.namespaces.list('', {});
    for (const ns of items) this.consider(ns);
    this.watcher = await this.namespaces.watch(
      '',
      { resourceVersion },
      (ev) => {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.consider(ev.object);
      },
      (err) => this.log('namespace watch ended', err),
    );
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.stop();
  }

  private consider(ns: KObject): void {
    const name = metaOf(ns).name;
    if (!name || !metaOf(ns).deletionTimestamp || this.inProgress.has(name)) return;
    this.inProgress.add(name);
    void this.finalize(name).finally(() => this.inProgress.delete(name));
  }

  private async finalize(name: string): Promise<void> {
    while (!this.stopped) {
      try {
        if (await this.deleteContent(name)) {
          await this.removeFinalizer(name);
          return;
        }
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) return;
        this.log(`deleting the content of namespace ${name} failed; retrying`, err);
      }
      await new Promise((r) => setTimeout(r, RETRY_MS).unref());
    }
  }

  /** Deletes every object in the namespace; true when nothing is left. */
  private async deleteContent(name: string): Promise<boolean> {
    let remaining = 0;
    for (const reg of this.namespaced) {
      const deleted = await reg.deleteCollection(name, {}, { user: this.user, warnings: [], propagationPolicy: 'Background' });
      remaining += deleted.filter((o) => metaOf(o).deletionTimestamp).length;
      const { items } = await reg.list(name, { limit: 1 });
      remaining += items.length;
    }
    return remaining === 0;
  }

  private async removeFinalizer(name: string): Promise<void> {
    const ns = await this.namespaces.get('', name);
    const spec = isPlainObject(ns['spec']) ? ns['spec'] : {};
    const finalizers = ((spec['finalizers'] as string[] | undefined) ?? []).filter((f) => f !== 'kubernetes');
    ns['spec'] = { ...spec, finalizers };
    await this.namespaces.update('', name, ns, 'finalize', { user: this.user, warnings: [], fieldValidation: 'Ignore' });
  }
}
