// HKDF-Expand against RFC 5869 and node:crypto.
import assert from 'node:assert/strict';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { hkdfExpandSha256 } from './hkdf.js';

test('HKDF-Expand: RFC 5869 test case A.1, from its PRK', () => {
  const prk = Buffer.from('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5', 'hex');
  const info = Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex');
  const okm = hkdfExpandSha256(prk, info, 42);
  assert.equal(okm.toString('hex'), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
});

test('HKDF-Expand agrees with node:crypto extract-and-expand when given the extracted PRK', () => {
  for (const length of [1, 32, 33, 64, 100]) {
    const ikm = randomBytes(40);
    const salt = randomBytes(16);
    const info = randomBytes(32);
    const full = Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
    // Extract is HMAC(salt, ikm); feeding that PRK to Expand alone must give the same stream
    const prk = createHmac('sha256', salt).update(ikm).digest();
    assert.deepEqual(hkdfExpandSha256(prk, info, length), full, `length ${length}`);
  }
});

test('HKDF-Expand is not extract-and-expand: the seed is used as the PRK directly', () => {
  const seed = randomBytes(32);
  const info = randomBytes(32);
  const viaNode = Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), info, 32));
  assert.notDeepEqual(hkdfExpandSha256(seed, info, 32), viaNode);
});

test('HKDF-Expand refuses lengths beyond 255 blocks and short PRKs', () => {
  assert.throws(() => hkdfExpandSha256(randomBytes(32), Buffer.alloc(0), 255 * 32 + 1), /output length/);
  assert.throws(() => hkdfExpandSha256(randomBytes(32), Buffer.alloc(0), 0), /output length/);
  assert.throws(() => hkdfExpandSha256(randomBytes(16), Buffer.alloc(0), 32), /at least 32 bytes/);
  assert.equal(hkdfExpandSha256(randomBytes(32), Buffer.alloc(0), 255 * 32).length, 255 * 32);
});
