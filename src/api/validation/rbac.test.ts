// Tests for Role, ClusterRole and binding validation, including roleRef immutability.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from '../catalogue.js';
import { applyDefaults } from '../defaults.js';
import type { StatusCause } from '../status.js';
import { validateObject } from './index.js';

type Json = Record<string, unknown>;
const rbac = (resource: string) => findResource('rbac.authorization.k8s.io', 'v1', resource) as ResourceInfo;
const lines = (causes: StatusCause[]) => causes.map((c) => `${c.field}: ${c.message}`);

function check(r: ResourceInfo, o: Json, old?: Json): StatusCause[] {
  applyDefaults(r, o);
  if (old) applyDefaults(r, old);
  return validateObject(r, o, old);
}

test('Role rules need verbs, groups and resources', () => {
  const role = (rules: Json[]) => ({ metadata: { name: 'pod-reader', namespace: 'default' }, rules });
  assert.deepEqual(check(rbac('roles'), role([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }])), []);
  assert.deepEqual(lines(check(rbac('roles'), role([{ apiGroups: [''], resources: ['pods'] }, { verbs: ['get'] }]))), [
    'rules[0].verbs: Required value: verbs must contain at least one value',
    'rules[1].apiGroups: Required value: resource rules must supply at least one api group',
    'rules[1].resources: Required value: resource rules must supply at least one resource',
  ]);
  assert.deepEqual(lines(check(rbac('roles'), role([{ nonResourceURLs: ['/healthz'], verbs: ['get'] }]))), [
    'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
  ]);
});

test('ClusterRole: non-resource URLs and aggregation', () => {
  const cr = (extra: Json) => ({ metadata: { name: 'system:monitoring' }, ...extra });
  assert.deepEqual(check(rbac('clusterroles'), cr({ rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] })), []);
  assert.deepEqual(lines(check(rbac('clusterroles'), cr({ rules: [{ nonResourceURLs: ['/metrics'], resources: ['pods'], verbs: ['get'] }] }))), [
    'rules[0].nonResourceURLs: Invalid value: []string{"/metrics"}: rules cannot apply to both regular resources and non-resource URLs',
  ]);
  assert.deepEqual(lines(check(rbac('clusterroles'), cr({ aggregationRule: { clusterRoleSelectors: [] } }))), [
    'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
  ]);
});

const binding = (extra: Json, namespace?: string) => ({
  metadata: namespace ? { name: 'read-pods', namespace } : { name: 'read-pods' },
  roleRef: { kind: 'Role', name: 'pod-reader' },
  subjects: [
    { kind: 'User', name: 'jane' },
    { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
  ],
  ...extra,
});

test('RoleBinding: defaults fill apiGroups, subjects are checked', () => {
  assert.deepEqual(check(rbac('rolebindings'), binding({}, 'default')), []);
  const causes = check(rbac('rolebindings'), binding({ roleRef: { apiGroup: 'example.com', kind: 'Policy', name: '' }, subjects: [{ kind: 'Robot', name: 'r2' }, { kind: 'ServiceAccount', name: '' }] }, 'default'));
  assert.deepEqual(lines(causes), [
    'roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
    'roleRef.kind: Unsupported value: "Policy": supported values: "Role", "ClusterRole"',
    'roleRef.name: Required value',
    'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    'subjects[1].name: Required value',
  ]);
});

test('ClusterRoleBinding: only ClusterRoles, and ServiceAccounts need a namespace', () => {
  const causes = check(rbac('clusterrolebindings'), binding({ subjects: [{ kind: 'ServiceAccount', name: 'builder' }] }));
  assert.deepEqual(lines(causes), [
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    'subjects[0].namespace: Required value',
  ]);
});

test('roleRef is immutable on update', () => {
  const old = binding({}, 'default');
  assert.deepEqual(check(rbac('rolebindings'), binding({ subjects: [] }, 'default'), old), []);
  const changed = check(rbac('rolebindings'), binding({ roleRef: { kind: 'ClusterRole', name: 'admin' } }, 'default'), old);
  assert.deepEqual(lines(changed), [
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"admin"}: cannot change roleRef',
  ]);
});
