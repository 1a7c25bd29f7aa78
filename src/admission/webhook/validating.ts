// ValidatingAdmissionWebhook: calls every matching validating webhook in parallel; any refusal, or a
// failure of a webhook with failurePolicy Fail, refuses the request.
import type { AdmissionAttributes, AdmissionPlugin } from '../types.js';
import type { StatusError } from '../../api/status.js';
import { orderedWebhooks } from './config.js';
import { matchingWebhooks } from './matcher.js';
import { WebhookCallError, callWebhook, type WebhookResponse } from './client.js';
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

export const FAILED_OPEN_VALIDATION_PREFIX = 'failed-open.validating.webhook.admission.k8s.io';

export class ValidatingWebhookPlugin implements AdmissionPlugin {
  readonly name = 'ValidatingAdmissionWebhook';

  constructor(private readonly options: WebhookPluginOptions) {}

  async validate(attrs: AdmissionAttributes): Promise<void> {
    const hooks = orderedWebhooks(this.options.source.validating());
    if (hooks.length === 0) return;
    const matched = await matchingWebhooks(hooks, attrs, this.options.lookup);
    if (matched.length === 0) return;
    // Refuse before calling anything, so that no webhook with side effects sees a dry run.
    if (attrs.dryRun) {
      const unsafe = matched.find((m) => !supportsDryRun(m.hook));
      if (unsafe) throw dryRunUnsupported(unsafe.hook);
    }

    const outcomes = await Promise.all(
      matched.map(async (m): Promise<WebhookResponse | WebhookCallError> => {
        if (m.broken !== undefined) return new WebhookCallError(m.hook.name, m.broken);
        try {
          return await callWebhook(m.hook, attrs, false, this.options.resolveServiceURL);
        } catch (e) {
          if (e instanceof WebhookCallError) return e;
          throw e;
        }
      }),
    );

    // Answers are taken in configuration order so that warnings and the reported error do not
    // depend on which webhook happened to answer first.
    let first: StatusError | undefined;
    outcomes.forEach((outcome, i) => {
      const hook = matched[i]!.hook;
      if (outcome instanceof WebhookCallError) {
        if (hook.failurePolicy === 'Ignore') addAuditAnnotation(attrs, `${FAILED_OPEN_VALIDATION_PREFIX}/round_0_index_${i}`, hook.name);
        else first ??= callFailed(outcome);
        return;
      }
      addWebhookAuditAnnotations(attrs, hook, outcome.auditAnnotations);
      addWarnings(attrs, outcome.warnings);
      if (!outcome.allowed) first ??= denied(hook, outcome.status);
    });
    if (first) throw first;
  }
}
