// Every namespace has a `default` ServiceAccount: created when the namespace appears, and again if
// someone deletes it.
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { UserInfo } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { isPlainObject, metaOf, type KObject } from '../registry/object.js';
import { Informer } from './informer.js';

export class ServiceAccountController {
  private readonly informers: Informer[];

  constructor(
    namespaces: GenericRegistry,
    private readonly serviceAccounts: GenericRegistry,
    private readonly user: UserInfo,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {
    this.informers = [
      new Informer(namespaces, { onList: (items) => items.forEach((ns) => this.ensure(ns)), onChange: (type, ns) => type !== 'DELETED' && this.ensure(ns) }, log),
      new Informer(
        serviceAccounts,
        {
          onList: () => undefined,
          onChange: (type, sa) => {
            if (type === 'DELETED' && metaOf(sa).name === 'default') void this.create(metaOf(sa).namespace ?? '');
          },
        },
        log,
      ),
    ];
  }

  async start(): Promise<void> {
    for (const i of this.informers) await i.start();
  }

  stop(): void {
    for (const i of this.informers) i.stop();
  }

  private ensure(ns: KObject): void {
    const m = metaOf(ns);
    const phase = isPlainObject(ns['status']) ? ns['status']['phase'] : undefined;
    if (!m.name || m.deletionTimestamp || phase === 'Terminating') return;
    void this.create(m.name);
  }

  private async create(namespace: string): Promise<void> {
    try {
      if (await this.serviceAccounts.tryGet(namespace, 'default')) return;
      await this.serviceAccounts.create(namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, { user: this.user, warnings: [] });
    } catch (err) {
      // a namespace that is gone or terminating needs no default ServiceAccount
      if (err instanceof StatusError && [403, 404, 409].includes(err.code)) return;
      this.log(`creating the default ServiceAccount in ${namespace} failed`, err);
    }
  }
}
