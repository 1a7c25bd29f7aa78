// Issue 3 acceptance, users and RBAC: static-token and bootstrap-token identities, escalation
// prevention on RoleBindings (and `bind` lifting it), impersonation with and without permission,
// the bootstrap-token cleaner, and the AlwaysAllow mode with its warning.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  eventually,
  bulwarkCli,
  startBulwark,
  runKubectl,
  httpsRequest,
  KUBECTL_127,
  type BulwarkProcess,
  type HttpResult,
  type KubectlOptions,
  tokenClient,
  type UserClient,
} from './harness.js';

const BOB_TOKEN = 'bob-static-token-5f1c0a77d2e94b6f';
const TOKEN_CSV = `${BOB_TOKEN},bob,bob-uid-1001,"dev,qa"\n`;
const BOB_GROUPS = '["dev" "qa" "system:authenticated"]';


/** A kube-system/bootstrap-token-<id> Secret as kubeadm writes it. */
function bootstrapSecret(id: string, secret: string, extra: Record<string, string> = {}): Record<string, unknown> {
  const data: Record<string, string> = {
    'token-id': id,
    'token-secret': secret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    ...extra,
  };
  for (const k of Object.keys(data)) if (data[k] === '') delete data[k];
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

const selfSubjectReview = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };

function assertUnauthorized(r: HttpResult, what: string): void {
  assert.equal(r.status, 401, `${what}: expected 401, got ${r.status} ${r.text}`);
  assert.equal(r.json().kind, 'Status');
  assert.equal(r.json().reason, 'Unauthorized');
}

describe('static tokens, bootstrap tokens, escalation prevention and impersonation', () => {
  let b: BulwarkProcess;
  let bob: UserClient;
  let tmp: string;

  const ok = (args: string[], opts?: KubectlOptions) => b.kubectlOk(args, opts);
  const apply = async (yaml: string) => {
    const f = path.join(tmp, `obj-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(f, yaml);
    return ok(['apply', '-f', f]);
  };

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-access-rbac-'));
    const csv = path.join(tmp, 'tokens.csv');
    await writeFile(csv, TOKEN_CSV, { mode: 0o600 });
    b = await startBulwark({ args: ['--token-auth-file', csv] });
    bob = await tokenClient(b, BOB_TOKEN);
    await ok(['create', 'namespace', 'team']);
    await ok(['create', 'rolebinding', 'bob-edit', '--clusterrole=edit', '--user=bob', '-n', 'team']);
  });
  after(async () => {
    await b?.cleanup();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('a static-token user authenticates with the name, uid and groups of the token file', async () => {
    for (const binary of [undefined, KUBECTL_127]) {
      const r = await bob.kubectl(['auth', 'whoami', '-o', 'json'], binary ? { binary } : {});
      assert.equal(r.code, 0, r.stderr);
      const info = JSON.parse(r.stdout).status.userInfo;
      assert.equal(info.username, 'bob');
      assert.equal(info.uid, 'bob-uid-1001');
      assert.deepEqual(info.groups, ['dev', 'qa', 'system:authenticated']);
    }
    const pods = await eventually(async () => {
      const p = await bob.kubectl(['get', 'pods', '-n', 'team']);
      assert.equal(p.code, 0, p.stderr);
      return p;
    });
    assert.match(pods.stderr, /No resources found in team namespace/);
    const wrong = await bob.kubectl(['get', 'pods', '-n', 'default']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"/);
  });

  test('edit alone does not let bob create RoleBindings at all', async () => {
    const r = await bob.kubectl(['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob', '-n', 'team']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /rolebindings.rbac.authorization.k8s.io is forbidden: User "bob" cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "team"/);
  });

  test('bob may bind what he holds (view) but not admin or cluster-admin: 403 naming the escalation', async () => {
    await apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: rolebinding-manager
  namespace: team
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings"]
  verbs: ["create", "get", "list", "delete"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bob-rolebinding-manager
  namespace: team
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: rolebinding-manager
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: bob
`);
    const view = await eventually(async () => {
      const r = await bob.kubectl(['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob', '-n', 'team']);
      assert.equal(r.code, 0, r.stderr);
      return r;
    });
    assert.match(view.stdout, /rolebinding.rbac.authorization.k8s.io\/bob-view created/);

    for (const role of ['admin', 'cluster-admin']) {
      const r = await bob.kubectl(['create', 'rolebinding', `bob-${role}`, `--clusterrole=${role}`, '--user=bob', '-n', 'team']);
      assert.notEqual(r.code, 0, `binding ${role} must be refused`);
      // kubectl create rolebinding prefixes "error: failed to create rolebinding: " to the server's message
      assert.ok(
        r.stderr.includes(
          `rolebindings.rbac.authorization.k8s.io "bob-${role}" is forbidden: user "bob" (groups=${BOB_GROUPS}) is attempting to grant RBAC permissions not currently held:\n`,
        ),
        r.stderr,
      );
    }
    const listed = await bob.kubectl(['create', 'rolebinding', 'bob-admin', '--clusterrole=admin', '--user=bob', '-n', 'team']);
    // the missing rules are listed, e.g. roles (admin has them, edit does not)
    assert.match(listed.stderr, /\{APIGroups:\["rbac.authorization.k8s.io"\], Resources:\["roles"\], Verbs:\[[^\]]*"create"/);
    // the same refusal on the wire: a 403 Status, nothing stored
    const raw = await bob.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'raw-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
    });
    assert.equal(raw.status, 403, raw.text);
    assert.equal(raw.json().reason, 'Forbidden');
    assert.match(raw.json().message, /is attempting to grant RBAC permissions not currently held/);
    assert.equal((await b.request('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings/raw-admin')).status, 404);
    assert.equal((await b.request('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings/bob-admin')).status, 404);
  });

  test('with bind on clusterroles/admin bob can bind admin, still not cluster-admin', async () => {
    await apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: bind-admin
  namespace: team
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  resourceNames: ["admin"]
  verbs: ["bind"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bob-bind-admin
  namespace: team
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: bind-admin
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: bob
`);
    const r = await eventually(async () => {
      const c = await bob.kubectl(['create', 'rolebinding', 'bob-admin', '--clusterrole=admin', '--user=alice', '-n', 'team']);
      assert.equal(c.code, 0, c.stderr);
      return c;
    });
    assert.match(r.stdout, /rolebinding.rbac.authorization.k8s.io\/bob-admin created/);
    const stored = JSON.parse((await ok(['get', 'rolebinding', 'bob-admin', '-n', 'team', '-o', 'json'])).stdout);
    assert.deepEqual(stored.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' });
    const ca = await bob.kubectl(['create', 'rolebinding', 'bob-cluster-admin', '--clusterrole=cluster-admin', '--user=bob', '-n', 'team']);
    assert.notEqual(ca.code, 0);
    assert.match(ca.stderr, /is attempting to grant RBAC permissions not currently held/);
    // bind is per namespace: the Role in team does not reach default
    const elsewhere = await bob.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'x' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    assert.equal(elsewhere.status, 403);
    assert.match(elsewhere.json().message, /cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "default"/);
  });

  test('kubectl --as someone without impersonate permission is 403', async () => {
    const r = await bob.kubectl(['get', 'pods', '-n', 'team', '--as', 'someone']);
    assert.notEqual(r.code, 0);
    // kubectl's discovery client prints "unknown" for any 403 body; the server's message is checked below
    assert.match(r.stderr, /Forbidden/);
    const raw = await bob.request('GET', '/api/v1/namespaces/team/pods', undefined, { 'Impersonate-User': 'someone' });
    assert.equal(raw.status, 403);
    assert.equal(raw.json().reason, 'Forbidden');
    assert.equal(raw.json().message, 'users "someone" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
    const sa = await bob.request('GET', '/api/v1/namespaces/default/pods', undefined, { 'Impersonate-User': 'system:serviceaccount:default:default' });
    assert.equal(sa.status, 403);
    assert.equal(sa.json().message, 'serviceaccounts "default" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "default"');
    // edit does grant impersonating the service accounts of its namespace, as upstream
    const teamSa = await bob.request('GET', '/api/v1/namespaces/team/pods', undefined, { 'Impersonate-User': 'system:serviceaccount:team:default' });
    assert.equal(teamSa.status, 403);
    assert.equal(teamSa.json().message, 'pods is forbidden: User "system:serviceaccount:team:default" cannot list resource "pods" in API group "" in the namespace "team"');
    const can = await bob.kubectl(['auth', 'can-i', 'impersonate', 'users/someone']);
    assert.equal(can.stdout.trim(), 'no');
    // a name with a third part is not that service account but a user, which bob may not become
    const smuggled = await bob.request('GET', '/api/v1/namespaces/team/pods', undefined, { 'Impersonate-User': 'system:serviceaccount:team:default:x' });
    assert.equal(smuggled.status, 403);
    assert.equal(smuggled.json().message, 'users "system:serviceaccount:team:default:x" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
    // a malformed extra key is the caller's mistake: 400 naming the header, not a 500
    const badExtra = await bob.request('GET', '/api/v1/namespaces/team/pods', undefined, { 'Impersonate-User': 'system:serviceaccount:team:default', 'Impersonate-Extra-%zz': 'v' });
    assert.equal(badExtra.status, 400);
    assert.match(badExtra.json().message, /impersonate-extra-%zz/i);
  });

  test('a cluster-scoped review is not served under a namespace path, where a RoleBinding would authorize it', async () => {
    await apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: review-tokens, namespace: team}
rules:
- apiGroups: ["authentication.k8s.io"]
  resources: ["tokenreviews"]
  verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bob-review-tokens, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: review-tokens}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
`);
    const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: BOB_TOKEN } };
    const namespaced = await bob.request('POST', '/apis/authentication.k8s.io/v1/namespaces/team/tokenreviews', review);
    assert.equal(namespaced.status, 404, namespaced.text);
    const cluster = await bob.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', review);
    assert.equal(cluster.status, 403, cluster.text);
  });

  test('with impersonate on users/someone, bob runs as someone (and only as someone)', async () => {
    await apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: impersonate-someone
rules:
- apiGroups: [""]
  resources: ["users"]
  resourceNames: ["someone"]
  verbs: ["impersonate"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: bob-impersonate-someone
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: impersonate-someone
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: bob
`);
    const who = await eventually(async () => {
      const r = await bob.kubectl(['auth', 'whoami', '--as', 'someone', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).status.userInfo;
    });
    assert.equal(who.username, 'someone');
    assert.deepEqual(who.groups, ['system:authenticated']);
    // someone has no grants, so the request that bob (edit) could make is refused to someone
    const pods = await bob.kubectl(['get', 'pods', '-n', 'team', '--as', 'someone']);
    assert.notEqual(pods.code, 0);
    assert.match(pods.stderr, /pods is forbidden: User "someone" cannot list resource "pods" in API group "" in the namespace "team"/);
    await ok(['create', 'rolebinding', 'someone-view', '--clusterrole=view', '--user=someone', '-n', 'team']);
    await eventually(async () => {
      const r = await bob.kubectl(['get', 'pods', '-n', 'team', '--as', 'someone']);
      assert.equal(r.code, 0, r.stderr);
    });
    const who127 = await bob.kubectl(['auth', 'whoami', '--as', 'someone'], { binary: KUBECTL_127 });
    assert.equal(who127.code, 0, who127.stderr);
    assert.match(who127.stdout, /^Username\s+someone$/m);
    // the grant names one user and no groups
    const other = await bob.request('GET', '/api/v1/namespaces/team/pods', undefined, { 'Impersonate-User': 'someone-else' });
    assert.equal(other.status, 403);
    assert.match(other.json().message, /^users "someone-else" is forbidden: User "bob" cannot impersonate resource "users"/);
    const group = await bob.request('GET', '/api/v1/namespaces/team/pods', undefined, { 'Impersonate-User': 'someone', 'Impersonate-Group': 'system:masters' });
    assert.equal(group.status, 403);
    assert.equal(group.json().message, 'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope');
    // kubectl reports a refused SelfSubjectReview in its own words
    const kgroup = await bob.kubectl(['auth', 'whoami', '--as', 'someone', '--as-group', 'system:masters']);
    assert.notEqual(kgroup.code, 0);
  });

  test('a bootstrap token authenticates as system:bootstrap:<id> with its groups', async () => {
    const created = await b.request('POST', '/api/v1/namespaces/kube-system/secrets', bootstrapSecret('abcdef', '0123456789abcdef'));
    assert.equal(created.status, 201, created.text);
    const boot = await tokenClient(b, 'abcdef.0123456789abcdef');
    for (const binary of [undefined, KUBECTL_127]) {
      const r = await boot.kubectl(['auth', 'whoami', '-o', 'json'], binary ? { binary } : {});
      assert.equal(r.code, 0, r.stderr);
      const info = JSON.parse(r.stdout).status.userInfo;
      assert.equal(info.username, 'system:bootstrap:abcdef');
      assert.deepEqual(info.groups, ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated']);
    }
    // bound to system:node-bootstrapper through its group (as kubeadm does), it may create CSRs, nothing more
    const before = await boot.kubectl(['auth', 'can-i', 'create', 'certificatesigningrequests.certificates.k8s.io']);
    assert.equal(before.stdout.trim(), 'no');
    await ok(['create', 'clusterrolebinding', 'bootstrappers-csr', '--clusterrole=system:node-bootstrapper', '--group=system:bootstrappers']);
    await eventually(async () => {
      const can = await boot.kubectl(['auth', 'can-i', 'create', 'certificatesigningrequests.certificates.k8s.io']);
      assert.equal(can.stdout.trim(), 'yes', can.stderr);
    });
    const secrets = await boot.request('GET', '/api/v1/namespaces/kube-system/secrets');
    assert.equal(secrets.status, 403);
    assert.equal(secrets.json().message, 'secrets is forbidden: User "system:bootstrap:abcdef" cannot list resource "secrets" in API group "" in the namespace "kube-system"');
  });

  test('expired, wrong-secret, unusable and over-reaching bootstrap tokens are 401', async () => {
    const past = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const future = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const secrets = [
      bootstrapSecret('expird', '0123456789abcdef', { expiration: past }),
      bootstrapSecret('future', '0123456789abcdef', { expiration: future }),
      bootstrapSecret('noauth', '0123456789abcdef', { 'usage-bootstrap-authentication': '' }),
      bootstrapSecret('master', '0123456789abcdef', { 'auth-extra-groups': 'system:masters' }),
    ];
    for (const s of secrets) {
      const r = await b.request('POST', '/api/v1/namespaces/kube-system/secrets', s);
      assert.equal(r.status, 201, r.text);
    }
    const whoami = async (token: string) => (await tokenClient(b, token)).request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', selfSubjectReview);
    const fresh = await whoami('future.0123456789abcdef');
    assert.equal(fresh.status, 201, `an unexpired token works: ${fresh.text}`);
    assert.equal(fresh.json().status.userInfo.username, 'system:bootstrap:future');
    assertUnauthorized(await whoami('expird.0123456789abcdef'), 'expired bootstrap token');
    assertUnauthorized(await whoami('abcdef.fedcba9876543210'), 'wrong token-secret');
    assertUnauthorized(await whoami('noauth.0123456789abcdef'), 'no usage-bootstrap-authentication');
    assertUnauthorized(await whoami('master.0123456789abcdef'), 'auth-extra-groups outside system:bootstrappers:');
    // TokenReview agrees, and a refused token is a successful review that says "not authenticated"
    const review = async (token: string) => {
      const r = await b.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
      assert.equal(r.status, 201, `TokenReview answered ${r.status} ${r.text}`);
      return r.json().status;
    };
    const good = await review('future.0123456789abcdef');
    assert.equal(good.authenticated, true);
    assert.equal(good.user.username, 'system:bootstrap:future');
    assert.notEqual((await review('expird.0123456789abcdef')).authenticated, true);
  });

  test('the server keeps serving after the refusals', async () => {
    assert.equal((await b.request('GET', '/livez')).status, 200);
    const r = await b.request('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings');
    assert.equal(r.status, 200);
    assert.ok(r.json().items.length >= 4);
  });
});

describe('bootstrap-token cleaner and --enable-bootstrap-token-auth=false', () => {
  test('expired token Secrets are deleted when a server starts; the flag turns the authenticator off', async () => {
    const first = await startBulwark();
    let second: BulwarkProcess | undefined;
    try {
      const past = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      for (const s of [bootstrapSecret('oldtok', '0123456789abcdef', { expiration: past }), bootstrapSecret('keeper', '0123456789abcdef')]) {
        const r = await first.request('POST', '/api/v1/namespaces/kube-system/secrets', s);
        assert.equal(r.status, 201, r.text);
      }
      const keeper = await tokenClient(first, 'keeper.0123456789abcdef');
      assert.equal((await keeper.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', selfSubjectReview)).status, 201);
      assertUnauthorized(await (await tokenClient(first, 'oldtok.0123456789abcdef')).request('GET', '/api'), 'expired bootstrap token');
      await first.stop();

      second = await startBulwark({ dataDir: first.dataDir, port: first.port, args: ['--enable-bootstrap-token-auth=false'] });
      const s2 = second;
      await eventually(async () => {
        const r = await s2.request('GET', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-oldtok');
        assert.equal(r.status, 404, `expired bootstrap secret still present: ${r.status}`);
      }, 10_000);
      assert.equal((await s2.request('GET', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-keeper')).status, 200, 'an unexpired token is kept');
      const off = await (await tokenClient(s2, 'keeper.0123456789abcdef')).request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', selfSubjectReview);
      assertUnauthorized(off, 'bootstrap token with --enable-bootstrap-token-auth=false');
    } finally {
      await first.stop();
      if (second) await second.cleanup();
      else await first.cleanup();
    }
  });
});

describe('--authorization-mode AlwaysAllow', () => {
  let b: BulwarkProcess;
  before(async () => {
    b = await startBulwark({ args: ['--authorization-mode', 'AlwaysAllow'] });
  });
  after(async () => {
    await b?.cleanup();
  });

  test('a non-master certificate user can list secrets, and the server warns loudly', async () => {
    const out = path.join(b.dataDir, 'carol.kubeconfig');
    const made = await bulwarkCli(['kubeconfig', '--data-dir', b.dataDir, '--user', 'carol', '--out', out]);
    assert.equal(made.code, 0, made.stderr);
    const r = await runKubectl(out, ['get', 'secrets', '-n', 'kube-system']);
    assert.equal(r.code, 0, r.stderr);
    const who = JSON.parse((await runKubectl(out, ['auth', 'whoami', '-o', 'json'])).stdout).status.userInfo;
    assert.equal(who.username, 'carol');
    assert.ok(!who.groups.includes('system:masters'));
    const can = await runKubectl(out, ['auth', 'can-i', 'delete', 'nodes']);
    assert.equal(can.stdout.trim(), 'yes');
    assert.match(b.stderr(), /AlwaysAllow/);
  });

  test('authentication still applies: no credentials is 401', async () => {
    const ca = await readFile(path.join(b.dataDir, 'ca.crt'), 'utf8');
    const r = await httpsRequest(`${b.url}/api/v1/namespaces/kube-system/secrets`, 'GET', { ca });
    assertUnauthorized(r, 'anonymous under AlwaysAllow');
  });
});

describe('the default RBAC mode does not warn', () => {
  test('stderr of a default server has no AlwaysAllow warning', async () => {
    const b = await startBulwark();
    try {
      assert.doesNotMatch(b.stderr(), /AlwaysAllow/);
      const out = path.join(b.dataDir, 'carol.kubeconfig');
      assert.equal((await bulwarkCli(['kubeconfig', '--data-dir', b.dataDir, '--user', 'carol', '--out', out])).code, 0);
      const r = await runKubectl(out, ['get', 'secrets', '-n', 'kube-system']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /secrets is forbidden: User "carol" cannot list resource "secrets" in API group "" in the namespace "kube-system"/);
    } finally {
      await b.cleanup();
    }
  });
});
