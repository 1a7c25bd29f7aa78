// RBAC for Bulwark: the authorizer and its cache, rule semantics, escalation checks, aggregation,
// and the bootstrap policy with its reconciliation.
export { RBACCache, userKeys } from './cache.js';
export {
  RBACAuthorizer,
  aggregateMessages,
  describeSource,
  type RoleRefError,
  type RoleRefResolution,
  type RuleSource,
  type RuleVisitor,
  type RulesForResult,
} from './authorizer.js';
export {
  breakdownRule,
  compactRules,
  compactString,
  covers,
  goQuote,
  goQuoteList,
  ruleAllows,
  ruleCovers,
  rulesAllow,
  sameRule,
  type RuleRequest,
} from './rule-matching.js';
export { EscalationGuard, FULL_AUTHORITY, onlyGCFieldsChanged, type BindingCheckAttributes, type RoleCheckAttributes } from './escalation.js';
export { aggregateClusterRoles, aggregateRules } from './aggregation.js';
export { AGGREGATE_TO_ADMIN, AGGREGATE_TO_EDIT, AGGREGATE_TO_VIEW, bootstrapPolicy } from './bootstrap-policy.js';
export { reconcileClusterRole, reconcileClusterRoleBinding, roleRefChanged } from './reconcile.js';
export * from './types.js';
