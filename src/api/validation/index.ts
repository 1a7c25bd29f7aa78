// Semantic validation of every served resource on create and update, as kube-apiserver's
// strategies do it: metadata first, then the resource's own rules. The registry turns a
// non-empty result into a 422 Invalid.

import type { ResourceInfo } from '../catalogue.js';
import type { StatusCause } from '../status.js';
import { type Obj, num, obj } from './access.js';
import { validateWebhookConfiguration } from './admission.js';
import { validateWorkload } from './apps.js';
import { validateCronJob, validateJob } from './batch.js';
import { validateCertificateSigningRequest } from './certificates.js';
import {
  validateConfigMap,
  validateEndpoints,
  validateEvent,
  validateLimitRange,
  validateNamespace,
  validateNode,
  validateResourceQuota,
  validateSecret,
  validateService,
} from './core.js';
import { type Causes, FieldPath, forbidden, invalid } from './field.js';
import { validateObjectMeta } from './object-meta.js';
import { validatePod } from './pod.js';
import { validateBinding, validateRole } from './rbac.js';

export { parseQuantity } from './quantity.js';
export { nameRuleFor, validateName } from './names.js';

function validateLease(lease: Obj): Causes {
  const spec = obj(lease.spec) ?? {};
  const p = FieldPath.root('spec');
  const causes: Causes = [];
  const duration = num(spec.leaseDurationSeconds);
  if (duration !== undefined && duration <= 0) causes.push(invalid(p.child('leaseDurationSeconds'), duration, 'must be greater than 0'));
  const transitions = num(spec.leaseTransitions);
  if (transitions !== undefined && transitions < 0) causes.push(invalid(p.child('leaseTransitions'), transitions, 'must be greater than or equal to 0'));
  const strategy = spec.strategy;
  if (typeof strategy === 'string' && strategy !== '' && strategy !== 'OldestEmulationVersion') {
    causes.push(invalid(p.child('strategy'), strategy, 'must be OldestEmulationVersion'));
  }
  if (typeof spec.preferredHolder === 'string' && spec.preferredHolder !== '' && (typeof strategy !== 'string' || strategy === '')) {
    causes.push(forbidden(p.child('preferredHolder'), 'may only be specified if `strategy` is defined'));
  }
  return causes;
}

type Rule = (object: Obj, old?: Obj) => Causes;

const RULES: Record<string, Rule> = {
  '/pods': validatePod,
  '/services': validateService,
  '/endpoints': (o) => validateEndpoints(o),
  '/configmaps': validateConfigMap,
  '/secrets': validateSecret,
  '/namespaces': (o) => validateNamespace(o),
  '/serviceaccounts': () => [],
  '/nodes': validateNode,
  '/events': (o) => validateEvent(o),
  '/limitranges': (o) => validateLimitRange(o),
  '/resourcequotas': (o) => validateResourceQuota(o),
  'apps/deployments': (o, old) => validateWorkload('Deployment', o, old),
  'apps/replicasets': (o, old) => validateWorkload('ReplicaSet', o, old),
  'apps/statefulsets': (o, old) => validateWorkload('StatefulSet', o, old),
  'apps/daemonsets': (o, old) => validateWorkload('DaemonSet', o, old),
  'batch/jobs': validateJob,
  'batch/cronjobs': validateCronJob,
  'coordination.k8s.io/leases': (o) => validateLease(o),
  'rbac.authorization.k8s.io/roles': (o) => validateRole(o, true),
  'rbac.authorization.k8s.io/clusterroles': (o) => validateRole(o, false),
  'rbac.authorization.k8s.io/rolebindings': (o, old) => validateBinding(o, true, old),
  'rbac.authorization.k8s.io/clusterrolebindings': (o, old) => validateBinding(o, false, old),
  'certificates.k8s.io/certificatesigningrequests': validateCertificateSigningRequest,
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': (o) => validateWebhookConfiguration(o, true),
  'admissionregistration.k8s.io/validatingwebhookconfigurations': (o) => validateWebhookConfiguration(o, false),
};

/**
 * Validates an object (already defaulted) for create, or for update when `old` is given.
 * Returns kube-apiserver's causes; an empty list means valid. Never throws on malformed input.
 */
export function validateObject(r: ResourceInfo, obj: Record<string, unknown>, old?: Record<string, unknown>): StatusCause[] {
  const causes: StatusCause[] = validateObjectMeta(r, obj, old);
  const rule = RULES[`${r.group}/${r.resource}`];
  if (rule) causes.push(...rule(obj, old));
  return dedupe(causes);
}

/** Identical causes (same field and message) are reported once, as apimachinery's aggregate does. */
function dedupe(causes: StatusCause[]): StatusCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const key = `${c.field ?? ''}\u0000${c.message ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
