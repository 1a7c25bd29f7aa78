// The audit.k8s.io/v1 Policy (kube-apiserver's --audit-policy-file): strict parsing with errors
// that name the rule and field, and an evaluator precompiled to sets so it is cheap per request.
import { promises as fs } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  AUDIT_LEVELS,
  AUDIT_STAGES,
  type AuditAttributes,
  type AuditLevel,
  type AuditPolicyDecision,
  type AuditPolicyEvaluator,
  type AuditStage,
} from './types.js';

export const AUDIT_POLICY_API_VERSION = 'audit.k8s.io/v1';

/** Thrown for a policy that cannot be used; `errors` holds one line per problem, each naming its field. */
export class AuditPolicyError extends Error {
  readonly errors: string[];
  constructor(source: string, errors: string[]) {
    super(`invalid audit policy ${source}: ${errors.join('; ')}`);
    this.name = 'AuditPolicyError';
    this.errors = errors;
  }
}

/**
 * Bulwark's policy when no --audit-policy-file is given. Credentials never reach the log: the
 * rule for Secrets, ConfigMaps, TokenReviews and token requests comes first, so no later rule
 * can record their bodies.
 */
export const DEFAULT_AUDIT_POLICY_YAML = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  # Objects and requests that carry credentials: who touched what, never the bodies.
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps", "serviceaccounts/token"]
      - group: "authentication.k8s.io"
        resources: ["tokenreviews"]
  # Probes and scrapes arrive every few seconds and change nothing.
  - level: None
    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/metrics", "/version"]
  # Events are written constantly by every controller; their bodies add volume, not accountability.
  - level: Metadata
    resources:
      - group: ""
        resources: ["events"]
      - group: "events.k8s.io"
        resources: ["events"]
  # Every other change, with the object that was sent.
  - level: Request
    verbs: ["create", "update", "patch", "delete", "deletecollection"]
  # Reads (get, list, watch) and anything else: who asked for what.
  - level: Metadata
`;

/** Reads and validates a policy file. */
export async function loadAuditPolicy(path: string): Promise<AuditPolicyEvaluator> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw new AuditPolicyError(path, [`cannot read the policy file: ${(err as Error).message}`]);
  }
  return parseAuditPolicy(text, path);
}

let defaultPolicy: CompiledAuditPolicy | undefined;

/** The compiled DEFAULT_AUDIT_POLICY_YAML (shared: evaluators are immutable). */
export function defaultAuditPolicy(): AuditPolicyEvaluator {
  defaultPolicy ??= compile(parseAuditPolicyDocument(DEFAULT_AUDIT_POLICY_YAML, 'default audit policy'), 'default audit policy');
  return defaultPolicy;
}

/** Parses, validates and compiles a Policy document (YAML or JSON). */
export function parseAuditPolicy(text: string, source: string): AuditPolicyEvaluator {
  return compile(parseAuditPolicyDocument(text, source), source);
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation

export interface AuditPolicyGroupResources {
  group: string;
  resources: string[];
  resourceNames: string[];
}

export interface AuditPolicyRule {
  level: AuditLevel;
  users: string[];
  userGroups: string[];
  verbs: string[];
  resources: AuditPolicyGroupResources[];
  namespaces: string[];
  nonResourceURLs: string[];
  omitStages: AuditStage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicyDocument {
  rules: AuditPolicyRule[];
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

type Obj = Record<string, unknown>;

const POLICY_FIELDS = ['apiVersion', 'kind', 'metadata', 'rules', 'omitStages', 'omitManagedFields'] as const;
const RULE_FIELDS = [
  'level',
  'users',
  'userGroups',
  'verbs',
  'resources',
  'namespaces',
  'nonResourceURLs',
  'omitStages',
  'omitManagedFields',
] as const;
const GROUP_RESOURCE_FIELDS = ['group', 'resources', 'resourceNames'] as const;
const REMOVED_VERSIONS = ['audit.k8s.io/v1beta1', 'audit.k8s.io/v1alpha1'];

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// One path segment of a resource or subresource name as the request path carries it.
const RESOURCE_SEGMENT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const VERB = /^[a-z]+$/;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

class Collector {
  readonly errors: string[] = [];
  required(path: string, what: string): void {
    this.errors.push(`${path}: Required value: ${what}`);
  }
  invalid(path: string, value: unknown, why: string): void {
    this.errors.push(`${path}: Invalid value: ${show(value)}: ${why}`);
  }
  unsupported(path: string, value: unknown, supported: readonly string[], why = ''): void {
    this.errors.push(
      `${path}: Unsupported value: ${show(value)}: supported values: ${supported.map((s) => show(s)).join(', ')}${why ? ` (${why})` : ''}`,
    );
  }
  unknownFields(path: string, obj: Obj, allowed: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) {
        this.errors.push(`${path ? `${path}.` : ''}${k}: Invalid value: unknown field ${show(k)} (known fields: ${allowed.join(', ')})`);
      }
    }
  }
}

/** Parses and validates a Policy document without compiling it (for tools that show the rules). */
export function parseAuditPolicyDocument(text: string, source: string): AuditPolicyDocument {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    const pos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    const msg = (err as Error).message.split('\n')[0];
    throw new AuditPolicyError(source, [`not valid YAML or JSON${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${msg}`]);
  }
  if (!isObject(doc)) throw new AuditPolicyError(source, ['the document must be a mapping with apiVersion, kind and rules']);
  const c = new Collector();

  if (doc.apiVersion === undefined) {
    c.required('apiVersion', `must be ${show(AUDIT_POLICY_API_VERSION)}`);
  } else if (doc.apiVersion !== AUDIT_POLICY_API_VERSION) {
    const why = REMOVED_VERSIONS.includes(String(doc.apiVersion))
      ? `${String(doc.apiVersion)} was removed in Kubernetes 1.24; change apiVersion to ${AUDIT_POLICY_API_VERSION}, the fields are the same`
      : '';
    c.unsupported('apiVersion', doc.apiVersion, [AUDIT_POLICY_API_VERSION], why);
  }
  if (doc.kind === undefined) c.required('kind', 'must be "Policy"');
  else if (doc.kind !== 'Policy') c.unsupported('kind', doc.kind, ['Policy']);
  c.unknownFields('', doc, POLICY_FIELDS);
  if (doc.metadata !== undefined && doc.metadata !== null && !isObject(doc.metadata)) {
    c.invalid('metadata', doc.metadata, 'must be a mapping');
  }

  const omitStages = stageList(doc.omitStages, 'omitStages', c);
  const omitManagedFields = bool(doc.omitManagedFields, 'omitManagedFields', c) ?? false;

  const rules: AuditPolicyRule[] = [];
  if (doc.rules === undefined || doc.rules === null || (Array.isArray(doc.rules) && doc.rules.length === 0)) {
    c.required('rules', 'a policy needs at least one rule (without rules nothing would be audited)');
  } else if (!Array.isArray(doc.rules)) {
    c.invalid('rules', doc.rules, 'must be a list of rules');
  } else {
    doc.rules.forEach((raw: unknown, i: number) => {
      const rule = parseRule(raw, `rules[${i}]`, c);
      if (rule) rules.push(rule);
    });
  }
  if (c.errors.length > 0) throw new AuditPolicyError(source, c.errors);
  return { rules, omitStages, omitManagedFields };
}

function parseRule(raw: unknown, path: string, c: Collector): AuditPolicyRule | undefined {
  if (!isObject(raw)) {
    c.invalid(path, raw, 'a rule must be a mapping with at least a level');
    return undefined;
  }
  c.unknownFields(path, raw, RULE_FIELDS);
  const level = raw.level;
  let ok = true;
  if (level === undefined || level === null || level === '') {
    c.required(`${path}.level`, `one of ${AUDIT_LEVELS.map((l) => show(l)).join(', ')}`);
    ok = false;
  } else if (typeof level !== 'string' || !(AUDIT_LEVELS as readonly string[]).includes(level)) {
    c.unsupported(`${path}.level`, level, AUDIT_LEVELS);
    ok = false;
  }
  const users = stringList(raw.users, `${path}.users`, c);
  const userGroups = stringList(raw.userGroups, `${path}.userGroups`, c);
  const verbs = stringList(raw.verbs, `${path}.verbs`, c);
  verbs.forEach((v, j) => {
    if (v === '*') c.invalid(`${path}.verbs[${j}]`, v, 'audit rules have no verb wildcard: leave verbs out to match every verb');
    else if (!VERB.test(v)) c.invalid(`${path}.verbs[${j}]`, v, 'verbs are lower case, such as "get", "list", "create" or "post"');
  });
  const namespaces = stringList(raw.namespaces, `${path}.namespaces`, c);
  namespaces.forEach((ns, j) => {
    // "" stands for cluster-scoped resources, so it is allowed.
    if (ns === '*') c.invalid(`${path}.namespaces[${j}]`, ns, 'audit rules have no namespace wildcard: leave namespaces out to match every namespace');
  });
  const nonResourceURLs = stringList(raw.nonResourceURLs, `${path}.nonResourceURLs`, c);
  nonResourceURLs.forEach((url, j) => {
    if (url === '*') return;
    const upath = `${path}.nonResourceURLs[${j}]`;
    if (!url.startsWith('/')) c.invalid(upath, url, `non-resource URL rules must begin with a '/' character`);
    if (url.slice(0, -1).includes('*')) c.invalid(upath, url, `non-resource URL wildcards '*' must be the final character of the rule`);
  });
  const resources = groupResourcesList(raw.resources, `${path}.resources`, c);
  if (nonResourceURLs.length > 0 && (resources.length > 0 || namespaces.length > 0)) {
    c.invalid(`${path}.nonResourceURLs`, nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs');
  }
  const omitStages = stageList(raw.omitStages, `${path}.omitStages`, c);
  const omitManagedFields = bool(raw.omitManagedFields, `${path}.omitManagedFields`, c);
  if (!ok) return undefined;
  return { level: level as AuditLevel, users, userGroups, verbs, resources, namespaces, nonResourceURLs, omitStages, omitManagedFields };
}

function groupResourcesList(raw: unknown, path: string, c: Collector): AuditPolicyGroupResources[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    c.invalid(path, raw, 'must be a list of {group, resources, resourceNames}');
    return [];
  }
  const out: AuditPolicyGroupResources[] = [];
  raw.forEach((gr: unknown, j: number) => {
    const gpath = `${path}[${j}]`;
    if (!isObject(gr)) {
      c.invalid(gpath, gr, 'must be a mapping with group, resources and resourceNames');
      return;
    }
    c.unknownFields(gpath, gr, GROUP_RESOURCE_FIELDS);
    let group = '';
    if (gr.group !== undefined && gr.group !== null) {
      if (typeof gr.group !== 'string') {
        c.invalid(`${gpath}.group`, gr.group, 'must be a string ("" is the core group)');
      } else if (gr.group !== '' && (gr.group.length > 253 || !DNS_SUBDOMAIN.test(gr.group))) {
        const hint = gr.group.includes('/') ? ' (give the group without its version, e.g. "apps" not "apps/v1")' : '';
        c.invalid(`${gpath}.group`, gr.group, `must be "" (the core group) or a lower-case DNS subdomain${hint}`);
      } else {
        group = gr.group;
      }
    }
    const resources = stringList(gr.resources, `${gpath}.resources`, c);
    resources.forEach((r, k) => {
      if (!isResourcePattern(r)) {
        c.invalid(`${gpath}.resources[${k}]`, r, 'must be a resource such as "pods", a subresource "pods/log", "pods/*" (pods and all its subresources), "*/scale" (that subresource of every resource) or "*"');
      }
    });
    const resourceNames = stringList(gr.resourceNames, `${gpath}.resourceNames`, c);
    if (resourceNames.length > 0 && resources.length === 0) {
      c.invalid(`${gpath}.resourceNames`, resourceNames, 'using resourceNames requires at least one resource');
    }
    out.push({ group, resources, resourceNames });
  });
  return out;
}

// Kube accepts any string here, but a pattern outside these forms can never match a request, so
// a rule meant to catch something would silently catch nothing.
function isResourcePattern(r: string): boolean {
  if (r === '*') return true;
  const slash = r.indexOf('/');
  if (slash < 0) return RESOURCE_SEGMENT.test(r);
  const res = r.slice(0, slash);
  const sub = r.slice(slash + 1);
  if (sub.includes('/')) return false;
  if (res === '*') return RESOURCE_SEGMENT.test(sub);
  return RESOURCE_SEGMENT.test(res) && (sub === '*' || RESOURCE_SEGMENT.test(sub));
}

function stringList(raw: unknown, path: string, c: Collector): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    c.invalid(path, raw, 'must be a list of strings');
    return [];
  }
  const out: string[] = [];
  raw.forEach((v: unknown, i: number) => {
    if (typeof v !== 'string') c.invalid(`${path}[${i}]`, v, 'must be a string');
    else out.push(v);
  });
  return out;
}

function stageList(raw: unknown, path: string, c: Collector): AuditStage[] {
  const out: AuditStage[] = [];
  stringList(raw, path, c).forEach((s, i) => {
    if ((AUDIT_STAGES as readonly string[]).includes(s)) out.push(s as AuditStage);
    else c.invalid(`${path}[${i}]`, s, `allowed stages are ${AUDIT_STAGES.join(',')}`);
  });
  return out;
}

function bool(raw: unknown, path: string, c: Collector): boolean | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'boolean') {
    c.invalid(path, raw, 'must be true or false');
    return undefined;
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

interface CompiledGroupResources {
  /** No resources listed: every resource of the group. */
  any: boolean;
  /** `*` */
  all: boolean;
  /** `pods`, `pods/log`: compared with `resource` or `resource/subresource`. */
  exact: ReadonlySet<string>;
  /** `pods/*`: the resource with or without any subresource. */
  withSubresources: ReadonlySet<string>;
  // "*/scale": that subresource of every resource.
  subresourceOfAny: ReadonlySet<string>;
  names: ReadonlySet<string> | null;
}

interface CompiledRule {
  users: ReadonlySet<string> | null;
  groups: ReadonlySet<string> | null;
  verbs: ReadonlySet<string> | null;
  /** 'any' matches every request; 'resource' only resource requests; 'nonResource' only the others. */
  kind: 'any' | 'resource' | 'nonResource';
  namespaces: ReadonlySet<string> | null;
  /** Keyed by API group ("" = core); null when the rule lists no resources. */
  resources: ReadonlyMap<string, readonly CompiledGroupResources[]> | null;
  urlAll: boolean;
  urlExact: ReadonlySet<string>;
  urlPrefixes: readonly string[];
  decision: AuditPolicyDecision;
}

function setOrNull(list: readonly string[]): ReadonlySet<string> | null {
  return list.length > 0 ? new Set(list) : null;
}

function mergeStages(...lists: ReadonlyArray<readonly AuditStage[]>): readonly AuditStage[] {
  const wanted = new Set<AuditStage>();
  for (const l of lists) for (const s of l) wanted.add(s);
  return Object.freeze(AUDIT_STAGES.filter((s) => wanted.has(s)));
}

function compileRule(rule: AuditPolicyRule, policy: AuditPolicyDocument): CompiledRule {
  let resources: Map<string, CompiledGroupResources[]> | null = null;
  if (rule.resources.length > 0) {
    resources = new Map();
    for (const gr of rule.resources) {
      const exact = new Set<string>();
      const withSubresources = new Set<string>();
      const subresourceOfAny = new Set<string>();
      let all = false;
      for (const r of gr.resources) {
        if (r === '*') all = true;
        else if (r.startsWith('*/')) subresourceOfAny.add(r.slice(2));
        else if (r.endsWith('/*')) withSubresources.add(r.slice(0, -2));
        else exact.add(r);
      }
      const compiled: CompiledGroupResources = {
        any: gr.resources.length === 0,
        all,
        exact,
        withSubresources,
        subresourceOfAny,
        names: setOrNull(gr.resourceNames),
      };
      const list = resources.get(gr.group) ?? [];
      list.push(compiled);
      resources.set(gr.group, list);
    }
  }
  const urlExact = new Set<string>();
  const urlPrefixes: string[] = [];
  let urlAll = false;
  for (const u of rule.nonResourceURLs) {
    if (u === '*') urlAll = true;
    else if (u.endsWith('*')) urlPrefixes.push(u.replace(/\*+$/, ''));
    else urlExact.add(u);
  }
  const kind = rule.namespaces.length > 0 || rule.resources.length > 0 ? 'resource' : rule.nonResourceURLs.length > 0 ? 'nonResource' : 'any';
  return {
    users: setOrNull(rule.users),
    groups: setOrNull(rule.userGroups),
    verbs: setOrNull(rule.verbs),
    kind,
    namespaces: setOrNull(rule.namespaces),
    resources,
    urlAll,
    urlExact,
    urlPrefixes,
    decision: Object.freeze({
      level: rule.level,
      omitStages: mergeStages(policy.omitStages, rule.omitStages),
      omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields,
    }),
  };
}

function matchesResource(rule: CompiledRule, attrs: AuditAttributes): boolean {
  if (!attrs.isResourceRequest) return false;
  // Cluster-scoped requests have the empty namespace, which a rule can list as "".
  if (rule.namespaces !== null && !rule.namespaces.has(attrs.namespace ?? '')) return false;
  if (rule.resources === null) return true;
  const candidates = rule.resources.get(attrs.apiGroup ?? '');
  if (candidates === undefined) return false;
  const resource = attrs.resource ?? '';
  const subresource = attrs.subresource ?? '';
  const combined = subresource ? `${resource}/${subresource}` : resource;
  const name = attrs.name ?? '';
  for (const gr of candidates) {
    if (gr.any) return true;
    if (gr.names !== null && !gr.names.has(name)) continue;
    if (gr.all || gr.exact.has(combined) || gr.withSubresources.has(resource)) return true;
    if (subresource && gr.subresourceOfAny.has(subresource)) return true;
  }
  return false;
}

function matchesNonResource(rule: CompiledRule, attrs: AuditAttributes): boolean {
  if (attrs.isResourceRequest) return false;
  if (rule.urlAll || rule.urlExact.has(attrs.path)) return true;
  for (const p of rule.urlPrefixes) if (attrs.path.startsWith(p)) return true;
  return false;
}

function ruleMatches(rule: CompiledRule, attrs: AuditAttributes): boolean {
  if (rule.users !== null && !rule.users.has(attrs.user.username)) return false;
  if (rule.groups !== null) {
    const groups = attrs.user.groups;
    if (!groups) return false;
    let found = false;
    for (const g of groups) {
      if (rule.groups.has(g)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  if (rule.verbs !== null && !rule.verbs.has(attrs.verb)) return false;
  if (rule.kind === 'resource') return matchesResource(rule, attrs);
  if (rule.kind === 'nonResource') return matchesNonResource(rule, attrs);
  return true;
}

class CompiledAuditPolicy implements AuditPolicyEvaluator {
  readonly #rules: readonly CompiledRule[];
  readonly #noMatch: AuditPolicyDecision;

  constructor(
    doc: AuditPolicyDocument,
    readonly source: string,
  ) {
    this.#rules = doc.rules.map((r) => compileRule(r, doc));
    this.#noMatch = Object.freeze({ level: 'None', omitStages: mergeStages(doc.omitStages), omitManagedFields: doc.omitManagedFields });
  }

  /** The decision objects are shared and frozen: callers must not modify them. */
  evaluate(attrs: AuditAttributes): AuditPolicyDecision {
    const rules = this.#rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (ruleMatches(rule, attrs)) return rule.decision;
    }
    return this.#noMatch;
  }
}

function compile(doc: AuditPolicyDocument, source: string): CompiledAuditPolicy {
  return new CompiledAuditPolicy(doc, source);
}
