// Each local provider stores kube-apiserver's bytes: `kubectl create secret` leaves a value with the
// provider's prefix that an independent decryption written here (node:crypto for AES, @noble/ciphers
// for secretbox; Bulwark uses libsodium) turns back into the Secret. Resources no rule lists stay
// plain; `*.*` encrypts everything; an aesgcm value moved under another storage key does not decrypt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { startBulwark } from './harness.js';
import { allStored, replaceStoredValue, storedValue } from './stored.js';

type Local = 'aescbc' | 'aesgcm' | 'secretbox';

function config(resources: string[], provider: Local, key: Buffer): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [${resources.map((r) => JSON.stringify(r)).join(', ')}]
  providers:
  - ${provider}:
      keys:
      - name: key1
        secret: ${key.toString('base64')}
  - identity: {}
`;
}

/** Reference §1, written out here and not taken from Bulwark. */
function independentDecrypt(provider: Local, stored: Buffer, key: Buffer, storageKey: string): Buffer {
  const prefix = Buffer.from(`k8s:enc:${provider}:v1:key1:`);
  assert.equal(stored.subarray(0, prefix.length).toString(), prefix.toString(), 'stored value starts with the provider and key name');
  const body = stored.subarray(prefix.length);
  if (provider === 'aescbc') {
    const d = createDecipheriv('aes-256-cbc', key, body.subarray(0, 16));
    return Buffer.concat([d.update(body.subarray(16)), d.final()]);
  }
  if (provider === 'aesgcm') {
    const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12));
    d.setAAD(Buffer.from(storageKey));
    d.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]);
  }
  return Buffer.from(xsalsa20poly1305(new Uint8Array(key), new Uint8Array(body.subarray(0, 24))).decrypt(new Uint8Array(body.subarray(24))));
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'bulwark-providers-'));
}

for (const provider of ['aescbc', 'aesgcm', 'secretbox'] as const) {
  test(`${provider}: kubectl create secret stores kube's bytes, which an independent decryption reads; configmaps stay plain`, async () => {
    const dir = await tempDir();
    const key = randomBytes(32);
    const cfg = path.join(dir, 'enc.yaml');
    await writeFile(cfg, config(['secrets'], provider, key), { mode: 0o600 });
    const value = `v-${randomBytes(8).toString('hex')}`;
    const b = await startBulwark({ dataDir: path.join(dir, 'data'), keepData: true, args: ['--encryption-provider-config', cfg] });
    try {
      await b.kubectlOk(['create', 'secret', 'generic', 'db', `--from-literal=password=${value}`]);
      await b.kubectlOk(['create', 'configmap', 'settings', `--from-literal=password=${value}`]);
      await b.stop();
      const storageKey = '/registry/secrets/default/db';
      const secret = JSON.parse(independentDecrypt(provider, storedValue(b.dataDir, storageKey), key, storageKey).toString('utf8')) as {
        kind: string;
        metadata: { name: string };
        data: Record<string, string>;
      };
      assert.equal(secret.kind, 'Secret');
      assert.equal(secret.metadata.name, 'db');
      assert.equal(Buffer.from(secret.data['password']!, 'base64').toString(), value);
      const cm = JSON.parse(storedValue(b.dataDir, '/registry/configmaps/default/settings').toString('utf8')) as { data: Record<string, string> };
      assert.equal(cm.data['password'], value, 'a resource no rule lists is stored as plain JSON');
    } finally {
      await b.cleanup();
    }
  });
}

test('aesgcm: a value moved under another storage key does not decrypt, the error names the key, and the server still starts', async () => {
  const dir = await tempDir();
  const cfg = path.join(dir, 'enc.yaml');
  await writeFile(cfg, config(['secrets'], 'aesgcm', randomBytes(32)), { mode: 0o600 });
  const dataDir = path.join(dir, 'data');
  let b = await startBulwark({ dataDir, keepData: true, args: ['--encryption-provider-config', cfg] });
  try {
    await b.kubectlOk(['create', 'secret', 'generic', 'a', '--from-literal=k=a']);
    await b.kubectlOk(['create', 'secret', 'generic', 'b', '--from-literal=k=b']);
    await b.stop();
    replaceStoredValue(dataDir, '/registry/secrets/default/b', storedValue(dataDir, '/registry/secrets/default/a'));
    // the server starts (an operator must be able to repair it) but is not ready: the list of
    // Secrets its controllers need cannot be read
    b = await startBulwark({ dataDir, keepData: true, waitForLive: true, args: ['--encryption-provider-config', cfg] });
    const ready = await b.request('GET', '/readyz?verbose');
    assert.equal(ready.status, 500);
    assert.match(ready.text, /informer-sync failed/);
    const moved = await b.request('GET', '/api/v1/namespaces/default/secrets/b');
    assert.equal(moved.status, 500);
    const message = String((moved.json() as { message?: string }).message);
    assert.match(message, /\/registry\/secrets\/default\/b/);
    assert.match(message, /aesgcm:key1/);
    const intact = await b.request('GET', '/api/v1/namespaces/default/secrets/a');
    assert.equal(intact.status, 200, 'the original stays readable');
  } finally {
    await b.cleanup();
  }
});

test('*.* encrypts every stored object, and a restart reads them all back', async () => {
  const dir = await tempDir();
  const key = randomBytes(32);
  const cfg = path.join(dir, 'enc.yaml');
  await writeFile(cfg, config(['*.*'], 'secretbox', key), { mode: 0o600 });
  const dataDir = path.join(dir, 'data');
  let b = await startBulwark({ dataDir, keepData: true, args: ['--encryption-provider-config', cfg] });
  try {
    await b.kubectlOk(['create', 'configmap', 'settings', '--from-literal=colour=blue']);
    await b.kubectlOk(['create', 'namespace', 'team']);
    await b.stop();
    const rows = allStored(dataDir).filter((r) => r.key.startsWith('/registry/'));
    assert.ok(rows.length > 20, `system objects are stored too (${rows.length})`);
    const plain = rows.filter((r) => !r.value.subarray(0, 26).equals(Buffer.from('k8s:enc:secretbox:v1:key1:')));
    assert.deepEqual(plain.map((r) => r.key), [], 'nothing is stored in plain text');
    const cm = rows.find((r) => r.key === '/registry/configmaps/default/settings');
    assert.ok(cm);
    assert.match(independentDecrypt('secretbox', cm.value, key, cm.key).toString(), /"colour":"blue"/);
    b = await startBulwark({ dataDir, keepData: true, args: ['--encryption-provider-config', cfg] });
    const got = await b.kubectlOk(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.colour}']);
    assert.equal(got.stdout, 'blue');
    await b.kubectlOk(['get', 'namespace', 'team']);
  } finally {
    await b.cleanup();
  }
});

test('admission refuses rather than guesses while a policy object it needs cannot be read', async () => {
  const dir = await tempDir();
  const cfg = path.join(dir, 'enc.yaml');
  await writeFile(cfg, config(['limitranges'], 'aesgcm', randomBytes(32)), { mode: 0o600 });
  const dataDir = path.join(dir, 'data');
  let b = await startBulwark({ dataDir, keepData: true, args: ['--encryption-provider-config', cfg] });
  try {
    const limits = (name: string) => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name }, spec: { limits: [{ type: 'Container', max: { memory: '64Mi' } }] } });
    for (const name of ['lr1', 'lr2']) assert.equal((await b.request('POST', '/api/v1/namespaces/default/limitranges', limits(name))).status, 201);
    await b.stop();
    replaceStoredValue(dataDir, '/registry/limitranges/default/lr2', storedValue(dataDir, '/registry/limitranges/default/lr1'));
    b = await startBulwark({ dataDir, keepData: true, waitForLive: true, args: ['--encryption-provider-config', cfg] });
    // the LimitRanges of the namespace cannot all be read: a pod that breaks lr1's maximum must not slip through
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'big' }, spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { memory: '1Gi' } } }] } };
    const r = await b.request('POST', '/api/v1/namespaces/default/pods', pod);
    assert.equal(r.status, 403, r.text);
    assert.match(r.json().message, /error enforcing limit ranges/);
  } finally {
    await b.cleanup();
  }
});
