// Encryption at rest on the storage path: the EncryptionConfiguration given with
// --encryption-provider-config, or by default one generated at first start that encrypts Secrets
// with secretbox. Resources the configuration does not cover are stored as they are. With
// --encryption-provider-config-automatic-reload the file is watched: a valid change takes effect
// at once; an invalid one keeps the running configuration, is logged, fails the readiness check
// and is counted in /metrics. KMS v2 plugins get one long-lived provider each (per name, endpoint
// and timeout), shared across reloads; while one is unhealthy the kms-providers readiness check fails.
import { watchFile, unwatchFile } from 'node:fs';
import { resolve } from 'node:path';
import {
  ENCRYPTED_PREFIX,
  buildTransformers,
  ensureDefaultEncryptionConfig,
  kmsValueInfo,
  KmsV2Provider,
  loadEncryptionConfiguration,
  type EncryptionConfig,
  type KmsProviderConfig,
  type KmsProviderTimings,
  type ProviderConfig,
  type ResourceRule,
} from '../encryption/index.js';
import { ruleIndexFor } from '../encryption/rotation.js';
import { storedKindForKey, storedKinds } from '../api/catalogue.js';
import type { StoreValueTransformer, TransformerForKey } from '../storage/index.js';

/** The rule that applies to a resource: an exact entry first, then `*.<group>`, then `*.*`. */
function ruleFor(config: EncryptionConfig, group: string, resource: string): ResourceRule | undefined {
  return config.resources[ruleIndexFor(config, group ? `${resource}.${group}` : resource)];
}

/**
 * How a provider (with its first key) names itself: `secretbox:key1`, `identity`, and for kms
 * `kms:<name>:<key id>` with the plugin's current key id (`?` until it has answered).
 */
function writerName(p: ProviderConfig, kmsKeyId: (c: KmsProviderConfig) => string | undefined): string {
  if (p.type === 'identity') return 'identity';
  if (p.type === 'kms') return `kms:${p.name}:${kmsKeyId(p) ?? '?'}`;
  return `${p.type}:${p.keys[0]?.name ?? ''}`;
}

/** The provider and key a stored value was written with: from its prefix, and for kms v2 the key id inside. */
export function storedWith(value: Buffer): string {
  if (!value.subarray(0, ENCRYPTED_PREFIX.length).equals(ENCRYPTED_PREFIX)) return 'identity';
  const parts = value.subarray(0, 300).toString('latin1').split(':');
  // k8s:enc:<type>:<version>:<key or provider name>:…
  const name = `${parts[2] ?? '?'}:${parts[4] ?? '?'}`;
  if (parts[2] === 'kms' && parts[3] === 'v2') return `${name}:${kmsValueInfo(value)?.keyId ?? '?'}`;
  return name;
}

export interface ResourceEncryptionStatus {
  resource: string;
  /** The provider and key new writes use. */
  writesWith: string;
  total: number;
  byProvider: Record<string, number>;
  /** Objects not stored with the write provider: rewritten by an update, or by `kubectl replace`. */
  stale: number;
}

function keyTransformers(config: EncryptionConfig, kmsProvider: (c: KmsProviderConfig) => KmsV2Provider): TransformerForKey {
  const forResource = buildTransformers(config, { kmsProvider });
  const cache = new Map<string, StoreValueTransformer | undefined>();
  return (key) => {
    const r = storedKindForKey(key);
    if (!r) return undefined;
    const id = `${r.group}/${r.resource}`;
    if (!cache.has(id)) cache.set(id, ruleFor(config, r.group, r.resource) ? forResource(r.group, r.resource) : undefined);
    return cache.get(id);
  };
}

export interface ReloadEvents {
  onReload(ok: boolean, message: string): void;
}

export interface StorageEncryptionOptions {
  /** Status poll intervals and the write expiry of kms providers (kube's 1 minute, 10 seconds, 3 minutes by default). */
  kmsTimings?: Partial<KmsProviderTimings>;
  /** Told when a kms plugin turns healthy or unhealthy, or changes key id. */
  onKmsEvent?: (healthy: boolean, message: string) => void;
  /** Builds kms providers (tests); by default a gRPC client on the configured endpoint. */
  kmsProviderFactory?: (config: KmsProviderConfig) => KmsV2Provider;
}

function kmsIdentity(c: KmsProviderConfig): string {
  return JSON.stringify([c.name, c.endpoint, c.timeoutMs]);
}

function kmsConfigs(config: EncryptionConfig): KmsProviderConfig[] {
  return config.resources.flatMap((r) => r.providers.filter((p): p is KmsProviderConfig => p.type === 'kms'));
}

export class StorageEncryption {
  private current!: TransformerForKey;
  private config!: EncryptionConfig;
  private lastError?: string;
  private watching = false;
  /** Live kms providers by name, endpoint and timeout: a reload keeps their seeds and timers. */
  private readonly kms = new Map<string, KmsV2Provider>();

  private constructor(
    readonly path: string,
    private readonly options: StorageEncryptionOptions,
  ) {}

  static async load(configFile: string | undefined, dataDir: string, options: StorageEncryptionOptions = {}): Promise<StorageEncryption> {
    // absolute, so that `secrets-encrypt rotate` (told this path by the server) edits the same file
    const path = resolve(configFile ?? (await ensureDefaultEncryptionConfig(dataDir)));
    const enc = new StorageEncryption(path, options);
    await enc.apply(await loadEncryptionConfiguration(path));
    return enc;
  }

  private kmsProvider(c: KmsProviderConfig): KmsV2Provider {
    const id = kmsIdentity(c);
    let p = this.kms.get(id);
    if (!p) {
      p = this.options.kmsProviderFactory?.(c) ?? new KmsV2Provider(c, { ...this.options.kmsTimings, onEvent: this.options.onKmsEvent });
      this.kms.set(id, p);
    }
    return p;
  }

  /**
   * Makes `config` the one in force. New kms providers get their first Status answer (or failure)
   * before it applies, so a healthy plugin can take writes at once; an unreachable one does not
   * stop the server, it fails readiness and refuses writes. Providers no longer named are stopped.
   */
  private async apply(config: EncryptionConfig): Promise<void> {
    const before = new Set(this.kms.keys());
    let current: TransformerForKey;
    try {
      current = keyTransformers(config, (c) => this.kmsProvider(c));
    } catch (err) {
      this.dropKms((id) => !before.has(id));
      throw err;
    }
    await Promise.all(kmsConfigs(config).map((c) => this.kmsProvider(c).start()));
    this.current = current;
    this.config = config;
    const wanted = new Set(kmsConfigs(config).map(kmsIdentity));
    this.dropKms((id) => !wanted.has(id));
  }

  private dropKms(which: (id: string) => boolean): void {
    for (const [id, p] of this.kms) {
      if (!which(id)) continue;
      p.stop();
      this.kms.delete(id);
    }
  }

  /** The kms providers the configuration in force names, in order. */
  private activeKms(): KmsV2Provider[] {
    const seen = new Set<string>();
    const out: KmsV2Provider[] = [];
    for (const c of kmsConfigs(this.config)) {
      const id = kmsIdentity(c);
      const p = this.kms.get(id);
      if (p && !seen.has(id)) out.push(p);
      seen.add(id);
    }
    return out;
  }

  /** Polls every kms plugin in use now instead of waiting for its timer. */
  async pollKms(): Promise<void> {
    await Promise.all(this.activeKms().map((p) => p.pollNow()));
  }

  /**
   * The kms-providers readiness check: fails while any kms plugin in use is unhealthy. It passes
   * when no kms provider is configured (a reload may add one), and is never part of /livez: an
   * unavailable plugin must not get the server restarted.
   */
  readonly kmsCheck = async (): Promise<void> => {
    const problems = this.activeKms().flatMap((p) => {
      const h = p.health();
      return h.healthy ? [] : [h.message ?? `${p.name} is unhealthy`];
    });
    if (problems.length) throw new Error(problems.join('; '));
  };

  /** What the store asks for each key; always the configuration in force. */
  readonly transformerFor: TransformerForKey = (key) => this.current(key);

  /** The readiness check: fails while the file on disk is one that could not be loaded. */
  readonly check = async (): Promise<void> => {
    if (this.lastError) throw new Error(`the encryption configuration ${this.path} was not reloaded: ${this.lastError}`);
  };

  async reload(): Promise<boolean> {
    try {
      await this.apply(await loadEncryptionConfiguration(this.path));
      this.lastError = undefined;
      return true;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  watch(events: ReloadEvents, intervalMs = 1000): void {
    this.watching = true;
    watchFile(this.path, { interval: intervalMs, persistent: false }, (cur, prev) => {
      if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size) return;
      void this.reload().then((ok) =>
        events.onReload(ok, ok ? `reloaded the encryption configuration ${this.path}` : `kept the previous encryption configuration: ${this.lastError ?? ''}`),
      );
    });
  }

  stop(): void {
    if (this.watching) unwatchFile(this.path);
    this.dropKms(() => true);
  }

  /** For every served resource the configuration covers: which provider and key its stored objects use. */
  async status(rawList: (prefix: string) => Promise<Buffer[]>): Promise<{ configFile: string; resources: ResourceEncryptionStatus[] }> {
    const resources: ResourceEncryptionStatus[] = [];
    for (const r of storedKinds) {
      const rule = ruleFor(this.config, r.group, r.resource);
      if (!rule || !rule.providers[0]) continue;
      const writesWith = writerName(rule.providers[0], (c) => this.kms.get(kmsIdentity(c))?.currentKeyId);
      const byProvider: Record<string, number> = {};
      let total = 0;
      let stale = 0;
      for (const value of await rawList(r.prefix)) {
        const name = storedWith(value);
        byProvider[name] = (byProvider[name] ?? 0) + 1;
        total++;
        if (name !== writesWith) stale++;
      }
      resources.push({ resource: r.group ? `${r.resource}.${r.group}` : r.resource, writesWith, total, byProvider, stale });
    }
    return { configFile: this.path, resources };
  }
}
