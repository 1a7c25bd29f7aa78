// admissionregistration.k8s.io/v1 Mutating- and ValidatingWebhookConfiguration: each webhook
// needs a unique fully qualified name, exactly one of an https URL or a service reference,
// declared side effects and AdmissionReview versions, and a timeout the API server can afford.

import { type Obj, isObj, num, obj, objEntries, optStr, str, strArr } from './access.js';
import { type Causes, FieldPath, duplicate, goStringSlice, invalid, notSupported, required } from './field.js';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum } from './names.js';
import { validateLabelSelector } from './selectors.js';

const ADMISSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const URL_FORM = '; desired format: https://host[/path]';

/** A name with at least three DNS labels, so webhook names from different owners do not collide. */
export function validateFullyQualifiedName(name: string, p: FieldPath): Causes {
  if (name === '') return [required(p)];
  const errs = isDNS1123Subdomain(name);
  if (errs.length) return [invalid(p, name, errs.join(','))];
  if (name.split('.').length < 3) return [invalid(p, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

export function validateWebhookURL(raw: string, p: FieldPath): Causes {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(raw)) {
    // Without "scheme://" there is neither a usable scheme nor a host.
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw)?.[1] ?? '';
    const causes: Causes = [];
    if (scheme !== 'https') causes.push(invalid(p, scheme, `'https' is the only allowed URL scheme${URL_FORM}`));
    causes.push(invalid(p, '', `host must be specified${URL_FORM}`));
    return causes;
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch (e) {
    return [required(p, `url must be a valid URL: ${e instanceof Error ? e.message : 'invalid URL'}${URL_FORM}`)];
  }
  const causes: Causes = [];
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'https') causes.push(invalid(p, scheme, `'https' is the only allowed URL scheme${URL_FORM}`));
  if (u.host === '') causes.push(invalid(p, u.host, `host must be specified${URL_FORM}`));
  if (u.username !== '' || u.password !== '') causes.push(invalid(p, u.username, 'user information is not permitted in the URL'));
  if (u.hash !== '') causes.push(invalid(p, u.hash.replace(/^#/, ''), 'fragments are not permitted in the URL'));
  if (u.search !== '') causes.push(invalid(p, u.search.replace(/^\?/, ''), 'query parameters are not permitted in the URL'));
  return causes;
}

export function validateWebhookService(svc: Obj, p: FieldPath): Causes {
  const causes: Causes = [];
  if (str(svc.name) === '') causes.push(required(p.child('name'), 'service name is required'));
  if (str(svc.namespace) === '') causes.push(required(p.child('namespace'), 'service namespace is required'));
  const port = num(svc.port) ?? 443;
  const portErrs = isValidPortNum(port);
  if (portErrs.length) causes.push(invalid(p.child('port'), port, `port is not valid: ${portErrs.join(', ')}`));
  const path = optStr(svc.path);
  if (path === undefined || path === '' || path === '/') return causes;
  const pp = p.child('path');
  if (path === '//') return [...causes, invalid(pp, path, 'segment[0] may not be empty')];
  if (!path.startsWith('/')) causes.push(invalid(pp, path, "must start with a '/'"));
  let rest = path.slice(1);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  rest.split('/').forEach((step, i) => {
    if (step === '') {
      causes.push(invalid(pp, path, `segment[${i}] may not be empty`));
      return;
    }
    for (const msg of isDNS1123Subdomain(step)) causes.push(invalid(pp, path, `segment[${i}]: ${msg}`));
  });
  return causes;
}

function validateResources(resources: string[], p: FieldPath): Causes {
  const causes: Causes = [];
  if (resources.length === 0) causes.push(required(p));
  const withWildcardSub = new Set<string>();
  const subWithWildcardRes = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let withoutSub = false;
  resources.forEach((rs, i) => {
    if (rs === '') {
      causes.push(required(p.index(i)));
      return;
    }
    if (rs === '*/*') doubleWildcard = true;
    if (rs === '*') singleWildcard = true;
    const slash = rs.indexOf('/');
    if (slash < 0) {
      withoutSub = rs !== '*';
      return;
    }
    const res = rs.slice(0, slash);
    const sub = rs.slice(slash + 1);
    if (withWildcardSub.has(res)) causes.push(invalid(p.index(i), rs, `if '${res}/*' is present, must not specify ${rs}`));
    if (subWithWildcardRes.has(sub)) causes.push(invalid(p.index(i), rs, `if '*/${sub}' is present, must not specify ${rs}`));
    if (sub === '*') withWildcardSub.add(res);
    if (res === '*') subWithWildcardRes.add(sub);
  });
  if (resources.length > 1 && doubleWildcard) causes.push(invalid(p, goStringSlice(resources), "if '*/*' is present, must not specify other resources"));
  if (singleWildcard && withoutSub) causes.push(invalid(p, goStringSlice(resources), "if '*' is present, must not specify other resources without subresources"));
  return causes;
}

function validateRule(rule: Obj, p: FieldPath): Causes {
  const causes: Causes = [];
  const ops = strArr(rule.operations);
  if (ops.length === 0) causes.push(required(p.child('operations')));
  if (ops.length > 1 && ops.includes('*')) causes.push(invalid(p.child('operations'), goStringSlice(ops), "if '*' is present, must not specify other operations"));
  ops.forEach((op, i) => {
    if (!OPERATIONS.includes(op)) causes.push(notSupported(p.child('operations').index(i), op, OPERATIONS));
  });
  const groups = strArr(rule.apiGroups);
  if (!Array.isArray(rule.apiGroups) || rule.apiGroups.length === 0) causes.push(required(p.child('apiGroups')));
  if (groups.length > 1 && groups.includes('*')) causes.push(invalid(p.child('apiGroups'), goStringSlice(groups), "if '*' is present, must not specify other API groups"));
  const versions = strArr(rule.apiVersions);
  if (versions.length === 0) causes.push(required(p.child('apiVersions')));
  if (versions.length > 1 && versions.includes('*')) causes.push(invalid(p.child('apiVersions'), goStringSlice(versions), "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => {
    if (v === '') causes.push(required(p.child('apiVersions').index(i)));
  });
  causes.push(...validateResources(strArr(rule.resources), p.child('resources')));
  const scope = optStr(rule.scope);
  if (scope !== undefined && !SCOPES.includes(scope)) causes.push(notSupported(p.child('scope'), scope, SCOPES));
  return causes;
}

function validateAdmissionReviewVersions(versions: unknown, p: FieldPath): Causes {
  const list = strArr(versions);
  if (list.length === 0) return [required(p, `must specify one of ${ADMISSION_REVIEW_VERSIONS.join(', ')}`)];
  const causes: Causes = [];
  const seen = new Set<string>();
  list.forEach((v, i) => {
    if (seen.has(v)) {
      causes.push(invalid(p.index(i), v, 'duplicate version'));
      return;
    }
    seen.add(v);
    for (const msg of isDNS1035Label(v)) causes.push(invalid(p.index(i), v, msg));
  });
  if (!list.some((v) => ADMISSION_REVIEW_VERSIONS.includes(v))) {
    causes.push(invalid(p, goStringSlice(list), `must include at least one of ${ADMISSION_REVIEW_VERSIONS.join(', ')}`));
  }
  return causes;
}

function validateWebhook(hook: Obj, mutating: boolean, p: FieldPath): Causes {
  const causes: Causes = [...validateFullyQualifiedName(str(hook.name), p.child('name'))];
  for (const [i, rule] of objEntries(hook.rules)) causes.push(...validateRule(rule, p.child('rules').index(i)));
  const failure = optStr(hook.failurePolicy);
  if (failure !== undefined && failure !== 'Fail' && failure !== 'Ignore') causes.push(notSupported(p.child('failurePolicy'), failure, ['Fail', 'Ignore']));
  const match = optStr(hook.matchPolicy);
  if (match !== undefined && match !== 'Equivalent' && match !== 'Exact') causes.push(notSupported(p.child('matchPolicy'), match, ['Equivalent', 'Exact']));
  const sideEffects = optStr(hook.sideEffects);
  if (sideEffects === undefined) causes.push(required(p.child('sideEffects'), 'must specify one of None, NoneOnDryRun'));
  else if (sideEffects !== 'None' && sideEffects !== 'NoneOnDryRun') causes.push(notSupported(p.child('sideEffects'), sideEffects, ['None', 'NoneOnDryRun']));
  const timeout = num(hook.timeoutSeconds);
  if (timeout !== undefined && (timeout < 1 || timeout > 30)) causes.push(invalid(p.child('timeoutSeconds'), timeout, 'the timeout value must be between 1 and 30 seconds'));
  if (isObj(hook.namespaceSelector)) causes.push(...validateLabelSelector(hook.namespaceSelector, p.child('namespaceSelector')));
  if (isObj(hook.objectSelector)) causes.push(...validateLabelSelector(hook.objectSelector, p.child('objectSelector')));
  if (mutating) {
    const reinvocation = optStr(hook.reinvocationPolicy);
    if (reinvocation !== undefined && reinvocation !== 'Never' && reinvocation !== 'IfNeeded') {
      causes.push(notSupported(p.child('reinvocationPolicy'), reinvocation, ['IfNeeded', 'Never']));
    }
  }
  const cc = obj(hook.clientConfig) ?? {};
  const cp = p.child('clientConfig');
  const url = optStr(cc.url);
  const service = obj(cc.service);
  if ((url === undefined) === (service === undefined)) causes.push(required(cp, 'exactly one of url or service is required'));
  else if (url !== undefined) causes.push(...validateWebhookURL(url, cp.child('url')));
  else if (service) causes.push(...validateWebhookService(service, cp.child('service')));
  const conditions = new Set<string>();
  for (const [i, cond] of objEntries(hook.matchConditions)) {
    const mp = p.child('matchConditions').index(i);
    const name = str(cond.name);
    if (name === '') causes.push(required(mp.child('name')));
    else for (const msg of isQualifiedName(name)) causes.push(invalid(mp.child('name'), name, msg));
    if (conditions.has(name)) causes.push(duplicate(mp.child('name'), name));
    conditions.add(name);
    if (str(cond.expression) === '') causes.push(required(mp.child('expression')));
  }
  return causes;
}

export function validateWebhookConfiguration(config: Obj, mutating: boolean): Causes {
  const causes: Causes = [];
  const names = new Set<string>();
  for (const [i, hook] of objEntries(config.webhooks)) {
    const p = FieldPath.root('webhooks').index(i);
    causes.push(...validateWebhook(hook, mutating, p));
    causes.push(...validateAdmissionReviewVersions(hook.admissionReviewVersions, p.child('admissionReviewVersions')));
    const name = str(hook.name);
    if (name !== '') {
      if (names.has(name)) causes.push(duplicate(p.child('name'), name));
      names.add(name);
    }
  }
  return causes;
}
