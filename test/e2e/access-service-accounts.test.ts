// Issue 3 acceptance, service accounts: bound tokens from `kubectl create token` meet RBAC, access
// reviews and whoami; tokens die with their ServiceAccount and cannot be forged, replayed for another
// audience, or revived by recreating the account; TokenReview and OIDC discovery work.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import {
  eventually,
  startBulwark,
  httpsRequest,
  KUBECTL_127,
  type BulwarkProcess,
  type HttpResult,
  type KubectlOptions,
  tokenClient,
  type UserClient,
} from './harness.js';

const FORBIDDEN_SECRETS = 'secrets is forbidden: User "system:serviceaccount:demo:ci" cannot list resource "secrets" in API group "" in the namespace "demo"';

/** Credentials a test user presents, without the admin kubeconfig. */

/** Retries `fn` until it stops throwing, for caches (RBAC) that catch up shortly after a write. */
/**
 * POSTs a TokenReview as the admin and returns its status. A token that does not authenticate is
 * still a successful review (201, authenticated unset or false), never an error for the reviewer.
 */
async function reviewToken(b: BulwarkProcess, token: string, audiences?: string[]): Promise<{ authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[] }; audiences?: string[]; error?: string }> {
  const r = await b.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: audiences ? { token, audiences } : { token },
  });
  assert.equal(r.status, 201, `TokenReview answered ${r.status} ${r.text}`);
  const review = r.json();
  assert.equal(review.kind, 'TokenReview');
  assert.equal(review.spec?.token, undefined, 'the reviewed token is not echoed back');
  return review.status;
}

function assertUnauthorized(r: HttpResult, what: string): void {
  assert.equal(r.status, 401, `${what}: expected 401, got ${r.status} ${r.text}`);
  const s = r.json();
  assert.equal(s.kind, 'Status');
  assert.equal(s.reason, 'Unauthorized');
  assert.equal(s.code, 401);
}

describe('service-account tokens with RBAC (kubectl create token, auth can-i, auth whoami)', () => {
  let b: BulwarkProcess;
  let ci: UserClient;
  let token: string;

  const ok = (args: string[], opts?: KubectlOptions) => b.kubectlOk(args, opts);

  before(async () => {
    b = await startBulwark();
    await ok(['create', 'namespace', 'demo']);
    await ok(['create', 'serviceaccount', 'ci', '-n', 'demo']);
    await ok(['-n', 'demo', 'create', 'secret', 'generic', 'db', '--from-literal=password=s3cr3t']);
    token = (await ok(['create', 'token', 'ci', '-n', 'demo'])).stdout.trim();
    ci = await tokenClient(b, token);
  });
  after(async () => {
    await b?.cleanup();
  });

  test('kubectl create token issues a bound JWT for the service account', async () => {
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = decodeJwt(token);
    const sa = JSON.parse((await ok(['get', 'sa', 'ci', '-n', 'demo', '-o', 'json'])).stdout);
    assert.equal(claims.sub, 'system:serviceaccount:demo:ci');
    assert.equal(claims.iss, 'https://kubernetes.default.svc.cluster.local');
    assert.deepEqual(claims.aud, ['https://kubernetes.default.svc.cluster.local']);
    assert.deepEqual((claims['kubernetes.io'] as Record<string, unknown>)['serviceaccount'], { name: 'ci', uid: sa.metadata.uid });
    assert.equal((claims['kubernetes.io'] as Record<string, unknown>)['namespace'], 'demo');
    const lifetime = claims.exp! - claims.iat!;
    assert.equal(lifetime, 3600, 'the default duration is one hour');
  });

  test('every namespace has a default ServiceAccount', async () => {
    for (const ns of ['default', 'demo', 'kube-system']) {
      await eventually(async () => {
        const r = await b.request('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`);
        assert.equal(r.status, 200, `default SA in ${ns}: ${r.text}`);
      });
    }
  });

  test('without a binding the token user is refused with kube-apiserver’s message', async () => {
    const r = await ci.kubectl(['get', 'secrets', '-n', 'demo']);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim(), `Error from server (Forbidden): ${FORBIDDEN_SECRETS}`);
    const pods = await ci.kubectl(['get', 'pods', '-n', 'demo']);
    assert.notEqual(pods.code, 0);
    assert.match(pods.stderr, /pods is forbidden: User "system:serviceaccount:demo:ci" cannot list resource "pods" in API group "" in the namespace "demo"/);
    const raw = await ci.request('GET', '/api/v1/namespaces/demo/secrets');
    assert.equal(raw.status, 403);
    const s = raw.json();
    assert.equal(s.reason, 'Forbidden');
    assert.equal(s.message, FORBIDDEN_SECRETS);
    assert.deepEqual(s.details, { kind: 'secrets' });
  });

  test('auth can-i answers no for the service account, yes for the admin', async () => {
    const no = await b.kubectl(['auth', 'can-i', 'create', 'deployments', '-n', 'demo', '--as', 'system:serviceaccount:demo:ci']);
    assert.equal(no.stdout.trim(), 'no');
    assert.notEqual(no.code, 0, 'can-i exits non-zero on "no"');
    const listPods = await b.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'demo', '--as', 'system:serviceaccount:demo:ci']);
    assert.equal(listPods.stdout.trim(), 'no');
    const admin = await ok(['auth', 'can-i', 'create', 'deployments', '-n', 'demo']);
    assert.equal(admin.stdout.trim(), 'yes');
  });

  test('after a RoleBinding to view the token lists pods but still not secrets', async () => {
    const r = await ok(['create', 'rolebinding', 'ci-view', '--clusterrole=view', '--serviceaccount=demo:ci', '-n', 'demo']);
    assert.match(r.stdout, /rolebinding.rbac.authorization.k8s.io\/ci-view created/);
    const pods = await eventually(async () => {
      const p = await ci.kubectl(['get', 'pods', '-n', 'demo']);
      assert.equal(p.code, 0, p.stderr);
      return p;
    });
    assert.match(pods.stderr, /No resources found in demo namespace/);
    await ok(['-n', 'demo', 'run', 'web', '--image=nginx:1.25']);
    const listed = await ci.kubectl(['get', 'pods', '-n', 'demo', '-o', 'name']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout.trim(), 'pod/web');
    const secrets = await ci.kubectl(['get', 'secrets', '-n', 'demo']);
    assert.notEqual(secrets.code, 0);
    assert.equal(secrets.stderr.trim(), `Error from server (Forbidden): ${FORBIDDEN_SECRETS}`);
    // view is namespaced by the binding: other namespaces stay closed
    const other = await ci.kubectl(['get', 'pods', '-n', 'default']);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /cannot list resource "pods" in API group "" in the namespace "default"/);
    // view grants reads only
    const write = await ci.kubectl(['-n', 'demo', 'create', 'configmap', 'x', '--from-literal=a=b']);
    assert.notEqual(write.code, 0);
    assert.match(write.stderr, /configmaps is forbidden: User "system:serviceaccount:demo:ci" cannot create resource "configmaps" in API group "" in the namespace "demo"/);
  });

  test('auth can-i reflects the binding: list pods yes, create deployments and get secrets no', async () => {
    const yes = await b.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'demo', '--as', 'system:serviceaccount:demo:ci']);
    assert.equal(yes.stdout.trim(), 'yes', yes.stderr);
    assert.equal(yes.code, 0);
    const no = await b.kubectl(['auth', 'can-i', 'create', 'deployments', '-n', 'demo', '--as', 'system:serviceaccount:demo:ci']);
    assert.equal(no.stdout.trim(), 'no');
    const secrets = await ci.kubectl(['auth', 'can-i', 'get', 'secrets', '-n', 'demo']);
    assert.equal(secrets.stdout.trim(), 'no');
    const selfPods = await ci.kubectl(['auth', 'can-i', 'watch', 'pods', '-n', 'demo']);
    assert.equal(selfPods.stdout.trim(), 'yes', selfPods.stderr);
  });

  test('auth can-i --list shows the token user’s rules, and everything for the admin', async () => {
    const mine = await ci.kubectl(['auth', 'can-i', '--list', '-n', 'demo']);
    assert.equal(mine.code, 0, mine.stderr);
    assert.match(mine.stdout, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    assert.match(mine.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]/m);
    assert.match(mine.stdout, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/m);
    assert.match(mine.stdout, /\[\/api\/\*\]\s+\[\]\s+\[get\]/);
    assert.doesNotMatch(mine.stdout, /^secrets\s/m, 'view does not read secrets');
    const elsewhere = await ci.kubectl(['auth', 'can-i', '--list', '-n', 'default']);
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    assert.doesNotMatch(elsewhere.stdout, /^pods\s/m);
    const admin = await ok(['auth', 'can-i', '--list', '-n', 'demo']);
    assert.match(admin.stdout, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/m);
  });

  test('auth whoami works for the admin and the token user', async () => {
    const admin = JSON.parse((await ok(['auth', 'whoami', '-o', 'json'])).stdout);
    assert.equal(admin.kind, 'SelfSubjectReview');
    assert.equal(admin.apiVersion, 'authentication.k8s.io/v1');
    assert.ok(admin.status.userInfo.groups.includes('system:masters'));
    assert.ok(admin.status.userInfo.groups.includes('system:authenticated'));
    const sa = JSON.parse((await ci.kubectl(['auth', 'whoami', '-o', 'json'])).stdout);
    const uid = JSON.parse((await ok(['get', 'sa', 'ci', '-n', 'demo', '-o', 'json'])).stdout).metadata.uid;
    assert.equal(sa.status.userInfo.username, 'system:serviceaccount:demo:ci');
    assert.equal(sa.status.userInfo.uid, uid);
    assert.deepEqual(sa.status.userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:demo', 'system:authenticated']);
    assert.deepEqual(sa.status.userInfo.extra['authentication.kubernetes.io/credential-id'], [`JTI=${decodeJwt(token).jti}`]);
    const table = await ci.kubectl(['auth', 'whoami']);
    assert.match(table.stdout, /^Username\s+system:serviceaccount:demo:ci$/m);
  });

  test('kubectl 1.27: forbidden message, can-i and whoami', async () => {
    const secrets = await ci.kubectl(['get', 'secrets', '-n', 'demo'], { binary: KUBECTL_127 });
    assert.notEqual(secrets.code, 0);
    assert.equal(secrets.stderr.trim(), `Error from server (Forbidden): ${FORBIDDEN_SECRETS}`);
    const pods = await ci.kubectl(['get', 'pods', '-n', 'demo', '-o', 'name'], { binary: KUBECTL_127 });
    assert.equal(pods.code, 0, pods.stderr);
    assert.equal(pods.stdout.trim(), 'pod/web');
    const can = await b.kubectl(['auth', 'can-i', 'create', 'deployments', '-n', 'demo', '--as', 'system:serviceaccount:demo:ci'], { binary: KUBECTL_127 });
    assert.equal(can.stdout.trim(), 'no');
    const list = await ci.kubectl(['auth', 'can-i', '--list', '-n', 'demo'], { binary: KUBECTL_127 });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]/m);
    const who = await ci.kubectl(['auth', 'whoami'], { binary: KUBECTL_127 });
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /^Username\s+system:serviceaccount:demo:ci$/m);
  });

  test('TokenReview: a valid token is authenticated as its service account, garbage is not', async () => {
    const g = await reviewToken(b, token);
    assert.equal(g.authenticated, true);
    assert.equal(g.user?.username, 'system:serviceaccount:demo:ci');
    assert.ok(g.user?.groups?.includes('system:serviceaccounts:demo'));
    assert.deepEqual(g.audiences, ['https://kubernetes.default.svc.cluster.local']);

    // the token user itself may not review tokens (it would be an oracle)
    const self = await ci.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    assert.equal(self.status, 403);
    assert.match(self.json().message, /cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope/);
    // not a JWT, a JWT-shaped string, and our token with its signature damaged
    for (const garbage of ['not-a-token', 'a.b.c', `${token.slice(0, -4)}AAAA`]) {
      const bad = await reviewToken(b, garbage);
      assert.notEqual(bad.authenticated, true, `token ${garbage.slice(0, 20)}…`);
      assert.equal(bad.user?.username, undefined);
    }
  });

  test('OIDC discovery and JWKS are readable with a token and verify the server’s tokens', async () => {
    const conf = await ci.request('GET', '/.well-known/openid-configuration');
    assert.equal(conf.status, 200, conf.text);
    const c = conf.json();
    assert.equal(c.issuer, 'https://kubernetes.default.svc.cluster.local');
    assert.match(c.jwks_uri, /\/openid\/v1\/jwks$/);
    assert.deepEqual(c.response_types_supported, ['id_token']);
    assert.deepEqual(c.subject_types_supported, ['public']);
    assert.ok(c.id_token_signing_alg_values_supported.includes('RS256'));
    const jwksRes = await ci.request('GET', '/openid/v1/jwks');
    assert.equal(jwksRes.status, 200, jwksRes.text);
    const jwks = jwksRes.json();
    assert.ok(Array.isArray(jwks.keys) && jwks.keys.length >= 1);
    for (const k of jwks.keys) assert.equal(k.d, undefined, 'no private key material is published');
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: c.issuer, audience: 'https://kubernetes.default.svc.cluster.local' });
    assert.equal(payload.sub, 'system:serviceaccount:demo:ci');
    assert.ok(jwks.keys.some((k: { kid: string }) => k.kid === protectedHeader.kid));
    // the published keys do not verify a token from another key
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreign = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: protectedHeader.kid! }).sign(privateKey);
    await assert.rejects(jwtVerify(foreign, createLocalJWKSet(jwks)));
    // without credentials discovery is closed (anonymous auth is off by default)
    const ca = await readFile(path.join(b.dataDir, 'ca.crt'), 'utf8');
    const anon = await httpsRequest(`${b.url}/openid/v1/jwks`, 'GET', { ca });
    assert.equal(anon.status, 401);
  });

  test('deleting the ServiceAccount makes kubectl with its token fail to log in', async () => {
    const before = await ci.kubectl(['get', 'pods', '-n', 'demo', '-o', 'name']);
    assert.equal(before.code, 0, before.stderr);
    await ok(['delete', 'sa', 'ci', '-n', 'demo']);
    const r = await ci.kubectl(['get', 'pods', '-n', 'demo']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/);
  });
});

describe('service-account token validity (forged, expired, foreign, other audience, deleted, recreated)', () => {
  const ISSUER = 'https://issuer.bulwark.test';
  const AUDIENCES = ['https://issuer.bulwark.test', 'bulwark-api'];
  let b: BulwarkProcess;
  let token: string;
  const ok = (args: string[], opts?: KubectlOptions) => b.kubectlOk(args, opts);
  /** One request with the token: a single failure for the auth-failure limiter, unlike kubectl's retries. */
  const whoami = async (t: string) => (await tokenClient(b, t)).request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  const signingKey = async () => createPrivateKey(await readFile(path.join(b.dataDir, 'sa.key'), 'utf8'));
  const forge = async (payload: JWTPayload, key?: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT(payload).setProtectedHeader(decodeProtectedHeader(token) as { alg: string; kid: string }).sign(key ?? (await signingKey()));

  before(async () => {
    b = await startBulwark({ args: ['--service-account-issuer', ISSUER, '--api-audiences', AUDIENCES.join(',')] });
    await ok(['create', 'namespace', 'demo']);
    await ok(['create', 'serviceaccount', 'ci', '-n', 'demo']);
    token = (await ok(['create', 'token', 'ci', '-n', 'demo'])).stdout.trim();
  });
  after(async () => {
    await b?.cleanup();
  });

  test('the issuer and audiences flags shape the token, and it authenticates', async () => {
    const claims = decodeJwt(token);
    assert.equal(claims.iss, ISSUER);
    assert.deepEqual(claims.aud, AUDIENCES);
    const r = await whoami(token);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json().status.userInfo.username, 'system:serviceaccount:demo:ci');
    const conf = await (await tokenClient(b, token)).request('GET', '/.well-known/openid-configuration');
    assert.equal(conf.json().issuer, ISSUER);
  });

  test('the sa.key signing key is private (0600)', async () => {
    assert.equal((await stat(path.join(b.dataDir, 'sa.key'))).mode & 0o777, 0o600);
  });

  test('a token re-signed with the server key and current times is accepted (control for the forgeries)', async () => {
    const claims = decodeJwt(token);
    const now = Math.floor(Date.now() / 1000);
    const copy = await forge({ ...claims, iat: now, nbf: now, exp: now + 600 });
    const r = await whoami(copy);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json().status.userInfo.username, 'system:serviceaccount:demo:ci');
  });

  test('an expired token is 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await forge({ ...decodeJwt(token), iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    assertUnauthorized(await whoami(expired), 'expired token');
  });

  test('a token signed by another key is 401', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreign = await forge(decodeJwt(token), privateKey);
    assertUnauthorized(await whoami(foreign), 'foreign key');
  });

  test('a token with a changed payload (signature kept) is 401', async () => {
    const [h, , sig] = token.split('.');
    const claims = decodeJwt(token);
    const longer = { ...claims, exp: claims.exp! + 365 * 24 * 3600 };
    const tampered = `${h}.${Buffer.from(JSON.stringify(longer)).toString('base64url')}.${sig}`;
    assertUnauthorized(await whoami(tampered), 'extended exp');
    // the same signature over a payload that names a more powerful service account
    const k8s = claims['kubernetes.io'] as { namespace: string; serviceaccount: { name: string; uid: string } };
    const promoted = { ...claims, sub: 'system:serviceaccount:kube-system:ci', 'kubernetes.io': { ...k8s, namespace: 'kube-system' } };
    assertUnauthorized(await whoami(`${h}.${Buffer.from(JSON.stringify(promoted)).toString('base64url')}.${sig}`), 'namespace flipped');
  });

  test('a token for another audience is 401 to the API but passes a TokenReview for that audience', async () => {
    const other = (await ok(['create', 'token', 'ci', '-n', 'demo', '--audience', 'other'])).stdout.trim();
    assert.deepEqual(decodeJwt(other).aud, ['other']);
    assertUnauthorized(await whoami(other), 'audience other');
    const review = await reviewToken(b, other, ['other']);
    assert.equal(review.authenticated, true);
    assert.equal(review.user?.username, 'system:serviceaccount:demo:ci');
    assert.deepEqual(review.audiences, ['other']);
    const apiReview = await reviewToken(b, other);
    assert.notEqual(apiReview.authenticated, true, 'by default a review asks for the API audiences');
  });

  test('deleting the ServiceAccount makes its tokens 401; recreating it does not revive them', async () => {
    const second = (await ok(['create', 'token', 'ci', '-n', 'demo', '--duration=10m'])).stdout.trim();
    const exp = decodeJwt(second);
    assert.equal(exp.exp! - exp.iat!, 600);
    assert.equal((await whoami(second)).status, 201);
    await ok(['delete', 'serviceaccount', 'ci', '-n', 'demo']);
    assertUnauthorized(await whoami(token), 'token of a deleted SA');
    await ok(['create', 'serviceaccount', 'ci', '-n', 'demo']);
    assertUnauthorized(await whoami(second), 'token of the old SA after recreation');
    const fresh = (await ok(['create', 'token', 'ci', '-n', 'demo'])).stdout.trim();
    const r = await whoami(fresh);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json().status.userInfo.uid, JSON.parse((await ok(['get', 'sa', 'ci', '-n', 'demo', '-o', 'json'])).stdout).metadata.uid);
    assert.equal((await reviewToken(b, fresh)).authenticated, true);
    assert.notEqual((await reviewToken(b, token)).authenticated, true, 'TokenReview of a token whose SA was recreated');
  });

  test('the server still serves after the refused tokens', async () => {
    const r = await b.request('GET', '/api/v1/namespaces/demo/serviceaccounts');
    assert.equal(r.status, 200);
    assert.ok(r.json().items.some((sa: { metadata: { name: string } }) => sa.metadata.name === 'ci'));
  });
});
