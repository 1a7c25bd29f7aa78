// Keeps every ResourceQuota's status exact: status.hard mirrors spec.hard and status.used is recounted
// from the stored objects, releasing what deletions free and what admitted-but-failed writes charged.
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { UserInfo } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { jsonEqual, metaOf, type KObject } from '../registry/object.js';
import {
  computeQuotaUsage,
  evaluatorFor,
  fromResourceList,
  quotaHard,
  quotaUsed,
  type ResourceList,
  type UsageSource,
} from '../admission/plugins/resource-quota/usage.js';
import { Informer } from './informer.js';

export interface QuotaRegistries {
  registry(group: string, version: string, resource: string): GenericRegistry | undefined;
  all(): GenericRegistry[];
}

export interface ResourceQuotaControllerOptions {
  /** Changes in a namespace within this window are recounted once. Default 100 ms. */
  debounceMs?: number;
  /**
   * How long a request admitted (and charged) before a recount began may take to reach storage. A
   * recount lowers status.used only by what it can prove is gone after waiting this long, so that a
   * charge whose object is still being written is never released early. Default 1000 ms.
   */
  settleMs?: number;
}

const DEFAULT_DEBOUNCE_MS = 100;
const DEFAULT_SETTLE_MS = 1000;

const uidOf = (o: KObject): string => metaOf(o).uid ?? metaOf(o).name ?? '';

/** The quota with the given status.used (replacing the old one) and status.hard mirrored from spec. */
function withStatus(quota: KObject, used: ResourceList): KObject {
  const spec = (quota['spec'] ?? {}) as KObject;
  return { ...quota, status: { hard: { ...((spec['hard'] ?? {}) as KObject) }, used: fromResourceList(used) } };
}

/** A quota whose status does not yet describe its spec: hard differs, or used lacks or has extra names. */
function needsInit(quota: KObject): boolean {
  const hard = quotaHard(quota);
  const status = (quota['status'] ?? {}) as KObject;
  if (!jsonEqual(fromResourceList(hard), fromResourceList(quotaHard({ spec: { hard: status['hard'] } })))) return true;
  const used = quotaUsed(quota);
  const names = Object.keys(hard);
  return names.some((n) => !used[n]) || Object.keys(used).some((n) => !(n in hard));
}

export class ResourceQuotaController {
  private readonly informers: Informer[] = [];
  /** namespace → quota uid → quota, as last seen. */
  private readonly quotas = new Map<string, Map<string, KObject>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly sleepers = new Set<() => void>();
  private readonly debounceMs: number;
  private readonly settleMs: number;
  private stopped = false;

  constructor(
    private readonly registries: QuotaRegistries,
    private readonly quotaRegistry: GenericRegistry,
    private readonly user: UserInfo,
    private readonly log: (msg: string, err?: unknown) => void,
    opts: ResourceQuotaControllerOptions = {},
  ) {
    this.debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
    this.informers.push(
      new Informer(
        quotaRegistry,
        {
          onList: (items) => {
            this.quotas.clear();
            for (const q of items) this.remember('ADDED', q);
            for (const ns of this.quotas.keys()) this.schedule(ns);
          },
          onChange: (type, q) => {
            this.remember(type, q);
            this.schedule(metaOf(q).namespace ?? '');
          },
        },
        log,
      ),
    );
    for (const reg of registries.all()) {
      if (!reg.info.namespaced || reg === quotaRegistry) continue;
      const evaluator = evaluatorFor(reg.info.group, reg.info.resource);
      this.informers.push(
        new Informer(
          reg,
          {
            onList: () => undefined,
            onChange: (type, obj) => {
              // an object counted only by its existence changes nothing by being modified
              if (type === 'MODIFIED' && !evaluator.chargesUpdates) return;
              const ns = metaOf(obj).namespace ?? '';
              const quotas = this.quotas.get(ns);
              if (!quotas) return;
              for (const q of quotas.values()) {
                if (Object.keys(quotaHard(q)).some((n) => evaluator.covers(n))) {
                  this.schedule(ns);
                  return;
                }
              }
            },
          },
          log,
        ),
      );
    }
  }

  async start(): Promise<void> {
    for (const i of this.informers) await i.start();
  }

  stop(): void {
    this.stopped = true;
    for (const i of this.informers) i.stop();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
  }

  private remember(type: 'ADDED' | 'MODIFIED' | 'DELETED', q: KObject): void {
    const ns = metaOf(q).namespace ?? '';
    let byUid = this.quotas.get(ns);
    if (type === 'DELETED') {
      byUid?.delete(uidOf(q));
      if (byUid && !byUid.size) this.quotas.delete(ns);
      return;
    }
    if (!byUid) this.quotas.set(ns, (byUid = new Map()));
    byUid.set(uidOf(q), q);
  }

  private schedule(ns: string, delay = this.debounceMs): void {
    if (this.stopped || !ns) return;
    if (this.running.has(ns)) {
      this.again.add(ns);
      return;
    }
    if (this.timers.has(ns)) return;
    const t = setTimeout(() => {
      this.timers.delete(ns);
      void this.run(ns);
    }, delay);
    t.unref();
    this.timers.set(ns, t);
  }

  private async run(ns: string): Promise<void> {
    this.running.add(ns);
    try {
      if (!(await this.syncNamespace(ns))) this.again.add(ns);
    } catch (err) {
      this.log(`recounting the resource quotas of namespace ${ns} failed`, err);
    } finally {
      this.running.delete(ns);
      if (this.again.delete(ns)) this.schedule(ns);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Lists each resource at most once per pass (the memo is per pass so that a later pass sees fresh objects). */
  private sources(): UsageSource[] {
    const memo = new Map<string, Promise<KObject[]>>();
    return this.registries
      .all()
      .filter((r) => r.info.namespaced)
      .map((reg) => ({
        group: reg.info.group,
        resource: reg.info.resource,
        list: (namespace: string) => {
          const key = `${reg.qualified}/${namespace}`;
          let p = memo.get(key);
          if (!p) memo.set(key, (p = reg.list(namespace).then((r) => r.items)));
          return p;
        },
      }));
  }

  private async write(quota: KObject): Promise<KObject | undefined> {
    const m = metaOf(quota);
    try {
      return (await this.quotaRegistry.update(m.namespace ?? '', m.name ?? '', quota, 'status', { user: this.user, warnings: [] })).object;
    } catch (err) {
      // an admission charge (or a deletion) got there first: the pass is repeated
      if (err instanceof StatusError && (err.code === 409 || err.code === 404)) return undefined;
      throw err;
    }
  }

  /**
   * Recounts one namespace's quotas. First, quotas whose status does not describe their spec get hard
   * and any missing usage at once. Then, after settleMs, each quota's usage becomes the recount plus
   * whatever admission charged in the meantime (those objects may not be stored yet), never more
   * than the recorded usage unless the recount itself is higher. Returns false when a write lost a
   * race and the pass should run again.
   */
  async syncNamespace(ns: string): Promise<boolean> {
    let complete = true;
    const before = new Map<string, ResourceList>();
    const initial = (await this.quotaRegistry.list(ns)).items;
    let sources = this.sources();
    for (const q of initial) {
      if (!needsInit(q)) {
        before.set(uidOf(q), quotaUsed(q));
        continue;
      }
      const counted = await computeQuotaUsage(q, ns, sources);
      const used = quotaUsed(q);
      const next: ResourceList = {};
      for (const n of Object.keys(quotaHard(q))) next[n] = used[n] ?? counted[n]!;
      const written = await this.write(withStatus(q, next));
      if (written) before.set(uidOf(q), quotaUsed(written));
      else complete = false;
    }
    if (!before.size || this.stopped) return complete;

    await this.sleep(this.settleMs);
    if (this.stopped) return complete;
    const current = (await this.quotaRegistry.list(ns)).items;
    sources = this.sources();
    for (const q of current) {
      const earlier = before.get(uidOf(q));
      if (!earlier) continue;
      if (needsInit(q)) {
        complete = false;
        continue;
      }
      const counted = await computeQuotaUsage(q, ns, sources);
      const used = quotaUsed(q);
      const next: ResourceList = {};
      let changed = false;
      for (const n of Object.keys(quotaHard(q))) {
        const c = counted[n]!;
        const u = used[n]!;
        const prev = earlier[n];
        const charged = prev && u.nanos > prev.nanos ? u.nanos - prev.nanos : 0n;
        const upper = c.nanos + charged;
        const target = c.nanos > u.nanos ? upper : upper < u.nanos ? upper : u.nanos;
        next[n] = { nanos: target, format: c.nanos === 0n ? u.format : c.format };
        if (target !== u.nanos) changed = true;
      }
      if (!changed) continue;
      if (!(await this.write(withStatus(q, next)))) complete = false;
    }
    return complete;
  }
}
