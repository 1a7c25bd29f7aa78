// ClusterRole aggregation: a ClusterRole with an aggregationRule gets the union of the rules of
// every ClusterRole its label selectors pick, as kube's clusterrole-aggregation controller writes it.
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors.js';
import { sameRule } from './rule-matching.js';
import type { ClusterRole, PolicyRule } from './types.js';

function selectors(role: ClusterRole): LabelSelector[] {
  const out: LabelSelector[] = [];
  for (const sel of role.aggregationRule?.clusterRoleSelectors ?? []) {
    try {
      out.push(labelSelectorFromObject(sel));
    } catch {
      // an invalid selector picks nothing (validation keeps such roles out of storage anyway)
    }
  }
  return out;
}

const byName = (a: ClusterRole, b: ClusterRole): number => {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * The rules `clusterRole` should hold: for each selector in turn, the rules of the matching
 * ClusterRoles (other than itself) by name order, each distinct rule once in first-seen order.
 * `undefined` when the role has no aggregationRule. Matching roles contribute the rules they hold
 * now; chained aggregation (admin picks edit, which picks view) settles over repeated passes, as
 * aggregateClusterRoles does.
 */
export function aggregateRules(clusterRole: ClusterRole, allClusterRoles: readonly ClusterRole[]): PolicyRule[] | undefined {
  return aggregateWith(clusterRole, allClusterRoles, (r) => r.rules ?? []);
}

function aggregateWith(clusterRole: ClusterRole, all: readonly ClusterRole[], rulesOf: (r: ClusterRole) => readonly PolicyRule[]): PolicyRule[] | undefined {
  if (!clusterRole.aggregationRule) return undefined;
  const self = clusterRole.metadata?.name;
  const sorted = [...all].sort(byName);
  const out: PolicyRule[] = [];
  for (const sel of selectors(clusterRole)) {
    for (const candidate of sorted) {
      if (candidate.metadata?.name === self || !sel.matches(candidate.metadata?.labels)) continue;
      for (const rule of rulesOf(candidate)) {
        if (!out.some((r) => sameRule(r, rule))) out.push(structuredClone(rule));
      }
    }
  }
  return out;
}

/**
 * The settled rules of every aggregated ClusterRole in `allClusterRoles` (keyed by name), after
 * repeating aggregateRules until nothing changes, so chains resolve in one call. Roles without an
 * aggregationRule are absent from the result.
 */
export function aggregateClusterRoles(allClusterRoles: readonly ClusterRole[]): Map<string, PolicyRule[]> {
  const current = new Map<string, readonly PolicyRule[]>();
  for (const r of allClusterRoles) current.set(r.metadata?.name ?? '', r.rules ?? []);
  const aggregated = allClusterRoles.filter((r) => r.aggregationRule);
  const result = new Map<string, PolicyRule[]>();
  // each pass can only carry rules one link further along a chain
  for (let pass = 0; pass <= aggregated.length; pass++) {
    let changed = false;
    for (const role of aggregated) {
      const name = role.metadata?.name ?? '';
      const rules = aggregateWith(role, allClusterRoles, (r) => current.get(r.metadata?.name ?? '') ?? [])!;
      const before = current.get(name) ?? [];
      if (rules.length !== before.length || rules.some((r, i) => !sameRule(r, before[i]!))) changed = true;
      current.set(name, rules);
      result.set(name, rules);
    }
    if (!changed) break;
  }
  return result;
}
