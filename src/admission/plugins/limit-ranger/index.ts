// LimitRanger: a namespace's LimitRanges give containers their default requests and limits (mutating)
// and bound what containers, pods and claims may ask for (validating), with kube-apiserver's messages.
import { forbidden, qualifiedResource } from '../../../api/status.js';
import { canonicalQuantity, formatQuantity, parseQuantityExact, type ParsedQuantity } from '../../../api/validation/quantity.js';
import type { AdmissionAttributes, AdmissionLookup, AdmissionPlugin } from '../../types.js';
import { podAggregate, toResourceList, type ResourceList } from '../resource-quota/usage.js';

type Obj = Record<string, unknown>;

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

export interface LimitRangerOptions {
  lookup: AdmissionLookup;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objOf = (v: unknown): Obj => (isObj(v) ? v : {});
const arrOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

interface LimitItem {
  type: string;
  min: ResourceList;
  max: ResourceList;
  default: Obj;
  defaultRequest: Obj;
  maxLimitRequestRatio: ResourceList;
  /** The constrained resource names of min, max and maxLimitRequestRatio, each sorted (kube's order of errors). */
  minNames: string[];
  maxNames: string[];
  ratioNames: string[];
  /** Every resource name the item constrains, once. */
  names: string[];
}

/**
 * Parsed items by LimitRange object. The admission lookup hands out the same (frozen) object until
 * the LimitRange changes, so its quantities are parsed once, not once per pod.
 */
const parsedItems = new WeakMap<Obj, LimitItem[]>();

function limitItems(limitRange: Obj): LimitItem[] {
  let items = parsedItems.get(limitRange);
  if (!items) parsedItems.set(limitRange, (items = parseLimitItems(limitRange)));
  return items;
}

function parseLimitItems(limitRange: Obj): LimitItem[] {
  return arrOf(objOf(limitRange['spec'])['limits']).map((l) => {
    const min = toResourceList(l['min']);
    const max = toResourceList(l['max']);
    const maxLimitRequestRatio = toResourceList(l['maxLimitRequestRatio']);
    const minNames = Object.keys(min).sort();
    const maxNames = Object.keys(max).sort();
    const ratioNames = Object.keys(maxLimitRequestRatio).sort();
    return {
      type: String(l['type'] ?? ''),
      min,
      max,
      default: objOf(l['default']),
      defaultRequest: objOf(l['defaultRequest']),
      maxLimitRequestRatio,
      minNames,
      maxNames,
      ratioNames,
      names: [...new Set([...minNames, ...maxNames, ...ratioNames])],
    };
  });
}

const canonical = (v: unknown): unknown => (typeof v === 'string' || typeof v === 'number' ? (canonicalQuantity(v) ?? v) : v);

// ---- defaults --------------------------------------------------------------------------------------

const parsedDefaults = new WeakMap<Obj, { limits: Obj; requests: Obj }>();

/** The default limits and requests of a LimitRange's Container items; a later item wins a resource. */
function containerDefaults(limitRange: Obj): { limits: Obj; requests: Obj } {
  let d = parsedDefaults.get(limitRange);
  if (!d) parsedDefaults.set(limitRange, (d = computeContainerDefaults(limitRange)));
  return d;
}

function computeContainerDefaults(limitRange: Obj): { limits: Obj; requests: Obj } {
  const limits: Obj = {};
  const requests: Obj = {};
  for (const item of limitItems(limitRange)) {
    if (item.type !== 'Container') continue;
    for (const [k, v] of Object.entries(item.default)) limits[k] = canonical(v);
    for (const [k, v] of Object.entries(item.defaultRequest)) requests[k] = canonical(v);
  }
  return { limits, requests };
}

/** Fills what a container lacks; returns the annotation phrases ("cpu, memory request for container app"). */
function mergeContainer(container: Obj, defaults: { limits: Obj; requests: Obj }, label: string): string[] {
  const resources = isObj(container['resources']) ? container['resources'] : (container['resources'] = {});
  const setRequests: string[] = [];
  const setLimits: string[] = [];
  const fill = (field: 'limits' | 'requests', from: Obj, record: string[]) => {
    const keys = Object.keys(from);
    if (!keys.length) return;
    const target = isObj(resources[field]) ? resources[field] : (resources[field] = {});
    for (const k of keys) {
      if (k in target) continue;
      target[k] = from[k];
      record.push(k);
    }
  };
  fill('limits', defaults.limits, setLimits);
  fill('requests', defaults.requests, setRequests);
  const name = String(container['name'] ?? '');
  const out: string[] = [];
  if (setRequests.length) out.push(`${setRequests.sort().join(', ')} request for ${label} ${name}`);
  if (setLimits.length) out.push(`${setLimits.sort().join(', ')} limit for ${label} ${name}`);
  return out;
}

function applyPodDefaults(pod: Obj, limitRange: Obj): boolean {
  const defaults = containerDefaults(limitRange);
  if (!Object.keys(defaults.limits).length && !Object.keys(defaults.requests).length) return false;
  const spec = objOf(pod['spec']);
  const phrases: string[] = [];
  for (const c of arrOf(spec['containers'])) phrases.push(...mergeContainer(c, defaults, 'container'));
  for (const c of arrOf(spec['initContainers'])) phrases.push(...mergeContainer(c, defaults, 'init container'));
  if (!phrases.length) return false;
  const meta = isObj(pod['metadata']) ? pod['metadata'] : (pod['metadata'] = {});
  const annotations = isObj(meta['annotations']) ? meta['annotations'] : (meta['annotations'] = {});
  annotations[LIMIT_RANGER_ANNOTATION] = `LimitRanger plugin set: ${phrases.join('; ')}`;
  return true;
}

/** The QoS class from cpu and memory, recomputed after defaults change a pod's resources. */
function qosClass(pod: Obj): string {
  const spec = objOf(pod['spec']);
  const containers = [...arrOf(spec['containers']), ...arrOf(spec['initContainers'])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = objOf(c['resources']);
    const req = toResourceList(res['requests']);
    const lim = toResourceList(res['limits']);
    for (const r of ['cpu', 'memory']) {
      if (req[r] || lim[r]) any = true;
      if (!lim[r] || (req[r] && req[r].nanos !== lim[r].nanos)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

// ---- constraints -----------------------------------------------------------------------------------

const q = (p: ParsedQuantity) => formatQuantity(p);

/** kube compares in milli-units rounded up (whole units for values too large for milli). */
function observed(values: (ParsedQuantity | undefined)[]): bigint[] {
  const MAX_MILLI = 9_223_372_036_854_775n;
  const ceilDiv = (n: bigint, d: bigint) => (n <= 0n ? n / d : (n + d - 1n) / d);
  const useMilli = values.every((v) => !v || ceilDiv(v.nanos, 1_000_000_000n) <= MAX_MILLI);
  return values.map((v) => (v ? ceilDiv(v.nanos, useMilli ? 1_000_000n : 1_000_000_000n) : 0n));
}

function minConstraint(type: string, name: string, enforced: ParsedQuantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests[name];
  const lim = limits[name];
  const [r, l, e] = observed([req, lim, enforced]) as [bigint, bigint, bigint];
  if (!req) return `minimum ${name} usage per ${type} is ${q(enforced)}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${type} is ${q(enforced)}, but request is ${q(req)}`;
  if (lim && l < e) return `minimum ${name} usage per ${type} is ${q(enforced)}, but limit is ${q(lim)}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: ParsedQuantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests[name];
  const lim = limits[name];
  const [r, l, e] = observed([req, lim, enforced]) as [bigint, bigint, bigint];
  if (!lim) return `maximum ${name} usage per ${type} is ${q(enforced)}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${type} is ${q(enforced)}, but limit is ${q(lim)}`;
  if (req && r > e) return `maximum ${name} usage per ${type} is ${q(enforced)}, but request is ${q(req)}`;
  return undefined;
}

function maxRequestConstraint(type: string, name: string, enforced: ParsedQuantity, requests: ResourceList): string | undefined {
  const req = requests[name];
  const [r, e] = observed([req, enforced]) as [bigint, bigint];
  if (!req) return `maximum ${name} usage per ${type} is ${q(enforced)}.  No request is specified`;
  if (r > e) return `maximum ${name} usage per ${type} is ${q(enforced)}, but request is ${q(req)}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: ParsedQuantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests[name];
  const lim = limits[name];
  const [r, l] = observed([req, lim]) as [bigint, bigint];
  if (!req || r === 0n) return `${name} max limit to request ratio per ${type} is ${q(enforced)}, but no request is specified or request is 0`;
  if (!lim || l === 0n) return `${name} max limit to request ratio per ${type} is ${q(enforced)}, but no limit is specified or limit is 0`;
  const ratio = Number(l) / Number(r);
  const enforcedMilli = Number(observed([enforced])[0]);
  if (ratio * 1000 > enforcedMilli) return `${name} max limit to request ratio per ${type} is ${q(enforced)}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function checkItem(item: LimitItem, type: string, requests: ResourceList, limits: ResourceList, errs: string[]): void {
  const push = (e: string | undefined) => e !== undefined && errs.push(e);
  for (const k of item.minNames) push(minConstraint(type, k, item.min[k]!, requests, limits));
  for (const k of item.maxNames) push(maxConstraint(type, k, item.max[k]!, requests, limits));
  for (const k of item.ratioNames) push(ratioConstraint(type, k, item.maxLimitRequestRatio[k]!, requests, limits));
}

/** The container's requests and limits of the resources an item constrains (all it reads of them). */
function constrainedResources(item: LimitItem, container: Obj): { requests: ResourceList; limits: ResourceList } {
  const res = objOf(container['resources']);
  const requests = objOf(res['requests']);
  const limits = objOf(res['limits']);
  const pick = (list: Obj): ResourceList => {
    const out: ResourceList = {};
    for (const k of item.names) {
      const v = list[k];
      const q = typeof v === 'string' || typeof v === 'number' ? parseQuantityExact(v) : undefined;
      if (q) out[k] = q;
    }
    return out;
  };
  return { requests: pick(requests), limits: pick(limits) };
}

/** Every way a pod breaks one LimitRange, in kube's order. */
export function podLimitViolations(limitRange: Obj, pod: Obj): string[] {
  const errs: string[] = [];
  const spec = objOf(pod['spec']);
  for (const item of limitItems(limitRange)) {
    if (item.type === 'Container') {
      for (const c of [...arrOf(spec['containers']), ...arrOf(spec['initContainers'])]) {
        const { requests, limits } = constrainedResources(item, c);
        checkItem(item, 'Container', requests, limits, errs);
      }
    } else if (item.type === 'Pod') {
      checkItem(item, 'Pod', podAggregate(pod, 'requests', { overhead: false }), podAggregate(pod, 'limits', { overhead: false }), errs);
    }
  }
  return errs;
}

/** Every way a claim breaks one LimitRange: its requested storage against min and max. */
export function claimLimitViolations(limitRange: Obj, pvc: Obj): string[] {
  const errs: string[] = [];
  const requests = toResourceList(objOf(objOf(pvc['spec'])['resources'])['requests']);
  for (const item of limitItems(limitRange)) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const k of item.minNames) {
      const e = minConstraint('PersistentVolumeClaim', k, item.min[k]!, requests, {});
      if (e) errs.push(e);
    }
    for (const k of item.maxNames) {
      const e = maxRequestConstraint('PersistentVolumeClaim', k, item.max[k]!, requests);
      if (e) errs.push(e);
    }
  }
  return errs;
}

/** Several errors as kube aggregates them: duplicates once, more than one in brackets. */
function aggregate(errs: string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';
  private readonly lookup: AdmissionLookup;

  constructor(opts: LimitRangerOptions) {
    this.lookup = opts.lookup;
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (!isPod(a) || a.operation !== 'CREATE' || !a.object) return;
    let changed = false;
    for (const lr of await this.limitRanges(a)) changed = applyPodDefaults(a.object, lr) || changed;
    const status = a.object['status'];
    if (changed && isObj(status) && 'qosClass' in status) status['qosClass'] = qosClass(a.object);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (!a.object || a.subresource) return;
    // containers' resources cannot change after creation, so pod updates need no check
    const pod = isPod(a) && a.operation === 'CREATE';
    const claim = a.resource.group === '' && a.resource.resource === 'persistentvolumeclaims' && (a.operation === 'CREATE' || a.operation === 'UPDATE');
    if (!pod && !claim) return;
    if (a.oldObject && objOf(a.oldObject['metadata'])['deletionTimestamp']) return;
    for (const lr of await this.limitRanges(a)) {
      const errs = pod ? podLimitViolations(lr, a.object) : claimLimitViolations(lr, a.object);
      if (errs.length) throw this.forbidden(a, aggregate(errs));
    }
  }

  private async limitRanges(a: AdmissionAttributes): Promise<Obj[]> {
    try {
      const items = await this.lookup.list('', 'limitranges', a.namespace);
      // a stable order, so the first LimitRange to refuse is always the same one
      return [...items].sort((x, y) => String(objOf(x['metadata'])['name'] ?? '').localeCompare(String(objOf(y['metadata'])['name'] ?? '')));
    } catch {
      throw this.forbidden(a, `unable to ${a.operation.toLowerCase()} ${qualifiedResource(a.resource.group, a.resource.resource)} at this time because there was an error enforcing limit ranges`);
    }
  }

  private forbidden(a: AdmissionAttributes, msg: string) {
    const { group, resource } = a.resource;
    return forbidden(`${qualifiedResource(group, resource)} "${a.name}" is forbidden: ${msg}`, { name: a.name, group: group || undefined, kind: resource });
  }
}

function isPod(a: AdmissionAttributes): boolean {
  return a.resource.group === '' && a.resource.resource === 'pods' && !a.subresource;
}
