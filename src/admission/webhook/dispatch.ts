// What the mutating and validating webhook plugins share: their options, and how a webhook's answer
// or failure becomes a client error, warnings and audit annotations, worded as kube-apiserver does.
import type { AdmissionAttributes, AdmissionLookup } from '../types.js';
import { StatusError, badRequest, internalError, type StatusDetails } from '../../api/status.js';
import { labelKeyErrors } from '../../api/selectors.js';
import type { Webhook, WebhookConfigurationSource } from './config.js';
import type { AdmissionResponseStatus, ServiceURLResolver, WebhookCallError } from './client.js';

export interface WebhookPluginOptions {
  source: WebhookConfigurationSource;
  lookup: AdmissionLookup;
  /**
   * Maps a `clientConfig.service` reference to the URL to call (typically an endpoint address).
   * The webhook's certificate is still checked against `<name>.<namespace>.svc`. Without it the
   * service's cluster DNS name is called; returning undefined makes the call fail.
   */
  resolveServiceURL?: ServiceURLResolver;
}

/** A dry-run request may only reach webhooks that declare they have no side effects on dry run. */
export function supportsDryRun(hook: Webhook): boolean {
  return hook.sideEffects === 'None' || hook.sideEffects === 'NoneOnDryRun';
}

export function dryRunUnsupported(hook: Webhook): StatusError {
  return badRequest(`admission webhook "${hook.name}" does not support dry run`);
}

/** failurePolicy Fail: the request is refused with 500 naming the webhook and the reason. */
export function callFailed(err: WebhookCallError): StatusError {
  return internalError(err.message);
}

/** A webhook's refusal, with its code (at least 400; 403 by default), reason and details kept. */
export function denied(hook: Webhook, status: AdmissionResponseStatus | undefined): StatusError {
  const deniedBy = `admission webhook "${hook.name}" denied the request`;
  const code = typeof status?.code === 'number' && status.code >= 400 && status.code <= 599 ? Math.floor(status.code) : 403;
  const reason = typeof status?.reason === 'string' ? status.reason : '';
  const message = typeof status?.message === 'string' ? status.message : '';
  const text = message ? `${deniedBy}: ${message}` : reason ? `${deniedBy}: ${reason}` : `${deniedBy} without explanation`;
  const details = typeof status?.details === 'object' && status.details !== null ? (status.details as StatusDetails) : undefined;
  return new StatusError(code, reason, text, details);
}

// Warnings become HTTP headers: anything that could break a header line is removed.
const CONTROL = /[\u0000-\u001f\u007f]/g;

export function addWarnings(attrs: AdmissionAttributes, warnings: string[]): void {
  for (const w of warnings) {
    const clean = w.replace(CONTROL, ' ').trim();
    if (clean) attrs.warnings.push(clean);
  }
}

/** Sets an audit annotation unless it is malformed or would overwrite a different value (kube-apiserver drops both). */
export function addAuditAnnotation(attrs: AdmissionAttributes, key: string, value: string): boolean {
  if (key.split('/').length !== 2 || labelKeyErrors(key).length > 0) return false;
  const existing = attrs.auditAnnotations[key];
  if (existing !== undefined && existing !== value) return false;
  attrs.auditAnnotations[key] = value;
  return true;
}

/** A webhook's own audit annotations are recorded under `<webhook name>/<key>`. */
export function addWebhookAuditAnnotations(attrs: AdmissionAttributes, hook: Webhook, annotations: Record<string, string>): void {
  for (const [k, v] of Object.entries(annotations)) addAuditAnnotation(attrs, `${hook.name}/${k}`, v);
}
