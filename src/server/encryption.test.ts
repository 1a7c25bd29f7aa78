import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startKmsPlugin, type KmsPlugin } from '../../examples/kms-plugin/plugin.js';
import { KmsV2Provider, decodeEncryptedObject } from '../encryption/index.js';
import { StorageEncryption, storedWith } from './encryption.js';

const plain = Buffer.from('{"kind":"Secret"}');

function kmsConfigYaml(socketPath: string, name = 'vault', extra = ''): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - kms: {apiVersion: v2, name: ${name}, endpoint: "unix://${socketPath}", timeout: 2s}
  - identity: {}
${extra}`;
}

async function fixture(): Promise<{ dir: string; socketPath: string; cfg: string; plugin: KmsPlugin; done: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'storage-encryption-'));
  const socketPath = path.join(dir, 'kms.sock');
  const plugin = await startKmsPlugin({ socketPath, key: randomBytes(32), keyId: 'key-1' });
  const cfg = path.join(dir, 'enc.yaml');
  await writeFile(cfg, kmsConfigYaml(socketPath), { mode: 0o600 });
  return { dir, socketPath, cfg, plugin, done: async () => {
    await plugin.close();
    await rm(dir, { recursive: true, force: true });
  } };
}

const timings = { statusIntervalMs: 3_600_000, unhealthyStatusIntervalMs: 3_600_000 };

test('storage encryption with kms: values, status per key id, staleness and the kms-providers check', async () => {
  const f = await fixture();
  const enc = await StorageEncryption.load(f.cfg, f.dir, { kmsTimings: timings });
  try {
    const t = enc.transformerFor('/registry/secrets/default/a')!;
    assert.ok(t);
    const v1 = await t.toStorage(plain, '/registry/secrets/default/a');
    assert.match(v1.toString('latin1'), /^k8s:enc:kms:v2:vault:/);
    assert.equal(storedWith(v1), 'kms:vault:key-1');
    assert.equal(storedWith(Buffer.from('k8s:enc:aesgcm:v1:key1:xyz')), 'aesgcm:key1');
    assert.equal(storedWith(plain), 'identity');
    await enc.kmsCheck();

    const raw = [v1, plain];
    const statusOf = async () => (await enc.status(async (prefix) => (prefix === '/registry/secrets/' ? raw : []))).resources.find((r) => r.resource === 'secrets')!;
    assert.deepEqual(await statusOf(), { resource: 'secrets', writesWith: 'kms:vault:key-1', total: 2, byProvider: { 'kms:vault:key-1': 1, identity: 1 }, stale: 1 });

    // the plugin rotates: once polled, new writes carry key-2 and key-1 values count as stale
    f.plugin.setKey(randomBytes(32), 'key-2');
    assert.equal(await enc.reload(), true, 'a reload keeps the provider and its seed cache');
    await enc.pollKms();
    const v2 = await enc.transformerFor('/registry/secrets/default/b')!.toStorage(plain, '/registry/secrets/default/b');
    assert.equal(storedWith(v2), 'kms:vault:key-2');
    raw.push(v2);
    assert.deepEqual(await statusOf(), {
      resource: 'secrets',
      writesWith: 'kms:vault:key-2',
      total: 3,
      byProvider: { 'kms:vault:key-1': 1, identity: 1, 'kms:vault:key-2': 1 },
      stale: 2,
    });
    const back = await enc.transformerFor('/registry/secrets/default/a')!.fromStorage(v1, '/registry/secrets/default/a');
    assert.deepEqual(back, { value: plain, stale: true });

    // the plugin goes away: readiness fails naming it
    await f.plugin.close();
    await enc.pollKms();
    await assert.rejects(enc.kmsCheck(), /kms plugin "vault" at unix:\/\/.*kms\.sock failed.*failing since/);
  } finally {
    enc.stop();
    await f.done();
  }
});

test('storage encryption: a kms plugin that is down at start does not stop loading; a reload without kms clears the check', async () => {
  const f = await fixture();
  await f.plugin.close();
  const enc = await StorageEncryption.load(f.cfg, f.dir, { kmsTimings: timings });
  try {
    await assert.rejects(enc.kmsCheck(), /has not answered Status yet|failed/);
    await assert.rejects(enc.transformerFor('/registry/secrets/default/a')!.toStorage(plain, '/registry/secrets/default/a'), (err: unknown) => {
      const e = err as { code?: number; reason?: string; message: string };
      return e.code === 503 && e.reason === 'ServiceUnavailable' && /KMS plugin "vault" .* is unavailable since/.test(e.message);
    });
    // a reload to a configuration without kms stops the provider: nothing left to be unhealthy
    await writeFile(f.cfg, 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{identity: {}}]\n');
    assert.equal(await enc.reload(), true);
    await enc.kmsCheck();
  } finally {
    enc.stop();
    await f.done();
  }
});

test('storage encryption: one provider per kms plugin, shared by rules and kept across reloads', async () => {
  const f = await fixture();
  const made: string[] = [];
  const twoRules = kmsConfigYaml(f.socketPath, 'vault', `- resources: [configmaps]
  providers:
  - kms: {apiVersion: v2, name: vault, endpoint: "unix://${f.socketPath}", timeout: 2s}
`);
  await writeFile(f.cfg, twoRules);
  const enc = await StorageEncryption.load(f.cfg, f.dir, {
    kmsTimings: timings,
    kmsProviderFactory: (c) => {
      made.push(c.name);
      return new KmsV2Provider(c, timings);
    },
  });
  try {
    assert.deepEqual(made, ['vault']);
    const s = await enc.transformerFor('/registry/secrets/default/a')!.toStorage(plain, '/registry/secrets/default/a');
    const c = await enc.transformerFor('/registry/configmaps/default/a')!.toStorage(plain, '/registry/configmaps/default/a');
    const seedOf = (v: Buffer) => decodeEncryptedObject(v.subarray('k8s:enc:kms:v2:vault:'.length)).encryptedDEKSource;
    assert.deepEqual(seedOf(s), seedOf(c), 'both rules write with the one seed');
    assert.equal(await enc.reload(), true);
    assert.deepEqual(made, ['vault'], 'a reload reuses the running provider');
    await writeFile(f.cfg, twoRules.replace(/timeout: 2s/g, 'timeout: 3s'));
    assert.equal(await enc.reload(), true);
    assert.deepEqual(made, ['vault', 'vault'], 'another timeout is another provider');
    assert.deepEqual(await enc.transformerFor('/registry/secrets/default/a')!.fromStorage(s, '/registry/secrets/default/a'), { value: plain, stale: false });
  } finally {
    enc.stop();
    await f.done();
  }
});
