// Encryption providers for values at rest, byte-compatible with kube-apiserver's
// identity, aescbc, aesgcm and secretbox (one Provider per configured key); kms v2 is in kms/.
import { type CipherGCMTypes, createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import sodium from 'sodium-native';
import type { EncryptionKey, KeyedProviderConfig } from './config.js';

/** Every encrypted value starts with this; identity refuses to hand such a value out as plain data. */
export const ENCRYPTED_PREFIX = Buffer.from('k8s:enc:');

export interface Provider {
  /** `identity`, or `<type>:<key name>` such as `aesgcm:key1`. */
  name: string;
  /** Stored prefix, e.g. `k8s:enc:aesgcm:v1:key1:`; empty for identity. */
  prefix: Buffer;
  /** Returns the stored bytes, prefix included. */
  encrypt(plaintext: Buffer, storageKey: string): Promise<Buffer>;
  /** `stored` includes the prefix. Throws a short, key-free reason on failure. */
  decrypt(stored: Buffer, storageKey: string): Promise<Buffer>;
  /**
   * For a value this provider has just decrypted: whether it is stale even though this provider
   * is the writer (kms v2: stored under a key id other than the plugin's current one).
   */
  isStale?(stored: Buffer): boolean;
}

/** A failure to decrypt with one provider; the message is safe to show (no key material). */
export class ProviderDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderDecryptError';
  }
}

const WRONG_KEY = 'wrong key or corrupted data';

function keyedPrefix(type: string, keyName: string): Buffer {
  return Buffer.from(`k8s:enc:${type}:v1:${keyName}:`);
}

function body(stored: Buffer, prefix: Buffer): Buffer {
  if (!stored.subarray(0, prefix.length).equals(prefix)) {
    throw new ProviderDecryptError(`value does not start with ${prefix.toString()}`);
  }
  return stored.subarray(prefix.length);
}

function aesAlgorithm(mode: 'cbc' | 'gcm', key: Buffer): string {
  return `aes-${key.length * 8}-${mode}`;
}

export function identityProvider(): Provider {
  return {
    name: 'identity',
    prefix: Buffer.alloc(0),
    async encrypt(plaintext) {
      return Buffer.from(plaintext);
    },
    async decrypt(stored) {
      if (stored.subarray(0, ENCRYPTED_PREFIX.length).equals(ENCRYPTED_PREFIX)) {
        throw new ProviderDecryptError('the value is encrypted (starts with k8s:enc:) but identity only reads plain values');
      }
      return Buffer.from(stored);
    },
  };
}

export function aescbcProvider(key: EncryptionKey): Provider {
  const prefix = keyedPrefix('aescbc', key.name);
  const secret = Buffer.from(key.secret);
  const algorithm = aesAlgorithm('cbc', secret);
  return {
    name: `aescbc:${key.name}`,
    prefix,
    async encrypt(plaintext) {
      const iv = randomBytes(16);
      const cipher = createCipheriv(algorithm, secret, iv);
      return Buffer.concat([prefix, iv, cipher.update(plaintext), cipher.final()]);
    },
    async decrypt(stored) {
      const data = body(stored, prefix);
      if (data.length < 32 || data.length % 16 !== 0) {
        throw new ProviderDecryptError(`${WRONG_KEY} (ciphertext length ${data.length} is not IV plus whole blocks)`);
      }
      try {
        const decipher = createDecipheriv(algorithm, secret, data.subarray(0, 16));
        return Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
      } catch {
        // CBC has no MAC: a bad padding is the only sign of a wrong key, so say that instead.
        throw new ProviderDecryptError(WRONG_KEY);
      }
    },
  };
}

export function aesgcmProvider(key: EncryptionKey): Provider {
  const prefix = keyedPrefix('aesgcm', key.name);
  const secret = Buffer.from(key.secret);
  const algorithm = aesAlgorithm('gcm', secret) as CipherGCMTypes;
  return {
    name: `aesgcm:${key.name}`,
    prefix,
    async encrypt(plaintext, storageKey) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv(algorithm, secret, nonce, { authTagLength: 16 });
      cipher.setAAD(Buffer.from(storageKey));
      const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([prefix, nonce, ct, cipher.getAuthTag()]);
    },
    async decrypt(stored, storageKey) {
      const data = body(stored, prefix);
      if (data.length < 12 + 16) throw new ProviderDecryptError(`${WRONG_KEY} (value too short)`);
      try {
        const decipher = createDecipheriv(algorithm, secret, data.subarray(0, 12), { authTagLength: 16 });
        decipher.setAAD(Buffer.from(storageKey));
        decipher.setAuthTag(data.subarray(data.length - 16));
        return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      } catch {
        throw new ProviderDecryptError(`${WRONG_KEY}, or the value was moved from another storage key`);
      }
    },
  };
}

export function secretboxProvider(key: EncryptionKey): Provider {
  const prefix = keyedPrefix('secretbox', key.name);
  // libsodium, NaCl's reference implementation, through its native binding: several times faster
  // than JavaScript ciphers, and secretbox is the default provider, on every Secret read and write.
  const secret = Buffer.from(key.secret);
  const NONCE = sodium.crypto_secretbox_NONCEBYTES;
  const TAG = sodium.crypto_secretbox_MACBYTES;
  return {
    name: `secretbox:${key.name}`,
    prefix,
    async encrypt(plaintext) {
      // prefix ‖ nonce ‖ NaCl's layout (Poly1305 tag, then the XSalsa20 ciphertext), sealed in place
      const out = Buffer.allocUnsafe(prefix.length + NONCE + TAG + plaintext.length);
      prefix.copy(out, 0);
      const nonce = out.subarray(prefix.length, prefix.length + NONCE);
      sodium.randombytes_buf(nonce);
      sodium.crypto_secretbox_easy(out.subarray(prefix.length + NONCE), plaintext, nonce, secret);
      return out;
    },
    async decrypt(stored) {
      const data = body(stored, prefix);
      if (data.length < NONCE + TAG) throw new ProviderDecryptError(`${WRONG_KEY} (value too short)`);
      const out = Buffer.allocUnsafe(data.length - NONCE - TAG);
      if (!sodium.crypto_secretbox_open_easy(out, data.subarray(NONCE), data.subarray(0, NONCE), secret)) {
        throw new ProviderDecryptError(WRONG_KEY);
      }
      return out;
    },
  };
}

/** One Provider per key, in the configured order (the first key is the one writes use). */
export function keyedProviders(config: KeyedProviderConfig): Provider[] {
  const factory = config.type === 'aescbc' ? aescbcProvider : config.type === 'aesgcm' ? aesgcmProvider : secretboxProvider;
  return config.keys.map((k) => factory(k));
}
