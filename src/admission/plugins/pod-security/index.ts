// PodSecurity: enforces, audits and warns about the Pod Security Standards per namespace labels,
// warns about workload templates, and reports existing pods when a namespace's enforce level tightens.
import type { AdmissionAttributes, AdmissionLookup, AdmissionPlugin } from '../../types.js';
import { forbidden, internalError, invalid, StatusError } from '../../../api/status.js';
import {
  checkPod,
  compareLevels,
  formatReasons,
  formatViolations,
  LABEL_PREFIX,
  labelErrorString,
  LEVEL_ERROR,
  levelVersionString,
  parseLevel,
  parseVersion,
  policyFromLabels,
  VERSION_ERROR,
  type LabelError,
  type Level,
  type LevelVersion,
  type Policy,
  type Violation,
} from '../../../podsecurity/index.js';

export const PODSECURITY_CONFIG_GROUP = 'pod-security.admission.config.k8s.io';
const CONFIG_VERSIONS = ['v1', 'v1beta1', 'v1alpha1'];

export interface PodSecurityConfiguration {
  defaults: {
    enforce: Level;
    'enforce-version': string;
    audit: Level;
    'audit-version': string;
    warn: Level;
    'warn-version': string;
  };
  exemptions: {
    usernames: string[];
    runtimeClasses: string[];
    namespaces: string[];
  };
}

export const DEFAULT_CONFIGURATION: PodSecurityConfiguration = {
  defaults: { enforce: 'privileged', 'enforce-version': 'latest', audit: 'privileged', 'audit-version': 'latest', warn: 'privileged', 'warn-version': 'latest' },
  exemptions: { usernames: [], runtimeClasses: [], namespaces: [] },
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Validates a PodSecurityConfiguration (the `configuration` of the PodSecurity entry in an
 * AdmissionConfiguration file) and fills in defaults. Unknown fields are refused rather than
 * ignored, so that a misspelt key cannot silently leave a cluster privileged.
 */
export function parsePodSecurityConfiguration(obj: unknown): PodSecurityConfiguration {
  const errs: string[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(obj)) throw new Error('PodSecurityConfiguration: expected an object');
  const apiVersion = obj['apiVersion'];
  if (apiVersion !== undefined && !CONFIG_VERSIONS.some((v) => apiVersion === `${PODSECURITY_CONFIG_GROUP}/${v}`)) {
    errs.push(`apiVersion: Unsupported value: ${JSON.stringify(apiVersion)}: supported values: ${CONFIG_VERSIONS.map((v) => `"${PODSECURITY_CONFIG_GROUP}/${v}"`).join(', ')}`);
  }
  if (obj['kind'] !== undefined && obj['kind'] !== 'PodSecurityConfiguration') {
    errs.push(`kind: Unsupported value: ${JSON.stringify(obj['kind'])}: supported values: "PodSecurityConfiguration"`);
  }
  for (const k of Object.keys(obj)) if (!['apiVersion', 'kind', 'defaults', 'exemptions'].includes(k)) errs.push(`${k}: unknown field`);

  const out: PodSecurityConfiguration = {
    defaults: { ...DEFAULT_CONFIGURATION.defaults },
    exemptions: { usernames: [], runtimeClasses: [], namespaces: [] },
  };
  const defaults = obj['defaults'] ?? {};
  if (!isObj(defaults)) errs.push('defaults: expected an object');
  else {
    for (const k of Object.keys(defaults)) if (!(k in out.defaults)) errs.push(`defaults.${k}: unknown field`);
    for (const mode of ['enforce', 'audit', 'warn'] as const) {
      const level = defaults[mode];
      if (level !== undefined && level !== '') {
        if (typeof level !== 'string' || parseLevel(level).error) errs.push(`defaults.${mode}: Invalid value: ${JSON.stringify(level)}: ${LEVEL_ERROR}`);
        else out.defaults[mode] = level as Level;
      }
      const versionKey = `${mode}-version` as const;
      const version = defaults[versionKey];
      if (version !== undefined && version !== '') {
        if (typeof version !== 'string' || parseVersion(version).error) errs.push(`defaults.${versionKey}: Invalid value: ${JSON.stringify(version)}: ${VERSION_ERROR}`);
        else out.defaults[versionKey] = version;
      }
    }
  }
  const exemptions = obj['exemptions'] ?? {};
  if (!isObj(exemptions)) errs.push('exemptions: expected an object');
  else {
    for (const k of Object.keys(exemptions)) if (!(k in out.exemptions)) errs.push(`exemptions.${k}: unknown field`);
    const list = (key: 'usernames' | 'runtimeClasses' | 'namespaces', valid: (s: string) => string | undefined) => {
      const raw = exemptions[key] ?? [];
      if (!Array.isArray(raw)) {
        errs.push(`exemptions.${key}: expected a list of strings`);
        return;
      }
      const seen = new Set<string>();
      raw.forEach((v, i) => {
        const path = `exemptions.${key}[${i}]`;
        if (typeof v !== 'string') return void errs.push(`${path}: expected a string`);
        if (v === '') return void errs.push(`${path}: Required value`);
        const why = valid(v);
        if (why) return void errs.push(`${path}: Invalid value: ${JSON.stringify(v)}: ${why}`);
        if (seen.has(v)) return void errs.push(`${path}: Duplicate value: ${JSON.stringify(v)}`);
        seen.add(v);
        out.exemptions[key].push(v);
      });
    };
    list('usernames', () => undefined);
    list('namespaces', (s) =>
      s.length <= 63 && DNS_LABEL.test(s) ? undefined : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character");
    list('runtimeClasses', (s) =>
      s.length <= 253 && DNS_SUBDOMAIN.test(s) ? undefined : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
  }
  if (errs.length) throw new Error(`invalid PodSecurityConfiguration: ${errs.join('; ')}`);
  return out;
}

// Subresources that cannot change what a pod runs; all others (ephemeralcontainers, resize, …) are checked.
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** Resources that embed a pod template, and where to find it. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  '/replicationcontrollers': ['spec', 'template'],
  '/podtemplates': ['template'],
  'apps/deployments': ['spec', 'template'],
  'apps/replicasets': ['spec', 'template'],
  'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'],
  'batch/jobs': ['spec', 'template'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Upstream's cap on how many existing pods a namespace label change is checked against, and for how long. */
export const NAMESPACE_MAX_PODS_TO_CHECK = 3000;
export const NAMESPACE_POD_CHECK_TIMEOUT_MS = 1000;

const ANNOTATION = {
  enforcePolicy: `${LABEL_PREFIX}enforce-policy`,
  auditViolations: `${LABEL_PREFIX}audit-violations`,
  exempt: `${LABEL_PREFIX}exempt`,
  error: `${LABEL_PREFIX}error`,
};

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);

function aggregateErrors(errors: LabelError[]): string {
  const parts = errors.map(labelErrorString);
  return parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
}

export interface PodSecurityOptions {
  lookup: AdmissionLookup;
  config?: PodSecurityConfiguration;
  /** Overrides for tests; default to upstream's 3000 pods and 1 s. */
  namespaceMaxPodsToCheck?: number;
  namespacePodCheckTimeoutMs?: number;
}

export class PodSecurity implements AdmissionPlugin {
  private readonly policies = new WeakMap<object, { policy: Policy; errors: LabelError[] }>();
  readonly name = 'PodSecurity';
  private readonly lookup: AdmissionLookup;
  private readonly defaults: Policy;
  private readonly exemptUsers: Set<string>;
  private readonly exemptNamespaces: Set<string>;
  private readonly exemptRuntimeClasses: Set<string>;
  private readonly maxPods: number;
  private readonly timeoutMs: number;

  constructor(opts: PodSecurityOptions) {
    const config = opts.config ?? DEFAULT_CONFIGURATION;
    this.lookup = opts.lookup;
    const d = config.defaults;
    this.defaults = {
      enforce: { level: d.enforce, version: d['enforce-version'] },
      audit: { level: d.audit, version: d['audit-version'] },
      warn: { level: d.warn, version: d['warn-version'] },
    };
    this.exemptUsers = new Set(config.exemptions.usernames);
    this.exemptNamespaces = new Set(config.exemptions.namespaces);
    this.exemptRuntimeClasses = new Set(config.exemptions.runtimeClasses);
    this.maxPods = opts.namespaceMaxPodsToCheck ?? NAMESPACE_MAX_PODS_TO_CHECK;
    this.timeoutMs = opts.namespacePodCheckTimeoutMs ?? NAMESPACE_POD_CHECK_TIMEOUT_MS;
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
    const { group, resource } = a.resource;
    if (group === '' && resource === 'namespaces') return this.validateNamespace(a);
    if (group === '' && resource === 'pods') return this.validatePod(a);
    const path = TEMPLATE_PATHS[`${group}/${resource}`];
    if (path) return this.validateController(a, path);
  }

  private isExemptNamespace(ns: string): boolean {
    return ns !== '' && this.exemptNamespaces.has(ns);
  }

  private isExemptUser(user: string): boolean {
    return user !== '' && this.exemptUsers.has(user);
  }

  private isExemptRuntimeClass(spec: Obj | undefined): boolean {
    const rc = spec?.['runtimeClassName'];
    return typeof rc === 'string' && rc !== '' && this.exemptRuntimeClasses.has(rc);
  }

  private async namespacePolicy(ns: string): Promise<{ policy: Policy; errors: LabelError[] }> {
    const obj = await this.lookup.get('', 'namespaces', '', ns);
    if (!obj) throw new Error(`namespace "${ns}" not found`);
    // the lookup hands out the same (frozen) namespace object until it changes: parse its labels once
    let parsed = this.policies.get(obj);
    if (!parsed) this.policies.set(obj, (parsed = policyFromLabels(asObj(asObj(obj['metadata'])?.['labels']), this.defaults)));
    return parsed;
  }

  /** Exempt namespaces and users skip every check; the exemption is recorded for audit. */
  private exempt(a: AdmissionAttributes): boolean {
    const why = this.isExemptNamespace(a.namespace) ? 'namespace' : this.isExemptUser(a.user.username) ? 'user' : undefined;
    if (why) a.auditAnnotations[ANNOTATION.exempt] = why;
    return why !== undefined;
  }

  private async validatePod(a: AdmissionAttributes): Promise<void> {
    if (IGNORED_POD_SUBRESOURCES.has(a.subresource)) return;
    if (this.exempt(a)) return;
    let ns: { policy: Policy; errors: LabelError[] };
    try {
      ns = await this.namespacePolicy(a.namespace);
    } catch (err) {
      // Without the namespace's policy we cannot know what to enforce: refuse (as upstream does).
      a.auditAnnotations[ANNOTATION.error] = `failed to lookup namespace ${a.namespace}: ${(err as Error).message}`;
      throw internalError(`failed to lookup namespace ${a.namespace}`);
    }
    const { policy, errors } = ns;
    if (!errors.length && policy.enforce.level === 'privileged' && policy.audit.level === 'privileged' && policy.warn.level === 'privileged') {
      a.auditAnnotations[ANNOTATION.enforcePolicy] = 'privileged:latest';
      return;
    }
    const pod = a.object;
    if (!pod) return;
    if (a.operation === 'UPDATE' && a.oldObject && !isSignificantPodUpdate(pod, a.oldObject)) return;
    const spec = asObj(pod['spec']) ?? {};
    const name = a.name || String(asObj(pod['metadata'])?.['name'] ?? '');
    this.evaluate(a, policy, errors, asObj(pod['metadata']), spec, { name });
  }

  private async validateController(a: AdmissionAttributes, path: string[]): Promise<void> {
    if (a.subresource !== '') return;
    if (this.exempt(a)) return;
    let ns: { policy: Policy; errors: LabelError[] };
    try {
      ns = await this.namespacePolicy(a.namespace);
    } catch (err) {
      // Workloads are never denied by PodSecurity (their pods are), so a lookup failure is only recorded.
      a.auditAnnotations[ANNOTATION.error] = `failed to lookup namespace ${a.namespace}: ${(err as Error).message}`;
      return;
    }
    const { policy, errors } = ns;
    if (!errors.length && policy.audit.level === 'privileged' && policy.warn.level === 'privileged') return;
    let template: unknown = a.object;
    for (const key of path) template = asObj(template)?.[key];
    const t = asObj(template);
    if (!t) return;
    this.evaluate(a, policy, errors, asObj(t['metadata']), asObj(t['spec']) ?? {}, undefined);
  }

  /** Enforce (pods only, `enforceFor` set), audit and warn, each against its own level and version. */
  private evaluate(a: AdmissionAttributes, policy: Policy, errors: LabelError[], meta: Obj | undefined, spec: Obj, enforceFor: { name: string } | undefined): void {
    if (this.isExemptRuntimeClass(spec)) {
      a.auditAnnotations[ANNOTATION.exempt] = 'runtimeClass';
      return;
    }
    if (errors.length) a.auditAnnotations[ANNOTATION.error] = `Failed to parse policy: ${aggregateErrors(errors)}`;
    const cache = new Map<string, Violation[]>();
    const evaluate = (lv: LevelVersion): Violation[] => {
      const key = levelVersionString(lv);
      let result = cache.get(key);
      if (!result) {
        result = checkPod(lv.level, lv.version, meta, spec);
        cache.set(key, result);
      }
      return result;
    };
    let denial: StatusError | undefined;
    if (enforceFor) {
      a.auditAnnotations[ANNOTATION.enforcePolicy] = levelVersionString(policy.enforce);
      const result = evaluate(policy.enforce);
      if (result.length) {
        denial = forbidden(`pods "${enforceFor.name}" is forbidden: violates PodSecurity "${levelVersionString(policy.enforce)}": ${formatViolations(result)}`, {
          name: enforceFor.name,
          kind: 'pods',
        });
      }
    }
    const audit = evaluate(policy.audit);
    if (audit.length) a.auditAnnotations[ANNOTATION.auditViolations] = `would violate PodSecurity "${levelVersionString(policy.audit)}": ${formatViolations(audit)}`;
    // A request that is refused gets the error, not warnings as well.
    if (denial) throw denial;
    const warn = evaluate(policy.warn);
    if (warn.length) a.warnings.push(`would violate PodSecurity "${levelVersionString(policy.warn)}": ${formatViolations(warn)}`);
  }

  private async validateNamespace(a: AdmissionAttributes): Promise<void> {
    if (a.subresource !== '' || !a.object) return;
    const name = a.name || String(asObj(a.object['metadata'])?.['name'] ?? '');
    const next = policyFromLabels(asObj(asObj(a.object['metadata'])?.['labels']), this.defaults);
    const refuse = () =>
      invalid(
        '',
        'Namespace',
        name,
        next.errors.map((e) => ({ reason: 'FieldValueInvalid', field: e.field, message: `Invalid value: ${JSON.stringify(e.value)}: ${e.message}` })),
      );
    if (a.operation === 'CREATE') {
      if (next.errors.length) throw refuse();
      return;
    }
    const prev = policyFromLabels(asObj(asObj(a.oldObject?.['metadata'])?.['labels']), this.defaults);
    // Labels that were already invalid may stay as they are; a change must produce valid labels.
    const sameErrors = prev.errors.length > 0 && aggregateErrors(prev.errors) === aggregateErrors(next.errors);
    if (next.errors.length && !sameErrors) throw refuse();
    const before = prev.policy.enforce;
    const after = next.policy.enforce;
    if (before.level === after.level && before.version === after.version) return;
    if (after.level === 'privileged') return;
    if (before.version === after.version && compareLevels(after.level, before.level) < 1) return;
    if (this.isExemptNamespace(name)) {
      a.auditAnnotations[ANNOTATION.exempt] = 'namespace';
      return;
    }
    a.warnings.push(...(await this.evaluatePodsInNamespace(name, after)));
  }

  /** Warnings naming the existing pods that the new enforce level would refuse, grouped by reasons. */
  private async evaluatePodsInNamespace(namespace: string, enforce: LevelVersion): Promise<string[]> {
    const started = performance.now();
    let pods: Obj[];
    try {
      pods = await this.lookup.list('', 'pods', namespace);
    } catch {
      return ['failed to list pods while checking new PodSecurity enforce level'];
    }
    const prioritized = this.prioritizePods(pods);
    const total = prioritized.length;
    const toCheck = prioritized.slice(0, this.maxPods);
    let checked = toCheck.length;
    const byReasons = new Map<string, { podName: string; count: number }>();
    for (let i = 0; i < toCheck.length; i++) {
      const pod = toCheck[i]!;
      const meta = asObj(pod['metadata']);
      const podName = String(meta?.['name'] ?? '');
      const violations = checkPod(enforce.level, enforce.version, meta, asObj(pod['spec']) ?? {});
      if (violations.length) {
        const reasons = formatReasons(violations);
        const seen = byReasons.get(reasons);
        if (!seen) byReasons.set(reasons, { podName, count: 1 });
        else {
          seen.count++;
          if (podName < seen.podName) seen.podName = podName;
        }
      }
      if (performance.now() - started > this.timeoutMs) {
        checked = i + 1;
        break;
      }
    }
    const warnings: string[] = [];
    if (checked < total) warnings.push(`new PodSecurity enforce level only checked against the first ${checked} of ${total} existing pods`);
    if (byReasons.size) warnings.push(`existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${levelVersionString(enforce)}"`);
    const podWarnings = [...byReasons].map(([reasons, { podName, count }]) => {
      if (count === 1) return `${podName}: ${reasons}`;
      if (count === 2) return `${podName} (and 1 other pod): ${reasons}`;
      return `${podName} (and ${count - 1} other pods): ${reasons}`;
    });
    podWarnings.sort();
    return [...warnings, ...podWarnings];
  }

  /** Drops pods with exempt runtime classes and checks one pod per controller before the replicas. */
  private prioritizePods(pods: Obj[]): Obj[] {
    const first: Obj[] = [];
    const replicas: Obj[] = [];
    const controllers = new Set<string>();
    for (const pod of pods) {
      if (this.isExemptRuntimeClass(asObj(pod['spec']))) continue;
      const refs = asObj(pod['metadata'])?.['ownerReferences'];
      const controller = Array.isArray(refs) ? refs.map(asObj).find((r) => r?.['controller'] === true) : undefined;
      const uid = controller ? String(controller['uid'] ?? '') : undefined;
      if (uid === undefined) first.push(pod);
      else if (controllers.has(uid)) replicas.push(pod);
      else {
        controllers.add(uid);
        first.push(pod);
      }
    }
    return [...first, ...replicas];
  }
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

/**
 * Only image changes, seccomp annotation changes, and added or changed ephemeral containers can
 * change a running pod's security posture; other updates (labels, status, …) are not re-evaluated.
 */
export function isSignificantPodUpdate(pod: Obj, oldPod: Obj): boolean {
  const ann = asObj(asObj(pod['metadata'])?.['annotations']) ?? {};
  const oldAnn = asObj(asObj(oldPod['metadata'])?.['annotations']) ?? {};
  if (ann[SECCOMP_POD_ANNOTATION] !== oldAnn[SECCOMP_POD_ANNOTATION]) return true;
  const spec = asObj(pod['spec']) ?? {};
  const oldSpec = asObj(oldPod['spec']) ?? {};
  const list = (s: Obj, key: string): Obj[] => (Array.isArray(s[key]) ? (s[key] as unknown[]).map((c) => asObj(c) ?? {}) : []);
  const significant = (c: Obj, old: Obj): boolean => {
    if (c['image'] !== old['image']) return true;
    const key = SECCOMP_CONTAINER_PREFIX + String(c['name'] ?? '');
    return ann[key] !== oldAnn[key];
  };
  for (const key of ['containers', 'initContainers']) {
    const now = list(spec, key);
    const before = list(oldSpec, key);
    if (now.length !== before.length) return true;
    for (let i = 0; i < now.length; i++) if (significant(now[i]!, before[i]!)) return true;
  }
  const oldEphemeral = list(oldSpec, 'ephemeralContainers');
  for (const c of list(spec, 'ephemeralContainers')) {
    const old = oldEphemeral.find((o) => o['name'] === c['name']);
    if (!old || significant(c, old)) return true;
  }
  return false;
}
