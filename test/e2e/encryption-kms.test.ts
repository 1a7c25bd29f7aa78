// KMS v2 encryption at rest end to end: the example plugin on a unix socket, Bulwark writing kube's
// EncryptedObject format (checked by an independent decryption here), a plugin outage refusing writes
// with a 503 while reads and /livez go on, and a key id change making old values stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'protobufjs';
import { startBulwark, eventually, type BulwarkProcess } from './harness.js';
import { storedValue } from './stored.js';
import { startKmsPlugin, type KmsPlugin } from '../../examples/kms-plugin/plugin.js';

const PROVIDER = 'e2e-kms';
const PREFIX = `k8s:enc:kms:v2:${PROVIDER}:`;

// kube's EncryptedObject, written out again here rather than taken from the code under test
const EncryptedObject = parse(
  `syntax = "proto3";
   message EncryptedObject {
     bytes encryptedData = 1;
     string keyID = 2;
     bytes encryptedDEKSource = 3;
     map<string, bytes> annotations = 4;
     int32 encryptedDEKSourceType = 5;
   }`,
).root.lookupType('EncryptedObject');

interface Decoded {
  encryptedData: Buffer;
  keyID: string;
  encryptedDEKSource: Buffer;
  annotations: Record<string, Buffer>;
  encryptedDEKSourceType: number;
}

/** The stored bytes of one key, read from the server's database file. */

function decode(stored: Buffer): Decoded {
  assert.equal(stored.subarray(0, PREFIX.length).toString('latin1'), PREFIX);
  const msg = EncryptedObject.decode(stored.subarray(PREFIX.length));
  return EncryptedObject.toObject(msg, { defaults: true }) as Decoded;
}

function gcmOpen(key: Buffer, nonce: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
}

/** Decrypts a stored Secret with nothing but the plugin's key: seed ← plugin key, DEK ← HKDF-Expand(seed, info), data ← AES-GCM. */
function independentDecrypt(stored: Buffer, storageKey: string, pluginKey: Buffer): { keyID: string; object: Record<string, unknown> } {
  const o = decode(stored);
  assert.equal(o.encryptedDEKSourceType, 1, 'HKDF_SHA256_XNONCE_AES_GCM_SEED');
  // the example plugin's wrapping: nonce(12) ‖ ciphertext ‖ tag, with the key id as AAD
  const src = Buffer.from(o.encryptedDEKSource);
  const seed = gcmOpen(pluginKey, src.subarray(0, 12), src.subarray(12), Buffer.from(o.keyID));
  assert.equal(seed.length, 32);
  const data = Buffer.from(o.encryptedData);
  const info = data.subarray(0, 32);
  // HKDF-Expand with SHA-256, one block: T(1) = HMAC(PRK = seed, info ‖ 0x01)
  const dek = createHmac('sha256', seed).update(info).update(Buffer.of(1)).digest();
  const plain = gcmOpen(dek, data.subarray(32, 44), data.subarray(44), Buffer.from(storageKey));
  return { keyID: o.keyID, object: JSON.parse(plain.toString('utf8')) as Record<string, unknown> };
}

function kmsConfig(socketPath: string): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - kms:
      apiVersion: v2
      name: ${PROVIDER}
      endpoint: unix://${socketPath}
      timeout: 1s
  - identity: {}
`;
}

interface SecretsStatus {
  resource: string;
  writesWith: string;
  total: number;
  byProvider: Record<string, number>;
  stale: number;
}

async function secretsStatus(b: BulwarkProcess): Promise<SecretsStatus> {
  const r = await b.request('GET', '/encryption/status');
  assert.equal(r.status, 200, r.text);
  const s = (r.json().resources as SecretsStatus[]).find((x) => x.resource === 'secrets');
  assert.ok(s, r.text);
  return s;
}

test('kms v2: Secrets stored in kube\'s format, a plugin outage refuses writes with a 503 and keeps reads, a new key id makes old values stale', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-kms-'));
  const dataDir = path.join(dir, 'data');
  const socketPath = path.join(dir, 'kms.sock');
  const cfgPath = path.join(dir, 'enc.yaml');
  const key1 = randomBytes(32);
  const key2 = randomBytes(32);
  const secret = `s3cr3t-${randomBytes(6).toString('hex')}`;
  await writeFile(cfgPath, kmsConfig(socketPath), { mode: 0o600 });
  let plugin: KmsPlugin = await startKmsPlugin({ socketPath, key: key1, keyId: 'key-1' });
  const args = [
    '--encryption-provider-config', cfgPath,
    '--kms-status-interval', '300ms',
    '--kms-unhealthy-status-interval', '200ms',
    '--kms-unhealthy-after', '1500ms',
  ];
  let b: BulwarkProcess | undefined;
  try {
    // (a) the stored value is kube's format, and the plugin's key alone decrypts it
    const first = await startBulwark({ dataDir, keepData: true, args });
    b = first;
    await first.kubectlOk(['create', 'secret', 'generic', 'db', `--from-literal=password=${secret}`]);
    const ready = await first.request('GET', '/readyz?verbose');
    assert.equal(ready.status, 200, ready.text);
    assert.match(ready.text, /\[\+\]kms-providers ok/);
    await first.stop();
    const stored = storedValue(dataDir, '/registry/secrets/default/db');
    assert.ok(!stored.includes(Buffer.from(secret).toString('base64')));
    const decrypted = independentDecrypt(stored, '/registry/secrets/default/db', key1);
    assert.equal(decrypted.keyID, 'key-1');
    assert.equal(decrypted.object['kind'], 'Secret');
    assert.equal(Buffer.from((decrypted.object['data'] as Record<string, string>)['password']!, 'base64').toString(), secret);
    assert.ok(decode(stored).annotations['algorithm.kms-plugin.bulwark.example'], 'the plugin\'s annotations are stored with the value');
    assert.throws(() => independentDecrypt(stored, '/registry/secrets/default/other', key1), 'the storage key is the AAD');

    // a restarted server has no seeds in memory: the plugin decrypts the stored one
    const server = await startBulwark({ dataDir, keepData: true, args });
    b = server;
    const again = await server.kubectlOk(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(again.stdout, 'base64').toString(), secret);

    // (b) the plugin goes away: once the window has passed, writes get a 503; reads and /livez go on
    await plugin.close();
    const refused = await eventually(async () => {
      const r = await server.kubectl(['create', 'secret', 'generic', `while-down-${Date.now()}`, '--from-literal=v=1']);
      assert.notEqual(r.code, 0, 'still accepted');
      return r;
    }, 15_000);
    assert.match(refused.stderr, new RegExp(`the KMS plugin "${PROVIDER}" at unix://${socketPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is unavailable since \\d{4}-\\d\\d-\\d\\dT`));
    const raw = await server.request('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'raw' }, stringData: { v: '1' } });
    assert.equal(raw.status, 503, raw.text);
    assert.equal(raw.json().reason, 'ServiceUnavailable');
    assert.equal(raw.json().code, 503);
    const got = await server.kubectlOk(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(got.stdout, 'base64').toString(), secret, 'reads use the cached seed');
    await server.kubectlOk(['create', 'configmap', 'unaffected', '--from-literal=v=1']);
    const notReady = await server.request('GET', '/readyz?verbose');
    assert.equal(notReady.status, 500);
    assert.match(notReady.text, new RegExp(`\\[-\\]kms-providers failed: .*kms plugin "${PROVIDER}"`));
    const live = await server.request('GET', '/livez?verbose');
    assert.equal(live.status, 200, 'an unavailable KMS plugin must not get the server restarted');
    assert.doesNotMatch(live.text, /kms/);

    // (c) the plugin comes back with a new key id: new writes use it, old values still read and count as stale
    plugin = await startKmsPlugin({ socketPath, key: key2, keyId: 'key-2', previousKeys: [{ keyId: 'key-1', key: key1 }] });
    await eventually(async () => assert.equal((await server.request('GET', '/readyz')).status, 200), 15_000);
    await server.kubectlOk(['create', 'secret', 'generic', 'after', `--from-literal=password=${secret}-2`]);
    const old = await server.kubectlOk(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(old.stdout, 'base64').toString(), secret);
    let status = await secretsStatus(server);
    assert.equal(status.writesWith, `kms:${PROVIDER}:key-2`);
    // db, and whatever the outage loop managed to create before the window closed
    assert.ok((status.byProvider[`kms:${PROVIDER}:key-1`] ?? 0) >= 1, JSON.stringify(status));
    assert.equal(status.byProvider[`kms:${PROVIDER}:key-2`], 1);
    assert.equal(status.stale, status.total - 1, 'everything but the value written under key-2 is stale');

    // rotation as in kube: replacing every Secret rewrites the stale ones under the new key id
    const all = await server.kubectlOk(['get', 'secrets', '-A', '-o', 'json']);
    await server.kubectlOk(['replace', '-f', '-'], { input: all.stdout });
    status = await secretsStatus(server);
    assert.equal(status.byProvider[`kms:${PROVIDER}:key-1`], undefined);
    assert.equal(status.byProvider[`kms:${PROVIDER}:key-2`], status.total);
    assert.equal(status.stale, 0);
    await server.stop();
    for (const [name, want] of [['db', secret], ['after', `${secret}-2`]] as const) {
      const v = independentDecrypt(storedValue(dataDir, `/registry/secrets/default/${name}`), `/registry/secrets/default/${name}`, key2);
      assert.equal(v.keyID, 'key-2');
      assert.equal(Buffer.from((v.object['data'] as Record<string, string>)['password']!, 'base64').toString(), want);
    }
  } finally {
    await b?.cleanup();
    await plugin.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('kms v2: a server whose plugin is down at start still starts, and is not ready until the plugin answers', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-kms-down-'));
  const socketPath = path.join(dir, 'kms.sock');
  const cfgPath = path.join(dir, 'enc.yaml');
  await writeFile(cfgPath, kmsConfig(socketPath), { mode: 0o600 });
  // the harness waits for /readyz, so start the plugin late, from a timer, and watch for the server meanwhile
  let plugin: Promise<KmsPlugin> | undefined;
  const late = setTimeout(() => (plugin = startKmsPlugin({ socketPath, key: randomBytes(32), keyId: 'late' })), 3000);
  const started = Date.now();
  let b: BulwarkProcess | undefined;
  try {
    b = await startBulwark({ keepData: false, args: ['--encryption-provider-config', cfgPath, '--kms-unhealthy-status-interval', '200ms'] });
    assert.ok(Date.now() - started >= 2500, 'not ready before the plugin was there');
    assert.match(b.stderr(), /kms plugin \\?"e2e-kms\\?" at unix:\/\/.* failed/, 'the outage at start is logged');
    await b.kubectlOk(['create', 'secret', 'generic', 'late', '--from-literal=v=1']);
  } finally {
    clearTimeout(late);
    await b?.cleanup();
    await (await plugin)?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
