import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OwnerReferencesPermissionEnforcement } from './index.js';
import type { AdmissionAttributes } from '../../types.js';
import type { Authorizer, AuthorizationResult } from '../../../authz/types.js';
import type { RequestInfo } from '../../../endpoints/request-info.js';
import type { UserInfo } from '../../../endpoints/context.js';
import { findKind, findResource } from '../../../api/catalogue.js';
import { StatusError } from '../../../api/status.js';

type Obj = Record<string, unknown>;

/** Allows exactly the listed `user verb group/resource[/sub] ns/name` entries; records every question. */
function tableAuthorizer(allowed: string[], opts: { throws?: boolean } = {}): Authorizer & { asked: string[] } {
  const asked: string[] = [];
  return {
    name: 'table',
    asked,
    async authorize(user: UserInfo, info: RequestInfo): Promise<AuthorizationResult> {
      const key = `${user.username} ${info.verb} ${info.apiGroup}/${info.resource}${info.subresource ? '/' + info.subresource : ''} ${info.namespace}/${info.name}`;
      asked.push(key);
      assert.equal(info.isResourceRequest, true);
      if (opts.throws) throw new Error('authorizer down');
      return allowed.includes(key) ? { decision: 'allow', reason: '' } : { decision: 'noOpinion', reason: '' };
    },
  };
}

const lookup = { get: async () => undefined, list: async () => [] };
const resourceForKind = (apiVersion: string, kind: string) => {
  const r = findKind(apiVersion, kind);
  return r ? { group: r.group, resource: r.resource, namespaced: r.namespaced } : undefined;
};
const plugin = (authz: Authorizer) => new OwnerReferencesPermissionEnforcement({ authorizer: authz, lookup, resourceForKind });

const deployRef = (extra: Obj = {}) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-1', ...extra });

function attrs(op: AdmissionAttributes['operation'], refs: Obj[] | undefined, oldRefs?: Obj[], subresource = ''): AdmissionAttributes {
  const mk = (r: Obj[] | undefined): Obj => ({ metadata: { name: 'p', namespace: 'demo', ...(r ? { ownerReferences: r } : {}) }, spec: {} });
  return {
    operation: op,
    resource: findResource('', 'v1', 'pods')!,
    subresource,
    namespace: 'demo',
    name: 'p',
    object: mk(refs),
    oldObject: op === 'UPDATE' ? mk(oldRefs) : undefined,
    user: { username: 'bob', groups: [] },
    dryRun: false,
    warnings: [],
    auditAnnotations: {},
  };
}

test('no owner references on create: no question asked', async () => {
  const authz = tableAuthorizer([]);
  await plugin(authz).validate(attrs('CREATE', undefined));
  assert.deepEqual(authz.asked, []);
});

test('setting owner references requires delete on the object', async () => {
  const authz = tableAuthorizer([]);
  await assert.rejects(plugin(authz).validate(attrs('CREATE', [deployRef()])), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 403);
    assert.equal(
      err.message,
      `pods "p" is forbidden: cannot set an ownerRef on a resource you can't delete: User "bob" cannot delete resource "pods" in API group "" in the namespace "demo"`,
    );
    return true;
  });
  assert.deepEqual(authz.asked, ['bob delete /pods demo/p']);
  await plugin(tableAuthorizer(['bob delete /pods demo/p'])).validate(attrs('CREATE', [deployRef()]));
});

test('blockOwnerDeletion needs update on the owner finalizers, with upstream wording', async () => {
  const authz = tableAuthorizer(['bob delete /pods demo/p']);
  await assert.rejects(plugin(authz).validate(attrs('CREATE', [deployRef({ blockOwnerDeletion: true })])), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 403);
    assert.equal(
      err.message,
      `pods "p" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: User "bob" cannot update resource "deployments/finalizers" in API group "apps" in the namespace "demo"`,
    );
    return true;
  });
  assert.deepEqual(authz.asked, ['bob delete /pods demo/p', 'bob update apps/deployments/finalizers demo/web']);
  await plugin(tableAuthorizer(['bob delete /pods demo/p', 'bob update apps/deployments/finalizers demo/web'])).validate(
    attrs('CREATE', [deployRef({ blockOwnerDeletion: true })]),
  );
});

test('a cluster-scoped owner is checked at the cluster scope', async () => {
  const authz = tableAuthorizer(['bob delete /pods demo/p']);
  const ref = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'u-n', blockOwnerDeletion: true };
  await assert.rejects(plugin(authz).validate(attrs('CREATE', [ref])), /cannot update resource "nodes\/finalizers" in API group "" at the cluster scope/);
  assert.equal(authz.asked[1], 'bob update /nodes/finalizers /n1');
});

test('an unknown owner kind cannot block deletion', async () => {
  const authz = tableAuthorizer(['bob delete /pods demo/p']);
  const ref = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'u-w', blockOwnerDeletion: true };
  await assert.rejects(
    plugin(authz).validate(attrs('CREATE', [ref])),
    /cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion example.com\/v1 Kind Widget/,
  );
  // Without blockOwnerDeletion the same reference only needs delete on the object.
  await plugin(authz).validate(attrs('CREATE', [{ ...ref, blockOwnerDeletion: false }]));
});

test('updates: unchanged references ask nothing; a change asks delete; only newly blocking refs ask for finalizers', async () => {
  const none = tableAuthorizer([]);
  await plugin(none).validate(attrs('UPDATE', [deployRef({ blockOwnerDeletion: true })], [deployRef({ blockOwnerDeletion: true })]));
  assert.deepEqual(none.asked, []);

  const delOnly = tableAuthorizer(['bob delete /pods demo/p']);
  // Adding a second, non-blocking reference while the blocking one stays: no finalizers question.
  await plugin(delOnly).validate(
    attrs('UPDATE', [deployRef({ blockOwnerDeletion: true }), { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'u-2' }], [deployRef({ blockOwnerDeletion: true })]),
  );
  assert.deepEqual(delOnly.asked, ['bob delete /pods demo/p']);

  // Turning blockOwnerDeletion on for an existing reference asks for finalizers.
  const flip = tableAuthorizer(['bob delete /pods demo/p']);
  await assert.rejects(plugin(flip).validate(attrs('UPDATE', [deployRef({ blockOwnerDeletion: true })], [deployRef({ blockOwnerDeletion: false })])), /can't set finalizers on/);

  // Removing references is a change too.
  const removing = tableAuthorizer([]);
  await assert.rejects(plugin(removing).validate(attrs('UPDATE', [], [deployRef()])), /can't delete/);
});

test('an authorizer error refuses (fail closed)', async () => {
  await assert.rejects(plugin(tableAuthorizer([], { throws: true })).validate(attrs('CREATE', [deployRef()])), /can't delete: .*authorization error: authorizer down/);
});

test('pods/status and deletes are not checked', async () => {
  const authz = tableAuthorizer([]);
  await plugin(authz).validate(attrs('UPDATE', [deployRef()], [], 'status'));
  const del = attrs('DELETE', undefined);
  delete del.object;
  await plugin(authz).validate(del);
  assert.deepEqual(authz.asked, []);
});
