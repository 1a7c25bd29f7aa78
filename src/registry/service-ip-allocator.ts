// Cluster IP allocation for Services from the service range (kube's default 10.96.0.0/12). Each
// allocated address is a key of its own in the store, so uniqueness is the store's atomic create,
// whatever the number of servers; the address is released when the Service is deleted.
import { randomInt } from 'node:crypto';
import type { Store } from '../storage/store.js';
import { StoreError } from '../storage/store.js';
import { invalid } from '../api/status.js';
import { IP_ADDRESS_PREFIX } from '../api/catalogue.js';
import { type KObject, isPlainObject, metaOf } from './object.js';

const RANGE_BASE = (10 << 24) | (96 << 16); // 10.96.0.0
const RANGE_BITS = 20; // /12
const RANGE_SIZE = 2 ** RANGE_BITS;
/** 10.96.0.1 belongs to the `kubernetes` Service. */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
const KEY_PREFIX = IP_ADDRESS_PREFIX;

function toIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function fromIP(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function inRange(ip: string): boolean {
  const n = fromIP(ip);
  return n !== undefined && n - RANGE_BASE > 0 && n - RANGE_BASE < RANGE_SIZE - 1;
}

function specOf(service: KObject): KObject {
  return isPlainObject(service['spec']) ? service['spec'] : {};
}

function needsClusterIP(spec: KObject): boolean {
  return spec['type'] !== 'ExternalName' && spec['clusterIP'] !== 'None';
}

export class ServiceIPAllocator {
  constructor(private readonly store: Store) {}

  /** Fills spec.clusterIP(s) (or reserves the requested one); returns a release for rollback. */
  async allocate(service: KObject, dryRun: boolean): Promise<() => Promise<void>> {
    const spec = specOf(service);
    const nothing = async () => undefined;
    if (!needsClusterIP(spec)) return nothing;
    const owner = Buffer.from(JSON.stringify({ namespace: metaOf(service).namespace, name: metaOf(service).name, uid: metaOf(service).uid }));
    const requested = typeof spec['clusterIP'] === 'string' && spec['clusterIP'] ? spec['clusterIP'] : undefined;
    const refuse = (ip: string, why: string) =>
      invalid('', 'Service', metaOf(service).name ?? '', [
        { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: ${why}` },
      ]);
    if (requested) {
      if (!inRange(requested)) throw refuse(requested, 'the provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12');
      if (dryRun) {
        if (await this.store.get(KEY_PREFIX + requested)) throw refuse(requested, 'provided IP is already allocated');
        return nothing;
      }
      try {
        await this.store.create(KEY_PREFIX + requested, owner);
      } catch (err) {
        if (err instanceof StoreError && err.code === 'exists') throw refuse(requested, 'provided IP is already allocated');
        throw err;
      }
      spec['clusterIPs'] = [requested];
      return () => this.releaseIP(requested);
    }
    for (let attempt = 0; attempt < 32; attempt++) {
      const ip = toIP(RANGE_BASE + randomInt(2, RANGE_SIZE - 1));
      if (!dryRun) {
        try {
          await this.store.create(KEY_PREFIX + ip, owner);
        } catch (err) {
          if (err instanceof StoreError && err.code === 'exists') continue;
          throw err;
        }
      }
      spec['clusterIP'] = ip;
      spec['clusterIPs'] = [ip];
      return dryRun ? nothing : () => this.releaseIP(ip);
    }
    throw refuse('', 'the service IP range is full');
  }

  /** Before validation of an update: addresses the new object leaves out are kept, as kube does. */
  keepAllocated(service: KObject, old: KObject): void {
    const spec = specOf(service);
    const oldSpec = specOf(old);
    if (!needsClusterIP(spec) || !needsClusterIP(oldSpec)) return;
    if (!spec['clusterIP'] && oldSpec['clusterIP']) spec['clusterIP'] = oldSpec['clusterIP'];
    if ((!Array.isArray(spec['clusterIPs']) || spec['clusterIPs'].length === 0) && oldSpec['clusterIPs']) spec['clusterIPs'] = oldSpec['clusterIPs'];
  }

  /**
   * After validation of an update: a Service that starts needing an address (say ExternalName to
   * ClusterIP) gets one; one that stops needing it gives it back once the update is stored.
   */
  async update(service: KObject, old: KObject, dryRun: boolean): Promise<{ rollback: () => Promise<void>; commit: () => Promise<void> }> {
    const nothing = async () => undefined;
    const needs = needsClusterIP(specOf(service));
    const oldIP = specOf(old)['clusterIP'];
    const had = needsClusterIP(specOf(old)) && typeof oldIP === 'string' && inRange(oldIP);
    if (needs && !had) return { rollback: await this.allocate(service, dryRun), commit: nothing };
    if (!needs && had && !dryRun) return { rollback: nothing, commit: () => this.releaseIP(oldIP) };
    return { rollback: nothing, commit: nothing };
  }

  async release(service: KObject): Promise<void> {
    const spec = specOf(service);
    const ip = spec['clusterIP'];
    if (typeof ip === 'string' && inRange(ip)) await this.releaseIP(ip);
  }

  private async releaseIP(ip: string): Promise<void> {
    try {
      await this.store.delete(KEY_PREFIX + ip);
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'notfound')) throw err;
    }
  }
}
