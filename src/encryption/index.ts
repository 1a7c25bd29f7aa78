// Public interface of encryption at rest: EncryptionConfiguration loading, the providers (kms v2
// included), the per-resource value transformers and the generated default configuration.
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
export { DEFAULT_KMS_TIMINGS, type KmsHealth, type KmsProviderTimings, KmsV2Provider, type KmsV2ProviderOptions, kmsV2Provider } from './kms/provider.js';
export { KmsCallError, KmsGrpcClient, type KmsService } from './kms/client.js';
export { KMS_V2_PREFIX, decodeEncryptedObject, encodeEncryptedObject, kmsValueInfo } from './kms/encrypted-object.js';
export { type EncryptedObject, EncryptedDEKSourceType, KeyManagementService } from './kms/messages.js';
export { hkdfExpandSha256 } from './kms/hkdf.js';
