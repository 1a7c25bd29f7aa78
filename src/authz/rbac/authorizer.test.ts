import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from '../../endpoints/request-info.js';
import type { UserInfo } from '../../endpoints/context.js';
import { forbiddenError } from '../types.js';
import { RBACAuthorizer } from './authorizer.js';
import { RBACCache } from './cache.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from './types.js';

const G = 'rbac.authorization.k8s.io';
const user = (username: string, groups: string[] = ['system:authenticated']): UserInfo => ({ username, groups });
const sa = (ns: string, name: string): UserInfo => ({ username: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] });
const U = (name: string): Subject => ({ kind: 'User', apiGroup: G, name });
const Grp = (name: string): Subject => ({ kind: 'Group', apiGroup: G, name });
const SA = (name: string, namespace?: string): Subject => (namespace ? { kind: 'ServiceAccount', name, namespace } : { kind: 'ServiceAccount', name });

const cr = (name: string, rules: PolicyRule[]): ClusterRole => ({ metadata: { name }, rules });
const role = (ns: string, name: string, rules: PolicyRule[]): Role => ({ metadata: { namespace: ns, name }, rules });
const crb = (name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding => ({ metadata: { name }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: roleName }, subjects });
const rb = (ns: string, name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: Subject[]): RoleBinding => ({
  metadata: { namespace: ns, name },
  roleRef: { apiGroup: G, kind, name: roleName },
  subjects,
});

const readPods: PolicyRule[] = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }];

function setup(): { cache: RBACCache; authz: RBACAuthorizer } {
  const cache = new RBACCache();
  cache.upsert('ClusterRole', cr('pod-reader', readPods));
  cache.upsert('Role', role('team-a', 'cm-writer', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'update'] }]));
  return { cache, authz: new RBACAuthorizer(cache) };
}

async function decision(authz: RBACAuthorizer, u: UserInfo, method: string, url: string): Promise<string> {
  return (await authz.authorize(u, parseRequestInfo(method, url))).decision;
}

test('a ClusterRoleBinding grants everywhere, with kube wording for the reason', async () => {
  const { cache, authz } = setup();
  cache.upsert('ClusterRoleBinding', crb('readers', 'pod-reader', [U('alice')]));
  const r = await authz.authorize(user('alice'), parseRequestInfo('GET', '/api/v1/namespaces/any/pods/p'));
  assert.deepEqual(r, { decision: 'allow', reason: 'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "pod-reader" to User "alice"' });
  assert.equal(await decision(authz, user('alice'), 'GET', '/api/v1/pods'), 'allow', 'cluster-wide list');
  assert.equal(await decision(authz, user('alice'), 'DELETE', '/api/v1/namespaces/any/pods/p'), 'noOpinion');
  assert.equal(await decision(authz, user('bob'), 'GET', '/api/v1/namespaces/any/pods/p'), 'noOpinion');
  const denied = await authz.authorize(user('bob'), parseRequestInfo('GET', '/api/v1/namespaces/any/pods/p'));
  assert.equal(denied.reason, '');
});

test('a RoleBinding grants only in its namespace, to a Role there or a ClusterRole', async () => {
  const { cache, authz } = setup();
  cache.upsert('RoleBinding', rb('team-a', 'read', 'ClusterRole', 'pod-reader', [U('alice')]));
  cache.upsert('RoleBinding', rb('team-a', 'write', 'Role', 'cm-writer', [U('alice')]));
  cache.upsert('RoleBinding', rb('team-b', 'write', 'Role', 'cm-writer', [U('alice')])); // no such Role in team-b
  assert.equal(await decision(authz, user('alice'), 'GET', '/api/v1/namespaces/team-a/pods'), 'allow');
  assert.equal(await decision(authz, user('alice'), 'GET', '/api/v1/namespaces/team-b/pods'), 'noOpinion');
  assert.equal(await decision(authz, user('alice'), 'GET', '/api/v1/pods'), 'noOpinion', 'all-namespaces list needs a cluster binding');
  assert.equal(await decision(authz, user('alice'), 'POST', '/api/v1/namespaces/team-a/configmaps'), 'allow');
  const r = await authz.authorize(user('alice'), parseRequestInfo('POST', '/api/v1/namespaces/team-a/configmaps'));
  assert.equal(r.reason, 'RBAC: allowed by RoleBinding "write/team-a" of Role "cm-writer" to User "alice"');
  // the Role is looked up in the binding's namespace: team-b has none, so the reason says so
  const missing = await authz.authorize(user('alice'), parseRequestInfo('POST', '/api/v1/namespaces/team-b/configmaps'));
  assert.deepEqual(missing, { decision: 'noOpinion', reason: 'RBAC: role.rbac.authorization.k8s.io "cm-writer" not found' });
});

test('namespace objects are authorized in their own namespace', async () => {
  const { cache, authz } = setup();
  cache.upsert('ClusterRole', cr('ns-reader', [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }]));
  cache.upsert('RoleBinding', rb('team-a', 'ns', 'ClusterRole', 'ns-reader', [U('alice')]));
  assert.equal(await decision(authz, user('alice'), 'GET', '/api/v1/namespaces/team-a'), 'allow');
  assert.equal(await decision(authz, user('alice'), 'GET', '/api/v1/namespaces/team-b'), 'noOpinion');
});

test('groups and service accounts match; a service account without namespace takes the binding namespace', async () => {
  const { cache, authz } = setup();
  cache.upsert('ClusterRoleBinding', crb('devs', 'pod-reader', [Grp('devs')]));
  cache.upsert('RoleBinding', rb('team-a', 'sa-local', 'Role', 'cm-writer', [SA('builder')]));
  cache.upsert('ClusterRoleBinding', crb('sa-global', 'pod-reader', [SA('watcher', 'mon')]));
  cache.upsert('ClusterRoleBinding', crb('sa-nons', 'pod-reader', [SA('nobody')])); // can match no one

  const r = await authz.authorize(user('carol', ['devs']), parseRequestInfo('GET', '/api/v1/namespaces/x/pods'));
  assert.equal(r.reason, 'RBAC: allowed by ClusterRoleBinding "devs" of ClusterRole "pod-reader" to Group "devs"');
  assert.equal(await decision(authz, user('carol', ['ops']), 'GET', '/api/v1/namespaces/x/pods'), 'noOpinion');

  const local = await authz.authorize(sa('team-a', 'builder'), parseRequestInfo('POST', '/api/v1/namespaces/team-a/configmaps'));
  assert.equal(local.reason, 'RBAC: allowed by RoleBinding "sa-local/team-a" of Role "cm-writer" to ServiceAccount "builder/team-a"');
  assert.equal(await decision(authz, sa('team-b', 'builder'), 'POST', '/api/v1/namespaces/team-a/configmaps'), 'noOpinion', 'same name, other namespace');

  const global = await authz.authorize(sa('mon', 'watcher'), parseRequestInfo('GET', '/api/v1/namespaces/q/pods'));
  assert.equal(global.reason, 'RBAC: allowed by ClusterRoleBinding "sa-global" of ClusterRole "pod-reader" to ServiceAccount "watcher/mon"');
  assert.equal(await decision(authz, sa('', 'nobody'), 'GET', '/api/v1/namespaces/q/pods'), 'noOpinion');
  assert.equal(await decision(authz, user('system:serviceaccount::nobody', []), 'GET', '/api/v1/namespaces/q/pods'), 'noOpinion');
  // a user merely named like a group gets nothing from the group's binding
  assert.equal(await decision(authz, user('devs', []), 'GET', '/api/v1/namespaces/x/pods'), 'noOpinion');
});

test('the first subject that names the user is the one reported', async () => {
  const { cache, authz } = setup();
  cache.upsert('ClusterRoleBinding', crb('multi', 'pod-reader', [U('zed'), Grp('devs'), U('alice')]));
  const r = await authz.authorize(user('alice', ['devs']), parseRequestInfo('GET', '/api/v1/namespaces/x/pods'));
  assert.equal(r.reason, 'RBAC: allowed by ClusterRoleBinding "multi" of ClusterRole "pod-reader" to Group "devs"');
});

test('non-resource URLs through bindings', async () => {
  const { cache, authz } = setup();
  cache.upsert('ClusterRole', cr('health', [{ nonResourceURLs: ['/healthz', '/livez/*'], verbs: ['get'] }]));
  cache.upsert('ClusterRoleBinding', crb('health', 'health', [Grp('system:authenticated')]));
  assert.equal(await decision(authz, user('x'), 'GET', '/healthz'), 'allow');
  assert.equal(await decision(authz, user('x'), 'GET', '/livez/ping'), 'allow');
  assert.equal(await decision(authz, user('x'), 'POST', '/healthz'), 'noOpinion');
  assert.equal(await decision(authz, user('x'), 'GET', '/metrics'), 'noOpinion');
});

test('missing roles are skipped and named in the reason; other bindings still allow', async () => {
  const { cache, authz } = setup();
  cache.upsert('ClusterRoleBinding', crb('a-broken', 'ghost', [U('alice')]));
  cache.upsert('ClusterRoleBinding', crb('b-broken', 'ghost2', [U('alice')]));
  const denied = await authz.authorize(user('alice'), parseRequestInfo('GET', '/api/v1/namespaces/x/pods'));
  assert.equal(denied.decision, 'noOpinion');
  assert.equal(denied.reason, 'RBAC: [clusterrole.rbac.authorization.k8s.io "ghost" not found, clusterrole.rbac.authorization.k8s.io "ghost2" not found]');
  const err = forbiddenError(user('alice'), parseRequestInfo('GET', '/api/v1/namespaces/x/pods'), denied.reason);
  assert.match(err.message, /cannot list resource "pods" in API group "" in the namespace "x": RBAC: \[clusterrole/);
  cache.upsert('ClusterRoleBinding', crb('c-ok', 'pod-reader', [U('alice')]));
  assert.equal(await decision(authz, user('alice'), 'GET', '/api/v1/namespaces/x/pods'), 'allow');
});

test('the cache follows upserts, removals and resets', async () => {
  const { cache, authz } = setup();
  const binding = crb('readers', 'pod-reader', [U('alice')]);
  cache.upsert('ClusterRoleBinding', binding);
  assert.equal(await decision(authz, user('alice'), 'GET', '/api/v1/namespaces/x/pods'), 'allow');
  // replacing the binding re-indexes its subjects
  cache.upsert('ClusterRoleBinding', crb('readers', 'pod-reader', [U('bob')]));
  assert.equal(await decision(authz, user('alice'), 'GET', '/api/v1/namespaces/x/pods'), 'noOpinion');
  assert.equal(await decision(authz, user('bob'), 'GET', '/api/v1/namespaces/x/pods'), 'allow');
  // changing the role's rules takes effect at once
  cache.upsert('ClusterRole', cr('pod-reader', [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }]));
  assert.equal(await decision(authz, user('bob'), 'GET', '/api/v1/namespaces/x/pods'), 'noOpinion');
  assert.equal(await decision(authz, user('bob'), 'GET', '/api/v1/namespaces/x/services/s'), 'allow');
  cache.remove('ClusterRoleBinding', { metadata: { name: 'readers' }, roleRef: binding.roleRef });
  assert.equal(await decision(authz, user('bob'), 'GET', '/api/v1/namespaces/x/services/s'), 'noOpinion');

  cache.upsert('RoleBinding', rb('team-a', 'w', 'Role', 'cm-writer', [U('dan')]));
  assert.equal(await decision(authz, user('dan'), 'POST', '/api/v1/namespaces/team-a/configmaps'), 'allow');
  cache.remove('Role', role('team-a', 'cm-writer', []));
  assert.equal(await decision(authz, user('dan'), 'POST', '/api/v1/namespaces/team-a/configmaps'), 'noOpinion');
  cache.reset('Role', [role('team-a', 'cm-writer', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create'] }])]);
  assert.equal(await decision(authz, user('dan'), 'POST', '/api/v1/namespaces/team-a/configmaps'), 'allow');
  cache.reset('RoleBinding', []);
  assert.equal(await decision(authz, user('dan'), 'POST', '/api/v1/namespaces/team-a/configmaps'), 'noOpinion');
  assert.deepEqual(cache.counts(), { Role: 1, ClusterRole: 1, RoleBinding: 0, ClusterRoleBinding: 0 });
});

test('a binding naming the user twice is visited once', () => {
  const { cache } = setup();
  cache.upsert('ClusterRoleBinding', crb('twice', 'pod-reader', [U('alice'), Grp('devs')]));
  assert.equal(cache.clusterRoleBindingsFor(['u:alice', 'g:devs']).length, 1);
});

test('rulesFor splits resource and non-resource rules and reports unresolvable roles', () => {
  const { cache, authz } = setup();
  cache.upsert('ClusterRole', cr('mixed', [
    { apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'], verbs: ['get'] },
    { nonResourceURLs: ['/version'], verbs: ['get'] },
  ]));
  cache.upsert('ClusterRoleBinding', crb('mixed', 'mixed', [U('alice')]));
  cache.upsert('RoleBinding', rb('team-a', 'w', 'Role', 'cm-writer', [U('alice')]));
  cache.upsert('RoleBinding', rb('team-a', 'gone', 'ClusterRole', 'gone', [U('alice')]));
  const inA = authz.rulesFor(user('alice'), 'team-a');
  assert.deepEqual(inA.resourceRules, [
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] },
    { verbs: ['create', 'update'], apiGroups: [''], resources: ['configmaps'] },
  ]);
  assert.deepEqual(inA.nonResourceRules, [{ verbs: ['get'], nonResourceURLs: ['/version'] }]);
  assert.equal(inA.incomplete, false);
  assert.equal(inA.evaluationError, 'clusterrole.rbac.authorization.k8s.io "gone" not found');
  const inB = authz.rulesFor(user('alice'), 'team-b');
  assert.equal(inB.resourceRules.length, 1);
  assert.equal(inB.evaluationError, undefined);
});
