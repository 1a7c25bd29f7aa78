// The kms v2 Provider: one random seed per server, encrypted by the plugin, and a fresh AES-256-GCM key
// per write derived from it with HKDF-Expand; the plugin's Status is polled to track health and key id.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { serviceUnavailable } from '../../api/status.js';
import type { KmsProviderConfig } from '../config.js';
import { type Provider, ProviderDecryptError } from '../providers.js';
import { KmsCallError, KmsGrpcClient, type KmsService } from './client.js';
import {
  annotationsProblem,
  decodeEncryptedObject,
  encodeEncryptedObject,
  encryptedDEKSourceProblem,
  keyIdProblem,
  kmsPrefix,
} from './encrypted-object.js';
import { hkdfExpandSha256 } from './hkdf.js';
import { type Annotations, EncryptedDEKSourceType, type EncryptedObject, KMS_API_VERSION } from './messages.js';

export interface KmsProviderTimings {
  /** Status poll interval while the plugin is healthy (kube: 1 minute). */
  statusIntervalMs: number;
  /** Status poll interval while it is not (kube: 10 seconds). */
  unhealthyStatusIntervalMs: number;
  /** Writes are refused once the last good Status is older than this (kube: 3 minutes). */
  writeExpiryMs: number;
}

export const DEFAULT_KMS_TIMINGS: KmsProviderTimings = {
  statusIntervalMs: 60_000,
  unhealthyStatusIntervalMs: 10_000,
  writeExpiryMs: 3 * 60_000,
};

export interface KmsV2ProviderOptions extends Partial<KmsProviderTimings> {
  /** The plugin connection; by default a gRPC client on the configured endpoint. */
  service?: KmsService;
  now?: () => number;
  /** Told when the plugin turns healthy or unhealthy, and when the key id changes. */
  onEvent?: (healthy: boolean, message: string) => void;
  /** Decrypted seeds kept for reads (least recently used go first). */
  seedCacheSize?: number;
}

export interface KmsHealth {
  healthy: boolean;
  /** The plugin's current key id, once it has answered. */
  keyId?: string;
  /** Why it is unhealthy. */
  message?: string;
}

const SEED_BYTES = 32;
const INFO_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const WRONG_KEY = 'wrong key or corrupted data, or the value was moved from another storage key';

interface WriteState {
  seed: Buffer;
  encryptedSeed: Buffer;
  /** Key id the plugin returned from Encrypt (stored with each value). */
  keyId: string;
  annotations: Annotations;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function gcmAlgorithm(key: Buffer): CipherGCMTypes {
  return `aes-${key.length * 8}-gcm` as CipherGCMTypes;
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(gcmAlgorithm(key), key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function gcmOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new ProviderDecryptError(`${WRONG_KEY} (value too short)`);
  try {
    const decipher = createDecipheriv(gcmAlgorithm(key), key, sealed.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new ProviderDecryptError(WRONG_KEY);
  }
}

/** A small LRU map: decrypted seeds (or legacy DEKs) by their encrypted form. */
class SeedCache {
  private readonly entries = new Map<string, Buffer>();
  constructor(private readonly max: number) {}
  get(key: string): Buffer | undefined {
    const v = this.entries.get(key);
    if (v) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }
  set(key: string, value: Buffer): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
  get size(): number {
    return this.entries.size;
  }
}

function cacheKey(type: EncryptedDEKSourceType, encrypted: Buffer): string {
  return `${type}:${encrypted.toString('base64')}`;
}

export class KmsV2Provider implements Provider {
  readonly name: string;
  readonly prefix: Buffer;
  readonly timings: KmsProviderTimings;
  private readonly service: KmsService;
  private readonly now: () => number;
  private readonly onEvent: (healthy: boolean, message: string) => void;
  private readonly cache: SeedCache;
  private readonly pendingDecrypts = new Map<string, Promise<Buffer>>();
  private readonly startedAt: number;

  private state?: WriteState;
  /** The key id of the last good Status: values stored under another one are stale. */
  private statusKeyId?: string;
  private lastGoodStatusAt?: number;
  private lastError?: string;
  /** When the current run of failed polls began. */
  private failingSince?: number;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private started?: Promise<void>;
  private stopped = false;

  constructor(
    readonly config: KmsProviderConfig,
    options: KmsV2ProviderOptions = {},
  ) {
    this.name = `kms:${config.name}`;
    this.prefix = kmsPrefix(config.name);
    this.timings = {
      statusIntervalMs: options.statusIntervalMs ?? DEFAULT_KMS_TIMINGS.statusIntervalMs,
      unhealthyStatusIntervalMs: options.unhealthyStatusIntervalMs ?? DEFAULT_KMS_TIMINGS.unhealthyStatusIntervalMs,
      writeExpiryMs: options.writeExpiryMs ?? DEFAULT_KMS_TIMINGS.writeExpiryMs,
    };
    this.service = options.service ?? new KmsGrpcClient(config.name, config.endpoint, config.timeoutMs);
    this.now = options.now ?? Date.now;
    this.onEvent = options.onEvent ?? (() => undefined);
    this.cache = new SeedCache(options.seedCacheSize ?? 1000);
    this.startedAt = this.now();
  }

  private get who(): string {
    return `kms plugin "${this.config.name}" at ${this.config.endpoint}`;
  }

  /** Polls Status once and then on a timer. Resolves after the first poll, healthy or not: a plugin that is down delays nothing. */
  start(): Promise<void> {
    this.started ??= this.pollNow();
    return this.started;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.service.close();
  }

  /** One Status poll (and a new seed if the key id changed); the next poll is scheduled after it. */
  pollNow(): Promise<void> {
    this.polling ??= this.poll().finally(() => {
      this.polling = undefined;
      this.schedule();
    });
    return this.polling;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const interval = this.lastError === undefined ? this.timings.statusIntervalMs : this.timings.unhealthyStatusIntervalMs;
    this.timer = setTimeout(() => void this.pollNow(), interval);
    // polling must never keep a process alive on its own
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const wasHealthy = this.lastError === undefined && this.lastGoodStatusAt !== undefined;
    try {
      const status = await this.service.status();
      if (status.version !== KMS_API_VERSION) throw new Error(`${this.who} reports API version "${status.version}", expected "${KMS_API_VERSION}"`);
      if (status.healthz !== 'ok') throw new Error(`${this.who} reports healthz "${status.healthz}"`);
      const keyProblem = keyIdProblem(status.key_id);
      if (keyProblem) throw new Error(`${this.who} answered Status with an unusable key_id: ${keyProblem}`);
      if (this.statusKeyId !== status.key_id || !this.state) {
        const previous = this.statusKeyId;
        await this.newSeed(status.key_id);
        this.statusKeyId = status.key_id;
        if (previous !== undefined) this.onEvent(true, `${this.who}: key id changed from "${previous}" to "${status.key_id}"; new writes use a new seed`);
      }
      this.lastGoodStatusAt = this.now();
      this.lastError = undefined;
      this.failingSince = undefined;
      if (!wasHealthy) this.onEvent(true, `${this.who} is healthy (key id "${status.key_id}")`);
    } catch (err) {
      this.lastError = messageOf(err);
      this.failingSince ??= this.now();
      if (wasHealthy || this.lastGoodStatusAt === undefined) this.onEvent(false, this.lastError);
    }
  }

  private async newSeed(statusKeyId: string): Promise<void> {
    const seed = randomBytes(SEED_BYTES);
    const res = await this.service.encrypt(seed);
    const problems = [keyIdProblem(res.key_id), encryptedDEKSourceProblem(res.ciphertext), annotationsProblem(res.annotations)].filter(
      (p): p is string => p !== undefined,
    );
    if (problems.length) throw new Error(`${this.who} answered Encrypt with an unusable response: ${problems.join('; ')}`);
    if (res.key_id !== statusKeyId) {
      // values would be written under a key id that is stale from the start; wait for the plugin to agree with itself
      throw new Error(`${this.who} answered Encrypt with key id "${res.key_id}" while Status reports "${statusKeyId}"`);
    }
    this.cache.set(cacheKey(EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED, res.ciphertext), seed);
    this.state = { seed, encryptedSeed: Buffer.from(res.ciphertext), keyId: res.key_id, annotations: res.annotations };
  }

  /** Healthy while the last Status poll succeeded. */
  health(): KmsHealth {
    if (this.lastError !== undefined || this.lastGoodStatusAt === undefined) {
      const since = this.failingSince ?? this.startedAt;
      return {
        healthy: false,
        keyId: this.statusKeyId,
        message: `${this.lastError ?? `${this.who} has not answered Status yet`} (failing since ${iso(since)})`,
      };
    }
    return { healthy: true, keyId: this.statusKeyId };
  }

  /** The plugin's current key id (from its last good Status), if it has answered. */
  get currentKeyId(): string | undefined {
    return this.statusKeyId;
  }

  /** The readiness check: throws while the plugin is unhealthy. */
  check(): void {
    const h = this.health();
    if (!h.healthy) throw new Error(h.message);
  }

  private writeState(): WriteState {
    const now = this.now();
    const fresh = this.lastGoodStatusAt !== undefined && now - this.lastGoodStatusAt <= this.timings.writeExpiryMs;
    if (this.state && fresh) return this.state;
    const since = this.failingSince ?? this.startedAt;
    const lastGood = this.lastGoodStatusAt === undefined ? 'it has not answered since the server started' : `its last good Status was at ${iso(this.lastGoodStatusAt)}`;
    throw serviceUnavailable(
      `the KMS plugin "${this.config.name}" at ${this.config.endpoint} is unavailable since ${iso(since)} (${lastGood}); ` +
        `writes of resources it encrypts are refused until it answers again: ${this.lastError ?? 'no error recorded'}`,
    );
  }

  async encrypt(plaintext: Buffer, storageKey: string): Promise<Buffer> {
    const s = this.writeState();
    const info = randomBytes(INFO_BYTES);
    const dek = hkdfExpandSha256(s.seed, info, 32);
    const sealed = gcmSeal(dek, plaintext, Buffer.from(storageKey));
    const obj: EncryptedObject = {
      encryptedData: Buffer.concat([info, sealed]),
      keyID: s.keyId,
      encryptedDEKSource: s.encryptedSeed,
      annotations: s.annotations,
      encryptedDEKSourceType: EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED,
    };
    return Buffer.concat([this.prefix, encodeEncryptedObject(obj)]);
  }

  private parse(stored: Buffer): EncryptedObject {
    if (!stored.subarray(0, this.prefix.length).equals(this.prefix)) {
      throw new ProviderDecryptError(`value does not start with ${this.prefix.toString()}`);
    }
    try {
      return decodeEncryptedObject(stored.subarray(this.prefix.length));
    } catch (err) {
      throw new ProviderDecryptError(messageOf(err));
    }
  }

  /** The seed (or legacy DEK) behind an EncryptedObject: from the cache, else from the plugin (one call per source at a time). */
  private plainDEKSource(o: EncryptedObject): Promise<Buffer> {
    const key = cacheKey(o.encryptedDEKSourceType, o.encryptedDEKSource);
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve(cached);
    let pending = this.pendingDecrypts.get(key);
    if (!pending) {
      pending = this.decryptDEKSource(o)
        .then((plain) => {
          this.cache.set(key, plain);
          return plain;
        })
        .finally(() => this.pendingDecrypts.delete(key));
      this.pendingDecrypts.set(key, pending);
    }
    return pending;
  }

  private async decryptDEKSource(o: EncryptedObject): Promise<Buffer> {
    let plain: Buffer;
    try {
      plain = await this.service.decrypt(o.encryptedDEKSource, o.keyID, o.annotations);
    } catch (err) {
      if (err instanceof KmsCallError && err.unreachable) throw new ProviderDecryptError(`kms plugin "${this.config.name}" unavailable: ${messageOf(err)}`);
      throw new ProviderDecryptError(`kms plugin "${this.config.name}" could not decrypt the seed of key id "${o.keyID}" (wrong key id?): ${messageOf(err)}`);
    }
    if (o.encryptedDEKSourceType === EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED && plain.length < SEED_BYTES) {
      throw new ProviderDecryptError(`kms plugin "${this.config.name}" returned a seed of ${plain.length} bytes for key id "${o.keyID}", at least ${SEED_BYTES} needed`);
    }
    if (o.encryptedDEKSourceType === EncryptedDEKSourceType.AES_GCM_KEY && ![16, 24, 32].includes(plain.length)) {
      throw new ProviderDecryptError(`kms plugin "${this.config.name}" returned a ${plain.length}-byte key for key id "${o.keyID}", not an AES key`);
    }
    return Buffer.from(plain);
  }

  async decrypt(stored: Buffer, storageKey: string): Promise<Buffer> {
    const o = this.parse(stored);
    const source = await this.plainDEKSource(o);
    const aad = Buffer.from(storageKey);
    if (o.encryptedDEKSourceType === EncryptedDEKSourceType.AES_GCM_KEY) return gcmOpen(source, o.encryptedData, aad);
    if (o.encryptedData.length < INFO_BYTES + NONCE_BYTES + TAG_BYTES) throw new ProviderDecryptError(`${WRONG_KEY} (value too short)`);
    const dek = hkdfExpandSha256(source, o.encryptedData.subarray(0, INFO_BYTES), 32);
    return gcmOpen(dek, o.encryptedData.subarray(INFO_BYTES), aad);
  }

  /** Written under another key id than the plugin's current one, or in the pre-seed format: worth rewriting. */
  isStale(stored: Buffer): boolean {
    if (this.statusKeyId === undefined) return false;
    try {
      const o = this.parse(stored);
      return o.keyID !== this.statusKeyId || o.encryptedDEKSourceType !== EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED;
    } catch {
      return false;
    }
  }
}

/** Builds a kms v2 provider for an EncryptionConfiguration entry; call start() before use and stop() when done. */
export function kmsV2Provider(config: KmsProviderConfig, options: KmsV2ProviderOptions = {}): KmsV2Provider {
  return new KmsV2Provider(config, options);
}
