// Encryption at rest on the storage path: the EncryptionConfiguration given with
// --encryption-provider-config, or by default one generated at first start that encrypts Secrets
// with secretbox. Resources the configuration does not cover are stored as they are. With
// --encryption-provider-config-automatic-reload the file is watched: a valid change takes effect
// at once; an invalid one keeps the running configuration, is logged, fails the readiness check
// and is counted in /metrics.
import { watchFile, unwatchFile } from 'node:fs';
import { buildTransformers, ensureDefaultEncryptionConfig, loadEncryptionConfiguration, splitResource, type EncryptionConfig, type ProviderConfig, type ResourceRule } from '../encryption/index.js';
import { catalogue, resourceForStorageKey, storagePrefix } from '../api/catalogue.js';
import type { StoreValueTransformer, TransformerForKey } from '../storage/index.js';

/** The rule that applies to a resource: an exact entry first, then `*.<group>`, then `*.*`. */
function ruleFor(config: EncryptionConfig, group: string, resource: string): ResourceRule | undefined {
  const matches = (wanted: (e: { resource: string; group: string }) => boolean) =>
    config.resources.find((rule) => rule.resources.some((entry) => wanted(splitResource(entry))));
  return (
    matches((e) => e.resource === resource && e.group === group) ??
    matches((e) => e.resource === '*' && e.group === group) ??
    matches((e) => e.resource === '*' && e.group === '*')
  );
}

/** How a provider (with its first key) names itself in stored prefixes: `secretbox:key1`, `identity`, `kms:name`. */
function writerName(p: ProviderConfig): string {
  if (p.type === 'identity') return 'identity';
  if (p.type === 'kms') return `kms:${p.name}`;
  return `${p.type}:${p.keys[0]?.name ?? ''}`;
}

/** The provider and key a stored value was written with, from its prefix. */
export function storedWith(value: Buffer): string {
  if (!value.subarray(0, 8).equals(Buffer.from('k8s:enc:'))) return 'identity';
  const parts = value.subarray(0, 300).toString('latin1').split(':');
  // k8s:enc:<type>:<version>:<key or provider name>:…
  return `${parts[2] ?? '?'}:${parts[4] ?? '?'}`;
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

function keyTransformers(config: EncryptionConfig): TransformerForKey {
  const forResource = buildTransformers(config);
  const cache = new Map<string, StoreValueTransformer | undefined>();
  return (key) => {
    const r = resourceForStorageKey(key);
    if (!r) return undefined;
    const id = `${r.group}/${r.resource}`;
    if (!cache.has(id)) cache.set(id, ruleFor(config, r.group, r.resource) ? forResource(r.group, r.resource) : undefined);
    return cache.get(id);
  };
}

export interface ReloadEvents {
  onReload(ok: boolean, message: string): void;
}

export class StorageEncryption {
  private current: TransformerForKey;
  private config: EncryptionConfig;
  private lastError?: string;
  private watching = false;

  private constructor(
    readonly path: string,
    config: EncryptionConfig,
  ) {
    this.config = config;
    this.current = keyTransformers(config);
  }

  static async load(configFile: string | undefined, dataDir: string): Promise<StorageEncryption> {
    const path = configFile ?? (await ensureDefaultEncryptionConfig(dataDir));
    return new StorageEncryption(path, await loadEncryptionConfiguration(path));
  }

  /** What the store asks for each key; always the configuration in force. */
  readonly transformerFor: TransformerForKey = (key) => this.current(key);

  /** The readiness check: fails while the file on disk is one that could not be loaded. */
  readonly check = async (): Promise<void> => {
    if (this.lastError) throw new Error(`the encryption configuration ${this.path} was not reloaded: ${this.lastError}`);
  };

  async reload(): Promise<boolean> {
    try {
      const config = await loadEncryptionConfiguration(this.path);
      this.current = keyTransformers(config);
      this.config = config;
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
  }

  /** For every served resource the configuration covers: which provider and key its stored objects use. */
  async status(rawList: (prefix: string) => Promise<Buffer[]>): Promise<{ configFile: string; resources: ResourceEncryptionStatus[] }> {
    const resources: ResourceEncryptionStatus[] = [];
    for (const r of catalogue) {
      const rule = ruleFor(this.config, r.group, r.resource);
      if (!rule || !rule.providers[0]) continue;
      const writesWith = writerName(rule.providers[0]);
      const byProvider: Record<string, number> = {};
      let total = 0;
      let stale = 0;
      for (const value of await rawList(storagePrefix(r))) {
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
