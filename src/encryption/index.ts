// Public interface of encryption at rest: EncryptionConfiguration loading, the providers,
// the per-resource value transformers and the generated default configuration.
export {
  type EncryptionConfig,
  type EncryptionKey,
  type IdentityProviderConfig,
  type KeyedProviderConfig,
  type KeyedProviderType,
  type KmsProviderConfig,
  type ProviderConfig,
  type ProviderType,
  type ResourceRule,
  EncryptionConfigError,
  loadEncryptionConfiguration,
  parseEncryptionConfiguration,
  splitResource,
} from './config.js';
export {
  ENCRYPTED_PREFIX,
  type Provider,
  ProviderDecryptError,
  aescbcProvider,
  aesgcmProvider,
  identityProvider,
  keyedProviders,
  secretboxProvider,
} from './providers.js';
export {
  type BuildTransformersOptions,
  DecryptionError,
  type TransformResult,
  type ValueTransformer,
  buildProviders,
  buildTransformers,
  providerTransformer,
} from './transformer.js';
export { DEFAULT_ENCRYPTION_CONFIG_FILE, defaultEncryptionConfigYaml, ensureDefaultEncryptionConfig } from './defaults.js';
