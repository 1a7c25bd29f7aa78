import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adaptInProcessPlugin, resourceRuleMatches, admissionForbidden, type InProcessAdmissionPlugin, type InProcessAdmissionRequest } from './plugin-api.js';
import type { AdmissionAttributes } from './types.js';
import { findResource } from '../api/catalogue.js';
import { StatusError } from '../api/status.js';

type Obj = Record<string, unknown>;

function attrs(op: AdmissionAttributes['operation'] = 'CREATE', object: Obj | undefined = { metadata: { name: 'p', labels: { a: '1' } }, spec: {} }, group = '', resource = 'pods', subresource = ''): AdmissionAttributes {
  return {
    operation: op,
    resource: findResource(group, 'v1', resource)!,
    subresource,
    namespace: 'demo',
    name: 'p',
    object,
    user: { username: 'bob', groups: ['g'] },
    dryRun: true,
    warnings: [],
    auditAnnotations: {},
  };
}

function plugin(admit: InProcessAdmissionPlugin['admit'], extra: Partial<InProcessAdmissionPlugin> = {}): InProcessAdmissionPlugin {
  return { name: 'Example', operations: ['CREATE'], resources: ['pods'], admit, ...extra };
}

test('resource rules: core and named groups, subresources, wildcards', () => {
  assert.equal(resourceRuleMatches('pods', '', 'pods', ''), true);
  assert.equal(resourceRuleMatches('pods', 'apps', 'pods', ''), false);
  assert.equal(resourceRuleMatches('pods', '', 'pods', 'status'), false);
  assert.equal(resourceRuleMatches('deployments.apps', 'apps', 'deployments', ''), true);
  assert.equal(resourceRuleMatches('deployments.apps', '', 'deployments', ''), false);
  assert.equal(resourceRuleMatches('pods/status', '', 'pods', 'status'), true);
  assert.equal(resourceRuleMatches('pods/*', '', 'pods', 'status'), true);
  assert.equal(resourceRuleMatches('pods/*', '', 'pods', ''), false);
  assert.equal(resourceRuleMatches('*', 'batch', 'jobs', ''), true);
  assert.equal(resourceRuleMatches('*', 'batch', 'jobs', 'status'), false);
  assert.equal(resourceRuleMatches('*/*', 'batch', 'jobs', 'status'), true);
  assert.equal(resourceRuleMatches('*/*', 'batch', 'jobs', ''), true);
});

test('the request carries the attributes, as copies', async () => {
  let seen: InProcessAdmissionRequest | undefined;
  const a = attrs();
  await adaptInProcessPlugin(
    plugin((r) => {
      seen = r;
      (r.object!['metadata'] as Obj)['name'] = 'changed';
      return { allowed: true };
    }),
    'validating',
  ).validate!(a);
  assert.ok(seen);
  assert.equal(seen.operation, 'CREATE');
  assert.deepEqual(seen.resource, { group: '', version: 'v1', resource: 'pods' });
  assert.equal(seen.subResource, '');
  assert.equal(seen.namespace, 'demo');
  assert.equal(seen.name, 'p');
  assert.equal(seen.dryRun, true);
  assert.deepEqual(seen.userInfo, { username: 'bob', groups: ['g'] });
  assert.equal((a.object!['metadata'] as Obj)['name'], 'p', 'changing the request object in place has no effect');
});

test('a plugin is called only for its operations and resources', async () => {
  let calls = 0;
  const p = adaptInProcessPlugin(plugin(() => (calls++, { allowed: false, reason: 'no' })), 'validating');
  await p.validate!(attrs('UPDATE'));
  await p.validate!(attrs('CREATE', { metadata: { name: 'c' } }, '', 'configmaps'));
  await p.validate!(attrs('CREATE', undefined, '', 'pods', 'status'));
  assert.equal(calls, 0);
  const all = adaptInProcessPlugin(plugin(() => (calls++, { allowed: true }), { operations: ['*'] }), 'validating');
  await all.validate!(attrs('DELETE', undefined));
  assert.equal(calls, 1);
});

test('a denial is a 403 naming the plugin, or the code it gives; its warnings still reach the client', async () => {
  const a = attrs();
  await assert.rejects(adaptInProcessPlugin(plugin(() => ({ allowed: false, reason: 'images must be pinned', warnings: ['w1'] })), 'validating').validate!(a), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, 'admission plugin "Example" denied the request: images must be pinned');
    return true;
  });
  assert.deepEqual(a.warnings, ['w1']);
  await assert.rejects(adaptInProcessPlugin(plugin(() => ({ allowed: false, reason: 'bad', code: 422 })), 'validating').validate!(attrs()), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    return true;
  });
  await assert.rejects(adaptInProcessPlugin(plugin(() => ({ allowed: false, reason: 'odd', code: 200 })), 'validating').validate!(attrs()), { code: 403 });
});

test('patches apply in the mutating phase, atomically; warnings and audit annotations are recorded', async () => {
  const a = attrs();
  const object = a.object;
  await adaptInProcessPlugin(
    plugin(() => ({
      allowed: true,
      patch: [
        { op: 'add', path: '/metadata/labels/b', value: '2' },
        { op: 'replace', path: '/spec', value: { x: 1 } },
      ],
      warnings: ['careful'],
      auditAnnotations: { decision: 'patched' },
    })),
    'mutating',
  ).admit!(a);
  assert.equal(a.object, object, 'the same object, changed in place');
  assert.deepEqual(a.object, { metadata: { name: 'p', labels: { a: '1', b: '2' } }, spec: { x: 1 } });
  assert.deepEqual(a.warnings, ['careful']);
  assert.deepEqual(a.auditAnnotations, { 'Example/decision': 'patched' });

  const b = attrs();
  const before = structuredClone(b.object);
  await assert.rejects(
    adaptInProcessPlugin(
      plugin(() => ({ allowed: true, patch: [{ op: 'add', path: '/metadata/labels/c', value: '3' }, { op: 'remove', path: '/nope/missing' }] })),
      'mutating',
    ).admit!(b),
    (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.code, 500);
      assert.match(err.message, /admission plugin "Example" failed: its patch does not apply/);
      return true;
    },
  );
  assert.deepEqual(b.object, before, 'a failing patch changes nothing');
});

test('a patch in the validating phase, a thrown error or a malformed result fails closed with a 500 naming the plugin', async () => {
  const cases: InProcessAdmissionPlugin['admit'][] = [
    () => ({ allowed: true, patch: [{ op: 'add', path: '/x', value: 1 }] }),
    () => {
      throw new Error('boom');
    },
    async () => Promise.reject(new Error('async boom')),
    () => undefined as never,
    () => ({ allowed: 'yes' }) as never,
    () => ({ allowed: true, warnings: [1] }) as never,
  ];
  for (const admit of cases) {
    await assert.rejects(adaptInProcessPlugin(plugin(admit), 'validating').validate!(attrs()), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.code, 500);
      assert.match(err.message, /admission plugin "Example" failed/);
      return true;
    });
  }
});

test('malformed plugins are refused when adapted', () => {
  assert.throws(() => adaptInProcessPlugin({ name: '', operations: ['CREATE'], resources: ['pods'], admit: () => ({ allowed: true }) }, 'validating'), /no name/);
  assert.throws(() => adaptInProcessPlugin({ name: 'X', operations: ['MAKE' as never], resources: ['pods'], admit: () => ({ allowed: true }) }, 'validating'), /operations/);
  assert.throws(() => adaptInProcessPlugin({ name: 'X', operations: ['CREATE'], resources: [], admit: () => ({ allowed: true }) }, 'validating'), /resources/);
});

test('admissionForbidden names the object, falling back to generateName', () => {
  const a = attrs('CREATE', { metadata: { generateName: 'web-' } });
  a.name = '';
  const err = admissionForbidden(a, 'because');
  assert.equal(err.message, 'pods "web-" is forbidden: because');
  assert.equal(err.code, 403);
});
