// Tests for the validation entry point: every served resource, message aggregation, de-duplication.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue, findResource, type ResourceInfo } from '../catalogue.js';
import { applyDefaults } from '../defaults.js';
import { invalid as invalidError } from '../status.js';
import { validateObject } from './index.js';

type Json = Record<string, unknown>;
const res = (group: string, resource: string) => findResource(group, 'v1', resource) as ResourceInfo;

test('every served resource accepts a minimal valid object after defaulting', () => {
  const ns = (r: ResourceInfo) => (r.namespaced ? { namespace: 'default' } : {});
  const bodies: Record<string, Json> = {
    namespaces: {},
    pods: { spec: { containers: [{ name: 'a', image: 'busybox:1.36' }] } },
    services: { spec: { ports: [{ port: 80 }] } },
    endpoints: {},
    configmaps: {},
    secrets: {},
    serviceaccounts: {},
    nodes: {},
    events: { involvedObject: { kind: 'Pod', name: 'a', namespace: 'default' } },
    limitranges: {},
    resourcequotas: {},
    deployments: { spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } },
    replicasets: { spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } },
    statefulsets: { spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } },
    daemonsets: { spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } },
    jobs: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } } },
    cronjobs: { spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } } } } },
    leases: { spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
    roles: { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
    rolebindings: { roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'u' }] },
    clusterroles: { rules: [] },
    clusterrolebindings: { roleRef: { kind: 'ClusterRole', name: 'r' }, subjects: [{ kind: 'Group', name: 'g' }] },
    mutatingwebhookconfigurations: { webhooks: [] },
    validatingwebhookconfigurations: { webhooks: [] },
  };
  for (const r of catalogue) {
    if (r.resource === 'certificatesigningrequests') continue; // needs a real signed request: certificates.test.ts
    const body = bodies[r.resource];
    assert.ok(body, `a sample for ${r.resource}`);
    const o: Json = { metadata: { name: 'sample', uid: 'u-1', ...ns(r) }, ...structuredClone(body) };
    applyDefaults(r, o);
    assert.deepEqual(validateObject(r, o), [], r.resource);
    assert.deepEqual(validateObject(r, structuredClone(o), o), [], `${r.resource} update`);
  }
});

test('several causes are listed in brackets by the Invalid status', () => {
  const cm = { metadata: { name: 'Bad_Name', namespace: 'default' }, data: { 'bad key': 'x' } };
  const causes = validateObject(res('', 'configmaps'), cm);
  assert.equal(causes.length, 2);
  const message = invalidError('', 'ConfigMap', 'Bad_Name', causes).message;
  assert.ok(message.startsWith('ConfigMap "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": '));
  assert.ok(message.includes(', data[bad key]: Invalid value: "bad key": a valid config key'));
  assert.ok(message.endsWith(']'));
});

test('Lease durations', () => {
  const lease = (spec: Json) => ({ metadata: { name: 'kube-scheduler', namespace: 'kube-system' }, spec });
  assert.deepEqual(
    validateObject(res('coordination.k8s.io', 'leases'), lease({ leaseDurationSeconds: 0, leaseTransitions: -1 })).map((c) => `${c.field}: ${c.message}`),
    ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0', 'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0'],
  );
});

test('identical causes are reported once', () => {
  // Two labels with the same bad value give the same field and message.
  const cm = { metadata: { name: 'c', namespace: 'default', labels: { a: '-x', b: '-x' } } };
  const causes = validateObject(res('', 'configmaps'), cm);
  assert.equal(causes.length, 1);
  assert.equal(causes[0]?.field, 'metadata.labels');
  assert.match(causes[0]?.message ?? '', /^Invalid value: "-x": a valid label must be/);
});
