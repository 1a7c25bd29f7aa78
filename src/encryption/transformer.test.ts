import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { type EncryptionConfig, type ProviderConfig, parseEncryptionConfiguration } from './config.js';
import type { Provider } from './providers.js';
import { DecryptionError, buildTransformers } from './transformer.js';

const plain = Buffer.from('{"kind":"Secret"}');
const skey = '/registry/secrets/default/db';
const k1 = randomBytes(32);
const k2 = randomBytes(32);

function cfg(providers: ProviderConfig[], resources = ['secrets']): EncryptionConfig {
  return { source: 't', resources: [{ resources, providers }] };
}
const aescbc = (name: string, secret: Buffer): ProviderConfig => ({ type: 'aescbc', keys: [{ name, secret }] });
const secretbox = (name: string, secret: Buffer): ProviderConfig => ({ type: 'secretbox', keys: [{ name, secret }] });
const identity: ProviderConfig = { type: 'identity' };

test('writes with the first provider; reads it back fresh', async () => {
  const t = buildTransformers(cfg([aescbc('key1', k1), identity]))('', 'secrets');
  const stored = await t.toStorage(plain, skey);
  assert.ok(stored.toString('latin1').startsWith('k8s:enc:aescbc:v1:key1:'));
  assert.deepEqual(await t.fromStorage(stored, skey), { value: plain, stale: false });
});

test('key rotation: new key first, old second → old values readable and stale', async () => {
  const old = buildTransformers(cfg([{ type: 'aesgcm', keys: [{ name: 'old', secret: k1 }] }]))('', 'secrets');
  const oldValue = await old.toStorage(plain, skey);
  const rotated = buildTransformers(
    cfg([{ type: 'aesgcm', keys: [{ name: 'new', secret: k2 }, { name: 'old', secret: k1 }] }]),
  )('', 'secrets');
  assert.deepEqual(await rotated.fromStorage(oldValue, skey), { value: plain, stale: true });
  const newValue = await rotated.toStorage(plain, skey);
  assert.ok(newValue.toString('latin1').startsWith('k8s:enc:aesgcm:v1:new:'));
  assert.deepEqual(await rotated.fromStorage(newValue, skey), { value: plain, stale: false });
});

test('identity first: plain values fresh, encrypted values readable but stale', async () => {
  const enc = buildTransformers(cfg([secretbox('key1', k1)]))('', 'secrets');
  const encrypted = await enc.toStorage(plain, skey);
  const t = buildTransformers(cfg([identity, secretbox('key1', k1)]))('', 'secrets');
  assert.deepEqual(await t.toStorage(plain, skey), plain);
  assert.deepEqual(await t.fromStorage(encrypted, skey), { value: plain, stale: true });
  assert.deepEqual(await t.fromStorage(plain, skey), { value: plain, stale: false });
});

test('encrypted first: plain values stale with identity listed, an error without', async () => {
  const withIdentity = buildTransformers(cfg([secretbox('key1', k1), identity]))('', 'secrets');
  assert.deepEqual(await withIdentity.fromStorage(plain, skey), { value: plain, stale: true });
  const without = buildTransformers(cfg([secretbox('key1', k1)]))('', 'secrets');
  await assert.rejects(without.fromStorage(plain, skey), (err: Error) => {
    assert.ok(err instanceof DecryptionError);
    assert.match(err.message, /^cannot decrypt \/registry\/secrets\/default\/db: the value is not encrypted and identity is not among the providers \(secretbox:key1\)/);
    return true;
  });
});

test('a same-prefix failure moves on to the next provider with that prefix', async () => {
  // Two keys sharing a name in different provider entries: the first fails, the second reads.
  // aesgcm so that the wrong key fails deterministically (CBC has no MAC).
  const gcm = (secret: Buffer): ProviderConfig => ({ type: 'aesgcm', keys: [{ name: 'k', secret }] });
  const stored = await buildTransformers(cfg([gcm(k2)]))('', 'secrets').toStorage(plain, skey);
  const t = buildTransformers(cfg([gcm(k1), gcm(k2)]))('', 'secrets');
  assert.deepEqual(await t.fromStorage(stored, skey), { value: plain, stale: true });
});

test('no provider can read: message names the storage key, each provider tried and why', async () => {
  const other = buildTransformers(cfg([aescbc('key1', k2)]))('', 'secrets');
  const wrongKey = await other.toStorage(plain, skey);
  const t = buildTransformers(cfg([aescbc('key1', k1), secretbox('key2', k1), identity]))('', 'secrets');
  // Make padding fail deterministically: corrupting the last block under k1 is not guaranteed, so loop a few values.
  let message = '';
  for (let i = 0; i < 20 && message === ''; i++) {
    const v = i === 0 ? wrongKey : await other.toStorage(Buffer.concat([plain, Buffer.from(String(i))]), skey);
    await t.fromStorage(v, skey).then(
      () => undefined,
      (err: Error) => {
        message = err.message;
      },
    );
  }
  assert.equal(
    message,
    'cannot decrypt /registry/secrets/default/db: aescbc:key1: wrong key or corrupted data; identity: the value is encrypted; ' +
      'no other provider matches the prefix k8s:enc:aescbc:v1:key1:',
  );
  assert.ok(!message.includes('padding'));

  const unknown = buildTransformers(cfg([secretbox('key9', k1)]))('', 'secrets');
  const foreign = await unknown.toStorage(plain, skey);
  await assert.rejects(
    t.fromStorage(foreign, skey),
    (err: Error) =>
      err.message ===
      'cannot decrypt /registry/secrets/default/db: identity: the value is encrypted; ' +
        'no provider (aescbc:key1, secretbox:key2) matches the prefix k8s:enc:secretbox:v1:key9:',
  );
});

test('resource matching: exact, *.<group>, *. (core), *.* and uncovered resources', async () => {
  const b64 = (b: Buffer) => b.toString('base64');
  const config = parseEncryptionConfiguration(
    `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets, deployments.apps]
    providers: [{aesgcm: {keys: [{name: exact, secret: ${b64(k1)}}]}}]
  - resources: ["*.apps"]
    providers: [{aescbc: {keys: [{name: apps, secret: ${b64(k1)}}]}}]
  - resources: ["*."]
    providers: [{secretbox: {keys: [{name: core, secret: ${b64(k1)}}]}}]
`,
    't',
  );
  const lookup = buildTransformers(config);
  const prefixOf = async (group: string, resource: string) =>
    (await lookup(group, resource).toStorage(plain, `/registry/${resource}/x`)).toString('latin1').slice(0, 30);
  assert.match(await prefixOf('', 'secrets'), /^k8s:enc:aesgcm:v1:exact:/);
  assert.match(await prefixOf('apps', 'deployments'), /^k8s:enc:aesgcm:v1:exact:/);
  assert.match(await prefixOf('apps', 'statefulsets'), /^k8s:enc:aescbc:v1:apps:/);
  assert.match(await prefixOf('', 'configmaps'), /^k8s:enc:secretbox:v1:core:/);
  // Not covered: stored as is.
  assert.equal(await prefixOf('batch', 'jobs'), plain.toString().slice(0, 30));

  const all = buildTransformers(cfg([secretbox('all', k1)], ['*.*']));
  assert.match((await all('batch', 'jobs').toStorage(plain, 'k')).toString('latin1'), /^k8s:enc:secretbox:v1:all:/);
  assert.match((await all('', 'pods').toStorage(plain, 'k')).toString('latin1'), /^k8s:enc:secretbox:v1:all:/);
});

test('uncovered resources refuse encrypted values rather than returning ciphertext', async () => {
  const enc = await buildTransformers(cfg([secretbox('k', k1)]))('', 'secrets').toStorage(plain, skey);
  await assert.rejects(buildTransformers(cfg([secretbox('k', k1)]))('', 'configmaps').fromStorage(enc, skey), /cannot decrypt/);
});

const kmsEntry: ProviderConfig = { type: 'kms', apiVersion: 'v2', name: 'vault', endpoint: 'unix:///tmp/k.sock', socketPath: '/tmp/k.sock', timeoutMs: 3000 };

/** A stand-in for a kms provider: a tag byte after the prefix says which key id wrote the value. */
function taggedProvider(name: string, current: { keyId: string }): Provider {
  const prefix = Buffer.from(`k8s:enc:kms:v2:${name}:`);
  return {
    name: `kms:${name}`,
    prefix,
    async encrypt(p) {
      return Buffer.concat([prefix, Buffer.from(`${current.keyId}|`), p]);
    },
    async decrypt(stored) {
      const rest = stored.subarray(prefix.length);
      return rest.subarray(rest.indexOf('|') + 1);
    },
    isStale(stored) {
      const rest = stored.subarray(prefix.length);
      return rest.subarray(0, rest.indexOf('|')).toString() !== current.keyId;
    },
  };
}

test('kms v2 entries need a kms provider factory; without one the message says so', () => {
  assert.throws(() => buildTransformers(cfg([kmsEntry])), /kms provider "vault" at unix:\/\/\/tmp\/k\.sock needs a connection to its plugin/);
  const seen: string[] = [];
  const current = { keyId: 'k1' };
  buildTransformers(cfg([kmsEntry, identity]), { kmsProvider: (c) => (seen.push(c.type === 'kms' ? c.name : ''), taggedProvider(c.name, current)) });
  assert.deepEqual(seen, ['vault']);
});

test('the writing provider may still call its own value stale (kms: written under an old key id)', async () => {
  const current = { keyId: 'k1' };
  const t = buildTransformers(cfg([kmsEntry, secretbox('old', k1)]), { kmsProvider: (c) => taggedProvider(c.type === 'kms' ? c.name : '', current) })('', 'secrets');
  const first = await t.toStorage(plain, skey);
  assert.deepEqual(await t.fromStorage(first, skey), { value: plain, stale: false });
  current.keyId = 'k2';
  assert.deepEqual(await t.fromStorage(first, skey), { value: plain, stale: true }, 'same provider, old key id');
  assert.deepEqual(await t.fromStorage(await t.toStorage(plain, skey), skey), { value: plain, stale: false });
  // a provider without isStale behaves as before: fresh when it is the writer, stale otherwise
  const oldStored = await buildTransformers(cfg([secretbox('old', k1)]))('', 'secrets').toStorage(plain, skey);
  assert.deepEqual(await t.fromStorage(oldStored, skey), { value: plain, stale: true });
  assert.deepEqual(await buildTransformers(cfg([secretbox('old', k1)]))('', 'secrets').fromStorage(oldStored, skey), { value: plain, stale: false });
});
