// Encryption at rest on the storage path: the EncryptionConfiguration given with
// --encryption-provider-config, or by default one generated at first start that encrypts Secrets
// with secretbox. Resources the configuration does not cover are stored as they are. With
// --encryption-provider-config-automatic-reload the file is watched: a valid change takes effect
// at once; an invalid one keeps the running configuration, is logged, fails the readiness check
// and is counted in /metrics.
import { watchFile, unwatchFile } from 'node:fs';
import { buildTransformers, ensureDefaultEncryptionConfig, loadEncryptionConfiguration, splitResource, type EncryptionConfig } from '../encryption/index.js';
import { resourceForStorageKey } from '../api/catalogue.js';
import type { StoreValueTransformer, TransformerForKey } from '../storage/index.js';

function covers(config: EncryptionConfig, group: string, resource: string): boolean {
  return config.resources.some((rule) =>
    rule.resources.some((entry) => {
      const e = splitResource(entry);
      return e.resource === '*' ? e.group === '*' || e.group === group : e.resource === resource && e.group === group;
    }),
  );
}

function keyTransformers(config: EncryptionConfig): TransformerForKey {
  const forResource = buildTransformers(config);
  const cache = new Map<string, StoreValueTransformer | undefined>();
  return (key) => {
    const r = resourceForStorageKey(key);
    if (!r) return undefined;
    const id = `${r.group}/${r.resource}`;
    if (!cache.has(id)) cache.set(id, covers(config, r.group, r.resource) ? forResource(r.group, r.resource) : undefined);
    return cache.get(id);
  };
}

export interface ReloadEvents {
  onReload(ok: boolean, message: string): void;
}

export class StorageEncryption {
  private current: TransformerForKey;
  private lastError?: string;
  private watching = false;

  private constructor(
    readonly path: string,
    config: EncryptionConfig,
  ) {
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
      this.current = keyTransformers(await loadEncryptionConfiguration(this.path));
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
}
