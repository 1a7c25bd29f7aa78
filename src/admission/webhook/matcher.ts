// Decides whether a request goes to a webhook: rules (operations, groups, versions, resources with
// subresource wildcards, scope), objectSelector and namespaceSelector, with kube-apiserver's semantics.
import type { AdmissionAttributes, AdmissionLookup } from '../types.js';
import { internalError } from '../../api/status.js';
import type { Webhook, WebhookRule } from './config.js';

// Webhooks never see requests for the objects that configure admission, so a broken webhook can
// always be removed.
const EXEMPT_RESOURCES = new Set([
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
]);

export function isExemptFromWebhooks(attrs: Pick<AdmissionAttributes, 'resource'>): boolean {
  return attrs.resource.group === 'admissionregistration.k8s.io' && EXEMPT_RESOURCES.has(attrs.resource.resource);
}

const listHas = (list: string[] | undefined, value: string): boolean => !!list && (list.includes('*') || list.includes(value));

function resourceMatches(patterns: string[] | undefined, resource: string, subresource: string): boolean {
  for (const p of patterns ?? []) {
    const slash = p.indexOf('/');
    if (subresource === '') {
      // `*` and a plain name match only the main resource; `*/*` matches it too.
      if (p === '*' || p === resource || p === '*/*') return true;
      continue;
    }
    if (slash < 0) continue;
    const res = p.slice(0, slash);
    const sub = p.slice(slash + 1);
    if ((res === '*' || res === resource) && (sub === '*' || sub === subresource)) return true;
  }
  return false;
}

/** Whether one rule covers the request. matchPolicy makes no difference: Bulwark serves one version per group. */
export function ruleMatches(rule: WebhookRule, attrs: Pick<AdmissionAttributes, 'operation' | 'resource' | 'subresource'>): boolean {
  if (!listHas(rule.operations, attrs.operation)) return false;
  if (!listHas(rule.apiGroups, attrs.resource.group)) return false;
  if (!listHas(rule.apiVersions, attrs.resource.version)) return false;
  if (!resourceMatches(rule.resources, attrs.resource.resource, attrs.subresource)) return false;
  switch (rule.scope ?? '*') {
    case '*':
      return true;
    case 'Cluster':
      // A Namespace is itself cluster-scoped, so "Cluster" covers it.
      return !attrs.resource.namespaced;
    case 'Namespaced':
      return attrs.resource.namespaced;
    default:
      return false;
  }
}

function labelsOf(obj: Record<string, unknown> | undefined): Record<string, string> | undefined {
  const meta = obj?.['metadata'];
  if (typeof meta !== 'object' || meta === null) return undefined;
  const labels = (meta as Record<string, unknown>)['labels'];
  return typeof labels === 'object' && labels !== null ? (labels as Record<string, string>) : {};
}

/** Thrown when a webhook's selectors cannot be evaluated; the dispatcher treats it as a call failure. */
export class SelectorError extends Error {}

function objectSelectorMatches(hook: Webhook, attrs: AdmissionAttributes): boolean {
  const sel = hook.objectSelector;
  if (typeof sel === 'string') throw new SelectorError(`invalid objectSelector: ${sel}`);
  if (sel.empty) return true;
  // Either the new or the old object may match, so a label removal is still seen by the webhook.
  const matchOne = (o: Record<string, unknown> | undefined) => o !== undefined && sel.matches(labelsOf(o) ?? {});
  return matchOne(attrs.object) || matchOne(attrs.oldObject);
}

async function namespaceLabels(attrs: AdmissionAttributes, lookup: AdmissionLookup): Promise<Record<string, string> | undefined> {
  const isNamespace = attrs.resource.group === '' && attrs.resource.resource === 'namespaces';
  if (isNamespace) {
    // Creates and updates of a Namespace are judged by the labels the request sets.
    if (attrs.subresource === '' && (attrs.operation === 'CREATE' || attrs.operation === 'UPDATE') && attrs.object) {
      return labelsOf(attrs.object) ?? {};
    }
    if (attrs.oldObject) return labelsOf(attrs.oldObject) ?? {};
  } else if (!attrs.resource.namespaced) {
    return undefined;
  }
  const name = isNamespace ? attrs.name : attrs.namespace;
  let ns: Record<string, unknown> | undefined;
  try {
    ns = await lookup.get('', 'namespaces', '', name);
  } catch (e) {
    throw internalError(`failed to read namespace "${name}" to evaluate webhook namespaceSelector: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!ns) throw internalError(`namespaces "${name}" not found (needed to evaluate a webhook namespaceSelector)`);
  return labelsOf(ns) ?? {};
}

/**
 * The webhooks, in order, that the request must be sent to. A selector that cannot be parsed is
 * reported per webhook (`broken`), so the dispatcher can apply its failurePolicy.
 */
export async function matchingWebhooks(
  hooks: Webhook[],
  attrs: AdmissionAttributes,
  lookup: AdmissionLookup,
): Promise<{ hook: Webhook; broken?: string }[]> {
  if (hooks.length === 0 || isExemptFromWebhooks(attrs)) return [];
  const out: { hook: Webhook; broken?: string }[] = [];
  // Namespace labels are read at most once per request, and only if some webhook needs them.
  let nsLabels: Promise<Record<string, string> | undefined> | undefined;
  for (const hook of hooks) {
    if (!hook.rules.some((r) => ruleMatches(r, attrs))) continue;
    try {
      if (!objectSelectorMatches(hook, attrs)) continue;
      const sel = hook.namespaceSelector;
      if (typeof sel === 'string') throw new SelectorError(`invalid namespaceSelector: ${sel}`);
      if (!sel.empty) {
        nsLabels ??= namespaceLabels(attrs, lookup);
        const labels = await nsLabels;
        // Cluster-scoped objects other than Namespaces are never excluded by a namespaceSelector.
        if (labels !== undefined && !sel.matches(labels)) continue;
      }
    } catch (e) {
      if (e instanceof SelectorError) {
        out.push({ hook, broken: e.message });
        continue;
      }
      throw e;
    }
    out.push({ hook });
  }
  return out;
}
