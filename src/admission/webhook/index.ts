// Admission webhooks (AdmissionReview v1 over HTTPS): the mutating and validating plugins and the
// source of webhook configurations they read. matchConditions (CEL) are not evaluated yet: a webhook
// that has them is called for every request its rules and selectors match, a superset of upstream's.
export { type WebhookConfigurationSource, type Webhook, type WebhookRule, type FailurePolicy, type ReinvocationPolicy, orderedWebhooks, DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS } from './config.js';
export { type ServiceURLResolver, WebhookCallError, buildAdmissionReview, closeWebhookConnections, ADMISSION_REVIEW_API_VERSION } from './client.js';
export { type WebhookPluginOptions } from './dispatch.js';
export { ruleMatches, isExemptFromWebhooks } from './matcher.js';
export { MutatingWebhookPlugin, MUTATION_ANNOTATION_PREFIX, FAILED_OPEN_MUTATION_PREFIX } from './mutating.js';
export { ValidatingWebhookPlugin, FAILED_OPEN_VALIDATION_PREFIX } from './validating.js';
