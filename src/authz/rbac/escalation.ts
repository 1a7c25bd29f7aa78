// Privilege-escalation prevention for writes of roles and bindings: nobody can grant, by writing a
// role or binding, a permission they do not hold themselves, unless explicitly allowed to
// (`escalate` on the role, `bind` on the referenced role) or a member of system:masters.
import { jsonEqual } from '../../registry/object.js';
import type { UserInfo } from '../../endpoints/context.js';
import type { RequestInfo } from '../../endpoints/request-info.js';
import { forbidden, notFound, type StatusError } from '../../api/status.js';
import type { Authorizer } from '../types.js';
import { aggregateMessages, type RBACAuthorizer } from './authorizer.js';
import { compactRules, compactString, covers, goQuote, goQuoteList } from './rule-matching.js';
import { RBAC_GROUP, SYSTEM_MASTERS, type PolicyRule, type RoleRef } from './types.js';

/** Holding these is what upstream calls cluster-admin privileges: needed to set an aggregationRule. */
export const FULL_AUTHORITY: readonly PolicyRule[] = Object.freeze([
  { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  { nonResourceURLs: ['*'], verbs: ['*'] },
]);

export interface RoleCheckAttributes {
  /**
   * The request that writes the role. The `escalate` check asks about its name, which is empty on
   * a create, exactly as kube-apiserver does (so `escalate` limited by resourceNames only helps
   * updates). Without it the role's own name is used.
   */
  requestInfo?: RequestInfo;
  /** The ClusterRole has an aggregationRule (before or after the write): requires full authority. */
  aggregationRule?: boolean;
  /** The write only changes ownerReferences or finalizers (see onlyGCFieldsChanged): always allowed. */
  onlyGCFieldsChanged?: boolean;
}

export interface BindingCheckAttributes {
  /** The write only changes ownerReferences or finalizers (see onlyGCFieldsChanged): always allowed. */
  onlyGCFieldsChanged?: boolean;
}

type RoleKind = 'Role' | 'ClusterRole';

function resourceForKind(kind: string): 'roles' | 'clusterroles' | undefined {
  return kind === 'Role' ? 'roles' : kind === 'ClusterRole' ? 'clusterroles' : undefined;
}

/** A resource request for an RBAC object, as the escalate/bind checks ask the authorizer about it. */
function syntheticInfo(verb: string, resource: string, namespace: string, name: string): RequestInfo {
  const nsPart = namespace ? `/namespaces/${namespace}` : '';
  const namePart = name ? `/${name}` : '';
  const parts = name ? [resource, name] : [resource];
  return {
    isResourceRequest: true,
    path: `/apis/${RBAC_GROUP}/v1${nsPart}/${resource}${namePart}`,
    verb,
    apiPrefix: 'apis',
    apiGroup: RBAC_GROUP,
    apiVersion: 'v1',
    namespace,
    resource,
    subresource: '',
    name,
    parts,
  };
}

/**
 * True when `updated` equals `old` once ownerReferences and finalizers (and the server-managed
 * managedFields) are copied over: such writes come from garbage collection and are not escalations.
 */
export function onlyGCFieldsChanged<T extends { metadata?: object }>(updated: T, old: T): boolean {
  const strip = (o: { metadata?: object }): unknown => {
    const meta = { ...((o.metadata ?? {}) as Record<string, unknown>) };
    delete meta.ownerReferences;
    delete meta.finalizers;
    delete meta.managedFields;
    return { ...o, metadata: meta };
  };
  return jsonEqual(strip(updated), strip(old));
}


/** kube's NewForbidden for an RBAC resource: `roles.rbac.authorization.k8s.io "x" is forbidden: <why>` (no name yet: no quotes). */
function forbiddenWrite(resource: string, name: string, why: string): StatusError {
  const subject = name ? `${resource}.${RBAC_GROUP} ${goQuote(name)}` : `${resource}.${RBAC_GROUP}`;
  return forbidden(`${subject} is forbidden: ${why}`, { name: name || undefined, group: RBAC_GROUP, kind: resource });
}

export class EscalationGuard {
  /**
   * `resolver` gives the requester's own rules; `authorizer` (the server's whole authorizer chain,
   * by default the RBAC authorizer alone) answers the `escalate` and `bind` questions.
   */
  constructor(
    private readonly resolver: RBACAuthorizer,
    private readonly authorizer: Authorizer = resolver,
  ) {}

  /**
   * Allows writing a Role (in `namespace`) or ClusterRole (`namespace` empty) with `rules` when the
   * user is in system:masters, may `escalate` that role, or already holds every rule. Otherwise
   * throws 403 Forbidden listing the permissions the user lacks.
   */
  async checkRole(user: UserInfo, namespace: string, rules: readonly PolicyRule[], roleKind: RoleKind, roleName: string, attrs: RoleCheckAttributes = {}): Promise<void> {
    if (user.groups.includes(SYSTEM_MASTERS) || attrs.onlyGCFieldsChanged) return;
    const resource = roleKind === 'Role' ? 'roles' : 'clusterroles';
    const ns = roleKind === 'Role' ? namespace : '';
    const askedName = attrs.requestInfo ? attrs.requestInfo.name : roleName;
    if (await this.allowed(user, syntheticInfo('escalate', resource, ns, askedName))) return;
    this.confirmNoEscalation(user, ns, rules, resource, roleName);
    if (roleKind === 'ClusterRole' && attrs.aggregationRule) {
      const held = this.resolver.resolveRules(user, '');
      if (!covers(held.rules, FULL_AUTHORITY).covered) {
        throw forbiddenWrite(resource, roleName, 'must have cluster-admin privileges to use the aggregationRule');
      }
    }
  }

  /**
   * Allows writing a RoleBinding (in `namespace`) or ClusterRoleBinding (`namespace` empty) to
   * `roleRef` when the user is in system:masters, may `bind` the referenced role in that
   * namespace, or already holds every rule of that role there. A referenced role that does not
   * exist cannot be checked: 404 NotFound, as upstream (system:masters and `bind` holders may
   * still create the binding ahead of its role). Otherwise 403 Forbidden with the missing rules.
   */
  async checkBinding(user: UserInfo, namespace: string, roleRef: RoleRef, bindingName: string, attrs: BindingCheckAttributes = {}): Promise<void> {
    if (user.groups.includes(SYSTEM_MASTERS) || attrs.onlyGCFieldsChanged) return;
    const bindingResource = namespace ? 'rolebindings' : 'clusterrolebindings';
    const roleResource = resourceForKind(roleRef.kind);
    // The binding's namespace is where the permissions are granted, so `bind` is asked about there.
    if (roleResource && (await this.allowed(user, { ...syntheticInfo('bind', roleResource, namespace, roleRef.name), apiGroup: roleRef.apiGroup }))) return;
    const resolved = this.resolver.roleReferenceRules(roleRef, namespace);
    if (resolved.error) {
      if (resolved.error.reason === 'NotFound' && roleResource) throw notFound(RBAC_GROUP, roleResource, roleRef.name);
      throw forbiddenWrite(bindingResource, bindingName, resolved.error.message);
    }
    this.confirmNoEscalation(user, namespace, resolved.rules, bindingResource, bindingName);
  }

  private async allowed(user: UserInfo, info: RequestInfo): Promise<boolean> {
    try {
      return (await this.authorizer.authorize(user, info)).decision === 'allow';
    } catch {
      return false; // an authorizer failure grants nothing
    }
  }

  private confirmNoEscalation(user: UserInfo, namespace: string, rules: readonly PolicyRule[], resource: string, name: string): void {
    const held = this.resolver.resolveRules(user, namespace);
    const { covered, missing } = covers(held.rules, rules);
    if (covered) return;
    const lines = [...new Set(compactRules(missing).map(compactString))].sort();
    let msg = `user ${goQuote(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
    if (held.errors.length > 0) msg += `; resolution errors: [${aggregateMessages(held.errors)}]`;
    throw forbiddenWrite(resource, name, msg);
  }
}
