import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPolicy } from './bootstrap-policy.js';
import { reconcileClusterRole, reconcileClusterRoleBinding, roleRefChanged } from './reconcile.js';
import { AUTOUPDATE_ANNOTATION, BOOTSTRAPPING_LABEL, type ClusterRole, type ClusterRoleBinding } from './types.js';

const G = 'rbac.authorization.k8s.io';

function desiredRole(name: string): ClusterRole {
  return bootstrapPolicy().clusterRoles.find((r) => r.metadata?.name === name)!;
}
function desiredBinding(name: string): ClusterRoleBinding {
  return bootstrapPolicy().clusterRoleBindings.find((b) => b.metadata?.name === name)!;
}

test('a missing role or binding is created as desired', () => {
  const desired = desiredRole('system:discovery');
  const created = reconcileClusterRole(undefined, desired);
  assert.deepEqual(created, desired);
  assert.notEqual(created, desired, 'a copy');
  assert.deepEqual(reconcileClusterRoleBinding(undefined, desiredBinding('cluster-admin')), desiredBinding('cluster-admin'));
});

test('an up-to-date role needs no write', () => {
  const desired = desiredRole('system:discovery');
  const existing = { ...structuredClone(desired), metadata: { ...desired.metadata, resourceVersion: '7', uid: 'u1' } };
  assert.equal(reconcileClusterRole(existing, desired), undefined);
});

test('autoupdate true or unset: missing rules, labels and annotations are added, user additions kept', () => {
  const desired = desiredRole('system:public-info-viewer');
  const existing: ClusterRole = {
    metadata: { name: 'system:public-info-viewer', resourceVersion: '3', labels: { mine: 'yes', [BOOTSTRAPPING_LABEL]: 'custom' }, annotations: { note: 'kept' } },
    rules: [
      { nonResourceURLs: ['/healthz'], verbs: ['get'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ],
  };
  const out = reconcileClusterRole(existing, desired)!;
  assert.ok(out);
  assert.equal(out.metadata?.resourceVersion, '3', 'an update of the existing object');
  assert.deepEqual(out.metadata?.labels, { mine: 'yes', [BOOTSTRAPPING_LABEL]: 'custom' }, 'existing label values win');
  assert.deepEqual(out.metadata?.annotations, { note: 'kept', [AUTOUPDATE_ANNOTATION]: 'true' });
  assert.deepEqual(out.rules, [
    { nonResourceURLs: ['/healthz'], verbs: ['get'] },
    { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    { nonResourceURLs: ['/livez'], verbs: ['get'] },
    { nonResourceURLs: ['/readyz'], verbs: ['get'] },
    { nonResourceURLs: ['/version'], verbs: ['get'] },
    { nonResourceURLs: ['/version/'], verbs: ['get'] },
  ]);
  assert.equal(existing.rules!.length, 2, 'the input is not modified');
  // explicit "true" behaves the same; only labels missing → still a write
  const withTrue = { ...structuredClone(desired), metadata: { name: desired.metadata!.name, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } } };
  const relabelled = reconcileClusterRole(withTrue, desired)!;
  assert.equal(relabelled.metadata?.labels?.[BOOTSTRAPPING_LABEL], 'rbac-defaults');
});

test('autoupdate "false": left alone', () => {
  const desired = desiredRole('cluster-admin');
  const existing: ClusterRole = { metadata: { name: 'cluster-admin', annotations: { [AUTOUPDATE_ANNOTATION]: 'false' } }, rules: [] };
  assert.equal(reconcileClusterRole(existing, desired), undefined);
  const binding: ClusterRoleBinding = { ...desiredBinding('system:discovery'), subjects: [], metadata: { name: 'system:discovery', annotations: { [AUTOUPDATE_ANNOTATION]: 'false' } } };
  assert.equal(reconcileClusterRoleBinding(binding, desiredBinding('system:discovery')), undefined);
});

test('aggregated roles keep their rules and gain missing selectors only', () => {
  const desired = desiredRole('admin');
  const aggregatedRules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
  const existing: ClusterRole = { ...structuredClone(desired), rules: aggregatedRules, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'my/extra': 'true' } }] } };
  const out = reconcileClusterRole(existing, desired)!;
  assert.deepEqual(out.rules, aggregatedRules);
  assert.deepEqual(out.aggregationRule?.clusterRoleSelectors, [{ matchLabels: { 'my/extra': 'true' } }, { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }]);
  assert.equal(reconcileClusterRole(out, desired), undefined, 'reconciled once, settled');
  // a default that is not aggregated drops an aggregationRule
  const plain = desiredRole('system:basic-user');
  const wasAggregated: ClusterRole = { ...structuredClone(plain), aggregationRule: { clusterRoleSelectors: [] } };
  assert.equal(reconcileClusterRole(wasAggregated, plain)!.aggregationRule, undefined);
});

test('bindings: missing subjects appended, extra subjects kept; a changed roleRef means recreate', () => {
  const desired = desiredBinding('system:public-info-viewer');
  const existing: ClusterRoleBinding = {
    ...structuredClone(desired),
    metadata: { ...desired.metadata, resourceVersion: '9' },
    subjects: [
      { kind: 'Group', apiGroup: G, name: 'system:authenticated' },
      { kind: 'User', apiGroup: G, name: 'extra-user' },
    ],
  };
  const out = reconcileClusterRoleBinding(existing, desired)!;
  assert.equal(out.metadata?.resourceVersion, '9');
  assert.deepEqual(out.subjects, [
    { kind: 'Group', apiGroup: G, name: 'system:authenticated' },
    { kind: 'User', apiGroup: G, name: 'extra-user' },
    { kind: 'Group', apiGroup: G, name: 'system:unauthenticated' },
  ]);
  assert.equal(reconcileClusterRoleBinding(out, desired), undefined);

  const moved: ClusterRoleBinding = { ...structuredClone(desired), roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' }, metadata: { ...desired.metadata, uid: 'old' } };
  assert.equal(roleRefChanged(moved, desired), true);
  const recreated = reconcileClusterRoleBinding(moved, desired)!;
  assert.deepEqual(recreated, desired);
  assert.equal(roleRefChanged(out, desired), false);
});
