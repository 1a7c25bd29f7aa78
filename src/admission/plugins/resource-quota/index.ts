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
      const res = await registry.update(String(meta['namespace'] ?? ''), String(meta['name'] ?? ''), quota, 'status', { user, warnings: [] });
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

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';
  private readonly lookup: AdmissionLookup;
  private readonly quotas: QuotaWriter;
  private readonly maxAttempts: number;

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
    let delta = evaluator.usage(obj);
    if (a.operation === 'UPDATE' && a.oldObject) {
      // an update pays only for what it adds; what it frees is released by the controller's recount
      delta = subtractNonNegative(delta, evaluator.usage(a.oldObject));
      if (isZeroList(delta)) return;
    }
    const what = `${qualifiedResource(group, resource)} "${a.name}"`;
    const deny = (msg: string) => forbidden(`${what} is forbidden: ${msg}`, { name: a.name, group: group || undefined, kind: resource });

    const charged = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      const matching = (await this.quotas.list(a.namespace)).filter((q) => quotaMatches(q, evaluator, obj));
      if (!matching.length) return;
      if (evaluator.constraints) {
        for (const q of matching) {
          const required = Object.keys(quotaHard(q)).filter((n) => evaluator.covers(n));
          const problem = evaluator.constraints(required, obj);
          if (problem) throw deny(`failed quota: ${nameOf(q)}: ${problem}`);
        }
      }
      // every quota is checked before any is charged, so a refusal leaves no charge behind
      const writes: Obj[] = [];
      for (const q of matching) {
        if (charged.has(uidOf(q))) continue;
        const hard = quotaHard(q);
        const requested = maskList(delta, Object.keys(hard));
        if (isZeroList(requested)) continue;
        let used = quotaUsed(q);
        const unknown = Object.keys(requested).filter((k) => !used[k]);
        if (unknown.length) {
          let counted: ResourceList;
          try {
            counted = await this.recount(q, a.namespace);
          } catch {
            throw deny(`status unknown for quota: ${nameOf(q)}, resources: ${unknown.sort().join(',')}`);
          }
          used = { ...maskList(counted, unknown), ...used };
        }
        const next = addLists(maskList(used, Object.keys(requested)), requested);
        const exceeded = Object.keys(requested).filter((k) => compareQuantities(next[k]!, hard[k]!) > 0);
        if (exceeded.length) {
          throw deny(
            `exceeded quota: ${nameOf(q)}, requested: ${prettyPrint(maskList(requested, exceeded))}, used: ${prettyPrint(maskList(used, exceeded))}, limited: ${prettyPrint(maskList(hard, exceeded))}`,
          );
        }
        writes.push(withUsage(q, next));
      }
      if (a.dryRun || !writes.length) return;
      let lostRace = false;
      for (const w of writes) {
        try {
          await this.quotas.updateStatus(w);
          charged.add(uidOf(w));
        } catch (err) {
          // someone else charged (or the controller recounted) first: read again and re-check
          if (err instanceof StatusError && (err.code === 409 || err.code === 404)) {
            lostRace = true;
            break;
          }
          throw err;
        }
      }
      if (!lostRace) return;
      if (attempt >= this.maxAttempts) {
        throw tooManyRequests(`${what}: too many concurrent requests are updating the resource quotas of namespace ${a.namespace}; please try again`, 1);
      }
      if (attempt > 3) await new Promise((r) => setTimeout(r, Math.min(50, Math.floor(Math.random() * attempt * 2))));
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
