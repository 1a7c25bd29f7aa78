// Tests for metadata validation on create and update, including the exact Bad_Name 422 message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from '../catalogue.js';
import { invalid as invalidError } from '../status.js';
import { validateObject } from './index.js';

function res(group: string, resource: string): ResourceInfo {
  const r = findResource(group, 'v1', resource);
  assert.ok(r, `${group}/${resource} is served`);
  return r;
}

const configmaps = res('', 'configmaps');
const namespaces = res('', 'namespaces');

const cm = (metadata: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default', ...metadata }, data: { a: 'b' } });

test('Bad_Name gives kube-apiserver\'s exact 422 message', () => {
  const causes = validateObject(configmaps, cm({ name: 'Bad_Name' }));
  assert.deepEqual(causes, [
    {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message:
        "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    },
  ]);
  const err = invalidError('', 'ConfigMap', 'Bad_Name', causes);
  assert.equal(err.code, 422);
  assert.equal(
    err.message,
    "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  );
});

test('a valid object has no causes', () => {
  assert.deepEqual(validateObject(configmaps, cm({ name: 'app-config', labels: { app: 'web' }, annotations: { 'example.com/owner': 'team-a' } })), []);
});

test('name is required; generateName is validated as a prefix', () => {
  assert.deepEqual(validateObject(configmaps, cm({})), [
    { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
  ]);
  assert.deepEqual(validateObject(configmaps, cm({ generateName: 'web-', name: 'web-x7k2p' })), []);
  const causes = validateObject(configmaps, cm({ generateName: 'Web_', name: 'Web_x7k2p' }));
  assert.deepEqual(
    causes.map((c) => c.field),
    ['metadata.generateName', 'metadata.name'],
  );
});

test('namespace is required for namespaced and forbidden for cluster-scoped resources', () => {
  const missing = validateObject(configmaps, { metadata: { name: 'x' } });
  assert.deepEqual(missing, [{ reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' }]);
  const forbidden = validateObject(namespaces, { metadata: { name: 'team-a', namespace: 'default' }, spec: { finalizers: ['kubernetes'] } });
  assert.deepEqual(forbidden, [{ reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' }]);
});

test('namespace names are DNS labels', () => {
  const causes = validateObject(namespaces, { metadata: { name: 'team.a' } });
  assert.equal(causes.length, 1);
  assert.equal(causes[0]?.field, 'metadata.name');
  assert.match(causes[0]?.message ?? '', /RFC 1123 label/);
});

test('labels: bad keys and values are reported at metadata.labels', () => {
  const causes = validateObject(configmaps, cm({ name: 'x', labels: { 'bad key': 'ok', good: '-bad-' } }));
  assert.equal(causes.length, 2);
  assert.ok(causes.every((c) => c.field === 'metadata.labels' && c.reason === 'FieldValueInvalid'));
  assert.match(causes[0]?.message ?? '', /^Invalid value: "bad key": name part must consist of/);
  assert.match(causes[1]?.message ?? '', /^Invalid value: "-bad-": a valid label must be an empty string/);
});

test('annotations: keys are case-insensitive qualified names and the total is capped at 256 KiB', () => {
  assert.deepEqual(validateObject(configmaps, cm({ name: 'x', annotations: { 'Example.COM/Thing': 'v' } })), []);
  const big = validateObject(configmaps, cm({ name: 'x', annotations: { a: 'x'.repeat(256 * 1024) } }));
  assert.deepEqual(big, [{ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: may not be more than 262144 bytes' }]);
  assert.deepEqual(validateObject(configmaps, cm({ name: 'x', annotations: { a: 'x'.repeat(256 * 1024 - 1) } })), []);
});

test('finalizers: qualified, standard when unprefixed, orphan and foreground exclusive', () => {
  assert.deepEqual(validateObject(configmaps, cm({ name: 'x', finalizers: ['example.com/cleanup', 'foregroundDeletion'] })), []);
  const unqualified = validateObject(configmaps, cm({ name: 'x', finalizers: ['cleanup'] }));
  assert.deepEqual(unqualified, [
    { reason: 'FieldValueInvalid', field: 'metadata.finalizers[0]', message: 'Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified' },
  ]);
  const both = validateObject(configmaps, cm({ name: 'x', finalizers: ['orphan', 'foregroundDeletion'] }));
  assert.deepEqual(both, [
    {
      reason: 'FieldValueInvalid',
      field: 'metadata.finalizers',
      message: 'Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
    },
  ]);
});

test('ownerReferences: required fields and a single controller', () => {
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f', uid: 'a5a7b0c2-1111-2222-3333-444455556666', controller: true };
  assert.deepEqual(validateObject(configmaps, cm({ name: 'x', ownerReferences: [ref] })), []);
  const empty = validateObject(configmaps, cm({ name: 'x', ownerReferences: [{}] }));
  assert.deepEqual(
    empty.map((c) => `${c.field}: ${c.message}`),
    [
      'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ],
  );
  const two = validateObject(configmaps, cm({ name: 'x', ownerReferences: [ref, { ...ref, name: 'web-9', uid: 'b' }] }));
  assert.equal(two.length, 1);
  assert.match(two[0]?.message ?? '', /Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/web-5d4f and ReplicaSet\/web-9$/);
  const eventOwner = validateObject(configmaps, cm({ name: 'x', ownerReferences: [{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' }] }));
  assert.match(eventOwner[0]?.message ?? '', /\/v1, Kind=Event is disallowed from being an owner$/);
});

test('update: name, namespace, uid and creationTimestamp are immutable', () => {
  const old = cm({ name: 'x', uid: 'uid-1', creationTimestamp: '2024-01-01T00:00:00Z', resourceVersion: '5' });
  assert.deepEqual(validateObject(configmaps, old, old), []);
  // Fields the client left out are filled from the stored object, so they are not a change.
  assert.deepEqual(validateObject(configmaps, cm({ name: 'x' }), old), []);
  const changed = validateObject(configmaps, cm({ name: 'x', uid: 'uid-2', creationTimestamp: '2025-01-01T00:00:00Z' }), old);
  assert.deepEqual(changed, [
    { reason: 'FieldValueInvalid', field: 'metadata.uid', message: 'Invalid value: "uid-2": field is immutable' },
    { reason: 'FieldValueInvalid', field: 'metadata.creationTimestamp', message: 'Invalid value: "2025-01-01T00:00:00Z": field is immutable' },
  ]);
  const renamed = validateObject(configmaps, { ...cm({ name: 'y' }) }, old);
  assert.deepEqual(renamed, [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "y": field is immutable' }]);
  const moved = validateObject(configmaps, { ...cm({ name: 'x', namespace: 'other' }) }, old);
  assert.deepEqual(moved, [{ reason: 'FieldValueInvalid', field: 'metadata.namespace', message: 'Invalid value: "other": field is immutable' }]);
});

test('update: no new finalizers once deletion started', () => {
  const old = cm({ name: 'x', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['example.com/a'] });
  assert.deepEqual(validateObject(configmaps, cm({ name: 'x', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: [] }), old), []);
  const added = validateObject(configmaps, cm({ name: 'x', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['example.com/a', 'example.com/b'] }), old);
  assert.deepEqual(added, [
    {
      reason: 'FieldValueForbidden',
      field: 'metadata.finalizers',
      message: 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}',
    },
  ]);
});

test('RBAC objects accept path-segment names such as system:controller:x', () => {
  const clusterroles = res('rbac.authorization.k8s.io', 'clusterroles');
  assert.deepEqual(validateObject(clusterroles, { metadata: { name: 'system:controller:job-controller' }, rules: [] }), []);
  const bad = validateObject(clusterroles, { metadata: { name: 'a/b' }, rules: [] });
  assert.deepEqual(bad, [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "a/b": may not contain \'/\'' }]);
});

test('malformed input never throws', () => {
  for (const r of [configmaps, namespaces, res('', 'pods'), res('apps', 'deployments'), res('batch', 'cronjobs'), res('certificates.k8s.io', 'certificatesigningrequests')]) {
    for (const o of [{}, { metadata: 'x' }, { metadata: { name: 5, labels: [1] }, spec: 'nope' }, { metadata: null, spec: { containers: 'x', template: [] } }]) {
      assert.doesNotThrow(() => validateObject(r, o as Record<string, unknown>));
      assert.doesNotThrow(() => validateObject(r, o as Record<string, unknown>, o as Record<string, unknown>));
    }
  }
});
