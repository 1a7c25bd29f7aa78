// Value transformers: which providers apply to a resource, how values are written and read,
// and when a read value is stale (not written by the first provider, or by it under an old kms key id).
import type { EncryptionConfig, KmsProviderConfig, ProviderConfig } from './config.js';
import { ENCRYPTED_PREFIX, type Provider, identityProvider, keyedProviders } from './providers.js';

export interface TransformResult {
  value: Buffer;
  /** True when the value was not written by the first provider and key (for kms: its current key id). */
  stale: boolean;
}

export interface ValueTransformer {
  toStorage(plain: Buffer, storageKey: string): Promise<Buffer>;
  fromStorage(stored: Buffer, storageKey: string): Promise<TransformResult>;
}

export interface BuildTransformersOptions {
  /** Builds the provider for a kms v2 entry; without it a kms entry is refused. */
  kmsProvider?: (config: KmsProviderConfig) => Provider;
}

/** No configured provider could read a stored value. The message names the key and every provider tried. */
export class DecryptionError extends Error {
  readonly storageKey: string;
  /** `<provider name>: <reason>` for each provider that was tried or ruled out. */
  readonly attempts: string[];
  constructor(storageKey: string, attempts: string[], tail: string) {
    super(`cannot decrypt ${storageKey}: ${[...attempts, tail].filter((s) => s !== '').join('; ')}`);
    this.name = 'DecryptionError';
    this.storageKey = storageKey;
    this.attempts = attempts;
  }
}

const IDENTITY_NAME = 'identity';

function startsWith(value: Buffer, prefix: Buffer): boolean {
  return value.length >= prefix.length && value.subarray(0, prefix.length).equals(prefix);
}

/** The `k8s:enc:<type>:<version>:<name>:` prefix of a stored value, for messages (at most 5 fields). */
function describePrefix(stored: Buffer): string {
  const head = stored.subarray(0, 256).toString('latin1');
  let end = -1;
  let from = 0;
  for (let i = 0; i < 5; i++) {
    end = head.indexOf(':', from);
    if (end < 0) break;
    from = end + 1;
  }
  const prefix = end < 0 ? head.slice(0, 40) : head.slice(0, end + 1);
  // Only printable ASCII: the rest is ciphertext and would only confuse the reader.
  return prefix.replace(/[^\x20-\x7e]/g, '?');
}

/** Providers in config order, one per key. */
export function buildProviders(configs: ProviderConfig[], options: BuildTransformersOptions = {}): Provider[] {
  const out: Provider[] = [];
  for (const c of configs) {
    if (c.type === 'identity') out.push(identityProvider());
    else if (c.type === 'kms') {
      if (!options.kmsProvider) {
        throw new Error(`kms provider "${c.name}" at ${c.endpoint} needs a connection to its plugin, and none was supplied (BuildTransformersOptions.kmsProvider)`);
      }
      out.push(options.kmsProvider(c));
    } else out.push(...keyedProviders(c));
  }
  return out;
}

/** A transformer over providers in order: the first writes, all read. */
export function providerTransformer(providers: Provider[]): ValueTransformer {
  if (providers.length === 0) throw new Error('a value transformer needs at least one provider');
  const writer = providers[0]!;
  const identityIndex = providers.findIndex((p) => p.name === IDENTITY_NAME);
  const encrypting = providers.filter((p) => p.name !== IDENTITY_NAME);
  return {
    toStorage(plain, storageKey) {
      return writer.encrypt(plain, storageKey);
    },
    async fromStorage(stored, storageKey) {
      const attempts: string[] = [];
      let matched = 0;
      for (const p of encrypting) {
        if (!startsWith(stored, p.prefix)) continue;
        matched++;
        try {
          const value = await p.decrypt(stored, storageKey);
          return { value, stale: p !== writer || (p.isStale?.(stored) ?? false) };
        } catch (err) {
          // Move on: a later key with the same prefix (a re-used name) may still read it.
          attempts.push(`${p.name}: ${(err as Error).message}`);
        }
      }
      const encrypted = startsWith(stored, ENCRYPTED_PREFIX);
      if (!encrypted) {
        if (identityIndex >= 0) return { value: Buffer.from(stored), stale: identityIndex !== 0 };
        throw new DecryptionError(
          storageKey,
          attempts,
          `the value is not encrypted and identity is not among the providers (${providers.map((p) => p.name).join(', ')}); ` +
            'add identity after the first provider to read plain values',
        );
      }
      const prefix = describePrefix(stored);
      if (identityIndex >= 0) attempts.push(`${IDENTITY_NAME}: the value is encrypted`);
      const names = encrypting.map((p) => p.name);
      const tail =
        matched > 0
          ? `no other provider matches the prefix ${prefix}`
          : `no provider${names.length ? ` (${names.join(', ')})` : ''} matches the prefix ${prefix}`;
      throw new DecryptionError(storageKey, attempts, tail);
    },
  };
}

function ruleKey(group: string, resource: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/**
 * Resolves the transformer for a group and resource: an exact entry first, then `*.<group>`
 * (`*.` for the core group), then `*.*`; anything not covered is stored as is (identity).
 * Throws at build time if a provider cannot be constructed (kms without `options.kmsProvider`).
 */
export function buildTransformers(
  config: EncryptionConfig,
  options: BuildTransformersOptions = {},
): (group: string, resource: string) => ValueTransformer {
  const byEntry = new Map<string, ValueTransformer>();
  for (const rule of config.resources) {
    const transformer = providerTransformer(buildProviders(rule.providers, options));
    for (const entry of rule.resources) {
      // Validation rejects duplicates; keep the first anyway, as kube would.
      if (!byEntry.has(entry)) byEntry.set(entry, transformer);
    }
  }
  const identity = providerTransformer([identityProvider()]);
  return (group: string, resource: string) => {
    return (
      byEntry.get(ruleKey(group, resource)) ??
      byEntry.get(`*.${group}`) ??
      byEntry.get('*.*') ??
      identity
    );
  };
}

