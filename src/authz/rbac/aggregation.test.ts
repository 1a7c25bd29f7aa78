import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateClusterRoles, aggregateRules } from './aggregation.js';
import type { ClusterRole, PolicyRule } from './types.js';

const rule = (resource: string, verb = 'get'): PolicyRule => ({ apiGroups: [''], resources: [resource], verbs: [verb] });
const role = (name: string, labels: Record<string, string>, rules: PolicyRule[], selectors?: ClusterRole['aggregationRule']): ClusterRole => {
  const r: ClusterRole = { metadata: { name, labels }, rules };
  if (selectors) r.aggregationRule = selectors;
  return r;
};

test('no aggregationRule: undefined', () => {
  assert.equal(aggregateRules(role('plain', {}, [rule('pods')]), []), undefined);
});

test('union of matching roles, by name order within each selector, without duplicates, never itself', () => {
  const agg = role('agg', { team: 'a' }, [rule('stale')], {
    clusterRoleSelectors: [{ matchLabels: { team: 'a' } }, { matchExpressions: [{ key: 'extra', operator: 'Exists' }] }],
  });
  const all = [
    agg,
    role('zeta', { team: 'a' }, [rule('services'), rule('pods')]),
    role('alpha', { team: 'a' }, [rule('pods'), rule('configmaps')]),
    role('other', { team: 'b' }, [rule('secrets')]),
    role('more', { extra: '' }, [rule('events'), { apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
  ];
  assert.deepEqual(aggregateRules(agg, all), [rule('pods'), rule('configmaps'), rule('services'), rule('events')]);
});

test('absent and empty lists count as the same rule', () => {
  const agg = role('agg', {}, [], { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] });
  const all = [agg, role('a', { x: 'y' }, [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]), role('b', { x: 'y' }, [{ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: [] }])];
  assert.equal(aggregateRules(agg, all)!.length, 1);
});

test('an empty selector list aggregates nothing; a role that matches nothing has no rules', () => {
  assert.deepEqual(aggregateRules(role('agg', {}, [rule('x')], { clusterRoleSelectors: [] }), [role('a', {}, [rule('pods')])]), []);
  assert.deepEqual(aggregateRules(role('agg', {}, [], { clusterRoleSelectors: [{ matchLabels: { none: 'here' } }] }), [role('a', {}, [rule('pods')])]), []);
});

test('chains settle in aggregateClusterRoles, and stale rules are replaced', () => {
  const admin = role('admin', {}, [rule('stale')], { clusterRoleSelectors: [{ matchLabels: { 'to-admin': 'true' } }] });
  const edit = role('edit', { 'to-admin': 'true' }, [], { clusterRoleSelectors: [{ matchLabels: { 'to-edit': 'true' } }] });
  const view = role('view', { 'to-edit': 'true' }, [], { clusterRoleSelectors: [{ matchLabels: { 'to-view': 'true' } }] });
  const all = [admin, edit, view, role('a-admin', { 'to-admin': 'true' }, [rule('roles')]), role('a-edit', { 'to-edit': 'true' }, [rule('pods', 'create')]), role('a-view', { 'to-view': 'true' }, [rule('pods')])];
  // one pass sees only what edit holds now
  assert.deepEqual(aggregateRules(admin, all), [rule('roles')]);
  const settled = aggregateClusterRoles(all);
  assert.deepEqual([...settled.keys()].sort(), ['admin', 'edit', 'view']);
  assert.deepEqual(settled.get('view'), [rule('pods')]);
  assert.deepEqual(settled.get('edit'), [rule('pods', 'create'), rule('pods')]);
  assert.deepEqual(settled.get('admin'), [rule('roles'), rule('pods', 'create'), rule('pods')]);
});
