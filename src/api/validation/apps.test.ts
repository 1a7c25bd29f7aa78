// Tests for apps/v1 workload validation: selector/template agreement, strategies, immutable selectors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from '../catalogue.js';
import { applyDefaults } from '../defaults.js';
import { invalid as invalidError, type StatusCause } from '../status.js';
import { validateObject } from './index.js';

type Json = Record<string, unknown>;
const apps = (resource: string) => findResource('apps', 'v1', resource) as ResourceInfo;
const deployments = apps('deployments');
const statefulsets = apps('statefulsets');
const daemonsets = apps('daemonsets');
const replicasets = apps('replicasets');

function check(r: ResourceInfo, o: Json, old?: Json): StatusCause[] {
  applyDefaults(r, o);
  if (old) applyDefaults(r, old);
  return validateObject(r, o, old);
}

const lines = (causes: StatusCause[]) => causes.map((c) => `${c.field}: ${c.message}`);

function deployment(spec: Json, name = 'web'): Json {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' }, spec };
}

const template = (labels: Record<string, string> | undefined) => ({
  metadata: labels ? { labels } : {},
  spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
});

test('a realistic Deployment is valid', () => {
  assert.deepEqual(check(deployments, deployment({ replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web', tier: 'fe' }) })), []);
});

test('a Deployment whose selector does not match its template labels', () => {
  const causes = check(deployments, deployment({ selector: { matchLabels: { app: 'web' } }, template: template({ app: 'api' }) }));
  assert.deepEqual(causes, [
    {
      reason: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      message: 'Invalid value: map[string]string{"app":"api"}: `selector` does not match template `labels`',
    },
  ]);
  assert.equal(
    invalidError('apps', 'Deployment', 'web', causes).message,
    'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"api"}: `selector` does not match template `labels`',
  );
});

test('a Deployment without a selector gets both errors kube-apiserver gives', () => {
  assert.deepEqual(lines(check(deployments, deployment({ template: template({ app: 'web' }) }))), [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
  ]);
});

test('an empty selector and a bad expression', () => {
  assert.deepEqual(lines(check(deployments, deployment({ selector: {}, template: template({ app: 'web' }) }))), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
  ]);
  const bad = check(deployments, deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] }, template: template({ app: 'x' }) }));
  assert.deepEqual(lines(bad).slice(0, 1), ['spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator']);
  assert.ok(lines(bad).some((l) => l.endsWith(': invalid label selector')));
  const expr = check(deployments, deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, template: template({ app: 'api' }) }));
  assert.deepEqual(expr, []);
});

test('replicas must not be negative; template restartPolicy must be Always; pod errors use template paths', () => {
  const d = deployment({ replicas: -1, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }) });
  const tspec = ((d.spec as Json).template as Json).spec as Json;
  tspec.restartPolicy = 'Never';
  (tspec.containers as Json[])[0]!.image = '';
  assert.deepEqual(lines(check(deployments, d)), [
    'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    'spec.template.spec.containers[0].image: Required value',
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
  ]);
});

test('strategy: maxSurge and maxUnavailable may not both be zero', () => {
  const d = deployment({
    selector: { matchLabels: { app: 'web' } },
    template: template({ app: 'web' }),
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } },
  });
  assert.deepEqual(lines(check(deployments, d)), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']);
  const recreate = deployment({ selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }), strategy: { type: 'Recreate', rollingUpdate: {} } });
  assert.deepEqual(lines(check(deployments, recreate)), ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]);
});

test('update: the selector is immutable', () => {
  const old = deployment({ selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web', v: '2' }) });
  const next = deployment({ selector: { matchLabels: { app: 'web', v: '2' } }, template: template({ app: 'web', v: '2' }) });
  assert.deepEqual(lines(check(deployments, next, old)), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
  const scaled = deployment({ replicas: 5, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web', v: '2' }) });
  assert.deepEqual(check(deployments, scaled, old), []);
});

test('ReplicaSet and DaemonSet share the selector rules', () => {
  const rs = { metadata: { name: 'web-5d4f', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template({ app: 'other' }) } };
  assert.deepEqual(lines(check(replicasets, rs)), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`']);
  const ds = { metadata: { name: 'agent', namespace: 'kube-system' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template({ app: 'agent' }) } };
  assert.deepEqual(check(daemonsets, ds), []);
  const dsEmpty = { metadata: { name: 'agent', namespace: 'kube-system' }, spec: { selector: {}, template: template({ app: 'agent' }) } };
  assert.deepEqual(lines(check(daemonsets, dsEmpty)), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset',
  ]);
});

test('StatefulSet: DNS-label names, and only some spec fields may change', () => {
  const sts = (spec: Json, name = 'db') => ({ metadata: { name, namespace: 'default' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template({ app: 'db' }), ...spec } });
  assert.deepEqual(check(statefulsets, sts({ replicas: 3 })), []);
  const dotted = check(statefulsets, sts({}, 'db.primary'));
  assert.equal(dotted[0]?.field, 'metadata.name');
  const old = sts({ replicas: 1 });
  assert.deepEqual(check(statefulsets, sts({ replicas: 5 }), old), []);
  assert.deepEqual(lines(check(statefulsets, sts({ serviceName: 'other' }), old)), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
  assert.deepEqual(lines(check(statefulsets, sts({ podManagementPolicy: 'Whenever' }))), [
    "spec.podManagementPolicy: Invalid value: \"Whenever\": must be 'OrderedReady' or 'Parallel'",
  ]);
});
