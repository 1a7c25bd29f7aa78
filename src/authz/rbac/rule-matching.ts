// Policy rule semantics shared by the authorizer and the escalation checks: whether one rule allows
// one request, and whether a set of rules covers another set, with kube-apiserver's wildcards.
import type { RequestInfo } from '../../endpoints/request-info.js';
import type { PolicyRule } from './types.js';
import { goQuote } from '../../api/go-quote.js';

export const WILDCARD = '*';

/** The parts of a request that RBAC rules are evaluated against. */
export type RuleRequest = Pick<RequestInfo, 'isResourceRequest' | 'verb' | 'apiGroup' | 'resource' | 'subresource' | 'name' | 'path'>;

const list = (v: readonly string[] | undefined): readonly string[] => v ?? [];

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of list(rule.verbs)) if (v === WILDCARD || v === verb) return true;
  return false;
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  for (const g of list(rule.apiGroups)) if (g === WILDCARD || g === group) return true;
  return false;
}

// `combined` is `resource` or `resource/subresource`. A rule entry matches when it is `*`, the
// combined name exactly, or `*/<subresource>`. As upstream, `pods/*` is not a pattern: it only
// matches a subresource literally named `*`.
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of list(rule.resources)) {
    if (r === WILDCARD || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** No resourceNames means any name; otherwise the request's name (which may be empty) must be listed. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = list(rule.resourceNames);
  if (names.length === 0) return true;
  return names.includes(name);
}

/** Entries are exact paths, `*`, or prefixes ending in `*` (`/apis/*` matches `/apis/` and below). */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of list(rule.nonResourceURLs)) {
    if (u === WILDCARD || u === path) return true;
    if (u.endsWith('*') && path.startsWith(trimTrailingStars(u))) return true;
  }
  return false;
}

function trimTrailingStars(s: string): string {
  let end = s.length;
  while (end > 0 && s[end - 1] === '*') end--;
  return s.slice(0, end);
}

export function ruleAllows(req: RuleRequest, rule: PolicyRule): boolean {
  if (!verbMatches(rule, req.verb)) return false;
  if (!req.isResourceRequest) return nonResourceURLMatches(rule, req.path);
  const combined = req.subresource ? `${req.resource}/${req.subresource}` : req.resource;
  return apiGroupMatches(rule, req.apiGroup) && resourceMatches(rule, combined, req.subresource) && resourceNameMatches(rule, req.name);
}

export function rulesAllow(req: RuleRequest, rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => ruleAllows(req, r));
}

// ---------------------------------------------------------------------------------------------
// Covering: does one set of rules grant everything another grants?
// ---------------------------------------------------------------------------------------------

/**
 * Splits a rule into rules of one group, one resource, one verb and at most one name (or one URL
 * and one verb), so that each piece is either wholly granted by a single owner rule or not at all.
 * A resource rule without apiGroups grants nothing and so breaks down into nothing.
 */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  return [...rulePieces(rule)];
}

// Lazily: a rule's pieces are the product of its lists, which a few hundred entries make large
// enough to exhaust memory if built all at once.
function* rulePieces(rule: PolicyRule): Generator<PolicyRule> {
  const verbs = list(rule.verbs);
  const names = list(rule.resourceNames);
  for (const group of list(rule.apiGroups)) {
    for (const resource of list(rule.resources)) {
      for (const verb of verbs) {
        if (names.length === 0) yield { apiGroups: [group], resources: [resource], verbs: [verb] };
        else for (const name of names) yield { apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] };
      }
    }
  }
  for (const url of list(rule.nonResourceURLs)) {
    for (const verb of verbs) yield { nonResourceURLs: [url], verbs: [verb] };
  }
}

function containsAll(owned: readonly string[], wanted: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  if (wanted.length === 1) return owned.includes(wanted[0]!);
  const set = new Set(owned);
  return wanted.every((w) => set.has(w));
}

// `*` owns every resource; `*/status` owns `pods/status`; otherwise names must be held exactly.
function resourcesCovered(owned: readonly string[], wanted: readonly string[]): boolean {
  if (owned.includes(WILDCARD) || containsAll(owned, wanted)) return true;
  for (const r of wanted) {
    if (owned.includes(r)) continue;
    const slash = r.indexOf('/');
    if (slash < 0) return false;
    if (!owned.includes(`*/${r.slice(slash + 1)}`)) return false;
  }
  return true;
}

function urlCovered(owner: string, wanted: string): boolean {
  if (owner === wanted) return true;
  return owner.endsWith('*') && wanted.startsWith(trimTrailingStars(owner));
}

/** Whether `owner` grants all of `piece`, a rule from breakdownRule. */
export function ruleCovers(owner: PolicyRule, piece: PolicyRule): boolean {
  const ownerVerbs = list(owner.verbs);
  if (!ownerVerbs.includes(WILDCARD) && !containsAll(ownerVerbs, list(piece.verbs))) return false;
  const ownerGroups = list(owner.apiGroups);
  if (!ownerGroups.includes(WILDCARD) && !containsAll(ownerGroups, list(piece.apiGroups))) return false;
  if (!resourcesCovered(list(owner.resources), list(piece.resources))) return false;
  const ownerURLs = list(owner.nonResourceURLs);
  for (const u of list(piece.nonResourceURLs)) if (!ownerURLs.some((o) => urlCovered(o, u))) return false;
  const ownerNames = list(owner.resourceNames);
  const pieceNames = list(piece.resourceNames);
  // An owner limited to names never covers an unnamed piece (which stands for every name).
  if (pieceNames.length === 0) return ownerNames.length === 0;
  return ownerNames.length === 0 || containsAll(ownerNames, pieceNames);
}

/**
 * Whether the `owner` rules grant everything the `requested` rules grant. `missing` lists the
 * broken-down pieces (see breakdownRule) that no owner rule grants, in request order. A `*` in a
 * requested rule is only covered by a `*` held by the owner, never by a list of names.
 */
export function covers(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const rule of requested) {
    // one owner rule granting the whole rule grants every piece of it
    if (owner.some((o) => ruleCovers(o, rule))) continue;
    for (const piece of rulePieces(rule)) {
      if (owner.some((o) => ruleCovers(o, piece))) continue;
      missing.push(piece);
      // enough to refuse and to tell the caller what is missing; a huge rule is not walked to its end
      if (missing.length >= MAX_MISSING_PIECES) return { covered: false, missing };
    }
  }
  return { covered: missing.length === 0, missing };
}

const MAX_MISSING_PIECES = 100;

// ---------------------------------------------------------------------------------------------
// Printing rules in escalation errors
// ---------------------------------------------------------------------------------------------

/**
 * Merges rules of one group and one resource (and at most one name) that differ only in their
 * verbs, so that a missing-permissions message shows one line per resource. Other rules pass
 * through unchanged, merged ones follow them.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const key = simpleKey(rule);
    if (key === undefined) {
      out.push(rule);
      continue;
    }
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...list(rule.verbs)];
    else simple.set(key, { ...rule, verbs: [...list(rule.verbs)] });
  }
  out.push(...simple.values());
  return out;
}

function simpleKey(rule: PolicyRule): string | undefined {
  const groups = list(rule.apiGroups);
  const resources = list(rule.resources);
  const names = list(rule.resourceNames);
  if (groups.length !== 1 || resources.length !== 1 || names.length > 1 || list(rule.nonResourceURLs).length > 0) return undefined;
  for (const k of Object.keys(rule)) {
    if (k !== 'apiGroups' && k !== 'resources' && k !== 'verbs' && k !== 'resourceNames' && k !== 'nonResourceURLs') return undefined;
  }
  return JSON.stringify([groups[0], resources[0], names.length ? names[0] : null]);
}

export { goQuote };


/** Go's `%q` for a []string: `["a" "b"]`. */
export function goQuoteList(items: readonly string[] | undefined): string {
  return `[${list(items).map(goQuote).join(' ')}]`;
}

/** kube's compact form of a rule: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  const add = (label: string, v: readonly string[] | undefined) => {
    if (v && v.length > 0) parts.push(`${label}:${goQuoteList(v)}`);
  };
  add('APIGroups', rule.apiGroups);
  add('Resources', rule.resources);
  add('NonResourceURLs', rule.nonResourceURLs);
  add('ResourceNames', rule.resourceNames);
  add('Verbs', rule.verbs);
  return `{${parts.join(', ')}}`;
}

/** Rules as field-by-field equal (absent and empty lists are the same), as the aggregation controller compares them. */
export function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  return (
    sameList(a.verbs, b.verbs) &&
    sameList(a.apiGroups, b.apiGroups) &&
    sameList(a.resources, b.resources) &&
    sameList(a.resourceNames, b.resourceNames) &&
    sameList(a.nonResourceURLs, b.nonResourceURLs)
  );
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = list(a);
  const y = list(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
