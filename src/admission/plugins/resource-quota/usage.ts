// Quota usage: what one object consumes of each quota resource, how a quota's scopes select objects,
// and a namespace's total for one quota. The admission plugin and the quota controller both use it,
// so that what admission charges and what the controller recounts always agree.
import {
  compareQuantities,
  formatQuantity,
  parseQuantityExact,
  type ParsedQuantity,
} from '../../../api/validation/quantity.js';

type Obj = Record<string, unknown>;

/** Resource name → amount. */
export type ResourceList = Record<string, ParsedQuantity>;

const ONE: ParsedQuantity = { nanos: 1_000_000_000n, format: 'DecimalSI' };
const ZERO: ParsedQuantity = { nanos: 0n, format: 'DecimalSI' };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objOf = (v: unknown): Obj => (isObj(v) ? v : {});
const arrOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

// ---- resource lists --------------------------------------------------------------------------------

/** A JSON resource map (`{cpu: "500m"}`) as quantities; values that do not parse are left out. */
export function toResourceList(v: unknown): ResourceList {
  const out: ResourceList = {};
  for (const [k, raw] of Object.entries(objOf(v))) {
    if (typeof raw !== 'string' && typeof raw !== 'number') continue;
    const q = parseQuantityExact(raw);
    if (q) out[k] = q;
  }
  return out;
}

/** A resource list as JSON in kube's canonical text, keys sorted. */
export function fromResourceList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(list).sort()) out[k] = formatQuantity(list[k]!);
  return out;
}

/** a + b per resource; a resource keeps the format of its first non-zero operand, as kube's Quantity.Add does. */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, q] of Object.entries(b)) {
    const cur = out[k];
    out[k] = cur ? { nanos: cur.nanos + q.nanos, format: cur.nanos === 0n ? q.format : cur.format } : q;
  }
  return out;
}

/** a - b per resource of a, never below zero. */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, q] of Object.entries(a)) {
    const other = b[k];
    const n = other ? q.nanos - other.nanos : q.nanos;
    out[k] = { nanos: n < 0n ? 0n : n, format: q.format };
  }
  return out;
}

/** Only the named resources. */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (list[n]) out[n] = list[n];
  return out;
}

export function isZeroList(list: ResourceList): boolean {
  return Object.values(list).every((q) => q.nanos === 0n);
}

function maxInto(target: ResourceList, other: ResourceList): void {
  for (const [k, q] of Object.entries(other)) {
    const cur = target[k];
    if (!cur || compareQuantities(q, cur) > 0) target[k] = q;
  }
}

/** "limits.cpu=2,pods=1": kube's rendering of a resource list in quota messages (keys sorted). */
export function prettyPrint(list: ResourceList): string {
  return Object.keys(list)
    .sort()
    .map((k) => `${k}=${formatQuantity(list[k]!)}`)
    .join(',');
}

// ---- pod resources ---------------------------------------------------------------------------------

interface ContainerResources {
  name: string;
  requests: ResourceList;
  limits: ResourceList;
  sidecar: boolean;
}

function containerResources(c: Obj, initContainer: boolean): ContainerResources {
  const res = objOf(c['resources']);
  return {
    name: typeof c['name'] === 'string' ? c['name'] : '',
    requests: toResourceList(res['requests']),
    limits: toResourceList(res['limits']),
    sidecar: initContainer && c['restartPolicy'] === 'Always',
  };
}

/** Every container and init container of a pod, containers first. */
export function podContainers(pod: Obj): { containers: ContainerResources[]; initContainers: ContainerResources[] } {
  const spec = objOf(pod['spec']);
  return {
    containers: arrOf(spec['containers']).map((c) => containerResources(c, false)),
    initContainers: arrOf(spec['initContainers']).map((c) => containerResources(c, true)),
  };
}

/**
 * The effective requests (or limits) of a pod, as the scheduler counts them: the sum over containers
 * and sidecars, or the largest init container (plus the sidecars started before it) if that is more.
 * Pod-level resources override cpu and memory; overhead is added when asked for.
 */
export function podAggregate(pod: Obj, which: 'requests' | 'limits', opts: { overhead: boolean }): ResourceList {
  const { containers, initContainers } = podContainers(pod);
  let total: ResourceList = {};
  for (const c of containers) total = addLists(total, c[which]);
  let sidecars: ResourceList = {};
  const initMax: ResourceList = {};
  for (const c of initContainers) {
    let effective: ResourceList;
    if (c.sidecar) {
      total = addLists(total, c[which]);
      sidecars = addLists(sidecars, c[which]);
      effective = sidecars;
    } else {
      effective = addLists(c[which], sidecars);
    }
    maxInto(initMax, effective);
  }
  maxInto(total, initMax);
  const spec = objOf(pod['spec']);
  const podLevel = toResourceList(objOf(spec['resources'])[which]);
  for (const r of ['cpu', 'memory']) if (podLevel[r]) total[r] = podLevel[r];
  if (opts.overhead) {
    const overhead = toResourceList(spec['overhead']);
    for (const [k, q] of Object.entries(overhead)) {
      // limits only grow by overhead for resources that have a limit at all
      if (which === 'limits' && !total[k]) continue;
      total = addLists(total, { [k]: q });
    }
  }
  return total;
}

/** BestEffort: no container states a cpu or memory request or limit. */
export function isBestEffort(pod: Obj): boolean {
  const { containers, initContainers } = podContainers(pod);
  return [...containers, ...initContainers].every((c) => !['cpu', 'memory'].some((r) => c.requests[r] || c.limits[r]));
}

/** A pod in a terminal phase, or past its deletion grace period, no longer uses compute resources. */
export function podIsTerminal(pod: Obj, now = Date.now()): boolean {
  const phase = objOf(pod['status'])['phase'];
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  const meta = objOf(pod['metadata']);
  const deletion = typeof meta['deletionTimestamp'] === 'string' ? Date.parse(meta['deletionTimestamp']) : NaN;
  const grace = typeof meta['deletionGracePeriodSeconds'] === 'number' ? meta['deletionGracePeriodSeconds'] : undefined;
  return !Number.isNaN(deletion) && grace !== undefined && now > deletion + grace * 1000;
}

const COMPUTE_PAIRS: [string, string, string, string][] = [
  // resource, requests alias, requests name, limits name
  ['cpu', 'cpu', 'requests.cpu', 'limits.cpu'],
  ['memory', 'memory', 'requests.memory', 'limits.memory'],
  ['ephemeral-storage', 'ephemeral-storage', 'requests.ephemeral-storage', 'limits.ephemeral-storage'],
];

/** An extended resource (`example.com/gpu`): quota names it only as `requests.<name>`. */
export function isExtendedResource(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');
}

/** The quota resources a pod (or one container) uses given its requests and limits. */
export function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: ONE };
  for (const [r, alias, req, lim] of COMPUTE_PAIRS) {
    if (requests[r]) {
      out[alias] = requests[r];
      out[req] = requests[r];
    }
    if (limits[r]) out[lim] = limits[r];
  }
  for (const [k, q] of Object.entries(requests)) {
    if (k.startsWith('hugepages-')) {
      out[k] = q;
      out[`requests.${k}`] = q;
    } else if (isExtendedResource(k)) {
      out[`requests.${k}`] = q;
    }
  }
  return out;
}

// ---- evaluators ------------------------------------------------------------------------------------

/** The quota resources that oblige every container to state a request or limit. */
const CONTAINER_REQUIRED = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

const POD_RESOURCES = new Set([
  'pods', 'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
]);

/** Core resources quota also counts under their bare plural, besides `count/<resource>`. */
const LEGACY_COUNTED = new Set(['pods', 'services', 'secrets', 'configmaps', 'replicationcontrollers', 'resourcequotas', 'persistentvolumeclaims']);

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

export function objectCountName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

export interface QuotaEvaluator {
  readonly group: string;
  readonly resource: string;
  /** Whether an UPDATE can change this object's usage (else only CREATE is charged). */
  readonly chargesUpdates: boolean;
  /** Whether this evaluator understands quota scopes (only pods do; a scoped quota ignores the rest). */
  readonly scoped: boolean;
  /** Whether a quota resource name is one this evaluator accounts. */
  covers(name: string): boolean;
  usage(obj: Obj, now?: number): ResourceList;
  /** The requirement a quota puts on the object itself ("must specify …"), or undefined. */
  constraints?(required: string[], obj: Obj): string | undefined;
}

const podEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'pods',
  chargesUpdates: true,
  scoped: true,
  covers: (n) =>
    POD_RESOURCES.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || (n.startsWith('requests.') && isExtendedResource(n.slice('requests.'.length))),
  usage(pod, now) {
    // count/pods tracks every stored pod; "pods" and compute only pods that still run
    const out: ResourceList = { 'count/pods': ONE };
    if (podIsTerminal(pod, now)) return out;
    return { ...out, ...computeUsage(podAggregate(pod, 'requests', { overhead: true }), podAggregate(pod, 'limits', { overhead: true })) };
  },
  constraints(required, pod) {
    const needed = required.filter((r) => CONTAINER_REQUIRED.has(r));
    if (!needed.length) return undefined;
    const missing = new Map<string, Set<string>>();
    const { containers, initContainers } = podContainers(pod);
    for (const c of [...containers, ...initContainers]) {
      const has = computeUsage(c.requests, c.limits);
      for (const r of needed) {
        if (has[r]) continue;
        if (!missing.has(r)) missing.set(r, new Set());
        missing.get(r)!.add(c.name);
      }
    }
    if (!missing.size) return undefined;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
};

const serviceEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'services',
  chargesUpdates: true,
  scoped: false,
  covers: (n) => ['services', 'count/services', 'services.nodeports', 'services.loadbalancers'].includes(n),
  usage(svc) {
    const spec = objOf(svc['spec']);
    const ports = arrOf(spec['ports']);
    const count = (n: number): ParsedQuantity => ({ nanos: BigInt(n) * ONE.nanos, format: 'DecimalSI' });
    const out: ResourceList = { services: ONE, 'count/services': ONE };
    if (spec['type'] === 'NodePort') out['services.nodeports'] = count(ports.length);
    if (spec['type'] === 'LoadBalancer') {
      // with node port allocation off, only ports that name a node port use one
      const explicit = spec['allocateLoadBalancerNodePorts'] === false;
      out['services.nodeports'] = count(explicit ? ports.filter((p) => typeof p['nodePort'] === 'number' && p['nodePort'] !== 0).length : ports.length);
      out['services.loadbalancers'] = ONE;
    }
    return out;
  },
};

const pvcEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'persistentvolumeclaims',
  chargesUpdates: true,
  scoped: false,
  covers: (n) =>
    n === 'persistentvolumeclaims' || n === 'count/persistentvolumeclaims' || n === 'requests.storage' ||
    (n.includes(STORAGE_CLASS_SUFFIX) && (n.endsWith('/requests.storage') || n.endsWith('/persistentvolumeclaims'))),
  usage(pvc) {
    const spec = objOf(pvc['spec']);
    const out: ResourceList = { persistentvolumeclaims: ONE, 'count/persistentvolumeclaims': ONE };
    const storage = toResourceList(objOf(spec['resources'])['requests'])['storage'];
    if (storage) out['requests.storage'] = storage;
    const sc = typeof spec['storageClassName'] === 'string' ? spec['storageClassName'] : '';
    if (sc) {
      out[`${sc}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = ONE;
      if (storage) out[`${sc}${STORAGE_CLASS_SUFFIX}requests.storage`] = storage;
    }
    return out;
  },
};

function countEvaluator(group: string, resource: string): QuotaEvaluator {
  const names = new Set([objectCountName(group, resource)]);
  if (!group && LEGACY_COUNTED.has(resource)) names.add(resource);
  const usage: ResourceList = {};
  for (const n of names) usage[n] = ONE;
  return { group, resource, chargesUpdates: false, scoped: false, covers: (n) => names.has(n), usage: () => ({ ...usage }) };
}

const SPECIAL: Record<string, QuotaEvaluator> = { '/pods': podEvaluator, '/services': serviceEvaluator, '/persistentvolumeclaims': pvcEvaluator };

/** The evaluator for a resource: pods, services and claims have their own; everything else is counted. */
export function evaluatorFor(group: string, resource: string): QuotaEvaluator {
  return SPECIAL[`${group}/${resource}`] ?? countEvaluator(group, resource);
}

// ---- quotas ----------------------------------------------------------------------------------------

/** A quota's limits: spec.hard is the truth (status.hard is its mirror, kept by the controller). */
export function quotaHard(quota: Obj): ResourceList {
  return toResourceList(objOf(quota['spec'])['hard']);
}

export function quotaUsed(quota: Obj): ResourceList {
  return toResourceList(objOf(quota['status'])['used']);
}

interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values: string[];
}

function quotaScopes(quota: Obj): ScopeRequirement[] {
  const spec = objOf(quota['spec']);
  const out: ScopeRequirement[] = [];
  for (const s of Array.isArray(spec['scopes']) ? spec['scopes'] : []) if (typeof s === 'string') out.push({ scopeName: s, operator: 'Exists', values: [] });
  for (const e of arrOf(objOf(spec['scopeSelector'])['matchExpressions'])) {
    out.push({
      scopeName: String(e['scopeName'] ?? ''),
      operator: String(e['operator'] ?? ''),
      values: Array.isArray(e['values']) ? e['values'].map(String) : [],
    });
  }
  return out;
}

function hasCrossNamespaceAffinity(pod: Obj): boolean {
  const affinity = objOf(objOf(pod['spec'])['affinity']);
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = objOf(affinity[kind]);
    const terms = [
      ...arrOf(a['requiredDuringSchedulingIgnoredDuringExecution']),
      ...arrOf(a['preferredDuringSchedulingIgnoredDuringExecution']).map((w) => objOf(w['podAffinityTerm'])),
    ];
    if (terms.some((t) => (Array.isArray(t['namespaces']) && t['namespaces'].length > 0) || isObj(t['namespaceSelector']))) return true;
  }
  return false;
}

function podMatchesScope(pod: Obj, s: ScopeRequirement): boolean {
  const spec = objOf(pod['spec']);
  switch (s.scopeName) {
    case 'Terminating':
      return typeof spec['activeDeadlineSeconds'] === 'number' && spec['activeDeadlineSeconds'] >= 0;
    case 'NotTerminating':
      return !(typeof spec['activeDeadlineSeconds'] === 'number' && spec['activeDeadlineSeconds'] >= 0);
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'CrossNamespacePodAffinity':
      return hasCrossNamespaceAffinity(pod);
    case 'PriorityClass': {
      const pc = typeof spec['priorityClassName'] === 'string' ? spec['priorityClassName'] : '';
      switch (s.operator) {
        case 'Exists':
          return pc !== '';
        case 'DoesNotExist':
          return pc === '';
        case 'In':
          return s.values.includes(pc);
        case 'NotIn':
          return !s.values.includes(pc);
        default:
          return false;
      }
    }
    default:
      return false;
  }
}

/** Whether a quota limits this object: its hard names something the evaluator accounts, and every scope matches. */
export function quotaMatches(quota: Obj, evaluator: QuotaEvaluator, obj: Obj): boolean {
  if (!Object.keys(quotaHard(quota)).some((n) => evaluator.covers(n))) return false;
  const scopes = quotaScopes(quota);
  if (!scopes.length) return true;
  if (!evaluator.scoped) return false;
  return scopes.every((s) => podMatchesScope(obj, s));
}

/** What an object uses of the resources a quota limits. */
export function objectUsageFor(quota: Obj, evaluator: QuotaEvaluator, obj: Obj, now?: number): ResourceList {
  return maskList(evaluator.usage(obj, now), Object.keys(quotaHard(quota)));
}

/** Lists the stored objects of one resource in a namespace. */
export interface UsageSource {
  group: string;
  resource: string;
  list(namespace: string): Promise<Obj[]>;
}

/**
 * The exact usage of a quota in its namespace, counted from the stored objects: every resource of
 * its hard, zero when nothing uses it. Sources whose evaluator covers nothing in hard are not read.
 */
export async function computeQuotaUsage(quota: Obj, namespace: string, sources: UsageSource[], now = Date.now()): Promise<ResourceList> {
  const hard = quotaHard(quota);
  const names = Object.keys(hard);
  let used: ResourceList = {};
  for (const n of names) used[n] = { nanos: 0n, format: hard[n]!.format === 'BinarySI' ? 'BinarySI' : ZERO.format };
  for (const source of sources) {
    const evaluator = evaluatorFor(source.group, source.resource);
    if (!names.some((n) => evaluator.covers(n))) continue;
    for (const obj of await source.list(namespace)) {
      if (!quotaMatches(quota, evaluator, obj)) continue;
      used = addLists(used, objectUsageFor(quota, evaluator, obj, now));
    }
  }
  return used;
}
