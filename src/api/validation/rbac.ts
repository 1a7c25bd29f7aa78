// rbac.authorization.k8s.io/v1: Role and ClusterRole rules, RoleBinding and ClusterRoleBinding
// references. A binding's roleRef is immutable: changing what a binding grants means a new binding.

import { type Obj, isObj, obj, objEntries, str, strArr } from './access.js';
import { type Causes, FieldPath, GoValue, goQuote, goStringSlice, invalid, notSupported, required } from './field.js';
import { isDNS1123Subdomain, isValidPathSegmentName } from './names.js';
import { validateLabelSelector } from './selectors.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validatePolicyRule(rule: Obj, namespaced: boolean, p: FieldPath): Causes {
  const causes: Causes = [];
  if (strArr(rule.verbs).length === 0) causes.push(required(p.child('verbs'), 'verbs must contain at least one value'));
  const urls = strArr(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) causes.push(invalid(p.child('nonResourceURLs'), goStringSlice(urls), 'namespaced rules cannot apply to non-resource URLs'));
    if (strArr(rule.apiGroups).length > 0 || strArr(rule.resources).length > 0 || strArr(rule.resourceNames).length > 0) {
      causes.push(invalid(p.child('nonResourceURLs'), goStringSlice(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return causes;
  }
  if (!Array.isArray(rule.apiGroups) || rule.apiGroups.length === 0) causes.push(required(p.child('apiGroups'), 'resource rules must supply at least one api group'));
  if (strArr(rule.resources).length === 0) causes.push(required(p.child('resources'), 'resource rules must supply at least one resource'));
  return causes;
}

export function validateRole(role: Obj, namespaced: boolean): Causes {
  const causes: Causes = [];
  for (const [i, rule] of objEntries(role.rules)) causes.push(...validatePolicyRule(rule, namespaced, FieldPath.root('rules').index(i)));
  const agg = role.aggregationRule;
  if (!namespaced && isObj(agg)) {
    const ap = FieldPath.root('aggregationRule', 'clusterRoleSelectors');
    const selectors = objEntries(agg.clusterRoleSelectors);
    if (selectors.length === 0) causes.push(required(ap, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    for (const [i, sel] of selectors) causes.push(...validateLabelSelector(sel, ap.index(i)));
  }
  return causes;
}

function validateSubject(subject: Obj, namespaced: boolean, p: FieldPath): Causes {
  const causes: Causes = [];
  const name = str(subject.name);
  const apiGroup = str(subject.apiGroup);
  if (name === '') causes.push(required(p.child('name')));
  switch (str(subject.kind)) {
    case 'ServiceAccount':
      if (name !== '') for (const msg of isDNS1123Subdomain(name)) causes.push(invalid(p.child('name'), name, msg));
      if (apiGroup !== '') causes.push(notSupported(p.child('apiGroup'), apiGroup, ['']));
      if (!namespaced && str(subject.namespace) === '') causes.push(required(p.child('namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) causes.push(notSupported(p.child('apiGroup'), apiGroup, [RBAC_GROUP]));
      break;
    default:
      causes.push(notSupported(p.child('kind'), str(subject.kind), ['ServiceAccount', 'User', 'Group']));
  }
  return causes;
}

function goRoleRef(ref: Obj): GoValue {
  return new GoValue(`rbac.RoleRef{APIGroup:${goQuote(str(ref.apiGroup))}, Kind:${goQuote(str(ref.kind))}, Name:${goQuote(str(ref.name))}}`);
}

export function validateBinding(binding: Obj, namespaced: boolean, old?: Obj): Causes {
  const causes: Causes = [];
  const ref = obj(binding.roleRef) ?? {};
  const rp = FieldPath.root('roleRef');
  const apiGroup = str(ref.apiGroup);
  if (apiGroup !== RBAC_GROUP) causes.push(notSupported(rp.child('apiGroup'), apiGroup, [RBAC_GROUP]));
  const kind = str(ref.kind);
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(kind)) causes.push(notSupported(rp.child('kind'), kind, kinds));
  const name = str(ref.name);
  if (name === '') causes.push(required(rp.child('name')));
  else for (const msg of isValidPathSegmentName(name)) causes.push(invalid(rp.child('name'), name, msg));
  for (const [i, subject] of objEntries(binding.subjects)) causes.push(...validateSubject(subject, namespaced, FieldPath.root('subjects').index(i)));
  if (old) {
    const oldRef = obj(old.roleRef) ?? {};
    if (str(oldRef.apiGroup) !== apiGroup || str(oldRef.kind) !== kind || str(oldRef.name) !== name) {
      causes.push(invalid(rp, goRoleRef(ref), 'cannot change roleRef'));
    }
  }
  return causes;
}
