// Public interface of auditing: the policy, event helpers, the log and webhook backends, their
// union and metrics, and the contract types the request path builds events with.
export * from './types.js';
export {
  AUDIT_POLICY_API_VERSION,
  AuditPolicyError,
  DEFAULT_AUDIT_POLICY_YAML,
  type AuditPolicyDocument,
  type AuditPolicyGroupResources,
  type AuditPolicyRule,
  defaultAuditPolicy,
  loadAuditPolicy,
  parseAuditPolicy,
  parseAuditPolicyDocument,
} from './policy.js';
export { auditNowMicros, formatAuditMicros, legacyFormat, omitManagedFieldsOf } from './event.js';
export { type BatchOptions, DEFAULT_BATCH_OPTIONS } from './batch.js';
export { type LogBackendOptions, createLogBackend } from './log-backend.js';
export { type WebhookBackendOptions, type WebhookClientConfig, createWebhookBackend, loadWebhookKubeconfig } from './webhook-backend.js';
export { type AuditMetrics, createAuditMetrics } from './metrics.js';
