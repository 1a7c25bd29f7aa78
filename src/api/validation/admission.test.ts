// Tests for webhook configuration validation: names, client config, side effects, review versions, rules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from '../catalogue.js';
import { applyDefaults } from '../defaults.js';
import type { StatusCause } from '../status.js';
import { validateObject } from './index.js';

type Json = Record<string, unknown>;
const validating = findResource('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations') as ResourceInfo;
const mutating = findResource('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations') as ResourceInfo;
const lines = (causes: StatusCause[]) => causes.map((c) => `${c.field}: ${c.message}`);

function check(r: ResourceInfo, o: Json): StatusCause[] {
  applyDefaults(r, o);
  return validateObject(r, o);
}

const hook = (extra: Json = {}) => ({
  name: 'pods.policy.example.com',
  clientConfig: { service: { name: 'policy', namespace: 'policy-system', path: '/validate' }, caBundle: 'Y2E=' },
  rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...extra,
});

const config = (webhooks: Json[]) => ({ metadata: { name: 'policy' }, webhooks });

test('a realistic webhook configuration is valid', () => {
  assert.deepEqual(check(validating, config([hook()])), []);
  assert.deepEqual(check(mutating, config([hook({ clientConfig: { url: 'https://policy.example.com:8443/mutate' } })])), []);
});

test('names must be fully qualified and unique', () => {
  const causes = check(validating, config([hook({ name: 'policy' }), hook(), hook()]));
  assert.deepEqual(lines(causes), [
    'webhooks[0].name: Invalid value: "policy": should be a domain with at least three segments separated by dots',
    'webhooks[2].name: Duplicate value: "pods.policy.example.com"',
  ]);
});

test('clientConfig: exactly one of url or service, and https only', () => {
  assert.deepEqual(lines(check(validating, config([hook({ clientConfig: {} })]))), ['webhooks[0].clientConfig: Required value: exactly one of url or service is required']);
  assert.deepEqual(lines(check(validating, config([hook({ clientConfig: { url: 'https://a.example.com', service: { name: 's', namespace: 'n' } } })]))), [
    'webhooks[0].clientConfig: Required value: exactly one of url or service is required',
  ]);
  assert.deepEqual(lines(check(validating, config([hook({ clientConfig: { url: 'http://user:pw@hook.example.com/x?debug=1#frag' } })]))), [
    'webhooks[0].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]',
    'webhooks[0].clientConfig.url: Invalid value: "user": user information is not permitted in the URL',
    'webhooks[0].clientConfig.url: Invalid value: "frag": fragments are not permitted in the URL',
    'webhooks[0].clientConfig.url: Invalid value: "debug=1": query parameters are not permitted in the URL',
  ]);
  assert.deepEqual(lines(check(validating, config([hook({ clientConfig: { service: { name: '', namespace: 'n', path: 'validate', port: 0 } } })]))), [
    'webhooks[0].clientConfig.service.name: Required value: service name is required',
    'webhooks[0].clientConfig.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive',
    "webhooks[0].clientConfig.service.path: Invalid value: \"validate\": must start with a '/'",
  ]);
});

test('sideEffects, admissionReviewVersions and timeoutSeconds', () => {
  const causes = check(validating, config([hook({ sideEffects: undefined, admissionReviewVersions: [], timeoutSeconds: 45 })]));
  assert.deepEqual(lines(causes), [
    'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
    'webhooks[0].timeoutSeconds: Invalid value: 45: the timeout value must be between 1 and 30 seconds',
    'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1',
  ]);
  assert.deepEqual(lines(check(validating, config([hook({ sideEffects: 'Some', admissionReviewVersions: ['v2'] })]))), [
    'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"',
    'webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1',
  ]);
});

test('rules: operations and wildcards', () => {
  const causes = check(validating, config([hook({ rules: [{ operations: ['*', 'CREATE', 'PATCH'], apiGroups: ['*', 'apps'], apiVersions: ['v1'], resources: ['*/*', 'pods'], scope: 'Global' }] })]));
  assert.deepEqual(lines(causes), [
    'webhooks[0].rules[0].operations: Invalid value: []string{"*", "CREATE", "PATCH"}: if \'*\' is present, must not specify other operations',
    'webhooks[0].rules[0].operations[2]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
    'webhooks[0].rules[0].apiGroups: Invalid value: []string{"*", "apps"}: if \'*\' is present, must not specify other API groups',
    'webhooks[0].rules[0].resources: Invalid value: []string{"*/*", "pods"}: if \'*/*\' is present, must not specify other resources',
    'webhooks[0].rules[0].scope: Unsupported value: "Global": supported values: "*", "Cluster", "Namespaced"',
  ]);
});
