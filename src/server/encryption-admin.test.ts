// Tests of the /encryption/reload and /encryption/rewrite endpoints' request handling: parameters,
// continue tokens, and a failed reload reported as a 400 that keeps the running configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../api/status.js';
import type { RewriteStaleOptions, RewriteStaleResult } from '../storage/transforming-store.js';
import { encodeRewriteContinue, parseRewriteRequest, reloadEncryption, rewriteStaleObjects, DEFAULT_REWRITE_LIMIT } from './encryption-admin.js';

const q = (s: string) => new URLSearchParams(s);

function badRequest(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof StatusError && err.code === 400 && err.reason === 'BadRequest' && message.test(err.message));
}

test('parseRewriteRequest maps a resource to its storage prefix, with the default limit', () => {
  const secrets = parseRewriteRequest(q('resource=secrets'));
  assert.equal(secrets.prefix, '/registry/secrets/');
  assert.equal(secrets.limit, DEFAULT_REWRITE_LIMIT);
  assert.equal(secrets.startAfter, undefined);
  const deployments = parseRewriteRequest(q('resource=deployments.apps&limit=20'));
  assert.equal(deployments.prefix, '/registry/deployments/');
  assert.equal(deployments.resource.group, 'apps');
  assert.equal(deployments.limit, 20);
  assert.equal(parseRewriteRequest(q('resource=services')).prefix, '/registry/services/specs/');
});

test('parseRewriteRequest refuses a missing or unknown resource and a bad limit', () => {
  badRequest(() => parseRewriteRequest(q('')), /resource parameter is required/);
  badRequest(() => parseRewriteRequest(q('resource=deployments')), /"deployments" is not served/);
  badRequest(() => parseRewriteRequest(q('resource=secrets&limit=0')), /limit must be a whole number from 1 to 10000, got "0"/);
  badRequest(() => parseRewriteRequest(q('resource=secrets&limit=2.5')), /got "2.5"/);
  badRequest(() => parseRewriteRequest(q('resource=secrets&limit=100000')), /got "100000"/);
});

test('a continue token resumes after its key, and only for the resource it came from', () => {
  const token = encodeRewriteContinue('/registry/secrets/ns/s42');
  assert.equal(parseRewriteRequest(q(`resource=secrets&continue=${token}`)).startAfter, '/registry/secrets/ns/s42');
  badRequest(() => parseRewriteRequest(q(`resource=configmaps&continue=${token}`)), /invalid continue token for resource "configmaps"/);
  badRequest(() => parseRewriteRequest(q('resource=secrets&continue=not-a-token')), /invalid continue token/);
});

test('rewriteStaleObjects passes the page to the store and returns a continue token while more remain', async () => {
  const calls: Array<{ prefix: string; opts: RewriteStaleOptions }> = [];
  const pages: RewriteStaleResult[] = [
    { scanned: 2, rewritten: 1, skipped: 1, lastKey: '/registry/secrets/a/b', more: true, remaining: 3 },
    { scanned: 3, rewritten: 3, skipped: 0, lastKey: '/registry/secrets/c/d', more: false, remaining: 0 },
  ];
  const store = {
    async rewriteStale(prefix: string, opts: RewriteStaleOptions) {
      calls.push({ prefix, opts });
      return pages[calls.length - 1]!;
    },
  };
  const first = await rewriteStaleObjects(store, q('resource=secrets&limit=2'));
  assert.deepEqual({ ...first, continue: undefined }, { resource: 'secrets', scanned: 2, rewritten: 1, skipped: 1, remaining: 3, continue: undefined });
  assert.notEqual(first.continue, '');
  const second = await rewriteStaleObjects(store, q(`resource=secrets&limit=2&continue=${first.continue}`));
  assert.equal(second.continue, '');
  assert.deepEqual(calls, [
    { prefix: '/registry/secrets/', opts: { limit: 2, startAfter: undefined } },
    { prefix: '/registry/secrets/', opts: { limit: 2, startAfter: '/registry/secrets/a/b' } },
  ]);
});

test('reloadEncryption answers the new status, or 400 naming the problem', async () => {
  let ok = true;
  const encryption = {
    reload: async () => ok,
    check: async () => {
      if (!ok) throw new Error('the encryption configuration /etc/enc.yaml was not reloaded: resources[0].providers: Required value');
    },
  };
  assert.deepEqual(await reloadEncryption(encryption, async () => ({ configFile: '/etc/enc.yaml' })), { configFile: '/etc/enc.yaml' });
  ok = false;
  await assert.rejects(
    reloadEncryption(encryption, async () => ({})),
    (err: unknown) =>
      err instanceof StatusError && err.code === 400 && /resources\[0\]\.providers: Required value; the previous configuration stays in force$/.test(err.message),
  );
});
