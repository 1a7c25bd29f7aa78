// The TokenRequest subresource (POST …/serviceaccounts/<name>/token): issues a bound, expiring
// service-account token (`kubectl create token`).
import type { ActionSubresource } from './virtual.js';
import type { ServiceAccountTokenIssuer } from '../../authn/service-account-token.js';
import { badRequest, conflict, invalid, notFound } from '../../api/status.js';
import { isPlainObject, metaOf, nowTimestamp, type KObject } from '../../registry/object.js';

export interface TokenRequestLookup {
  get(group: string, resource: string, namespace: string, name: string): Promise<KObject | undefined>;
}

const BOUND_KINDS: Record<string, { resource: string; namespaced: boolean }> = {
  Pod: { resource: 'pods', namespaced: true },
  Secret: { resource: 'secrets', namespaced: true },
  Node: { resource: 'nodes', namespaced: false },
};

export function tokenRequestAction(issuer: ServiceAccountTokenIssuer, lookup: TokenRequestLookup): ActionSubresource {
  return {
    group: '',
    resource: 'serviceaccounts',
    subresource: 'token',
    kindGroup: 'authentication.k8s.io',
    kindVersion: 'v1',
    kind: 'TokenRequest',
    namespaced: true,
    async create(_ctx, namespace, name, body) {
      const sa = await lookup.get('', 'serviceaccounts', namespace, name);
      if (!sa) throw notFound('', 'serviceaccounts', name);
      const spec = isPlainObject(body['spec']) ? body['spec'] : {};
      const audiences = Array.isArray(spec['audiences']) ? (spec['audiences'] as unknown[]).map(String).filter(Boolean) : undefined;
      let expirationSeconds: number | undefined;
      if (spec['expirationSeconds'] !== undefined && spec['expirationSeconds'] !== null) {
        expirationSeconds = Number(spec['expirationSeconds']);
        if (!Number.isInteger(expirationSeconds)) throw badRequest('spec.expirationSeconds must be an integer number of seconds');
        if (expirationSeconds < 600) {
          throw invalid('authentication.k8s.io', 'TokenRequest', name, [
            { reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes` },
          ]);
        }
      }
      let boundObject: { kind: 'Pod' | 'Secret' | 'Node'; name: string; uid: string } | undefined;
      const ref = spec['boundObjectRef'];
      if (isPlainObject(ref)) {
        const kind = String(ref['kind'] ?? '');
        const target = BOUND_KINDS[kind];
        if (!target) {
          throw invalid('authentication.k8s.io', 'TokenRequest', name, [
            { reason: 'FieldValueNotSupported', field: 'spec.boundObjectRef.kind', message: `Unsupported value: "${kind}": supported values: "Pod", "Secret", "Node"` },
          ]);
        }
        const refName = String(ref['name'] ?? '');
        const obj = await lookup.get('', target.resource, target.namespaced ? namespace : '', refName);
        if (!obj) throw notFound('', target.resource, refName);
        const uid = metaOf(obj).uid ?? '';
        if (ref['uid'] && ref['uid'] !== uid) {
          throw conflict('', target.resource, refName, `the UID in the bound object reference (${String(ref['uid'])}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`);
        }
        boundObject = { kind: kind as 'Pod' | 'Secret' | 'Node', name: refName, uid };
      }
      const issued = await issuer.issue({ namespace, serviceAccountName: name, serviceAccountUid: metaOf(sa).uid ?? '', audiences, expirationSeconds, boundObject });
      const outSpec: KObject = { audiences: audiences ?? issuer.apiAudiences, expirationSeconds: expirationSeconds ?? 3600, boundObjectRef: boundObject ? { kind: boundObject.kind, apiVersion: 'v1', name: boundObject.name, uid: boundObject.uid } : null };
      return {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name, namespace, creationTimestamp: nowTimestamp() },
        spec: outSpec,
        status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
      };
    },
  };
}
