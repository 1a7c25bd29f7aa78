// Object lookups for the authenticators. ServiceAccounts are read on every service-account-token
// request, so they come from an in-memory copy kept current by a watch (a deletion is seen as soon
// as it is committed); everything else is read from the store.
import type { ObjectLookup } from '../authn/lookup.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import { metaOf, type KObject } from '../registry/object.js';
import { Informer } from '../controllers/informer.js';
import type { RegistryLookup } from './system-objects.js';

export class CachedObjectLookup implements ObjectLookup {
  private readonly serviceAccounts = new Map<string, KObject>();
  private readonly informer: Informer;

  constructor(
    private readonly registries: RegistryLookup,
    serviceAccountRegistry: GenericRegistry,
    log: (msg: string, err?: unknown) => void,
  ) {
    const key = (o: KObject) => `${metaOf(o).namespace ?? ''}/${metaOf(o).name ?? ''}`;
    this.informer = new Informer(
      serviceAccountRegistry,
      {
        onList: (items) => {
          this.serviceAccounts.clear();
          for (const sa of items) this.serviceAccounts.set(key(sa), sa);
        },
        onChange: (type, sa) => {
          if (type === 'DELETED') this.serviceAccounts.delete(key(sa));
          else this.serviceAccounts.set(key(sa), sa);
        },
      },
      log,
    );
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): void {
    this.informer.stop();
  }

  async get(group: string, resource: string, namespace: string, name: string): Promise<KObject | undefined> {
    if (group === '' && resource === 'serviceaccounts') return this.serviceAccounts.get(`${namespace}/${name}`);
    return this.registries.registry(group, 'v1', resource)?.tryGet(namespace, name);
  }
}
