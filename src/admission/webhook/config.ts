// Webhook configurations as the dispatcher uses them: MutatingWebhookConfiguration and
// ValidatingWebhookConfiguration objects flattened into an ordered list of webhooks with defaults applied.
import type { WebhookClientConfig } from 'kubernetes-types/admissionregistration/v1.js';
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors.js';

/** Where the server's current webhook configuration objects come from (fed by watches). */
export interface WebhookConfigurationSource {
  mutating(): Record<string, unknown>[];
  validating(): Record<string, unknown>[];
}

/** admissionregistration/v1 RuleWithOperations (kubernetes-types leaves out the inlined Rule fields). */
export interface WebhookRule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  // `pods`, `pods/status`, `pods/*`, `*`, `*/status`, `*/*`.
  resources?: string[];
  /** `Cluster`, `Namespaced` or `*` (the default). */
  scope?: string;
}

export type FailurePolicy = 'Fail' | 'Ignore';
export type ReinvocationPolicy = 'Never' | 'IfNeeded';

/** One webhook of a configuration, with kube-apiserver's defaults filled in. */
export interface Webhook {
  /** Stable identity within a configuration snapshot: `<configuration>/<position>/<webhook name>`. */
  readonly key: string;
  readonly name: string;
  readonly configurationName: string;
  readonly rules: WebhookRule[];
  readonly matchPolicy: 'Exact' | 'Equivalent';
  /** A selector that could not be parsed makes every call to this webhook a call failure. */
  readonly namespaceSelector: LabelSelector | string;
  readonly objectSelector: LabelSelector | string;
  readonly failurePolicy: FailurePolicy;
  readonly sideEffects: string;
  readonly timeoutSeconds: number;
  readonly reinvocationPolicy: ReinvocationPolicy;
  readonly clientConfig: WebhookClientConfig;
  readonly admissionReviewVersions: string[];
}

export const DEFAULT_TIMEOUT_SECONDS = 10;
export const MAX_TIMEOUT_SECONDS = 30;

const cache = new WeakMap<Record<string, unknown>, Webhook[]>();

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function selector(v: unknown): LabelSelector | string {
  // An unset selector is defaulted to `{}` by the API (match everything), not to "nothing".
  try {
    return labelSelectorFromObject((v ?? {}) as Parameters<typeof labelSelectorFromObject>[0]);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function timeout(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return DEFAULT_TIMEOUT_SECONDS;
  return Math.min(MAX_TIMEOUT_SECONDS, Math.max(1, Math.floor(v)));
}

function parseConfiguration(config: Record<string, unknown>): Webhook[] {
  const hit = cache.get(config);
  if (hit) return hit;
  const configurationName = String(asRecord(config['metadata'])['name'] ?? '');
  const raw = Array.isArray(config['webhooks']) ? (config['webhooks'] as unknown[]) : [];
  const hooks = raw.map((item, i): Webhook => {
    const w = asRecord(item);
    const name = String(w['name'] ?? '');
    return {
      key: `${configurationName}/${i}/${name}`,
      name,
      configurationName,
      rules: Array.isArray(w['rules']) ? (w['rules'] as unknown[]).map((r) => asRecord(r) as WebhookRule) : [],
      matchPolicy: w['matchPolicy'] === 'Exact' ? 'Exact' : 'Equivalent',
      namespaceSelector: selector(w['namespaceSelector']),
      objectSelector: selector(w['objectSelector']),
      failurePolicy: w['failurePolicy'] === 'Ignore' ? 'Ignore' : 'Fail',
      sideEffects: typeof w['sideEffects'] === 'string' ? w['sideEffects'] : 'Unknown',
      timeoutSeconds: timeout(w['timeoutSeconds']),
      reinvocationPolicy: w['reinvocationPolicy'] === 'IfNeeded' ? 'IfNeeded' : 'Never',
      clientConfig: asRecord(w['clientConfig']) as WebhookClientConfig,
      admissionReviewVersions: stringList(w['admissionReviewVersions']),
    };
  });
  cache.set(config, hooks);
  return hooks;
}

/**
 * Every webhook of the given configurations in kube-apiserver's order: configurations sorted by
 * name, webhooks in the order they are listed. Parsed objects are cached per configuration object,
 * so a source that hands out the same objects between changes costs nothing per request.
 */
export function orderedWebhooks(configurations: Record<string, unknown>[]): Webhook[] {
  const sorted = [...configurations].sort((a, b) => {
    const an = String(asRecord(a['metadata'])['name'] ?? '');
    const bn = String(asRecord(b['metadata'])['name'] ?? '');
    return an < bn ? -1 : an > bn ? 1 : 0;
  });
  return sorted.flatMap(parseConfiguration);
}
