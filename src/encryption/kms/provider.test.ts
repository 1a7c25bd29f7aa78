import assert from 'node:assert/strict';
import { createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { StatusError } from '../../api/status.js';
import type { KmsProviderConfig } from '../config.js';
import { ProviderDecryptError } from '../providers.js';
import { startKmsPlugin } from '../../../examples/kms-plugin/plugin.js';
import { eventually } from '../../../test/e2e/harness.js';
import { KmsCallError, type KmsService } from './client.js';
import { decodeEncryptedObject } from './encrypted-object.js';
import { type Annotations, EncryptedDEKSourceType, type EncryptResponse, type StatusResponse } from './messages.js';
import { KmsV2Provider, type KmsV2ProviderOptions } from './provider.js';

const plain = Buffer.from('{"kind":"Secret","apiVersion":"v1","data":{"password":"aHVudGVyMg=="}}');
const storageKey = '/registry/secrets/default/db';
const T0 = Date.parse('2024-05-01T12:00:00.000Z');

function kmsConfig(name = 'vault', socketPath = '/run/kms/vault.sock'): KmsProviderConfig {
  return { type: 'kms', apiVersion: 'v2', name, endpoint: `unix://${socketPath}`, socketPath, timeoutMs: 2000 };
}

/** An in-memory plugin: "ciphertexts" are random handles, so only it can turn them back. */
class FakeKms implements KmsService {
  keyId = 'key-1';
  version = 'v2';
  healthz = 'ok';
  up = true;
  encryptKeyId?: string;
  annotations: Annotations = { 'version.fake.example.com': Buffer.from('1') };
  statusCalls = 0;
  encryptCalls = 0;
  decryptCalls = 0;
  closed = false;
  readonly wrapped = new Map<string, { keyId: string; plaintext: Buffer }>();

  private down(method: string): KmsCallError {
    return new KmsCallError(`${method} call to kms plugin "vault" at unix:///run/kms/vault.sock failed: cannot connect (No connection established)`, true, 14);
  }
  async status(): Promise<StatusResponse> {
    this.statusCalls++;
    if (!this.up) throw this.down('Status');
    return { version: this.version, healthz: this.healthz, key_id: this.keyId };
  }
  async encrypt(plaintext: Buffer): Promise<EncryptResponse> {
    this.encryptCalls++;
    if (!this.up) throw this.down('Encrypt');
    const handle = randomBytes(24);
    const keyId = this.encryptKeyId ?? this.keyId;
    this.wrapped.set(handle.toString('hex'), { keyId, plaintext: Buffer.from(plaintext) });
    return { ciphertext: handle, key_id: keyId, annotations: this.annotations };
  }
  async decrypt(ciphertext: Buffer, keyId: string): Promise<Buffer> {
    this.decryptCalls++;
    if (!this.up) throw this.down('Decrypt');
    const w = this.wrapped.get(ciphertext.toString('hex'));
    if (!w || w.keyId !== keyId) throw new KmsCallError(`Decrypt call failed: NOT_FOUND: unknown key id "${keyId}"`, false, 5);
    return w.plaintext;
  }
  close(): void {
    this.closed = true;
  }
}

function fakeProvider(fake: FakeKms, clock: { now: number }, over: KmsV2ProviderOptions = {}): KmsV2Provider {
  return new KmsV2Provider(kmsConfig(), {
    service: fake,
    now: () => clock.now,
    statusIntervalMs: 3_600_000,
    unhealthyStatusIntervalMs: 3_600_000,
    ...over,
  });
}

/** HKDF-Expand written out again here so the test does not trust the module it checks. */
function expand(prk: Buffer, info: Buffer): Buffer {
  return createHmac('sha256', prk).update(info).update(Buffer.of(1)).digest();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('kms v2: stored format, one seed per server, a fresh HKDF key per write, AAD is the storage key', async () => {
  const fake = new FakeKms();
  const p = fakeProvider(fake, { now: T0 });
  await p.start();
  try {
    assert.equal(p.name, 'kms:vault');
    const a = await p.encrypt(plain, storageKey);
    const b = await p.encrypt(plain, storageKey);
    const prefix = Buffer.from('k8s:enc:kms:v2:vault:');
    assert.deepEqual(a.subarray(0, prefix.length), prefix);
    const oa = decodeEncryptedObject(a.subarray(prefix.length));
    const ob = decodeEncryptedObject(b.subarray(prefix.length));
    assert.equal(oa.keyID, 'key-1');
    assert.equal(oa.encryptedDEKSourceType, EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED);
    assert.deepEqual(oa.annotations, fake.annotations);
    assert.deepEqual(oa.encryptedDEKSource, ob.encryptedDEKSource, 'one seed for all writes');
    assert.equal(fake.encryptCalls, 1, 'the plugin is not called per write');
    assert.notDeepEqual(oa.encryptedData.subarray(0, 32), ob.encryptedData.subarray(0, 32), 'a fresh info per write');
    assert.equal(oa.encryptedData.length, 32 + 12 + plain.length + 16);

    // independent decryption: seed from the plugin, DEK = HKDF-Expand(seed, info), AES-256-GCM with AAD
    const seed = fake.wrapped.get(oa.encryptedDEKSource.toString('hex'))!.plaintext;
    assert.equal(seed.length, 32);
    const d = oa.encryptedData;
    const decipher = createDecipheriv('aes-256-gcm', expand(seed, d.subarray(0, 32)), d.subarray(32, 44));
    decipher.setAAD(Buffer.from(storageKey));
    decipher.setAuthTag(d.subarray(d.length - 16));
    assert.deepEqual(Buffer.concat([decipher.update(d.subarray(44, d.length - 16)), decipher.final()]), plain);

    assert.deepEqual(await p.decrypt(a, storageKey), plain);
    await assert.rejects(p.decrypt(a, '/registry/secrets/default/other'), (err: Error) => {
      assert.ok(err instanceof ProviderDecryptError);
      assert.match(err.message, /wrong key or corrupted data, or the value was moved from another storage key/);
      return true;
    });
    assert.equal(p.isStale(a), false);
  } finally {
    p.stop();
  }
  assert.ok(fake.closed, 'stop closes the plugin connection');
});

test('kms v2: a key id change brings a new seed; values under the old key id are stale but still read', async () => {
  const fake = new FakeKms();
  const events: string[] = [];
  const p = fakeProvider(fake, { now: T0 }, { onEvent: (_h, m) => events.push(m) });
  await p.start();
  try {
    const old = await p.encrypt(plain, storageKey);
    fake.keyId = 'key-2';
    await p.pollNow();
    assert.equal(p.currentKeyId, 'key-2');
    assert.ok(events.some((e) => /key id changed from "key-1" to "key-2"/.test(e)), events.join('\n'));
    const fresh = await p.encrypt(plain, storageKey);
    const of = decodeEncryptedObject(fresh.subarray(p.prefix.length));
    const oo = decodeEncryptedObject(old.subarray(p.prefix.length));
    assert.equal(of.keyID, 'key-2');
    assert.notDeepEqual(of.encryptedDEKSource, oo.encryptedDEKSource);
    assert.equal(p.isStale(old), true);
    assert.equal(p.isStale(fresh), false);
    assert.deepEqual(await p.decrypt(old, storageKey), plain);
    assert.deepEqual(await p.decrypt(fresh, storageKey), plain);
    // the same key id again: no new seed
    const encrypts = fake.encryptCalls;
    await p.pollNow();
    assert.equal(fake.encryptCalls, encrypts);
  } finally {
    p.stop();
  }
});

test('kms v2: writes are refused with a 503 once the last good Status is older than the window; reads go on from cached seeds', async () => {
  const fake = new FakeKms();
  const clock = { now: T0 };
  const p = fakeProvider(fake, clock, { writeExpiryMs: 180_000 });
  await p.start();
  try {
    const before = await p.encrypt(plain, storageKey);
    fake.up = false;
    clock.now = T0 + 10_000;
    await p.pollNow();
    const h = p.health();
    assert.equal(h.healthy, false);
    assert.match(h.message!, /cannot connect.*failing since 2024-05-01T12:00:10\.000Z/);
    assert.throws(() => p.check(), /failing since/);
    // inside the window writes continue with the seed already encrypted by the plugin
    clock.now = T0 + 180_000;
    assert.deepEqual(await p.decrypt(await p.encrypt(plain, storageKey), storageKey), plain);
    clock.now = T0 + 180_001;
    await assert.rejects(p.encrypt(plain, storageKey), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.code, 503);
      assert.equal(err.reason, 'ServiceUnavailable');
      assert.match(err.message, /^the KMS plugin "vault" at unix:\/\/\/run\/kms\/vault\.sock is unavailable since 2024-05-01T12:00:10\.000Z/);
      assert.match(err.message, /last good Status was at 2024-05-01T12:00:00\.000Z/);
      assert.match(err.message, /cannot connect/);
      return true;
    });
    const calls = fake.decryptCalls;
    assert.deepEqual(await p.decrypt(before, storageKey), plain, 'reads continue');
    assert.equal(fake.decryptCalls, calls, 'from the cache, without the plugin');
    // back: a good Status reopens writes
    fake.up = true;
    await p.pollNow();
    assert.equal(p.health().healthy, true);
    assert.deepEqual(await p.decrypt(await p.encrypt(plain, storageKey), storageKey), plain);
  } finally {
    p.stop();
  }
});

test('kms v2: without a cached seed, reads fail with a reason naming the plugin; one Decrypt call per seed', async () => {
  const fake = new FakeKms();
  const clock = { now: T0 };
  const writer = fakeProvider(fake, clock);
  await writer.start();
  const values = await Promise.all(Array.from({ length: 10 }, () => writer.encrypt(plain, storageKey)));
  writer.stop();

  const reader = fakeProvider(fake, clock);
  await reader.start();
  try {
    const calls = fake.decryptCalls;
    const out = await Promise.all(values.map((v) => reader.decrypt(v, storageKey)));
    for (const o of out) assert.deepEqual(o, plain);
    assert.equal(fake.decryptCalls, calls + 1, 'concurrent reads of one seed share one Decrypt call');

    const other = fakeProvider(fake, clock);
    await other.start();
    fake.up = false;
    await assert.rejects(other.decrypt(values[0]!, storageKey), /^ProviderDecryptError: kms plugin "vault" unavailable: Decrypt call/);
    other.stop();

    fake.up = true;
    const o = decodeEncryptedObject(values[0]!.subarray(reader.prefix.length));
    fake.wrapped.set(o.encryptedDEKSource.toString('hex'), { keyId: 'elsewhere', plaintext: Buffer.alloc(32) });
    const third = fakeProvider(fake, clock);
    await third.start();
    await assert.rejects(third.decrypt(values[0]!, storageKey), /could not decrypt the seed of key id "key-1" \(wrong key id\?\): .*unknown key id/);
    third.stop();
    await assert.rejects(reader.decrypt(Buffer.from('k8s:enc:kms:v2:vault:nonsense'), storageKey), /not a protobuf EncryptedObject|invalid EncryptedObject/);
  } finally {
    reader.stop();
  }
});

test('kms v2: a plugin that never answered does not block start, fails readiness and refuses writes', async () => {
  const fake = new FakeKms();
  fake.up = false;
  const p = fakeProvider(fake, { now: T0 });
  await p.start();
  try {
    assert.equal(p.health().healthy, false);
    assert.equal(p.currentKeyId, undefined);
    await assert.rejects(p.encrypt(plain, storageKey), (err: unknown) => err instanceof StatusError && err.code === 503 && /has not answered since the server started/.test(err.message));
  } finally {
    p.stop();
  }
});

test('kms v2: Status and Encrypt answers are validated like kube does', async () => {
  const cases: [string, (f: FakeKms) => void, RegExp][] = [
    ['version', (f) => (f.version = 'v1beta1'), /reports API version "v1beta1", expected "v2"/],
    ['healthz', (f) => (f.healthz = 'disk full'), /reports healthz "disk full"/],
    ['empty key id', (f) => (f.keyId = ''), /unusable key_id: key id is empty/],
    ['long key id', (f) => (f.keyId = 'k'.repeat(1025)), /key id is 1025 bytes/],
    ['annotations', (f) => (f.annotations = { version: Buffer.from('1') }), /Encrypt with an unusable response: annotation key "version" is not a fully qualified domain name/],
    ['encrypt key id', (f) => (f.encryptKeyId = 'other'), /Encrypt with key id "other" while Status reports "key-1"/],
  ];
  for (const [what, breakIt, expected] of cases) {
    const fake = new FakeKms();
    breakIt(fake);
    const p = fakeProvider(fake, { now: T0 });
    await p.start();
    try {
      assert.equal(p.health().healthy, false, what);
      assert.match(p.health().message!, expected, what);
      await assert.rejects(p.encrypt(plain, storageKey), (err: unknown) => err instanceof StatusError && err.code === 503, what);
    } finally {
      p.stop();
    }
  }
});

test('kms v2: Status is polled on the healthy interval, faster while unhealthy, and not after stop', async () => {
  const fake = new FakeKms();
  const p = new KmsV2Provider(kmsConfig(), { service: fake, statusIntervalMs: 10_000, unhealthyStatusIntervalMs: 20 });
  await p.start();
  await sleep(150);
  assert.equal(fake.statusCalls, 1, 'healthy: the next poll is a long way off');
  fake.up = false;
  await p.pollNow();
  await sleep(250);
  assert.ok(fake.statusCalls >= 5, `unhealthy: polled every 20 ms (${fake.statusCalls} calls)`);
  fake.up = true;
  await eventually(() => assert.equal(p.health().healthy, true));
  const settled = fake.statusCalls;
  await sleep(150);
  assert.equal(fake.statusCalls, settled, 'healthy again: back to the long interval');
  p.stop();
  fake.up = false;
  const stopped = fake.statusCalls;
  await sleep(100);
  assert.equal(fake.statusCalls, stopped);
});

test('kms v2 against the example plugin over a real unix socket: round trip, rotation, outage, restart', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kms-provider-'));
  const socketPath = path.join(dir, 'kms.sock');
  const key1 = randomBytes(32);
  const key2 = randomBytes(32);
  let plugin = await startKmsPlugin({ socketPath, key: key1, keyId: 'key-1' });
  const config = kmsConfig('vault', socketPath);
  const opts = { statusIntervalMs: 3_600_000, unhealthyStatusIntervalMs: 3_600_000 };
  const p = new KmsV2Provider(config, opts);
  const providers = [p];
  try {
    await p.start();
    assert.deepEqual(p.health(), { healthy: true, keyId: 'key-1' });
    const v1 = await p.encrypt(plain, storageKey);
    assert.deepEqual(await p.decrypt(v1, storageKey), plain);

    plugin.setKey(key2, 'key-2');
    await p.pollNow();
    assert.equal(p.currentKeyId, 'key-2');
    const v2 = await p.encrypt(plain, storageKey);
    assert.equal(p.isStale(v1), true);
    assert.equal(p.isStale(v2), false);

    // a provider with an empty cache asks the plugin, which keeps the old key for old values
    const fresh = new KmsV2Provider(config, opts);
    providers.push(fresh);
    await fresh.start();
    assert.deepEqual(await fresh.decrypt(v1, storageKey), plain);
    assert.deepEqual(await fresh.decrypt(v2, storageKey), plain);

    await plugin.close();
    await p.pollNow();
    assert.equal(p.health().healthy, false);
    assert.match(p.health().message!, /Status call to kms plugin "vault" at unix:\/\/.*kms\.sock failed/);
    assert.deepEqual(await p.decrypt(v1, storageKey), plain, 'cached seeds keep reads going');
    const cold = new KmsV2Provider(config, opts);
    providers.push(cold);
    await cold.start();
    await assert.rejects(cold.decrypt(v2, storageKey), /kms plugin "vault" unavailable: Decrypt call/);

    // the plugin comes back (same socket path) with a third key; the client reconnects
    plugin = await startKmsPlugin({ socketPath, key: randomBytes(32), keyId: 'key-3', previousKeys: [{ keyId: 'key-2', key: key2 }] });
    await eventually(async () => {
      await p.pollNow();
      assert.equal(p.health().healthy, true, p.health().message);
    });
    assert.equal(p.currentKeyId, 'key-3');
    assert.equal(p.isStale(v2), true);
    assert.deepEqual(await cold.decrypt(v2, storageKey), plain);
    await assert.rejects(cold.decrypt(v1, storageKey), /could not decrypt the seed of key id "key-1".*unknown key id "key-1"/);
  } finally {
    for (const x of providers) x.stop();
    await plugin.close();
    await rm(dir, { recursive: true, force: true });
  }
});
