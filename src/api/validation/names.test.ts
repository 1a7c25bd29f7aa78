// Tests for name and key formats and their exact upstream error strings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPortName,
  nameRuleFor,
  validateName,
} from './names.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

test('DNS-1123 subdomain: the exact upstream message for Bad_Name', () => {
  assert.deepEqual(isDNS1123Subdomain('Bad_Name'), [SUBDOMAIN_MSG]);
  assert.deepEqual(isDNS1123Subdomain('my-app.example.com'), []);
  assert.deepEqual(isDNS1123Subdomain('a'.repeat(253)), []);
  assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
  assert.equal(isDNS1123Subdomain('-lead').length, 1);
  assert.equal(isDNS1123Subdomain('trail.').length, 1);
  assert.equal(isDNS1123Subdomain('').length, 1);
});

test('DNS-1123 label: dots, length 63 and the double-spaced example list', () => {
  assert.deepEqual(isDNS1123Label('web-1'), []);
  assert.deepEqual(isDNS1123Label('123'), []);
  assert.deepEqual(isDNS1123Label('a.b'), [
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.deepEqual(isDNS1123Label('a'.repeat(63)), []);
  assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
});

test('RFC 1035 label must start with a letter', () => {
  assert.deepEqual(isDNS1035Label('frontend'), []);
  assert.deepEqual(isDNS1035Label('1frontend'), [
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  ]);
});

test('qualified names: prefix and name parts', () => {
  assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
  assert.deepEqual(isQualifiedName('MyName'), []);
  assert.deepEqual(isQualifiedName('/name'), ['prefix part must be non-empty']);
  assert.deepEqual(isQualifiedName('example.com/'), [
    'name part must be non-empty',
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  ]);
  assert.equal(isQualifiedName('a/b/c').length, 1);
  assert.match(isQualifiedName('a/b/c')[0] ?? '', /^a qualified name .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  assert.deepEqual(isQualifiedName('Bad_Prefix/x'), [`prefix part ${SUBDOMAIN_MSG}`]);
  assert.deepEqual(isQualifiedName('x'.repeat(64)), ['name part must be no more than 63 characters']);
});

test('label values may be empty but not malformed', () => {
  assert.deepEqual(isValidLabelValue(''), []);
  assert.deepEqual(isValidLabelValue('v1.2_3-x'), []);
  assert.equal(isValidLabelValue('-bad').length, 1);
  assert.deepEqual(isValidLabelValue('v'.repeat(64)), ['must be no more than 63 characters']);
});

test('path segment names forbid separators and dot names', () => {
  assert.deepEqual(isValidPathSegmentName('system:controller:foo'), []);
  assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
  assert.deepEqual(isValidPathSegmentName('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
});

test('config keys', () => {
  assert.deepEqual(isConfigMapKey('app.properties'), []);
  assert.deepEqual(isConfigMapKey('..data'), ["must not start with '..'"]);
  assert.equal(isConfigMapKey('a/b').length, 1);
});

test('port names', () => {
  assert.deepEqual(isValidPortName('http'), []);
  assert.deepEqual(isValidPortName('8080'), ['must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
  assert.deepEqual(isValidPortName('very-long-port-name'), ['must be no more than 15 characters']);
});

test('name rule per resource and generateName prefixes', () => {
  assert.equal(nameRuleFor({ group: '', resource: 'namespaces' }), 'dns1123-label');
  assert.equal(nameRuleFor({ group: '', resource: 'services' }), 'dns1035-label');
  assert.equal(nameRuleFor({ group: '', resource: 'pods' }), 'dns1123-subdomain');
  assert.equal(nameRuleFor({ group: 'apps', resource: 'statefulsets' }), 'dns1123-label');
  assert.equal(nameRuleFor({ group: 'rbac.authorization.k8s.io', resource: 'clusterroles' }), 'path-segment');
  assert.deepEqual(validateName('path-segment', 'system:kube-scheduler'), []);
  assert.deepEqual(validateName('dns1123-subdomain', 'web-', true), []);
  assert.equal(validateName('dns1123-subdomain', 'web-').length, 1);
  assert.deepEqual(validateName('dns1035-label', 'svc-', true), []);
});
