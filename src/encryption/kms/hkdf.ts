// HKDF-Expand (RFC 5869 §2.3) with SHA-256: how KMS v2 derives each value's AES key from the seed.
// node:crypto's hkdf always runs Extract first, and kube feeds the seed straight into Expand as the
// PRK; running Extract too would derive different keys and break compatibility with stored data.
import { createHmac } from 'node:crypto';

const SHA256_LENGTH = 32;

/** OKM = T(1) ‖ T(2) ‖ … truncated to `length`, where T(i) = HMAC-SHA256(prk, T(i-1) ‖ info ‖ i). */
export function hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  if (!Number.isInteger(length) || length < 1 || length > 255 * SHA256_LENGTH) {
    throw new RangeError(`HKDF-Expand output length must be 1 to ${255 * SHA256_LENGTH} bytes, got ${length}`);
  }
  if (prk.length < SHA256_LENGTH) throw new RangeError(`HKDF-Expand needs a pseudorandom key of at least ${SHA256_LENGTH} bytes, got ${prk.length}`);
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1, have = 0; have < length; i++) {
    previous = createHmac('sha256', prk).update(previous).update(info).update(Buffer.of(i)).digest();
    blocks.push(previous);
    have += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}
