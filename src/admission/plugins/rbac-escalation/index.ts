// RBAC escalation prevention on the write path: a Role/ClusterRole may only grant what its author
// holds (or may `escalate`), a binding may only bind a role its author holds (or may `bind`).
// Always on: it is part of RBAC, not an optional admission plugin.
import type { AdmissionAttributes, AdmissionPlugin } from '../../types.js';
import type { EscalationGuard } from '../../../authz/rbac/index.js';
import { onlyGCFieldsChanged } from '../../../authz/rbac/index.js';
import type { KObject } from '../../../registry/object.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export class RBACEscalationGuard implements AdmissionPlugin {
  readonly name = 'RBACEscalation';
  constructor(private readonly guard: EscalationGuard) {}

  async validate(a: AdmissionAttributes): Promise<void> {
    if (a.resource.group !== RBAC_GROUP || (a.operation !== 'CREATE' && a.operation !== 'UPDATE') || !a.object) return;
    const obj = a.object as KObject & { metadata?: object };
    const gcOnly = a.operation === 'UPDATE' && a.oldObject !== undefined && onlyGCFieldsChanged(obj, a.oldObject as KObject & { metadata?: object });
    switch (a.resource.resource) {
      case 'roles':
      case 'clusterroles': {
        const kind = a.resource.resource === 'roles' ? 'Role' : 'ClusterRole';
        const rules = (obj['rules'] as never[] | undefined) ?? [];
        const aggregationRule = obj['aggregationRule'] !== undefined || (a.oldObject !== undefined && a.oldObject['aggregationRule'] !== undefined);
        await this.guard.checkRole(a.user, a.namespace, rules, kind, a.name, { aggregationRule: kind === 'ClusterRole' && aggregationRule, onlyGCFieldsChanged: gcOnly });
        return;
      }
      case 'rolebindings':
      case 'clusterrolebindings': {
        const roleRef = obj['roleRef'] as { apiGroup: string; kind: string; name: string };
        await this.guard.checkBinding(a.user, a.resource.resource === 'rolebindings' ? a.namespace : '', roleRef, a.name, { onlyGCFieldsChanged: gcOnly });
        return;
      }
    }
  }
}
