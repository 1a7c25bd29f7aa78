// Publishes the cluster CA certificate as ConfigMap `kube-root-ca.crt` (key `ca.crt`) in every
// namespace, as kube-controller-manager does: service-account token volumes mount it so that pods
// can verify the API server.
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { UserInfo } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { isPlainObject, metaOf, type KObject } from '../registry/object.js';
import { Informer } from './informer.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export class RootCAPublisher {
  private readonly informers: Informer[];

  constructor(
    namespaces: GenericRegistry,
    private readonly configMaps: GenericRegistry,
    private readonly caPem: string,
    private readonly user: UserInfo,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {
    const publishTo = (ns: KObject) => {
      const m = metaOf(ns);
      const phase = isPlainObject(ns['status']) ? ns['status']['phase'] : undefined;
      if (m.name && !m.deletionTimestamp && phase !== 'Terminating') void this.publish(m.name);
    };
    this.informers = [
      new Informer(namespaces, { onList: (items) => items.forEach(publishTo), onChange: (type, ns) => type !== 'DELETED' && publishTo(ns) }, log),
      new Informer(
        configMaps,
        {
          onList: () => undefined,
          // a deleted or edited copy is put back
          onChange: (_type, cm) => {
            if (metaOf(cm).name === ROOT_CA_CONFIGMAP) void this.publish(metaOf(cm).namespace ?? '');
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

  private async publish(namespace: string): Promise<void> {
    const opts = { user: this.user, warnings: [] as string[], fieldValidation: 'Ignore' as const };
    try {
      const existing = await this.configMaps.tryGet(namespace, ROOT_CA_CONFIGMAP);
      if (!existing) {
        await this.configMaps.create(namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP }, data: { 'ca.crt': this.caPem } }, opts);
        return;
      }
      const data = isPlainObject(existing['data']) ? existing['data'] : {};
      if (data['ca.crt'] === this.caPem && Object.keys(data).length === 1) return;
      await this.configMaps.update(namespace, ROOT_CA_CONFIGMAP, { ...existing, data: { 'ca.crt': this.caPem } }, '', opts);
    } catch (err) {
      // a namespace that is gone or terminating needs no copy; a concurrent write is retried by its event
      if (err instanceof StatusError && [403, 404, 409].includes(err.code)) return;
      this.log(`publishing ${ROOT_CA_CONFIGMAP} in ${namespace} failed`, err);
    }
  }
}
