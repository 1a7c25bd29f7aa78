// Encryption at rest on the storage path: the EncryptionConfiguration given with
// --encryption-provider-config, or by default one generated at first start that encrypts Secrets
// with secretbox. Resources the configuration does not cover are stored as they are.
import { buildTransformers, ensureDefaultEncryptionConfig, loadEncryptionConfiguration, splitResource, type EncryptionConfig } from '../encryption/index.js';
import { resourceForStorageKey } from '../api/catalogue.js';
import type { TransformerForKey } from '../storage/index.js';

function covers(config: EncryptionConfig, group: string, resource: string): boolean {
  return config.resources.some((rule) =>
    rule.resources.some((entry) => {
      const e = splitResource(entry);
      return e.resource === '*' ? e.group === '*' || e.group === group : e.resource === resource && e.group === group;
    }),
  );
}

export async function buildStorageTransformers(configFile: string | undefined, dataDir: string): Promise<{ path: string; transformerFor: TransformerForKey }> {
  const path = configFile ?? (await ensureDefaultEncryptionConfig(dataDir));
  const config = await loadEncryptionConfiguration(path);
  const forResource = buildTransformers(config);
  const cache = new Map<string, ReturnType<typeof forResource> | undefined>();
  const transformerFor: TransformerForKey = (key) => {
    const r = resourceForStorageKey(key);
    if (!r) return undefined;
    const id = `${r.group}/${r.resource}`;
    if (!cache.has(id)) cache.set(id, covers(config, r.group, r.resource) ? forResource(r.group, r.resource) : undefined);
    return cache.get(id);
  };
  return { path, transformerFor };
}
