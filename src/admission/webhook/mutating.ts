// MutatingAdmissionWebhook: calls the matching mutating webhooks one after another, applies their
// JSONPatch answers to the object in place, and re-invokes `IfNeeded` webhooks once when a later one changed it.
import jsonPatch from 'fast-json-patch';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.js';
import { StatusError, internalError } from '../../api/status.js';
import { deepClone, isPlainObject, jsonEqual } from '../../registry/object.js';
import { orderedWebhooks, type Webhook } from './config.js';
import { matchingWebhooks } from './matcher.js';
import { WebhookCallError, callWebhook } from './client.js';
import {
  type WebhookPluginOptions,
  addAuditAnnotation,
  addWarnings,
  addWebhookAuditAnnotations,
  callFailed,
  denied,
  dryRunUnsupported,
  supportsDryRun,
} from './dispatch.js';

export const MUTATION_ANNOTATION_PREFIX = 'mutation.webhook.admission.k8s.io';
export const PATCH_ANNOTATION_PREFIX = 'patch.webhook.admission.k8s.io';
export const FAILED_OPEN_MUTATION_PREFIX = 'failed-open.mutation.webhook.admission.k8s.io';

function patchFailure(hook: Webhook, what: string): StatusError {
  return internalError(`admission webhook "${hook.name}" ${what}`);
}

function describePatchError(e: unknown): string {
  if (e instanceof jsonPatch.JsonPatchError) {
    // The library's message also dumps the whole document; only its first line is for people.
    const first = e.message.split('\n')[0];
    const op = e.operation as { op?: unknown; path?: unknown } | undefined;
    const where = e.index !== undefined ? ` (operation ${e.index}${op ? `: ${String(op.op)} ${String(op.path)}` : ''})` : '';
    return `${first}${where}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * Applies a webhook's base64 JSONPatch to `attrs.object` in place. Returns whether anything changed.
 * A patch that cannot be decoded or applied refuses the request whatever the failurePolicy, as upstream.
 */
function applyWebhookPatch(hook: Webhook, attrs: AdmissionAttributes, patch: string): { changed: boolean; ops: unknown[] } {
  const obj = attrs.object;
  if (!obj) throw patchFailure(hook, 'attempted to modify the object, which is not supported for this operation');
  let ops: unknown;
  try {
    ops = JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
  } catch (e) {
    throw patchFailure(hook, `returned a patch that is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(ops)) throw patchFailure(hook, 'returned a patch that is not a JSONPatch array');
  let result: unknown;
  try {
    result = jsonPatch.applyPatch(deepClone(obj), ops as jsonPatch.Operation[], true, true).newDocument;
  } catch (e) {
    throw patchFailure(hook, `returned a JSONPatch that cannot be applied: ${describePatchError(e)}`);
  }
  if (!isPlainObject(result)) throw patchFailure(hook, 'returned a patch whose result is not an object');
  if (result['apiVersion'] !== obj['apiVersion'] || result['kind'] !== obj['kind']) {
    throw patchFailure(
      hook,
      `returned a patch that changes the object's type from ${String(obj['apiVersion'])}, Kind=${String(obj['kind'])} to ${String(result['apiVersion'])}, Kind=${String(result['kind'])}`,
    );
  }
  if (jsonEqual(result, obj)) return { changed: false, ops };
  // Callers hold a reference to attrs.object: replace its contents, not the reference.
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, result);
  return { changed: true, ops };
}

export class MutatingWebhookPlugin implements AdmissionPlugin {
  readonly name = 'MutatingAdmissionWebhook';

  constructor(private readonly options: WebhookPluginOptions) {}

  async admit(attrs: AdmissionAttributes): Promise<void> {
    const hooks = orderedWebhooks(this.options.source.mutating());
    if (hooks.length === 0) return;
    const matched = await matchingWebhooks(hooks, attrs, this.options.lookup);
    if (matched.length === 0) return;

    // Round 0: each webhook once, in order. A reinvocable webhook is called again only if some
    // webhook after it changed the object, i.e. it has not seen the final object.
    const calledAt = new Map<string, number>();
    let lastChange = -1;
    for (let i = 0; i < matched.length; i++) {
      const m = matched[i]!;
      if (await this.invoke(m.hook, m.broken, attrs, 0, i)) lastChange = i;
      if (m.hook.reinvocationPolicy === 'IfNeeded') calledAt.set(m.hook.key, i);
    }
    const reinvoke = new Set([...calledAt].filter(([, at]) => at < lastChange).map(([key]) => key));
    if (reinvoke.size === 0) return;

    // Round 1: the object changed, so matching is decided again; each webhook runs at most once more.
    const again = (await matchingWebhooks(hooks, attrs, this.options.lookup)).filter((m) => reinvoke.has(m.hook.key));
    for (let i = 0; i < again.length; i++) {
      const m = again[i]!;
      await this.invoke(m.hook, m.broken, attrs, 1, i);
    }
  }

  /** One call; returns whether the webhook changed the object. */
  private async invoke(hook: Webhook, broken: string | undefined, attrs: AdmissionAttributes, round: number, index: number): Promise<boolean> {
    if (attrs.dryRun && !supportsDryRun(hook)) throw dryRunUnsupported(hook);
    let response;
    try {
      if (broken !== undefined) throw new WebhookCallError(hook.name, broken);
      response = await callWebhook(hook, attrs, true, this.options.resolveServiceURL);
    } catch (e) {
      if (!(e instanceof WebhookCallError)) throw e;
      if (hook.failurePolicy === 'Ignore') {
        addAuditAnnotation(attrs, `${FAILED_OPEN_MUTATION_PREFIX}/round_${round}_index_${index}`, hook.name);
        return false;
      }
      throw callFailed(e);
    }
    addWebhookAuditAnnotations(attrs, hook, response.auditAnnotations);
    addWarnings(attrs, response.warnings);
    if (!response.allowed) throw denied(hook, response.status);
    const applied = response.patch !== undefined ? applyWebhookPatch(hook, attrs, response.patch) : undefined;
    const changed = applied?.changed ?? false;
    if (applied?.changed) {
      // The patch can carry object contents: the audit filter keeps it out of Metadata-level events.
      addAuditAnnotation(
        attrs,
        `${PATCH_ANNOTATION_PREFIX}/round_${round}_index_${index}`,
        JSON.stringify({ configuration: hook.configurationName, webhook: hook.name, patch: applied.ops, patchType: 'JSONPatch' }),
      );
    }
    addAuditAnnotation(
      attrs,
      `${MUTATION_ANNOTATION_PREFIX}/round_${round}_index_${index}`,
      JSON.stringify({ configuration: hook.configurationName, webhook: hook.name, mutated: changed }),
    );
    return changed;
  }
}
