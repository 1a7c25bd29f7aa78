// Per-resource behaviour the generic registry defers to: what a create resets, which fields an
// update of the main resource or of a subresource may change, and whether spec changes bump
// metadata.generation. Everything else is generic.
import type { ResourceInfo } from '../api/catalogue.js';
import type { UserInfo } from '../endpoints/context.js';
import { forbidden } from '../api/status.js';
import { type KObject, deepClone, isPlainObject, metaOf } from './object.js';

export interface Strategy {
  /** Spec changes bump metadata.generation; set to 1 on create. */
  tracksGeneration: boolean;
  /** PUT on a missing object creates it. */
  allowCreateOnUpdate: boolean;
  /** Called on create after decoding, before defaults and admission. */
  prepareForCreate(obj: KObject, user: UserInfo): void;
  /** Called on update of the main resource or a subresource, before defaults and admission. */
  prepareForUpdate(obj: KObject, old: KObject, subresource: string): void;
  /** A marked-for-deletion object whose finalizers are all gone is removed from storage. */
  readyToDelete(obj: KObject): boolean;
}

function noFinalizersLeft(obj: KObject): boolean {
  return !metaOf(obj).finalizers?.length;
}

/** Fields that only the status subresource may write keep their old value on a main-resource update and vice versa. */
function keepOldStatus(obj: KObject, old: KObject): void {
  if (old['status'] === undefined) delete obj['status'];
  else obj['status'] = deepClone(old['status']);
}

/** A status update changes status only: everything but status comes from the stored object. */
function onlyStatusFrom(obj: KObject, old: KObject): void {
  const status = obj['status'];
  const rv = metaOf(obj).resourceVersion;
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, deepClone(old));
  if (status === undefined) delete obj['status'];
  else obj['status'] = status;
  metaOf(obj).resourceVersion = rv;
}

function statusSplit(subresources: string[]): Pick<Strategy, 'prepareForUpdate'> {
  return {
    prepareForUpdate(obj, old, subresource) {
      if (subresource === 'status') onlyStatusFrom(obj, old);
      else if (subresources.includes('status')) keepOldStatus(obj, old);
    },
  };
}

function podQOSClass(pod: KObject): string {
  const spec = isPlainObject(pod['spec']) ? pod['spec'] : {};
  const containers = [...((spec['containers'] as KObject[] | undefined) ?? []), ...((spec['initContainers'] as KObject[] | undefined) ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = isPlainObject(c['resources']) ? c['resources'] : {};
    const req = (res['requests'] ?? {}) as Record<string, unknown>;
    const lim = (res['limits'] ?? {}) as Record<string, unknown>;
    if (Object.keys(req).length || Object.keys(lim).length) anySet = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const CSR_APPROVAL_TYPES = new Set(['Approved', 'Denied']);

export function strategyFor(r: ResourceInfo): Strategy {
  const key = `${r.group}/${r.resource}`;
  const base: Strategy = {
    tracksGeneration: ['apps', 'batch', 'admissionregistration.k8s.io'].includes(r.group),
    allowCreateOnUpdate: ['/endpoints', 'coordination.k8s.io/leases', '/events'].includes(key),
    prepareForCreate(obj) {
      if (r.subresources.includes('status')) delete obj['status'];
    },
    readyToDelete: noFinalizersLeft,
    ...statusSplit(r.subresources),
  };
  switch (key) {
    case '/namespaces':
      return {
        ...base,
        prepareForCreate(obj) {
          obj['status'] = { phase: 'Active' };
        },
        // a namespace also waits for its spec.finalizers (content removal by the namespace controller)
        readyToDelete: (obj) => noFinalizersLeft(obj) && !((isPlainObject(obj['spec']) ? obj['spec']['finalizers'] : undefined) as unknown[] | undefined)?.length,
        prepareForUpdate(obj, old, subresource) {
          if (subresource === 'finalize') {
            // only spec.finalizers may change through finalize
            const finalizers = isPlainObject(obj['spec']) ? obj['spec']['finalizers'] : undefined;
            onlyStatusFrom(obj, old);
            obj['status'] = deepClone(old['status']);
            obj['spec'] = { ...(isPlainObject(old['spec']) ? old['spec'] : {}), finalizers: finalizers ?? [] };
            return;
          }
          if (subresource === 'status') onlyStatusFrom(obj, old);
          else {
            keepOldStatus(obj, old);
            // spec.finalizers change only through the finalize subresource
            obj['spec'] = deepClone(old['spec']);
          }
        },
      };
    case '/pods':
      return {
        ...base,
        prepareForCreate(obj) {
          obj['status'] = { phase: 'Pending', qosClass: podQOSClass(obj) };
        },
      };
    case 'certificates.k8s.io/certificatesigningrequests':
      return {
        ...base,
        prepareForCreate(obj, user) {
          delete obj['status'];
          // the requester's identity is the server's to fill, never the client's
          const spec = isPlainObject(obj['spec']) ? obj['spec'] : (obj['spec'] = {});
          spec['username'] = user.username;
          if (user.uid) spec['uid'] = user.uid;
          else delete spec['uid'];
          spec['groups'] = [...user.groups];
          if (user.extra && Object.keys(user.extra).length) spec['extra'] = user.extra;
          else delete spec['extra'];
        },
        prepareForUpdate(obj, old, subresource) {
          const oldConditions = ((isPlainObject(old['status']) ? old['status']['conditions'] : undefined) ?? []) as KObject[];
          const newStatus = isPlainObject(obj['status']) ? obj['status'] : {};
          const newConditions = (newStatus['conditions'] ?? []) as KObject[];
          if (subresource === 'approval') {
            onlyStatusFrom(obj, old);
            const kept = oldConditions.filter((c) => !CSR_APPROVAL_TYPES.has(String(c['type'])));
            const approvals = newConditions.filter((c) => CSR_APPROVAL_TYPES.has(String(c['type'])));
            const status = isPlainObject(old['status']) ? deepClone(old['status']) : {};
            status['conditions'] = [...kept, ...approvals];
            obj['status'] = status;
          } else if (subresource === 'status') {
            onlyStatusFrom(obj, old);
            const approvals = oldConditions.filter((c) => CSR_APPROVAL_TYPES.has(String(c['type'])));
            const others = newConditions.filter((c) => !CSR_APPROVAL_TYPES.has(String(c['type'])));
            const status: KObject = { ...newStatus, conditions: [...approvals, ...others] };
            if (status['certificate'] && !approvals.some((c) => c['type'] === 'Approved')) {
              throw forbidden(`certificatesigningrequests.certificates.k8s.io "${metaOf(old).name}" is forbidden: a certificate may only be issued for an approved request`);
            }
            obj['status'] = status;
          } else {
            keepOldStatus(obj, old);
            obj['spec'] = deepClone(old['spec']);
          }
        },
      };
    default:
      return base;
  }
}
