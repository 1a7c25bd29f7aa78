import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { InMemoryObjectLookup } from './lookup.js';
import { BOOTSTRAP_TOKEN_SECRET_PREFIX, BootstrapTokenAuthenticator, isExpiredBootstrapSecret, parseRfc3339 } from './bootstrap-token.js';

const ID = 'abc123';
const SECRET = '0123456789abcdef';
const TOKEN = `${ID}.${SECRET}`;
const NOW = new Date('2030-01-01T00:00:00Z');

function ctxWith(token: string): RequestContext {
  const authorization = `Bearer ${token}`;
  return { req: { headers: { authorization }, rawHeaders: ['Authorization', authorization] } } as unknown as RequestContext;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

function secret(data: Record<string, string>, extra: { type?: string; deletionTimestamp?: string } = {}): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${ID}`, namespace: 'kube-system', uid: 'u1' };
  if (extra.deletionTimestamp) metadata['deletionTimestamp'] = extra.deletionTimestamp;
  return {
    metadata,
    type: extra.type ?? 'bootstrap.kubernetes.io/token',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

const VALID = {
  'token-id': ID,
  'token-secret': SECRET,
  expiration: '2030-01-02T00:00:00Z',
  'usage-bootstrap-authentication': 'true',
  'usage-bootstrap-signing': 'true',
  'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
};

function authWith(s: Record<string, unknown> | undefined) {
  const lookup = new InMemoryObjectLookup();
  if (s) lookup.set('', 'secrets', 'kube-system', `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${ID}`, s);
  const reasons: string[] = [];
  return { auth: new BootstrapTokenAuthenticator(lookup, { now: () => NOW, logger: (m) => reasons.push(m) }), reasons };
}

async function expect401(p: Promise<unknown>, reasons: string[], why: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 401);
    assert.equal(err.message, 'Unauthorized');
    return true;
  });
  assert.match(reasons.at(-1) ?? '', why);
  assert.ok(reasons.every((r) => !r.includes(SECRET)), 'the secret half is never logged');
}

test('a valid bootstrap token authenticates as system:bootstrap:<id> with its groups', async () => {
  const { auth } = authWith(secret(VALID));
  assert.deepEqual(await auth.authenticate(ctxWith(TOKEN)), {
    username: 'system:bootstrap:abc123',
    groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
  });
  const { auth: noExtra } = authWith(secret({ ...VALID, 'auth-extra-groups': '' }));
  assert.deepEqual((await noExtra.authenticate(ctxWith(TOKEN)))?.groups, ['system:bootstrappers', 'system:authenticated']);
  const { auth: noExpiry } = authWith(secret({ ...VALID, expiration: '' }));
  assert.ok(await noExpiry.authenticate(ctxWith(TOKEN)), 'a token without expiration does not expire');
});

test('other token shapes and unknown ids are not ours', async () => {
  const { auth } = authWith(secret(VALID));
  for (const t of ['ABC123.0123456789abcdef', 'abc123.0123456789abcde', 'abc12.0123456789abcdef0', 'abc123-0123456789abcdef', 'a.b.c']) {
    assert.equal(await auth.authenticate(ctxWith(t)), undefined, t);
  }
  const { auth: empty } = authWith(undefined);
  assert.equal(await empty.authenticate(ctxWith(TOKEN)), undefined);
});

test('wrong secret, expired, unusable or malformed tokens are 401', async () => {
  let w = authWith(secret(VALID));
  await expect401(w.auth.authenticate(ctxWith(`${ID}.fedcba9876543210`)), w.reasons, /token-secret/);

  w = authWith(secret({ ...VALID, expiration: '2029-12-31T23:59:59Z' }));
  await expect401(w.auth.authenticate(ctxWith(TOKEN)), w.reasons, /expired/);
  w = authWith(secret({ ...VALID, expiration: 'next tuesday' }));
  await expect401(w.auth.authenticate(ctxWith(TOKEN)), w.reasons, /expired/);

  w = authWith(secret({ ...VALID, 'usage-bootstrap-authentication': 'false' }));
  await expect401(w.auth.authenticate(ctxWith(TOKEN)), w.reasons, /usage-bootstrap-authentication/);
  const { 'usage-bootstrap-authentication': _omit, ...noUsage } = VALID;
  w = authWith(secret(noUsage));
  await expect401(w.auth.authenticate(ctxWith(TOKEN)), w.reasons, /usage-bootstrap-authentication/);

  w = authWith(secret({ ...VALID, 'auth-extra-groups': 'system:bootstrappers:ok,system:masters' }));
  await expect401(w.auth.authenticate(ctxWith(TOKEN)), w.reasons, /system:masters/);
  w = authWith(secret({ ...VALID, 'auth-extra-groups': 'system:bootstrappers:' }));
  await expect401(w.auth.authenticate(ctxWith(TOKEN)), w.reasons, /auth-extra-groups/);

  w = authWith(secret(VALID, { type: 'Opaque' }));
  await expect401(w.auth.authenticate(ctxWith(TOKEN)), w.reasons, /type/);
  w = authWith(secret(VALID, { deletionTimestamp: '2029-12-31T00:00:00Z' }));
  await expect401(w.auth.authenticate(ctxWith(TOKEN)), w.reasons, /being deleted/);
  w = authWith(secret({ ...VALID, 'token-id': 'zzz999' }));
  await expect401(w.auth.authenticate(ctxWith(TOKEN)), w.reasons, /token-id/);
});

test('isExpiredBootstrapSecret: RFC 3339 with offsets and fractions; unparseable is expired; other types never', () => {
  const at = (expiration: string) => isExpiredBootstrapSecret(secret({ ...VALID, expiration }), NOW);
  assert.equal(at('2030-01-01T00:00:01Z'), false);
  assert.equal(at('2030-01-01T00:00:00Z'), true, 'expiring exactly now is expired');
  assert.equal(at('2030-01-01T00:30:00+01:00'), true, '23:30 UTC');
  assert.equal(at('2029-12-31T23:30:00-01:00'), false, '00:30 UTC');
  assert.equal(at('2030-01-01T00:00:00.500Z'), false);
  assert.equal(at('2030-02-30T00:00:00Z'), true, 'no such day');
  assert.equal(at('2031-01-01 00:00:00Z'), true, 'not RFC 3339');
  assert.equal(at('1735689600'), true);
  assert.equal(isExpiredBootstrapSecret(secret({ ...VALID, expiration: '' }), NOW), false);
  assert.equal(isExpiredBootstrapSecret(secret({ ...VALID, expiration: '2000-01-01T00:00:00Z' }, { type: 'Opaque' }), NOW), false);
  assert.equal(parseRfc3339('2030-01-01T00:00:00Z'), NOW.getTime());
});
