import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UserInfo } from '../../endpoints/context.js';
import { parseRequestInfo } from '../../endpoints/request-info.js';
import { aggregateClusterRoles } from './aggregation.js';
import { RBACAuthorizer } from './authorizer.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import { RBACCache } from './cache.js';
import { EscalationGuard } from './escalation.js';
import { AUTOUPDATE_ANNOTATION, BOOTSTRAPPING_LABEL, type Subject } from './types.js';

const G = 'rbac.authorization.k8s.io';

function authorizer(): { cache: RBACCache; authz: RBACAuthorizer } {
  const cache = new RBACCache();
  const { clusterRoles, clusterRoleBindings } = bootstrapPolicy();
  const aggregated = aggregateClusterRoles(clusterRoles);
  for (const r of clusterRoles) {
    const name = r.metadata!.name!;
    cache.upsert('ClusterRole', aggregated.has(name) ? { ...r, rules: aggregated.get(name) } : r);
  }
  for (const b of clusterRoleBindings) cache.upsert('ClusterRoleBinding', b);
  for (const [roleName, who] of [['view', 'vic'], ['edit', 'eddie'], ['admin', 'ada']] as const) {
    const subjects: Subject[] = [{ kind: 'User', apiGroup: G, name: who }];
    cache.upsert('RoleBinding', { metadata: { namespace: 'dev', name: roleName }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: roleName }, subjects });
  }
  return { cache, authz: new RBACAuthorizer(cache) };
}

const authed = (username: string): UserInfo => ({ username, groups: ['system:authenticated'] });

async function can(authz: RBACAuthorizer, u: UserInfo, method: string, url: string): Promise<boolean> {
  return (await authz.authorize(u, parseRequestInfo(method, url))).decision === 'allow';
}

test('every bootstrap object carries the bootstrapping label and autoupdate annotation', () => {
  const { clusterRoles, clusterRoleBindings } = bootstrapPolicy();
  for (const o of [...clusterRoles, ...clusterRoleBindings]) {
    assert.equal(o.metadata?.labels?.[BOOTSTRAPPING_LABEL], 'rbac-defaults', o.metadata?.name);
    assert.equal(o.metadata?.annotations?.[AUTOUPDATE_ANNOTATION], 'true', o.metadata?.name);
  }
  const names = clusterRoles.map((r) => r.metadata!.name);
  for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node-bootstrapper']) {
    assert.ok(names.includes(n), n);
  }
  // each call hands out fresh objects
  bootstrapPolicy().clusterRoles[0]!.rules!.length = 0;
  assert.equal(bootstrapPolicy().clusterRoles[0]!.rules!.length, 2);
});

test('view reads workloads but not secrets, and writes nothing', async () => {
  const { authz } = authorizer();
  const vic = authed('vic');
  assert.equal(await can(authz, vic, 'GET', '/api/v1/namespaces/dev/pods/p'), true);
  assert.equal(await can(authz, vic, 'GET', '/api/v1/namespaces/dev/pods/p/log'), true);
  assert.equal(await can(authz, vic, 'GET', '/apis/apps/v1/namespaces/dev/deployments?watch=true'), true);
  assert.equal(await can(authz, vic, 'GET', '/api/v1/namespaces/dev'), true);
  assert.equal(await can(authz, vic, 'GET', '/api/v1/namespaces/dev/secrets/s'), false);
  assert.equal(await can(authz, vic, 'GET', '/api/v1/namespaces/dev/secrets'), false);
  assert.equal(await can(authz, vic, 'POST', '/api/v1/namespaces/dev/configmaps'), false);
  assert.equal(await can(authz, vic, 'GET', '/api/v1/namespaces/prod/pods/p'), false);
});

test('edit creates deployments and reads secrets, but cannot touch RBAC', async () => {
  const { authz } = authorizer();
  const eddie = authed('eddie');
  assert.equal(await can(authz, eddie, 'POST', '/apis/apps/v1/namespaces/dev/deployments'), true);
  assert.equal(await can(authz, eddie, 'PUT', '/apis/apps/v1/namespaces/dev/deployments/d/scale'), true);
  assert.equal(await can(authz, eddie, 'GET', '/api/v1/namespaces/dev/secrets/s'), true);
  assert.equal(await can(authz, eddie, 'POST', '/api/v1/namespaces/dev/serviceaccounts/default/token'), true);
  assert.equal(await can(authz, eddie, 'GET', '/api/v1/namespaces/dev/pods'), true, 'view is part of edit');
  assert.equal(await can(authz, eddie, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings'), false);
  assert.equal(await can(authz, eddie, 'GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles'), false);
  assert.equal(await can(authz, eddie, 'DELETE', '/api/v1/namespaces/dev'), false);
});

test('admin manages roles and bindings in its namespace, and the guard lets it bind edit', async () => {
  const { authz } = authorizer();
  const ada = authed('ada');
  assert.equal(await can(authz, ada, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings'), true);
  assert.equal(await can(authz, ada, 'POST', '/apis/authorization.k8s.io/v1/namespaces/dev/localsubjectaccessreviews'), true);
  assert.equal(await can(authz, ada, 'POST', '/apis/apps/v1/namespaces/dev/deployments'), true, 'edit is part of admin');
  assert.equal(await can(authz, ada, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/prod/rolebindings'), false);
  assert.equal(await can(authz, ada, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'), false);
  const guard = new EscalationGuard(authz);
  await guard.checkBinding(ada, 'dev', { apiGroup: G, kind: 'ClusterRole', name: 'edit' }, 'new-editor');
});

test('system:masters, discovery, public info and self reviews', async () => {
  const { authz } = authorizer();
  const root: UserInfo = { username: 'root', groups: ['system:masters', 'system:authenticated'] };
  const r = await authz.authorize(root, parseRequestInfo('DELETE', '/api/v1/nodes/n1'));
  assert.deepEqual(r, { decision: 'allow', reason: 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"' });
  assert.equal(await can(authz, root, 'POST', '/some/path'), true);

  const anyone = authed('someone');
  assert.equal(await can(authz, anyone, 'GET', '/apis/apps/v1'), true);
  assert.equal(await can(authz, anyone, 'GET', '/openapi/v3'), true);
  assert.equal(await can(authz, anyone, 'GET', '/version'), true);
  assert.equal(await can(authz, anyone, 'GET', '/metrics'), false);
  assert.equal(await can(authz, anyone, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'), true);
  assert.equal(await can(authz, anyone, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews'), true);
  assert.equal(await can(authz, anyone, 'GET', '/api/v1/namespaces/dev/pods'), false);

  const anonymous: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  assert.equal(await can(authz, anonymous, 'GET', '/healthz'), true);
  assert.equal(await can(authz, anonymous, 'GET', '/version'), true);
  assert.equal(await can(authz, anonymous, 'GET', '/apis'), false, 'discovery is for authenticated users only');
  assert.equal(await can(authz, anonymous, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'), false);
});

test('node bootstrap roles grant CSR creation when bound', async () => {
  const { cache, authz } = authorizer();
  cache.upsert('ClusterRoleBinding', {
    metadata: { name: 'kubeadm:kubelet-bootstrap' },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'system:node-bootstrapper' },
    subjects: [{ kind: 'Group', apiGroup: G, name: 'system:bootstrappers' }],
  });
  cache.upsert('ClusterRoleBinding', {
    metadata: { name: 'node-autoapprove' },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient' },
    subjects: [{ kind: 'Group', apiGroup: G, name: 'system:bootstrappers' }],
  });
  const boot: UserInfo = { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] };
  assert.equal(await can(authz, boot, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests'), true);
  assert.equal(await can(authz, boot, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1'), true);
  assert.equal(await can(authz, boot, 'DELETE', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1'), false);
  assert.equal(await can(authz, boot, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/nodeclient'), true);
  assert.equal(await can(authz, boot, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/selfnodeclient'), false);
});
