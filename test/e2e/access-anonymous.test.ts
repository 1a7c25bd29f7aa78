// Issue 3 acceptance, the edges of access: anonymous requests (off and on), malformed or oversized
// Authorization headers, invalid RBAC objects, and the slow-down of repeated authentication failures.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBulwark, httpsRequest, type BulwarkProcess, type HttpResult } from './harness.js';

const STATIC_TOKEN = 'dana-static-token-7a0e4c1b9d2f3e58';

/**
 * One HTTPS request without client certificate. Header values may be arrays (sent as repeated
 * headers) and `localAddress` picks the source address on the loopback network.
 */
function rawRequest(
  url: string,
  ca: string,
  opts: { method?: string; headers?: Record<string, string | string[]>; localAddress?: string; body?: unknown } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string | string[]> = { Accept: 'application/json', ...opts.headers };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const req = https.request(url, { method: opts.method ?? 'GET', ca, headers, agent: false, localAddress: opts.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function assertStatus(r: HttpResult, code: number, reason: string, what: string): Record<string, unknown> {
  assert.equal(r.status, code, `${what}: expected ${code}, got ${r.status} ${r.text}`);
  assert.match(String(r.headers['content-type']), /^application\/json/, `${what}: a Status body`);
  const s = r.json();
  assert.equal(s.kind, 'Status', what);
  assert.equal(s.apiVersion, 'v1', what);
  assert.equal(s.status, 'Failure', what);
  assert.equal(s.code, code, what);
  assert.equal(s.reason, reason, what);
  assert.equal(typeof s.message, 'string', what);
  return s;
}

describe('anonymous requests are refused by default; public endpoints stay open', () => {
  let b: BulwarkProcess;
  let ca: string;

  before(async () => {
    b = await startBulwark();
    ca = await readFile(path.join(b.dataDir, 'ca.crt'), 'utf8');
  });
  after(async () => {
    await b?.cleanup();
  });

  test('no credentials on the API: 401 with a Status body', async () => {
    for (const p of ['/api/v1/namespaces', '/api', '/apis', '/api/v1/namespaces/default/pods', '/openapi/v2']) {
      assertStatus(await httpsRequest(`${b.url}${p}`, 'GET', { ca }), 401, 'Unauthorized', `GET ${p}`);
    }
    const post = await httpsRequest(`${b.url}/api/v1/namespaces`, 'POST', { ca, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sneaky' } } });
    assertStatus(post, 401, 'Unauthorized', 'POST namespace');
    assert.equal((await b.request('GET', '/api/v1/namespaces/sneaky')).status, 404);
  });

  test('/livez, /readyz, /healthz and /version answer 200 without credentials', async () => {
    for (const p of ['/livez', '/readyz', '/healthz']) {
      const r = await httpsRequest(`${b.url}${p}`, 'GET', { ca });
      assert.equal(r.status, 200, `${p}: ${r.text}`);
      assert.equal(r.text, 'ok');
    }
    const v = await httpsRequest(`${b.url}/version`, 'GET', { ca });
    assert.equal(v.status, 200);
    assert.match(v.json().gitVersion, /^v\d+\.\d+\.\d+/);
    // only reads: a write to a public path is not anonymous
    const post = await httpsRequest(`${b.url}/version`, 'POST', { ca, body: {} });
    assert.equal(post.status, 401);
  });

  test('kube-public/cluster-info is readable anonymously, its neighbours are not', async () => {
    for (const name of ['cluster-info', 'other']) {
      const r = await b.request('POST', '/api/v1/namespaces/kube-public/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { kubeconfig: 'x' } });
      assert.ok(r.status === 201 || r.status === 409, r.text);
    }
    const info = await httpsRequest(`${b.url}/api/v1/namespaces/kube-public/configmaps/cluster-info`, 'GET', { ca });
    assert.equal(info.status, 200, info.text);
    assert.equal(info.json().metadata.name, 'cluster-info');
    assertStatus(await httpsRequest(`${b.url}/api/v1/namespaces/kube-public/configmaps/other`, 'GET', { ca }), 401, 'Unauthorized', 'other configmap');
    assertStatus(await httpsRequest(`${b.url}/api/v1/namespaces/kube-public/configmaps`, 'GET', { ca }), 401, 'Unauthorized', 'list kube-public');
  });
});

describe('bad input on the access path: clear 4xx, the server keeps serving', () => {
  let b: BulwarkProcess;
  let ca: string;

  before(async () => {
    b = await startBulwark();
    ca = await readFile(path.join(b.dataDir, 'ca.crt'), 'utf8');
    const r = await b.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'survivor' }, data: { k: 'v' } });
    assert.equal(r.status, 201);
  });
  after(async () => {
    await b?.cleanup();
  });

  const stillServing = async () => {
    assert.equal((await httpsRequest(`${b.url}/livez`, 'GET', { ca })).status, 200);
    const r = await b.request('GET', '/api/v1/namespaces/default/configmaps');
    assert.equal(r.status, 200);
    assert.ok(r.json().items.some((c: { metadata: { name: string } }) => c.metadata.name === 'survivor'));
  };

  // Fewer than the auth-failure threshold (10) in total, so that each answer is the 401 itself.
  const malformed: Array<[string, Record<string, string | string[]>]> = [
    ['Bearer with no token', { Authorization: 'Bearer' }],
    ['Bearer with two tokens', { Authorization: 'Bearer aaaaaaaa bbbbbbbb' }],
    ['two Authorization headers', { Authorization: ['Bearer aaaaaaaa', 'Bearer bbbbbbbb'] }],
    ['a 10 KiB token', { Authorization: `Bearer ${'x'.repeat(10 * 1024)}` }],
    // the UTF-8 bytes of "tökén✓", sent as they are
    ['a non-ASCII token', { Authorization: `Bearer ${Buffer.from('tökén✓', 'utf8').toString('latin1')}` }],
  ];
  for (const [what, headers] of malformed) {
    test(`malformed Authorization (${what}) is a 401 Status`, async () => {
      const r = await rawRequest(`${b.url}/api/v1/namespaces/default/configmaps`, ca, { headers });
      assertStatus(r, 401, 'Unauthorized', what);
      assert.doesNotMatch(r.text, /aaaaaaaa|bbbbbbbb|xxxxxxxx/, 'the token is not echoed');
      await stillServing();
    });
  }

  test('a header of another scheme (Basic) is not a credential: 401 like no credentials', async () => {
    const r = await rawRequest(`${b.url}/api/v1/namespaces`, ca, { headers: { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } });
    assertStatus(r, 401, 'Unauthorized', 'Basic');
    await stillServing();
  });

  const role = (rules: unknown[], extra: Record<string, unknown> = {}) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'r1', namespace: 'default' },
    rules,
    ...extra,
  });

  test('a Role with empty verbs is 422 Invalid', async () => {
    const r = await b.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', role([{ apiGroups: [''], resources: ['pods'], verbs: [] }]));
    const s = assertStatus(r, 422, 'Invalid', 'empty verbs');
    assert.match(String(s.message), /rules\[0\]\.verbs: Required value/);
    assert.equal((s.details as { kind: string }).kind, 'Role');
    assert.equal((await b.request('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/r1')).status, 404);
    await stillServing();
  });

  test('a Role with an unknown field under fieldValidation=Strict is 400; kubectl reports it', async () => {
    const body = role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'], verbz: ['list'] }]);
    const r = await b.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles?fieldValidation=Strict', body);
    const s = assertStatus(r, 400, 'BadRequest', 'unknown field');
    assert.match(String(s.message), /unknown field "rules\[0\]\.verbz"/);
    assert.equal((await b.request('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/r1')).status, 404);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-access-bad-'));
    try {
      const f = path.join(dir, 'role.yaml');
      await writeFile(f, JSON.stringify(body));
      const k = await b.kubectl(['create', '-f', f]);
      assert.notEqual(k.code, 0);
      assert.match(k.stderr, /unknown field "rules\[0\]\.verbz"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await stillServing();
  });

  test('a RoleBinding whose roleRef.kind is Bogus is 422 naming the supported kinds', async () => {
    const r = await b.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb1' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Bogus', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
    });
    const s = assertStatus(r, 422, 'Invalid', 'roleRef.kind Bogus');
    assert.match(String(s.message), /roleRef\.kind: Unsupported value: "Bogus": supported values: "Role", "ClusterRole"/);
    assert.equal((await b.request('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/rb1')).status, 404);
    await stillServing();
  });

  test('a ClusterRoleBinding may not reference a Role (422)', async () => {
    const r = await b.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'crb1' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
    });
    const s = assertStatus(r, 422, 'Invalid', 'ClusterRoleBinding to a Role');
    assert.match(String(s.message), /roleRef\.kind: Unsupported value: "Role": supported values: "ClusterRole"/);
    await stillServing();
  });
});

describe('anonymous requests with --anonymous-auth', () => {
  let b: BulwarkProcess;
  let ca: string;

  before(async () => {
    b = await startBulwark({ args: ['--anonymous-auth'] });
    ca = await readFile(path.join(b.dataDir, 'ca.crt'), 'utf8');
  });
  after(async () => {
    await b?.cleanup();
  });

  test('a request without credentials is system:anonymous and RBAC answers 403', async () => {
    const r = await httpsRequest(`${b.url}/api/v1/namespaces`, 'GET', { ca });
    const s = assertStatus(r, 403, 'Forbidden', 'anonymous list namespaces');
    assert.equal(s.message, 'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope');
    const secret = await httpsRequest(`${b.url}/api/v1/namespaces/default/secrets/x`, 'GET', { ca });
    assert.equal(assertStatus(secret, 403, 'Forbidden', 'anonymous get secret').message, 'secrets "x" is forbidden: User "system:anonymous" cannot get resource "secrets" in API group "" in the namespace "default"');
    // system:public-info-viewer covers the health and version endpoints for system:unauthenticated
    for (const p of ['/livez', '/readyz', '/healthz', '/version']) assert.equal((await httpsRequest(`${b.url}${p}`, 'GET', { ca })).status, 200, p);
  });

  test('RBAC can grant system:unauthenticated (and only it reaches anonymous callers)', async () => {
    const role = await b.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'public-cm' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
    });
    assert.equal(role.status, 201, role.text);
    const binding = await b.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'public-cm' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'public-cm' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' }],
    });
    assert.equal(binding.status, 201, binding.text);
    const deadline = Date.now() + 5000;
    let r: HttpResult;
    do {
      r = await httpsRequest(`${b.url}/api/v1/namespaces/default/configmaps`, 'GET', { ca });
      if (r.status === 200) break;
      await new Promise((res) => setTimeout(res, 100));
    } while (Date.now() < deadline);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().kind, 'ConfigMapList');
  });

  test('a bad token is still 401, never anonymous', async () => {
    const r = await rawRequest(`${b.url}/version`, ca, { headers: { Authorization: 'Bearer not-a-valid-token' } });
    assertStatus(r, 401, 'Unauthorized', 'bad token with anonymous auth on');
  });
});

describe('repeated authentication failures from one address are slowed down', () => {
  let b: BulwarkProcess;
  let ca: string;
  let tmp: string;

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-access-limit-'));
    const csv = path.join(tmp, 'tokens.csv');
    await writeFile(csv, `${STATIC_TOKEN},dana,dana-uid,"ops"\n`, { mode: 0o600 });
    b = await startBulwark({ args: ['--token-auth-file', csv] });
    ca = await readFile(path.join(b.dataDir, 'ca.crt'), 'utf8');
  });
  after(async () => {
    await b?.cleanup();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('more than 10 bad tokens from 127.0.0.1 get 429 with Retry-After; client certificates still work', async () => {
    const bad = (i: number) => rawRequest(`${b.url}/api/v1/namespaces`, ca, { headers: { Authorization: `Bearer wrong-token-${i}` }, localAddress: '127.0.0.1' });
    const ok = await rawRequest(`${b.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, ca, {
      method: 'POST',
      headers: { Authorization: `Bearer ${STATIC_TOKEN}` },
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      localAddress: '127.0.0.1',
    });
    assert.equal(ok.status, 201, `the valid token works before the failures: ${ok.text}`);

    for (let i = 1; i <= 10; i++) assertStatus(await bad(i), 401, 'Unauthorized', `bad token #${i}`);
    const limited = await bad(11);
    const s = assertStatus(limited, 429, 'TooManyRequests', 'bad token #11');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600, `Retry-After: ${String(limited.headers['retry-after'])}`);
    assert.equal((s.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds, retryAfter);
    assert.doesNotMatch(limited.text, /wrong-token/);

    // the admin's client certificate is not a bearer token: unaffected
    const admin = await b.request('GET', '/api/v1/namespaces');
    assert.equal(admin.status, 200, admin.text);
    assert.ok(admin.json().items.length >= 4);
    // even when it also carries an Authorization header, from the limited address
    const adminWithHeader = await b.request('GET', '/api/v1/namespaces', undefined, { Authorization: 'Bearer wrong-token-12' });
    assert.equal(adminWithHeader.status, 200, adminWithHeader.text);
    // a valid token from another source address is not locked out
    const elsewhere = await rawRequest(`${b.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, ca, {
      method: 'POST',
      headers: { Authorization: `Bearer ${STATIC_TOKEN}` },
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      localAddress: '127.0.0.2',
    });
    assert.equal(elsewhere.status, 201, `valid token from 127.0.0.2: ${elsewhere.text}`);
    assert.equal(elsewhere.json().status.userInfo.username, 'dana');
    // and that address keeps its own count: a bad token there is a plain 401
    const badElsewhere = await rawRequest(`${b.url}/api/v1/namespaces`, ca, { headers: { Authorization: 'Bearer wrong-token-x' }, localAddress: '127.0.0.2' });
    assertStatus(badElsewhere, 401, 'Unauthorized', 'bad token from 127.0.0.2');
    // anonymous-safe endpoints are still served to the throttled address
    assert.equal((await rawRequest(`${b.url}/livez`, ca, { localAddress: '127.0.0.1' })).status, 200);
  });
});
