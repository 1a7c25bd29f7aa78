// Bootstrap reconciliation, as kube-apiserver runs it at start: missing default roles and bindings
// are created, existing ones gain what the defaults add (never losing what an admin added), and an
// object annotated rbac.authorization.kubernetes.io/autoupdate: "false" is left alone.
import { jsonEqual } from '../../registry/object.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { covers } from './rule-matching.js';
import { AUTOUPDATE_ANNOTATION, type ClusterRole, type ClusterRoleBinding, type Subject } from './types.js';

type StringMap = Record<string, string>;

function isProtected(obj: { metadata?: { annotations?: StringMap } }): boolean {
  return obj.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';
}

/** Keys the existing object lacks are added from `desired`; values already there win. */
function mergeMaps(desired: StringMap | undefined, existing: StringMap | undefined): StringMap | undefined {
  if (!desired && !existing) return undefined;
  return { ...(desired ?? {}), ...(existing ?? {}) };
}

function sameMap(a: StringMap | undefined, b: StringMap | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const kx = Object.keys(x);
  return kx.length === Object.keys(y).length && kx.every((k) => Object.prototype.hasOwnProperty.call(y, k) && x[k] === y[k]);
}

/** Merges bootstrap labels and annotations into `result` (a copy of `existing`); true if anything was added. */
function mergeMetadata(result: { metadata?: { labels?: StringMap; annotations?: StringMap } }, desired: { metadata?: { labels?: StringMap; annotations?: StringMap } }): boolean {
  const meta = (result.metadata ??= {});
  const annotations = mergeMaps(desired.metadata?.annotations, meta.annotations);
  const labels = mergeMaps(desired.metadata?.labels, meta.labels);
  const changed = !sameMap(annotations, meta.annotations) || !sameMap(labels, meta.labels);
  if (annotations) meta.annotations = annotations;
  if (labels) meta.labels = labels;
  return changed;
}


/**
 * What to write so that `existing` grants at least what the bootstrap `desired` role grants:
 * `desired` itself when missing; `undefined` when the existing role opted out (autoupdate "false")
 * or already has everything; otherwise a copy of `existing` with the missing pieces of rules
 * appended (broken down per group/resource/verb, as upstream), missing labels, annotations and
 * aggregation selectors added, and an aggregationRule the default no longer has removed. Rules of
 * aggregated roles are left to aggregation: the desired aggregated role has none to add.
 */
export function reconcileClusterRole(existing: ClusterRole | undefined, desired: ClusterRole): ClusterRole | undefined {
  if (!existing) return structuredClone(desired);
  if (isProtected(existing)) return undefined;
  const result = structuredClone(existing);
  let changed = mergeMetadata(result, desired);

  const { missing } = covers(existing.rules ?? [], desired.rules ?? []);
  if (missing.length > 0) {
    result.rules = [...(result.rules ?? []), ...missing];
    changed = true;
  }

  if (!desired.aggregationRule && existing.aggregationRule) {
    delete result.aggregationRule;
    changed = true;
  } else if (desired.aggregationRule) {
    const have = existing.aggregationRule?.clusterRoleSelectors ?? [];
    const add: LabelSelector[] = (desired.aggregationRule.clusterRoleSelectors ?? []).filter((s) => !have.some((h) => jsonEqual(h, s)));
    if (add.length > 0) {
      result.aggregationRule = { clusterRoleSelectors: [...(result.aggregationRule?.clusterRoleSelectors ?? []), ...structuredClone(add)] };
      changed = true;
    }
  }
  return changed ? result : undefined;
}

function sameSubject(a: Subject, b: Subject): boolean {
  return a.kind === b.kind && (a.apiGroup ?? '') === (b.apiGroup ?? '') && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
}

/**
 * True when the existing binding points at another role than the default: roleRef cannot be
 * updated, so reconciliation has to delete the binding and create `desired` in its place.
 */
export function roleRefChanged(existing: ClusterRoleBinding, desired: ClusterRoleBinding): boolean {
  const a = existing.roleRef;
  const b = desired.roleRef;
  return a.apiGroup !== b.apiGroup || a.kind !== b.kind || a.name !== b.name;
}

/**
 * What to write so that `existing` binds at least the bootstrap subjects: `desired` when missing;
 * `undefined` when it opted out (autoupdate "false") or has everything; otherwise a copy of
 * `existing` with missing subjects appended and missing labels/annotations added. When the roleRef
 * differs (see roleRefChanged) the result is a fresh copy of `desired`, to be created after
 * deleting the existing binding.
 */
export function reconcileClusterRoleBinding(existing: ClusterRoleBinding | undefined, desired: ClusterRoleBinding): ClusterRoleBinding | undefined {
  if (!existing) return structuredClone(desired);
  if (isProtected(existing)) return undefined;
  if (roleRefChanged(existing, desired)) return structuredClone(desired);
  const result = structuredClone(existing);
  let changed = mergeMetadata(result, desired);
  const have = existing.subjects ?? [];
  const missing: Subject[] = [];
  for (const s of desired.subjects ?? []) {
    if (!have.some((h) => sameSubject(h, s)) && !missing.some((m) => sameSubject(m, s))) missing.push(structuredClone(s));
  }
  if (missing.length > 0) {
    result.subjects = [...(result.subjects ?? []), ...missing];
    changed = true;
  }
  return changed ? result : undefined;
}
