import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UserInfo } from '../../endpoints/context.js';
import { parseRequestInfo } from '../../endpoints/request-info.js';
import { StatusError } from '../../api/status.js';
import type { Authorizer } from '../types.js';
import { aggregateClusterRoles } from './aggregation.js';
import { RBACAuthorizer } from './authorizer.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import { RBACCache } from './cache.js';
import { EscalationGuard, onlyGCFieldsChanged } from './escalation.js';
import type { ClusterRole, PolicyRule, RoleRef, Subject } from './types.js';

const G = 'rbac.authorization.k8s.io';
const U = (name: string): Subject => ({ kind: 'User', apiGroup: G, name });
const clusterRoleRef = (name: string): RoleRef => ({ apiGroup: G, kind: 'ClusterRole', name });
const roleRef = (name: string): RoleRef => ({ apiGroup: G, kind: 'Role', name });

/** The bootstrap policy with aggregation settled, plus namespace-scoped bindings of edit and admin. */
function cluster(): { cache: RBACCache; guard: EscalationGuard; authz: RBACAuthorizer } {
  const cache = new RBACCache();
  const { clusterRoles, clusterRoleBindings } = bootstrapPolicy();
  const aggregated = aggregateClusterRoles(clusterRoles);
  for (const r of clusterRoles) cache.upsert('ClusterRole', aggregated.has(r.metadata!.name!) ? { ...r, rules: aggregated.get(r.metadata!.name!) } : r);
  for (const b of clusterRoleBindings) cache.upsert('ClusterRoleBinding', b);
  cache.upsert('RoleBinding', { metadata: { namespace: 'dev', name: 'editors' }, roleRef: clusterRoleRef('edit'), subjects: [U('eddie')] });
  cache.upsert('RoleBinding', { metadata: { namespace: 'dev', name: 'admins' }, roleRef: clusterRoleRef('admin'), subjects: [U('ada')] });
  const authz = new RBACAuthorizer(cache);
  return { cache, authz, guard: new EscalationGuard(authz) };
}

const user = (username: string, groups: string[] = ['system:authenticated']): UserInfo => ({ username, groups });

async function rejects403(p: Promise<void>, why?: string): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    assert.equal(e.code, 403);
    assert.equal(e.reason, 'Forbidden');
    return e;
  }
  assert.fail(why ?? 'expected the check to fail');
}

test('an edit user cannot bind admin or cluster-admin, with kube wording', async () => {
  const { guard } = cluster();
  const eddie = user('eddie', ['system:authenticated', 'team']);
  const err = await rejects403(guard.checkBinding(eddie, 'dev', clusterRoleRef('admin'), 'promote-me'));
  const lines = err.message.split('\n');
  assert.equal(lines[0], 'rolebindings.rbac.authorization.k8s.io "promote-me" is forbidden: user "eddie" (groups=["system:authenticated" "team"]) is attempting to grant RBAC permissions not currently held:');
  assert.deepEqual(lines.slice(1), [
    '{APIGroups:["authorization.k8s.io"], Resources:["localsubjectaccessreviews"], Verbs:["create"]}',
    '{APIGroups:["rbac.authorization.k8s.io"], Resources:["rolebindings"], Verbs:["create" "delete" "deletecollection" "get" "list" "patch" "update" "watch"]}',
    '{APIGroups:["rbac.authorization.k8s.io"], Resources:["roles"], Verbs:["create" "delete" "deletecollection" "get" "list" "patch" "update" "watch"]}',
  ]);
  assert.deepEqual(err.details, { name: 'promote-me', group: G, kind: 'rolebindings' });
  const crbErr = await rejects403(guard.checkBinding(eddie, '', clusterRoleRef('cluster-admin'), 'root'));
  assert.match(crbErr.message, /^clusterrolebindings\.rbac\.authorization\.k8s\.io "root" is forbidden: user "eddie"/);
  // one line per missing permission, sorted as upstream sorts them
  assert.deepEqual(crbErr.message.split('\n').slice(1), ['{APIGroups:["*"], Resources:["*"], Verbs:["*"]}', '{NonResourceURLs:["*"], Verbs:["*"]}']);
  // but edit can hand out edit (or view) in its own namespace: it holds all of it there
  await guard.checkBinding(eddie, 'dev', clusterRoleRef('edit'), 'peer');
  await guard.checkBinding(eddie, 'dev', clusterRoleRef('view'), 'peer');
  // not in another namespace, nor cluster-wide
  await rejects403(guard.checkBinding(eddie, 'prod', clusterRoleRef('view'), 'peer'));
  await rejects403(guard.checkBinding(eddie, '', clusterRoleRef('view'), 'peer'));
});

test('an admin can bind admin in its namespace', async () => {
  const { guard } = cluster();
  await guard.checkBinding(user('ada'), 'dev', clusterRoleRef('admin'), 'other-admin');
  await rejects403(guard.checkBinding(user('ada'), 'prod', clusterRoleRef('admin'), 'other-admin'));
});

test('`bind` on the referenced role lets a binding through; resourceNames limit it', async () => {
  const { cache, guard } = cluster();
  cache.upsert('ClusterRole', { metadata: { name: 'binder' }, rules: [{ apiGroups: [G], resources: ['clusterroles'], resourceNames: ['admin'], verbs: ['bind'] }] });
  cache.upsert('RoleBinding', { metadata: { namespace: 'dev', name: 'binder' }, roleRef: clusterRoleRef('binder'), subjects: [U('eddie')] });
  const eddie = user('eddie');
  await guard.checkBinding(eddie, 'dev', clusterRoleRef('admin'), 'x');
  await rejects403(guard.checkBinding(eddie, 'dev', clusterRoleRef('cluster-admin'), 'x'));
  // bind was granted in dev only: a ClusterRoleBinding is asked about at the cluster scope
  await rejects403(guard.checkBinding(eddie, '', clusterRoleRef('admin'), 'x'));
  // bind on * passes anything, even a role that does not exist yet
  cache.upsert('ClusterRole', { metadata: { name: 'binder' }, rules: [{ apiGroups: [G], resources: ['clusterroles', 'roles'], verbs: ['bind'] }] });
  await guard.checkBinding(eddie, 'dev', clusterRoleRef('cluster-admin'), 'x');
  await guard.checkBinding(eddie, 'dev', roleRef('not-yet'), 'x');
});

test('system:masters passes every check', async () => {
  const { guard } = cluster();
  const root = user('root', ['system:masters']);
  await guard.checkBinding(root, '', clusterRoleRef('cluster-admin'), 'x');
  await guard.checkBinding(root, '', clusterRoleRef('does-not-exist'), 'x');
  await guard.checkRole(root, '', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], 'ClusterRole', 'r', { aggregationRule: true });
});

test('binding a role that does not exist is 404 NotFound', async () => {
  const { guard } = cluster();
  await assert.rejects(guard.checkBinding(user('eddie'), 'dev', roleRef('ghost'), 'x'), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 404);
    assert.equal(e.reason, 'NotFound');
    assert.equal(e.message, 'roles.rbac.authorization.k8s.io "ghost" not found');
    return true;
  });
  await assert.rejects(guard.checkBinding(user('eddie'), '', clusterRoleRef('ghost'), 'x'), { code: 404, message: 'clusterroles.rbac.authorization.k8s.io "ghost" not found' });
});

test('writing a role: allowed when held, refused otherwise, allowed with `escalate`', async () => {
  const { cache, guard } = cluster();
  const ada = user('ada');
  const podRules: PolicyRule[] = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];
  await guard.checkRole(ada, 'dev', podRules, 'Role', 'pod-reader');
  const err = await rejects403(guard.checkRole(ada, 'dev', [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }, ...podRules], 'Role', 'nodes'));
  assert.equal(
    err.message,
    'roles.rbac.authorization.k8s.io "nodes" is forbidden: user "ada" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}',
  );
  await rejects403(guard.checkRole(ada, 'prod', podRules, 'Role', 'pod-reader'));
  await rejects403(guard.checkRole(ada, '', podRules, 'ClusterRole', 'pod-reader'), 'a namespace admin holds nothing cluster-wide');

  // escalate on roles in dev, limited to one name
  cache.upsert('ClusterRole', { metadata: { name: 'escalator' }, rules: [{ apiGroups: [G], resources: ['roles'], resourceNames: ['nodes'], verbs: ['escalate'] }] });
  cache.upsert('RoleBinding', { metadata: { namespace: 'dev', name: 'esc' }, roleRef: clusterRoleRef('escalator'), subjects: [U('ada')] });
  const nodeRules: PolicyRule[] = [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }];
  await guard.checkRole(ada, 'dev', nodeRules, 'Role', 'nodes');
  await rejects403(guard.checkRole(ada, 'dev', nodeRules, 'Role', 'other'));
  // on create the request carries no name yet, so a name-limited escalate does not apply (as upstream)
  const create = parseRequestInfo('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles');
  await rejects403(guard.checkRole(ada, 'dev', nodeRules, 'Role', 'nodes', { requestInfo: create }));
  const update = parseRequestInfo('PUT', '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles/nodes');
  await guard.checkRole(ada, 'dev', nodeRules, 'Role', 'nodes', { requestInfo: update });
});

test('an aggregationRule needs cluster-admin privileges', async () => {
  const { cache, guard } = cluster();
  cache.upsert('ClusterRoleBinding', { metadata: { name: 'ada-view' }, roleRef: clusterRoleRef('view'), subjects: [U('ada')] });
  const ada = user('ada');
  await guard.checkRole(ada, '', [], 'ClusterRole', 'plain');
  const err = await rejects403(guard.checkRole(ada, '', [], 'ClusterRole', 'agg', { aggregationRule: true }));
  assert.equal(err.message, 'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule');
  cache.upsert('ClusterRoleBinding', { metadata: { name: 'ada-root' }, roleRef: clusterRoleRef('cluster-admin'), subjects: [U('ada')] });
  await guard.checkRole(ada, '', [], 'ClusterRole', 'agg', { aggregationRule: true });
});

test('the escalate and bind questions go to the authorizer given', async () => {
  const { authz } = cluster();
  const asked: string[] = [];
  const spy: Authorizer = {
    name: 'spy',
    async authorize(_u, info) {
      asked.push(`${info.verb} ${info.apiGroup}/${info.resource} ${info.namespace}/${info.name}`);
      return { decision: info.verb === 'bind' ? 'allow' : 'noOpinion', reason: '' };
    },
  };
  const guard = new EscalationGuard(authz, spy);
  await guard.checkBinding(user('nobody'), 'dev', clusterRoleRef('cluster-admin'), 'b');
  await rejects403(guard.checkRole(user('nobody'), '', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], 'ClusterRole', 'c'));
  assert.deepEqual(asked, [`bind ${G}/clusterroles dev/cluster-admin`, `escalate ${G}/clusterroles /c`]);
  // an authorizer that throws grants nothing
  const broken = new EscalationGuard(authz, { name: 'broken', authorize: () => Promise.reject(new Error('boom')) });
  await rejects403(broken.checkBinding(user('nobody'), 'dev', clusterRoleRef('cluster-admin'), 'b'));
});

test('updates that only touch ownerReferences or finalizers are not escalations', async () => {
  const old: ClusterRole = { metadata: { name: 'r', resourceVersion: '5' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] };
  const gcOnly: ClusterRole = { ...old, metadata: { ...old.metadata, finalizers: ['x'], ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u' }] } };
  assert.equal(onlyGCFieldsChanged(gcOnly, old), true);
  assert.equal(onlyGCFieldsChanged({ ...gcOnly, rules: [] }, old), false);
  const { guard } = cluster();
  await guard.checkRole(user('eddie'), '', old.rules!, 'ClusterRole', 'r', { onlyGCFieldsChanged: true });
  await rejects403(guard.checkRole(user('eddie'), '', old.rules!, 'ClusterRole', 'r'));
});
