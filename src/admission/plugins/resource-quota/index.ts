// ResourceQuota admission: refuses a create or update that would take a namespace over any of its
// quotas, and charges the usage to each quota's status with compare-and-swap before admitting, so that
// concurrent requests can never together overshoot a limit.
import { catalogue } from '../../../api/catalogue.js';
import { StatusError, forbidden, qualifiedResource, tooManyRequests } from '../../../api/status.js';
import { compareQuantities } from '../../../api/validation/quantity.js';
import type { UserInfo } from '../../../endpoints/context.js';
import type { GenericRegistry } from '../../../registry/generic-registry.js';
import type { AdmissionAttributes, AdmissionLookup, AdmissionPlugin } from '../../types.js';
import {
  addLists,
  computeQuotaUsage,
  evaluatorFor,
  fromResourceList,
  isZeroList,
  maskList,
  prettyPrint,
  quotaHard,
  quotaMatches,
  quotaUsed,
  subtractNonNegative,
  type ResourceList,
  type UsageSource,
  type QuotaEvaluator,
} from './usage.js';

type Obj = Record<string, unknown>;

/** Fresh reads of a namespace's quotas and compare-and-swap writes of their status. */
export interface QuotaWriter {
  list(namespace: string): Promise<Record<string, unknown>[]>;
  /** CAS on metadata.resourceVersion; throws a 409 StatusError on conflict. */
  updateStatus(quota: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface ResourceQuotaAdmissionOptions {
  lookup: AdmissionLookup;
  quotas: QuotaWriter;
  /** Attempts at charging before giving up with 429 (each lost race re-reads the quotas). Default 100. */
  maxAttempts?: number;
}

const objOf = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const nameOf = (o: Obj): string => String(objOf(o['metadata'])['name'] ?? '');
const uidOf = (o: Obj): string => String(objOf(o['metadata'])['uid'] ?? nameOf(o));

/** A QuotaWriter over the resourcequotas registry, writing through its status subresource. */
export function registryQuotaWriter(registry: GenericRegistry, user: UserInfo): QuotaWriter {
  return {
    list: async (namespace) => (await registry.list(namespace)).items,
    updateStatus: async (quota) => {
      const meta = objOf(quota['metadata']);
      // the registry takes ownership of the body it is given
      const res = await registry.update(String(meta['namespace'] ?? ''), String(meta['name'] ?? ''), structuredClone(quota), 'status', { user, warnings: [] });
      return res.object;
    },
  };
}

/** The quota with status.hard mirrored from spec and status.used updated with `used` (other entries kept). */
export function withUsage(quota: Obj, used: ResourceList): Obj {
  const status = objOf(quota['status']);
  const hard = objOf(objOf(quota['spec'])['hard']);
  return { ...quota, status: { ...status, hard: { ...hard }, used: { ...objOf(status['used']), ...fromResourceList(used) } } };
}

interface PendingCharge {
  evaluator: QuotaEvaluator;
  obj: Obj;
  delta: ResourceList;
  deny: (msg: string) => StatusError;
  dryRun: boolean;
  what: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';
  private readonly lookup: AdmissionLookup;
  private readonly quotas: QuotaWriter;
  private readonly maxAttempts: number;
  private readonly pending = new Map<string, PendingCharge[]>();
  private readonly running = new Set<string>();

  constructor(opts: ResourceQuotaAdmissionOptions) {
    this.lookup = opts.lookup;
    this.quotas = opts.quotas;
    this.maxAttempts = opts.maxAttempts ?? 100;
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (a.subresource || !a.namespace || !a.resource.namespaced || !a.object) return;
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
    const { group, resource } = a.resource;
    const evaluator = evaluatorFor(group, resource);
    if (a.operation === 'UPDATE' && !evaluator.chargesUpdates) return;
    const obj = a.object;
    // most namespaces have no quota for most objects: only requests some quota covers pay for usage
    if (!(await this.quotas.list(a.namespace)).some((q) => quotaMatches(q, evaluator, obj))) return;
    let delta = evaluator.usage(obj);
    if (a.operation === 'UPDATE' && a.oldObject) {
      // an update pays only for what it adds; what it frees is released by the controller's recount
      delta = subtractNonNegative(delta, evaluator.usage(a.oldObject));
      if (isZeroList(delta)) return;
    }
    const what = `${qualifiedResource(group, resource)} "${a.name}"`;
    const deny = (msg: string) => forbidden(`${what} is forbidden: ${msg}`, { name: a.name, group: group || undefined, kind: resource });

    await this.charge(a.namespace, { evaluator, obj, delta, deny, dryRun: a.dryRun, what });
  }

  /**
   * Charges are batched per namespace, as kube-apiserver's quota evaluator does: the requests that
   * arrive while one batch is being written are evaluated together against one read of the quotas,
   * in arrival order, and each changed quota is written once (compare-and-swap) for the whole batch.
   * Concurrent creates therefore cannot overshoot a quota, and they do not fight over its
   * resourceVersion one by one.
   */
  private charge(namespace: string, req: Omit<PendingCharge, 'resolve' | 'reject'>): Promise<void> {
    return new Promise((resolve, reject) => {
      let queue = this.pending.get(namespace);
      if (!queue) this.pending.set(namespace, (queue = []));
      queue.push({ ...req, resolve, reject });
      if (!this.running.has(namespace)) void this.drain(namespace);
    });
  }

  private async drain(namespace: string): Promise<void> {
    this.running.add(namespace);
    try {
      for (;;) {
        const batch = this.pending.get(namespace)?.splice(0) ?? [];
        if (!batch.length) break;
        await this.chargeBatch(namespace, batch);
      }
    } finally {
      this.running.delete(namespace);
      this.pending.delete(namespace);
    }
  }

  private async chargeBatch(namespace: string, batch: PendingCharge[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcomes = new Map<PendingCharge, Error | undefined>();
      let quotas: Obj[];
      try {
        quotas = await this.quotas.list(namespace);
      } catch (err) {
        for (const p of batch) p.reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      // running usage per quota (by uid), starting from what the quota records
      const working = new Map<string, { quota: Obj; used: ResourceList; changed: boolean }>();
      for (const q of quotas) working.set(uidOf(q), { quota: q, used: quotaUsed(q), changed: false });
      for (const p of batch) {
        try {
          await this.evaluate(p, namespace, quotas, working);
          outcomes.set(p, undefined);
        } catch (err) {
          outcomes.set(p, err instanceof Error ? err : new Error(String(err)));
        }
      }
      let lostRace = false;
      for (const w of working.values()) {
        if (!w.changed) continue;
        try {
          await this.quotas.updateStatus(withUsage(w.quota, w.used));
        } catch (err) {
          // the controller (or another server) wrote first: read again and decide the batch again
          if (err instanceof StatusError && (err.code === 409 || err.code === 404)) {
            lostRace = true;
            break;
          }
          for (const p of batch) p.reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
      }
      if (lostRace && attempt < this.maxAttempts) continue;
      for (const p of batch) {
        const outcome = lostRace ? tooManyRequests(`${p.what}: too many concurrent requests are updating the resource quotas of namespace ${namespace}; please try again`, 1) : outcomes.get(p);
        if (outcome) p.reject(outcome);
        else p.resolve();
      }
      return;
    }
  }

  /** Checks one request against the batch's running usage; charges it there unless it is a dry run. */
  private async evaluate(p: PendingCharge, namespace: string, quotas: Obj[], working: Map<string, { quota: Obj; used: ResourceList; changed: boolean }>): Promise<void> {
    const matching = quotas.filter((q) => quotaMatches(q, p.evaluator, p.obj));
    if (!matching.length) return;
    if (p.evaluator.constraints) {
      for (const q of matching) {
        const required = Object.keys(quotaHard(q)).filter((n) => p.evaluator.covers(n));
        const problem = p.evaluator.constraints(required, p.obj);
        if (problem) throw p.deny(`failed quota: ${nameOf(q)}: ${problem}`);
      }
    }
    // every quota is checked before any is charged, so a refusal leaves no charge behind
    const charges: Array<{ w: { used: ResourceList; changed: boolean }; next: ResourceList }> = [];
    for (const q of matching) {
      const w = working.get(uidOf(q))!;
      const hard = quotaHard(q);
      const requested = maskList(p.delta, Object.keys(hard));
      if (isZeroList(requested)) continue;
      const unknown = Object.keys(requested).filter((k) => !w.used[k]);
      if (unknown.length) {
        let counted: ResourceList;
        try {
          counted = await this.recount(q, namespace);
        } catch {
          throw p.deny(`status unknown for quota: ${nameOf(q)}, resources: ${unknown.sort().join(',')}`);
        }
        w.used = { ...maskList(counted, unknown), ...w.used };
      }
      const used = w.used;
      const next = addLists(maskList(used, Object.keys(requested)), requested);
      const exceeded = Object.keys(requested).filter((k) => compareQuantities(next[k]!, hard[k]!) > 0);
      if (exceeded.length) {
        throw p.deny(
          `exceeded quota: ${nameOf(q)}, requested: ${prettyPrint(maskList(requested, exceeded))}, used: ${prettyPrint(maskList(used, exceeded))}, limited: ${prettyPrint(maskList(hard, exceeded))}`,
        );
      }
      charges.push({ w, next });
    }
    if (p.dryRun) return;
    for (const { w, next } of charges) {
      w.used = { ...w.used, ...next };
      w.changed = true;
    }
  }

  /** A quota whose status does not yet record a resource (the controller has not run): count it now. */
  private async recount(quota: Obj, namespace: string): Promise<ResourceList> {
    const sources: UsageSource[] = catalogue
      .filter((r) => r.namespaced)
      .map((r) => ({ group: r.group, resource: r.resource, list: (ns: string) => this.lookup.list(r.group, r.resource, ns) }));
    return computeQuotaUsage(quota, namespace, sources);
  }
}
