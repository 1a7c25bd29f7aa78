import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { aescbcProvider, aesgcmProvider, identityProvider, keyedProviders, secretboxProvider } from './providers.js';

const plain = Buffer.from('{"kind":"Secret","apiVersion":"v1","data":{"password":"aHVudGVyMg=="}}');
const storageKey = '/registry/secrets/default/db';

test('aescbc: prefix, round trip, independent decryption', async () => {
  for (const size of [16, 24, 32]) {
    const secret = randomBytes(size);
    const p = aescbcProvider({ name: 'key1', secret });
    assert.equal(p.name, 'aescbc:key1');
    const stored = await p.encrypt(plain, storageKey);
    const prefix = Buffer.from('k8s:enc:aescbc:v1:key1:');
    assert.deepEqual(stored.subarray(0, prefix.length), prefix);
    assert.deepEqual(await p.decrypt(stored, storageKey), plain);
    const rest = stored.subarray(prefix.length);
    const d = createDecipheriv(`aes-${size * 8}-cbc`, secret, rest.subarray(0, 16));
    assert.deepEqual(Buffer.concat([d.update(rest.subarray(16)), d.final()]), plain);
    // A fresh IV per write.
    assert.notDeepEqual(await p.encrypt(plain, storageKey), stored);
  }
});

test('aescbc: wrong key gives a readable reason, not "bad decrypt"', async () => {
  const a = aescbcProvider({ name: 'key1', secret: randomBytes(32) });
  const b = aescbcProvider({ name: 'key1', secret: randomBytes(32) });
  const stored = await a.encrypt(plain, storageKey);
  // A wrong key can, by chance, produce valid padding; then the garbage differs from the plaintext.
  try {
    assert.notDeepEqual(await b.decrypt(stored, storageKey), plain);
  } catch (err) {
    assert.equal((err as Error).message, 'wrong key or corrupted data');
  }
});

test('aesgcm: prefix, nonce ‖ ct ‖ tag with the storage key as AAD, independent decryption', async () => {
  const secret = randomBytes(32);
  const p = aesgcmProvider({ name: 'k2', secret });
  const stored = await p.encrypt(plain, storageKey);
  const prefix = Buffer.from('k8s:enc:aesgcm:v1:k2:');
  assert.deepEqual(stored.subarray(0, prefix.length), prefix);
  assert.equal(stored.length, prefix.length + 12 + plain.length + 16);
  assert.deepEqual(await p.decrypt(stored, storageKey), plain);
  const rest = stored.subarray(prefix.length);
  const d = createDecipheriv('aes-256-gcm', secret, rest.subarray(0, 12));
  d.setAAD(Buffer.from(storageKey));
  d.setAuthTag(rest.subarray(rest.length - 16));
  assert.deepEqual(Buffer.concat([d.update(rest.subarray(12, rest.length - 16)), d.final()]), plain);
});

test('aesgcm: a value moved to another storage key does not decrypt', async () => {
  const p = aesgcmProvider({ name: 'k', secret: randomBytes(16) });
  const stored = await p.encrypt(plain, storageKey);
  await assert.rejects(p.decrypt(stored, '/registry/secrets/default/other'), /wrong key or corrupted data, or the value was moved/);
});

test('secretbox: prefix, nonce ‖ tag ‖ ciphertext, independent decryption', async () => {
  const secret = randomBytes(32);
  const p = secretboxProvider({ name: 'key1', secret });
  const stored = await p.encrypt(plain, storageKey);
  const prefix = Buffer.from('k8s:enc:secretbox:v1:key1:');
  assert.deepEqual(stored.subarray(0, prefix.length), prefix);
  assert.equal(stored.length, prefix.length + 24 + 16 + plain.length);
  assert.deepEqual(await p.decrypt(stored, storageKey), plain);
  const rest = stored.subarray(prefix.length);
  const opened = xsalsa20poly1305(new Uint8Array(secret), new Uint8Array(rest.subarray(0, 24))).decrypt(new Uint8Array(rest.subarray(24)));
  assert.deepEqual(Buffer.from(opened), plain);
  // Layout check independent of noble's framing: bytes after the 16-byte tag are the XSalsa20 stream XOR plaintext,
  // so flipping a ciphertext bit (not the tag) must break authentication.
  const tampered = Buffer.from(stored);
  tampered[tampered.length - 1]! ^= 1;
  await assert.rejects(p.decrypt(tampered, storageKey), /wrong key or corrupted data/);
});

test('identity: plain in and out; refuses encrypted values', async () => {
  const p = identityProvider();
  assert.deepEqual(await p.encrypt(plain, storageKey), plain);
  assert.deepEqual(await p.decrypt(plain, storageKey), plain);
  await assert.rejects(p.decrypt(Buffer.from('k8s:enc:aescbc:v1:k:xxxx'), storageKey), /encrypted/);
});

test('keyedProviders: one provider per key, in order', () => {
  const ps = keyedProviders({ type: 'aesgcm', keys: [{ name: 'a', secret: randomBytes(32) }, { name: 'b', secret: randomBytes(32) }] });
  assert.deepEqual(ps.map((p) => p.name), ['aesgcm:a', 'aesgcm:b']);
  assert.deepEqual(ps.map((p) => p.prefix.toString()), ['k8s:enc:aesgcm:v1:a:', 'k8s:enc:aesgcm:v1:b:']);
});
