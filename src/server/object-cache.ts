// In-memory copies of the objects that authentication and admission read on every request
// (namespaces, ServiceAccounts, LimitRanges, ResourceQuotas), kept current by watches. The store
// delivers watch events synchronously as it commits, so a copy is never behind a write that has
// been acknowledged. Other resources are read from the store. Cached objects are shared and
// frozen: a reader that tried to change one fails loudly (ES modules are strict) instead of
// changing what every other reader sees.
import type { AdmissionLookup } from '../admission/types.js';
import type { ObjectLookup } from '../authn/lookup.js';
import type { GenericRegistry, RegistryLookup } from '../registry/generic-registry.js';
import { deepFreeze, metaOf, type KObject } from '../registry/object.js';
import { Informer } from '../controllers/informer.js';

export const CACHED_RESOURCES: ReadonlyArray<readonly [group: string, resource: string]> = [
  ['', 'namespaces'],
  ['', 'serviceaccounts'],
  ['', 'limitranges'],
  ['', 'resourcequotas'],
];

/** One resource's objects by namespace, then name. */
class ResourceCache {
  readonly byNamespace = new Map<string, Map<string, KObject>>();

  reset(items: KObject[]): void {
    this.byNamespace.clear();
    for (const o of items) this.put(o);
  }

  put(o: KObject): void {
    const m = metaOf(o);
    let names = this.byNamespace.get(m.namespace ?? '');
    if (!names) this.byNamespace.set(m.namespace ?? '', (names = new Map()));
    names.set(m.name ?? '', deepFreeze(o));
  }

  remove(o: KObject): void {
    const m = metaOf(o);
    this.byNamespace.get(m.namespace ?? '')?.delete(m.name ?? '');
  }
}

export class ObjectCache implements AdmissionLookup, ObjectLookup {
  private readonly caches = new Map<string, ResourceCache>();
  private readonly informers: Informer[] = [];
  private registries?: RegistryLookup;

  /** Reads go to the store through these registries until start() has filled the caches. */
  bind(registries: RegistryLookup): void {
    this.registries = registries;
  }

  async start(log: (msg: string, err?: unknown) => void): Promise<void> {
    for (const [group, resource] of CACHED_RESOURCES) {
      const reg = this.registry(group, resource);
      if (!reg) continue;
      const cache = new ResourceCache();
      const key = `${group}/${resource}`;
      const informer = new Informer(
        reg,
        {
          // Served from memory only once listed: until then (a list that fails keeps retrying)
          // reads go to the store, so a plugin that cannot read what it needs refuses instead of
          // seeing an empty cache and letting the request through.
          onList: (items) => {
            cache.reset(items);
            this.caches.set(key, cache);
          },
          onChange: (type, o) => (type === 'DELETED' ? cache.remove(o) : cache.put(o)),
        },
        log,
      );
      await informer.start();
      this.informers.push(informer);
    }
  }

  stop(): void {
    for (const i of this.informers) i.stop();
  }

  private registry(group: string, resource: string): GenericRegistry | undefined {
    if (!this.registries) throw new Error('object lookups used before the registries exist');
    return this.registries.registry(group, 'v1', resource);
  }

  async get(group: string, resource: string, namespace: string, name: string): Promise<KObject | undefined> {
    const cache = this.caches.get(`${group}/${resource}`);
    if (cache) return cache.byNamespace.get(namespace)?.get(name);
    return this.registry(group, resource)?.tryGet(namespace, name);
  }

  async list(group: string, resource: string, namespace: string): Promise<KObject[]> {
    const cache = this.caches.get(`${group}/${resource}`);
    if (cache) {
      return namespace ? [...(cache.byNamespace.get(namespace)?.values() ?? [])] : [...cache.byNamespace.values()].flatMap((m) => [...m.values()]);
    }
    const reg = this.registry(group, resource);
    return reg ? (await reg.list(namespace, {})).items : [];
  }
}
