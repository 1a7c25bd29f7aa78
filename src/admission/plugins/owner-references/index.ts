// OwnerReferencesPermissionEnforcement: changing an object's owner references requires `delete` on
// the object, and newly setting blockOwnerDeletion requires `update` on the owner's finalizers.
import type { AdmissionAttributes, AdmissionLookup, AdmissionPlugin } from '../../types.js';
import type { Authorizer, AuthorizationResult } from '../../../authz/types.js';
import type { RequestInfo } from '../../../endpoints/request-info.js';
import type { UserInfo } from '../../../endpoints/context.js';
import { admissionForbidden } from '../../plugin-api.js';
import { jsonEqual } from '../../../registry/object.js';

export interface OwnerReferencesPermissionEnforcementOptions {
  authorizer: Authorizer;
  /** Kept for symmetry with the other plugins' wiring; owner references are checked without reading owners. */
  lookup: AdmissionLookup;
  resourceForKind: (apiVersion: string, kind: string) => { group: string; resource: string; namespaced: boolean } | undefined;
}

interface OwnerRef {
  apiVersion?: unknown;
  kind?: unknown;
  name?: unknown;
  uid?: unknown;
  blockOwnerDeletion?: unknown;
}

function ownerRefs(o: Record<string, unknown> | undefined): OwnerRef[] {
  const meta = o?.['metadata'];
  if (typeof meta !== 'object' || meta === null) return [];
  const refs = (meta as Record<string, unknown>)['ownerReferences'];
  return Array.isArray(refs) ? refs.filter((r): r is OwnerRef => typeof r === 'object' && r !== null) : [];
}

function resourceInfo(verb: string, group: string, version: string, resource: string, subresource: string, namespace: string, name: string): RequestInfo {
  return { isResourceRequest: true, path: '', verb, apiPrefix: group ? 'apis' : 'api', apiGroup: group, apiVersion: version, namespace, resource, subresource, name, parts: [] };
}

/** `User "bob" cannot delete resource "pods" in API group "" in the namespace "demo"`: what was refused, in RBAC's words. */
export function describeRefusal(user: UserInfo, info: RequestInfo, reason: string): string {
  const res = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  return `User "${user.username}" cannot ${info.verb} resource "${res}" in API group "${info.apiGroup}" ${scope}${reason ? `: ${reason}` : ''}`;
}

export class OwnerReferencesPermissionEnforcement implements AdmissionPlugin {
  readonly name = 'OwnerReferencesPermissionEnforcement';
  constructor(private readonly opts: OwnerReferencesPermissionEnforcementOptions) {}

  async validate(a: AdmissionAttributes): Promise<void> {
    if ((a.operation !== 'CREATE' && a.operation !== 'UPDATE') || !a.object) return;
    // pods/status is exempt upstream: its strategy already keeps owner references unchanged.
    if (a.resource.group === '' && a.resource.resource === 'pods' && a.subresource === 'status') return;
    const newRefs = ownerRefs(a.object);
    const oldRefs = a.operation === 'UPDATE' ? ownerRefs(a.oldObject) : [];
    const changing = a.operation === 'CREATE' || a.oldObject === undefined ? newRefs.length > 0 : !jsonEqual(newRefs, oldRefs);
    if (!changing) return;

    const del = resourceInfo('delete', a.resource.group, a.resource.version, a.resource.resource, a.subresource, a.namespace, a.name);
    const delDecision = await this.decide(a.user, del);
    if (delDecision.decision !== 'allow') {
      throw admissionForbidden(a, `cannot set an ownerRef on a resource you can't delete: ${describeRefusal(a.user, del, delDecision.reason)}`);
    }

    const wasBlocking = new Set(oldRefs.filter((r) => r.blockOwnerDeletion === true).map((r) => r.uid));
    for (const ref of newRefs) {
      if (ref.blockOwnerDeletion !== true || wasBlocking.has(ref.uid)) continue;
      const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
      const kind = typeof ref.kind === 'string' ? ref.kind : '';
      const mapping = apiVersion && kind ? this.opts.resourceForKind(apiVersion, kind) : undefined;
      if (!mapping) {
        throw admissionForbidden(
          a,
          `cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion ${apiVersion} Kind ${kind}: no matches for kind "${kind}" in version "${apiVersion}"`,
        );
      }
      const slash = apiVersion.indexOf('/');
      const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
      // Owner references only point within the object's namespace or at cluster-scoped objects.
      const fin = resourceInfo('update', mapping.group, version, mapping.resource, 'finalizers', mapping.namespaced ? a.namespace : '', typeof ref.name === 'string' ? ref.name : '');
      const finDecision = await this.decide(a.user, fin);
      if (finDecision.decision !== 'allow') {
        throw admissionForbidden(a, `cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: ${describeRefusal(a.user, fin, finDecision.reason)}`);
      }
    }
  }

  /** An authorizer that fails counts as a refusal: this check never falls open. */
  private async decide(user: UserInfo, info: RequestInfo): Promise<AuthorizationResult> {
    try {
      return await this.opts.authorizer.authorize(user, info);
    } catch (err) {
      return { decision: 'deny', reason: `authorization error: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}
