import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { RequestContext } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { InMemoryObjectLookup } from './lookup.js';
import { ServiceAccountTokenAuthenticator, ServiceAccountTokenIssuer, keyIdFromPublicKey } from './service-account-token.js';
import { openidConfiguration } from './oidc-discovery.js';

const ISS = 'https://kubernetes.default.svc.cluster.local';
const AUD = [ISS];

function ctxWith(token: string): RequestContext {
  const authorization = `Bearer ${token}`;
  return { req: { headers: { authorization }, rawHeaders: ['Authorization', authorization] } } as unknown as RequestContext;
}

async function tmpdir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-sa-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function world(): InMemoryObjectLookup {
  const lookup = new InMemoryObjectLookup();
  lookup.set('', 'serviceaccounts', 'ns1', 'builder', { metadata: { name: 'builder', namespace: 'ns1', uid: 'sa-uid' } });
  lookup.set('', 'pods', 'ns1', 'build-0', { metadata: { name: 'build-0', namespace: 'ns1', uid: 'pod-uid' } });
  lookup.set('', 'secrets', 'ns1', 'holder', { metadata: { name: 'holder', namespace: 'ns1', uid: 'secret-uid' } });
  lookup.set('', 'nodes', '', 'node-a', { metadata: { name: 'node-a', uid: 'node-uid' } });
  return lookup;
}

const SA = { namespace: 'ns1', serviceAccountName: 'builder', serviceAccountUid: 'sa-uid' };

async function expect401(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected StatusError, got ${String(err)}`);
    assert.equal(err.code, 401);
    assert.equal(err.reason, 'Unauthorized');
    assert.equal(err.message, 'Unauthorized');
    return err;
  }
  assert.fail('expected a 401');
}

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const dir = await tmpdir(t);
  const keyFile = path.join(dir, 'sa.key');
  const issuer = await ServiceAccountTokenIssuer.load({ signingKeyFile: keyFile, issuer: ISS, apiAudiences: AUD });
  const lookup = world();
  const reasons: string[] = [];
  const auth = new ServiceAccountTokenAuthenticator(issuer, lookup, { logger: (m) => reasons.push(m) });
  return { dir, keyFile, issuer, lookup, auth, reasons };
}

async function signWith(keyFile: string, payload: JWTPayload, header: { alg: string; kid?: string }): Promise<string> {
  const key = createPrivateKey(await readFile(keyFile, 'utf8'));
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

test('a missing signing key is generated as RSA-2048 with mode 0600; reloading keeps its kid', async (t) => {
  const { keyFile, issuer } = await setup(t);
  const st = await stat(keyFile);
  assert.equal(st.mode & 0o777, 0o600);
  const priv = createPrivateKey(await readFile(keyFile, 'utf8'));
  assert.equal(priv.asymmetricKeyType, 'rsa');
  assert.equal(priv.asymmetricKeyDetails?.modulusLength, 2048);
  const spki = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  const expectedKid = createHash('sha256').update(spki).digest('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  assert.equal(issuer.keyId, expectedKid);
  const again = await ServiceAccountTokenIssuer.load({ signingKeyFile: keyFile, issuer: ISS, apiAudiences: AUD });
  assert.equal(again.keyId, expectedKid);
});

test('a signing key readable by others, a small RSA key or another curve is refused', async (t) => {
  const dir = await tmpdir(t);
  const loose = path.join(dir, 'loose.key');
  await writeFile(loose, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o644 });
  await chmod(loose, 0o644);
  await assert.rejects(ServiceAccountTokenIssuer.load({ signingKeyFile: loose, issuer: ISS, apiAudiences: AUD }), /0644/);

  const small = path.join(dir, 'small.key');
  await writeFile(small, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await assert.rejects(ServiceAccountTokenIssuer.load({ signingKeyFile: small, issuer: ISS, apiAudiences: AUD }), /1024 bits is too small/);

  const p384 = path.join(dir, 'p384.key');
  await writeFile(p384, generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await assert.rejects(ServiceAccountTokenIssuer.load({ signingKeyFile: p384, issuer: ISS, apiAudiences: AUD }), /secp384r1 is not supported/);
});

test('issue → authenticate round trip, with upstream claims and user info', async (t) => {
  const { issuer, auth } = await setup(t);
  const before = Math.floor(Date.now() / 1000);
  const { token, expirationTimestamp } = await issuer.issue({ ...SA, boundObject: { kind: 'Pod', name: 'build-0', uid: 'pod-uid', node: { name: 'node-a', uid: 'node-uid' } } });

  const header = decodeProtectedHeader(token);
  assert.deepEqual(header, { alg: 'RS256', kid: issuer.keyId });
  const claims = decodeJwt(token);
  assert.equal(claims.iss, ISS);
  assert.equal(claims.sub, 'system:serviceaccount:ns1:builder');
  assert.deepEqual(claims.aud, AUD);
  assert.ok(claims.iat! >= before && claims.iat! <= before + 2);
  assert.equal(claims.nbf, claims.iat);
  assert.equal(claims.exp! - claims.iat!, 3600);
  assert.match(claims.jti!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(claims['kubernetes.io'], {
    namespace: 'ns1',
    serviceaccount: { name: 'builder', uid: 'sa-uid' },
    pod: { name: 'build-0', uid: 'pod-uid' },
    node: { name: 'node-a', uid: 'node-uid' },
  });
  assert.equal(expirationTimestamp, new Date(claims.exp! * 1000).toISOString().replace('.000Z', 'Z'));

  const user = await auth.authenticate(ctxWith(token));
  assert.deepEqual(user, {
    username: 'system:serviceaccount:ns1:builder',
    uid: 'sa-uid',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'],
    extra: {
      'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`],
      'authentication.kubernetes.io/pod-name': ['build-0'],
      'authentication.kubernetes.io/pod-uid': ['pod-uid'],
      'authentication.kubernetes.io/node-name': ['node-a'],
      'authentication.kubernetes.io/node-uid': ['node-uid'],
    },
  });
  // an unbound token carries only the credential id
  const plain = await issuer.issue(SA);
  const plainUser = await auth.authenticate(ctxWith(plain.token));
  assert.deepEqual(Object.keys(plainUser?.extra ?? {}), ['authentication.kubernetes.io/credential-id']);
});

test('expirationSeconds outside [600, 2^32] is refused as kube-apiserver words it', async (t) => {
  const { issuer } = await setup(t);
  await assert.rejects(issuer.issue({ ...SA, expirationSeconds: 599 }), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 422);
    assert.equal(err.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
    return true;
  });
  await assert.rejects(issuer.issue({ ...SA, expirationSeconds: 2 ** 32 + 1 }), /may not specify a duration larger than 2\^32 seconds/);
  const ok = await issuer.issue({ ...SA, expirationSeconds: 600 });
  const c = decodeJwt(ok.token);
  assert.equal(c.exp! - c.iat!, 600);
});

test('expired tokens are refused after the 60 s leeway, accepted within it', async (t) => {
  const { issuer, lookup } = await setup(t);
  const { token } = await issuer.issue({ ...SA, expirationSeconds: 600 });
  const exp = decodeJwt(token).exp! * 1000;
  const within = new ServiceAccountTokenAuthenticator(issuer, lookup, { now: () => exp + 30_000 });
  assert.equal((await within.authenticate(ctxWith(token)))?.username, 'system:serviceaccount:ns1:builder');
  const after = new ServiceAccountTokenAuthenticator(issuer, lookup, { now: () => exp + 61_000 });
  await expect401(after.authenticate(ctxWith(token)));
  // and a cached verification is never served past exp
  let now = Date.now();
  const cached = new ServiceAccountTokenAuthenticator(issuer, lookup, { now: () => now });
  assert.ok(await cached.authenticate(ctxWith(token)));
  now = exp + 61_000;
  await expect401(cached.authenticate(ctxWith(token)));
});

test('tokens not yet valid or issued in the future are refused', async (t) => {
  const { keyFile, issuer, auth } = await setup(t);
  const now = Math.floor(Date.now() / 1000);
  const base = { iss: ISS, sub: 'system:serviceaccount:ns1:builder', aud: AUD, exp: now + 3600, 'kubernetes.io': { namespace: 'ns1', serviceaccount: { name: 'builder', uid: 'sa-uid' } } };
  await expect401(auth.authenticate(ctxWith(await signWith(keyFile, { ...base, nbf: now + 300, iat: now }, { alg: 'RS256', kid: issuer.keyId }))));
  await expect401(auth.authenticate(ctxWith(await signWith(keyFile, { ...base, iat: now + 300 }, { alg: 'RS256', kid: issuer.keyId }))));
  // the same claims issued now are fine: the refusals above are about time alone
  assert.ok(await auth.authenticate(ctxWith(await signWith(keyFile, { ...base, iat: now, nbf: now }, { alg: 'RS256', kid: issuer.keyId }))));
});

test('a token signed by another key, or tampered with, is refused with a plain 401', async (t) => {
  const { issuer, auth, reasons } = await setup(t);
  const other = await ServiceAccountTokenIssuer.load({ signingKeyFile: path.join(await tmpdir(t), 'other.key'), issuer: ISS, apiAudiences: AUD });
  const forged = await other.issue(SA);
  await expect401(auth.authenticate(ctxWith(forged.token)));
  assert.ok(reasons.some((r) => /signature/.test(r)), reasons.join('\n'));
  assert.ok(reasons.every((r) => !r.includes(forged.token)), 'the token itself is never logged');

  const { token } = await issuer.issue(SA);
  const [h, p, s] = token.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  payload['sub'] = 'system:serviceaccount:kube-system:admin';
  (payload['kubernetes.io'] as Record<string, unknown>)['namespace'] = 'kube-system';
  const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
  await expect401(auth.authenticate(ctxWith(tampered)));
  // the untampered original still works, so the refusal was caused by the change
  assert.ok(await auth.authenticate(ctxWith(token)));
});

test('alg none and HS256 tokens claiming our issuer are refused', async (t) => {
  const { auth } = await setup(t);
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: ISS, sub: 'system:serviceaccount:ns1:builder', aud: AUD, exp: now + 600, iat: now, 'kubernetes.io': { namespace: 'ns1', serviceaccount: { name: 'builder', uid: 'sa-uid' } } };
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  await expect401(auth.authenticate(ctxWith(`${enc({ alg: 'none' })}.${enc(payload)}.x`)));
  const hs = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('k'.repeat(32)));
  await expect401(auth.authenticate(ctxWith(hs)));
});

test('audiences: a token for another audience is refused here, accepted by a review asking for it', async (t) => {
  const { issuer, auth } = await setup(t);
  const { token } = await issuer.issue({ ...SA, audiences: ['vault'] });
  await expect401(auth.authenticate(ctxWith(token)));
  const reviewed = await auth.authenticateToken(token, ['vault', 'other']);
  assert.deepEqual(reviewed?.audiences, ['vault']);
  assert.equal(reviewed?.user.username, 'system:serviceaccount:ns1:builder');
});

test('tokens of another issuer, or that are not JWTs, are not ours (undefined)', async (t) => {
  const { auth } = await setup(t);
  const foreign = await ServiceAccountTokenIssuer.load({ signingKeyFile: path.join(await tmpdir(t), 'f.key'), issuer: 'https://oidc.example.com', apiAudiences: AUD });
  const { token } = await foreign.issue(SA);
  assert.equal(await auth.authenticate(ctxWith(token)), undefined);
  assert.equal(await auth.authenticate(ctxWith('abcdef.0123456789abcdef')), undefined);
  assert.equal(await auth.authenticate(ctxWith('a.b.c')), undefined);
  assert.equal(await auth.authenticate(ctxWith('a..c')), undefined);
  const noHeader = { req: { headers: {}, rawHeaders: [] } } as unknown as RequestContext;
  assert.equal(await auth.authenticate(noHeader), undefined);
});

test('the service account must still exist with the same uid and not be long deleted', async (t) => {
  const { issuer, lookup, auth } = await setup(t);
  const { token } = await issuer.issue(SA);
  assert.ok(await auth.authenticate(ctxWith(token))); // now cached: the object checks must still run
  lookup.delete('', 'serviceaccounts', 'ns1', 'builder');
  await expect401(auth.authenticate(ctxWith(token)));
  lookup.set('', 'serviceaccounts', 'ns1', 'builder', { metadata: { name: 'builder', namespace: 'ns1', uid: 'another-uid' } });
  await expect401(auth.authenticate(ctxWith(token)));
  const twoMinutesAgo = new Date(Date.now() - 120_000).toISOString();
  lookup.set('', 'serviceaccounts', 'ns1', 'builder', { metadata: { name: 'builder', namespace: 'ns1', uid: 'sa-uid', deletionTimestamp: twoMinutesAgo } });
  await expect401(auth.authenticate(ctxWith(token)));
  // a deletion still within its grace period (plus leeway) does not cut the token off yet, as upstream
  lookup.set('', 'serviceaccounts', 'ns1', 'builder', { metadata: { name: 'builder', namespace: 'ns1', uid: 'sa-uid', deletionTimestamp: new Date().toISOString() } });
  assert.ok(await auth.authenticate(ctxWith(token)));
});

test('bound pods, secrets and nodes must still exist with the same uid', async (t) => {
  const { issuer, lookup, auth } = await setup(t);
  const pod = await issuer.issue({ ...SA, boundObject: { kind: 'Pod', name: 'build-0', uid: 'pod-uid' } });
  const secret = await issuer.issue({ ...SA, boundObject: { kind: 'Secret', name: 'holder', uid: 'secret-uid' } });
  const node = await issuer.issue({ ...SA, boundObject: { kind: 'Node', name: 'node-a', uid: 'node-uid' } });
  for (const tok of [pod, secret, node]) assert.ok(await auth.authenticate(ctxWith(tok.token)));
  assert.deepEqual((await auth.authenticate(ctxWith(node.token)))?.extra?.['authentication.kubernetes.io/node-uid'], ['node-uid']);

  lookup.set('', 'pods', 'ns1', 'build-0', { metadata: { name: 'build-0', uid: 'pod-uid', deletionTimestamp: new Date(Date.now() - 61_000).toISOString() } });
  await expect401(auth.authenticate(ctxWith(pod.token)));
  lookup.delete('', 'pods', 'ns1', 'build-0');
  await expect401(auth.authenticate(ctxWith(pod.token)));
  lookup.set('', 'pods', 'ns1', 'build-0', { metadata: { name: 'build-0', uid: 'new-pod-uid' } });
  await expect401(auth.authenticate(ctxWith(pod.token)));

  lookup.delete('', 'secrets', 'ns1', 'holder');
  await expect401(auth.authenticate(ctxWith(secret.token)));
  lookup.delete('', 'nodes', '', 'node-a');
  await expect401(auth.authenticate(ctxWith(node.token)));
  // the unbound token is unaffected by all of this
  assert.ok(await auth.authenticate(ctxWith((await issuer.issue(SA)).token)));
});

test('JWKS publishes the public keys only and verifies our tokens with jose; discovery document', async (t) => {
  const { issuer } = await setup(t);
  const jwks = issuer.jwks();
  assert.equal(jwks.keys.length, 1);
  const [key] = jwks.keys;
  assert.equal(key!.kid, issuer.keyId);
  assert.equal(key!.use, 'sig');
  assert.equal(key!.alg, 'RS256');
  assert.equal(key!.kty, 'RSA');
  for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key![priv as 'd'], undefined, `private member ${priv} leaked`);
  const { token } = await issuer.issue(SA);
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISS, audience: ISS });
  assert.equal(payload.sub, 'system:serviceaccount:ns1:builder');

  const doc = openidConfiguration(ISS, `${ISS}/openid/v1/jwks`, issuer.signingAlgorithms());
  assert.deepEqual(doc, {
    issuer: ISS,
    jwks_uri: `${ISS}/openid/v1/jwks`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
});

test('extra verification keys keep tokens of a rotated-out key valid; EC P-256 signs ES256', async (t) => {
  const dir = await tmpdir(t);
  const oldFile = path.join(dir, 'old.key');
  const old = await ServiceAccountTokenIssuer.load({ signingKeyFile: oldFile, issuer: ISS, apiAudiences: AUD });
  const oldToken = (await old.issue(SA)).token;

  const ecFile = path.join(dir, 'ec.key');
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  await writeFile(ecFile, ec.privateKey.export({ type: 'sec1', format: 'pem' }), { mode: 0o600 });
  const oldPub = path.join(dir, 'old.pub');
  await writeFile(oldPub, createPublicKey(createPrivateKey(await readFile(oldFile, 'utf8'))).export({ type: 'spki', format: 'pem' }));

  const lookup = world();
  const withoutOld = await ServiceAccountTokenIssuer.load({ signingKeyFile: ecFile, issuer: ISS, apiAudiences: AUD });
  await expect401(new ServiceAccountTokenAuthenticator(withoutOld, lookup).authenticate(ctxWith(oldToken)));

  const rotated = await ServiceAccountTokenIssuer.load({ signingKeyFile: ecFile, extraVerificationKeyFiles: [oldPub], issuer: ISS, apiAudiences: AUD });
  assert.equal(rotated.keyId, keyIdFromPublicKey(ec.publicKey));
  assert.deepEqual(rotated.jwks().keys.map((k) => [k.kid, k.alg, k.kty]), [
    [rotated.keyId, 'ES256', 'EC'],
    [old.keyId, 'RS256', 'RSA'],
  ]);
  assert.deepEqual(rotated.signingAlgorithms(), ['ES256', 'RS256']);
  const auth = new ServiceAccountTokenAuthenticator(rotated, lookup);
  assert.ok(await auth.authenticate(ctxWith(oldToken)));
  const fresh = (await rotated.issue(SA)).token;
  assert.equal(decodeProtectedHeader(fresh).alg, 'ES256');
  assert.ok(await auth.authenticate(ctxWith(fresh)));
  await jwtVerify(fresh, createLocalJWKSet(rotated.jwks()));
});

test('without the cache every request verifies again, with the same answers', async (t) => {
  const { issuer, lookup } = await setup(t);
  const auth = new ServiceAccountTokenAuthenticator(issuer, lookup, { cacheTtlMs: 0 });
  const { token } = await issuer.issue(SA);
  const a = await auth.authenticate(ctxWith(token));
  const b = await auth.authenticate(ctxWith(token));
  assert.deepEqual(a, b);
  assert.equal(a?.username, 'system:serviceaccount:ns1:builder');
});

test('the verification cache stays bounded', async (t) => {
  const { issuer, lookup } = await setup(t);
  const auth = new ServiceAccountTokenAuthenticator(issuer, lookup, { maxCacheEntries: 2 });
  const tokens = await Promise.all([1, 2, 3].map(() => issuer.issue(SA)));
  for (const tok of tokens) assert.ok(await auth.authenticate(ctxWith(tok.token)));
  assert.equal((auth as unknown as { cache: Map<string, unknown> }).cache.size, 2);
});
