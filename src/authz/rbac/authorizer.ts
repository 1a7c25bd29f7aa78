// The RBAC authorizer: allows a request when a ClusterRoleBinding, or a RoleBinding in the request's
// namespace, binds the user to a role with a matching rule. Also resolves a user's rules for
// SelfSubjectRulesReview and for the escalation checks.
import type { UserInfo } from '../../endpoints/context.js';
import type { RequestInfo } from '../../endpoints/request-info.js';
import type { AuthorizationResult, Authorizer } from '../types.js';
import { userKeys, type RBACCache } from './cache.js';
import { goQuote, ruleAllows } from './rule-matching.js';
import { RBAC_GROUP, type ClusterRoleBinding, type PolicyRule, type RoleBinding, type RoleRef, type Subject } from './types.js';

/** Where a rule came from: the binding (and its first subject that names the user). */
export type RuleSource =
  | { kind: 'ClusterRoleBinding'; binding: ClusterRoleBinding; subject: Subject }
  | { kind: 'RoleBinding'; binding: RoleBinding; subject: Subject };

/** Why a roleRef gave no rules. */
export interface RoleRefError {
  reason: 'NotFound' | 'UnsupportedKind';
  roleRef: RoleRef;
  /** Worded as the authorizer's informer-backed lookup words it: `clusterrole.rbac.authorization.k8s.io "x" not found`. */
  message: string;
}

export type RoleRefResolution = { rules: readonly PolicyRule[]; error?: undefined } | { rules?: undefined; error: RoleRefError };

export interface RulesForResult {
  /** Rules with resources, as SelfSubjectRulesReview reports them (verbs, apiGroups, resources, resourceNames). */
  resourceRules: PolicyRule[];
  /** Rules with nonResourceURLs (verbs, nonResourceURLs). */
  nonResourceRules: PolicyRule[];
  /** RBAC sees every rule it holds; only other authorizers make a review incomplete. */
  incomplete: boolean;
  /** Bindings whose role could not be resolved; their rules are absent. */
  evaluationError?: string;
}

export type RuleVisitor = (source: RuleSource | undefined, rule: PolicyRule | undefined, error: RoleRefError | undefined) => boolean;

/** Go's errors aggregate: one message alone, several (de-duplicated) in brackets. */
export function aggregateMessages(msgs: readonly string[]): string {
  const unique = [...new Set(msgs)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${goQuote(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${goQuote(s.name)}`;
}

/** `ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`, `RoleBinding "x/ns" of Role "y" to User "z"`: kube's wording. */
export function describeSource(source: RuleSource): string {
  const b = source.binding;
  const name = b.metadata?.name ?? '';
  if (source.kind === 'ClusterRoleBinding') {
    return `ClusterRoleBinding ${goQuote(name)} of ${b.roleRef.kind} ${goQuote(b.roleRef.name)} to ${describeSubject(source.subject, '')}`;
  }
  const ns = b.metadata?.namespace ?? '';
  return `RoleBinding ${goQuote(`${name}/${ns}`)} of ${b.roleRef.kind} ${goQuote(b.roleRef.name)} to ${describeSubject(source.subject, ns)}`;
}

function subjectApplies(user: UserInfo, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.username;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || namespace;
      return ns !== '' && user.username === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

function firstApplyingSubject(user: UserInfo, subjects: readonly Subject[] | undefined, namespace: string): Subject | undefined {
  return (subjects ?? []).find((s) => subjectApplies(user, s, namespace));
}

export class RBACAuthorizer implements Authorizer {
  readonly name = 'rbac';

  constructor(readonly cache: RBACCache) {}

  async authorize(user: UserInfo, info: RequestInfo): Promise<AuthorizationResult> {
    return this.decide(user, info);
  }

  /** The decision without the promise: allow with kube's reason, or no opinion (mentioning unresolvable roles). */
  decide(user: UserInfo, info: RequestInfo): AuthorizationResult {
    const keys = userKeys(user.username, user.groups);
    let errors: string[] | undefined;
    let allowedBy: RuleSource | undefined;

    const check = (kind: RuleSource['kind'], binding: ClusterRoleBinding | RoleBinding, namespace: string): boolean => {
      const resolved = this.roleReferenceRules(binding.roleRef, namespace);
      if (resolved.error) {
        (errors ??= []).push(resolved.error.message);
        return true;
      }
      for (const rule of resolved.rules) {
        if (ruleAllows(info, rule)) {
          const subject = firstApplyingSubject(user, binding.subjects, namespace);
          if (!subject) continue; // the index and the subjects disagree: never allow on that
          allowedBy = { kind, binding, subject } as RuleSource;
          return false;
        }
      }
      return true;
    };

    this.cache.visitClusterRoleBindings(keys, (b) => check('ClusterRoleBinding', b, ''));
    if (!allowedBy && info.namespace) this.cache.visitRoleBindings(info.namespace, keys, (b) => check('RoleBinding', b, info.namespace));
    if (allowedBy) return { decision: 'allow', reason: `RBAC: allowed by ${describeSource(allowedBy)}` };
    return { decision: 'noOpinion', reason: errors ? `RBAC: ${aggregateMessages(errors)}` : '' };
  }

  /**
   * Calls `visitor` with every rule bound to the user in `namespace` (cluster-wide bindings first,
   * then the namespace's RoleBindings when `namespace` is not empty), and with each binding whose
   * role cannot be resolved. Returning false stops the walk.
   */
  visitRulesFor(user: UserInfo, namespace: string, visitor: RuleVisitor): void {
    const keys = userKeys(user.username, user.groups);
    const walk = (kind: RuleSource['kind'], binding: ClusterRoleBinding | RoleBinding, ns: string): boolean => {
      const subject = firstApplyingSubject(user, binding.subjects, ns);
      if (!subject) return true;
      const resolved = this.roleReferenceRules(binding.roleRef, ns);
      if (resolved.error) return visitor(undefined, undefined, resolved.error);
      const source = { kind, binding, subject } as RuleSource;
      for (const rule of resolved.rules) if (!visitor(source, rule, undefined)) return false;
      return true;
    };
    if (!this.cache.visitClusterRoleBindings(keys, (b) => walk('ClusterRoleBinding', b, ''))) return;
    if (namespace) this.cache.visitRoleBindings(namespace, keys, (b) => walk('RoleBinding', b, namespace));
  }

  /** Every rule the user holds in `namespace` (cluster-wide ones included), and the resolution errors met. */
  resolveRules(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_source, rule, error) => {
      if (rule) rules.push(rule);
      if (error) errors.push(error.message);
      return true;
    });
    return { rules, errors };
  }

  /** SelfSubjectRulesReview's view of the user's rules in `namespace`. */
  rulesFor(user: UserInfo, namespace: string): RulesForResult {
    const { rules, errors } = this.resolveRules(user, namespace);
    const resourceRules: PolicyRule[] = [];
    const nonResourceRules: PolicyRule[] = [];
    for (const r of rules) {
      if (r.resources && r.resources.length > 0) {
        const out: PolicyRule = { verbs: [...(r.verbs ?? [])], apiGroups: [...(r.apiGroups ?? [])], resources: [...r.resources] };
        if (r.resourceNames && r.resourceNames.length > 0) out.resourceNames = [...r.resourceNames];
        resourceRules.push(out);
      }
      if (r.nonResourceURLs && r.nonResourceURLs.length > 0) nonResourceRules.push({ verbs: [...(r.verbs ?? [])], nonResourceURLs: [...r.nonResourceURLs] });
    }
    const result: RulesForResult = { resourceRules, nonResourceRules, incomplete: false };
    if (errors.length > 0) result.evaluationError = aggregateMessages(errors);
    return result;
  }

  /** The rules a roleRef points at: a Role in the binding's namespace, or a ClusterRole. */
  roleReferenceRules(roleRef: RoleRef, bindingNamespace: string): RoleRefResolution {
    if (roleRef.kind === 'Role') {
      const role = this.cache.getRole(bindingNamespace, roleRef.name);
      if (!role) return { error: { reason: 'NotFound', roleRef, message: `role.${RBAC_GROUP} ${goQuote(roleRef.name)} not found` } };
      return { rules: role.rules ?? [] };
    }
    if (roleRef.kind === 'ClusterRole') {
      const role = this.cache.getClusterRole(roleRef.name);
      if (!role) return { error: { reason: 'NotFound', roleRef, message: `clusterrole.${RBAC_GROUP} ${goQuote(roleRef.name)} not found` } };
      return { rules: role.rules ?? [] };
    }
    return { error: { reason: 'UnsupportedKind', roleRef, message: `unsupported role reference kind: ${goQuote(roleRef.kind)}` } };
  }
}
