// NamespaceLifecycle: no new content in a namespace that is missing or being terminated, and the
// system namespaces cannot be deleted.
import type { AdmissionAttributes, AdmissionPlugin } from '../../types.js';
import { forbidden, notFound, qualifiedResource } from '../../../api/status.js';

export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface NamespaceLookup {
  getNamespace(name: string): Promise<Record<string, unknown> | undefined>;
}

export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';
  constructor(private readonly namespaces: NamespaceLookup) {}

  async validate(a: AdmissionAttributes): Promise<void> {
    const what = `${qualifiedResource(a.resource.group, a.resource.resource)} "${a.name}"`;
    if (a.resource.group === '' && a.resource.resource === 'namespaces') {
      if (a.operation === 'DELETE' && IMMORTAL_NAMESPACES.includes(a.name)) {
        throw forbidden(`${what} is forbidden: this namespace may not be deleted`);
      }
      return;
    }
    if (!a.resource.namespaced || a.operation !== 'CREATE') return;
    const ns = await this.namespaces.getNamespace(a.namespace);
    if (!ns) throw notFound('', 'namespaces', a.namespace);
    const meta = (ns['metadata'] ?? {}) as Record<string, unknown>;
    const phase = ((ns['status'] ?? {}) as Record<string, unknown>)['phase'];
    if (meta['deletionTimestamp'] || phase === 'Terminating') {
      throw forbidden(`${what} is forbidden: unable to create new content in namespace ${a.namespace} because it is being terminated`, {
        name: a.name,
        group: a.resource.group || undefined,
        kind: a.resource.resource,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${a.namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }
}
