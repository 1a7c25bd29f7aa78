// ServiceAccount admission: pods run as a ServiceAccount that exists ('default' when none is named)
// and, unless automounting is turned off, get a projected, bound, expiring API token volume.
import type { AdmissionAttributes, AdmissionLookup, AdmissionPlugin } from '../../types.js';
import { admissionForbidden } from '../../plugin-api.js';
import { randomNameSuffix } from '../../../api/name-suffix.js';

export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** One hour plus seven seconds: the bound-token lifetime kube-apiserver recognises as automounted. */
export const TOKEN_EXPIRATION_SECONDS = 3607;
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';


type Obj = Record<string, unknown>;

export interface ServiceAccountAdmissionOptions {
  lookup: AdmissionLookup;
  /**
   * Attempts to find the 'default' ServiceAccount before refusing, since its controller creates it
   * just after the namespace (upstream waits the same way). Default 10.
   */
  defaultAccountAttempts?: number;
  /** Pause between those attempts, in milliseconds. Default 150. */
  retryDelayMs?: number;
}

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter((x): x is Obj => obj(x) !== undefined) : [];
}


/** The projected volume source kube-apiserver adds for the API token, CA bundle and namespace. */
export function tokenVolumeSource(): Obj {
  return {
    sources: [
      { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
    defaultMode: 420,
  };
}

function referencesSecrets(spec: Obj): boolean {
  if (list(spec['imagePullSecrets']).length > 0) return true;
  const containers = [...list(spec['containers']), ...list(spec['initContainers']), ...list(spec['ephemeralContainers'])];
  for (const c of containers) {
    if (list(c['envFrom']).some((e) => obj(e['secretRef']))) return true;
    if (list(c['env']).some((e) => obj(obj(e['valueFrom'])?.['secretKeyRef']))) return true;
  }
  for (const v of list(spec['volumes'])) {
    for (const [kind, source] of Object.entries(v)) {
      const s = obj(source);
      if (!s || kind === 'name') continue;
      if (kind === 'secret' || s['secretRef'] || s['nodePublishSecretRef'] || s['controllerPublishSecretRef']) return true;
      if (kind === 'projected' && list(s['sources']).some((p) => obj(p['secret']))) return true;
    }
  }
  return false;
}

function usesTokenProjection(spec: Obj): boolean {
  return list(spec['volumes']).some((v) => list(obj(v['projected'])?.['sources']).some((p) => obj(p['serviceAccountToken'])));
}

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';
  private readonly lookup: AdmissionLookup;
  private readonly defaultAttempts: number;
  private readonly retryDelayMs: number;

  constructor(opts: ServiceAccountAdmissionOptions) {
    this.lookup = opts.lookup;
    this.defaultAttempts = Math.max(1, opts.defaultAccountAttempts ?? 10);
    this.retryDelayMs = Math.max(0, opts.retryDelayMs ?? 150);
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    const pod = this.podToAdmit(a);
    if (!pod) return;
    const { meta, spec } = pod;
    // The kubelet deletes a mirror pod whose spec differs from its static manifest; validate only.
    if (obj(meta['annotations'])?.[MIRROR_POD_ANNOTATION] !== undefined) return;

    const named = typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] ? spec['serviceAccountName'] : undefined;
    const deprecated = typeof spec['serviceAccount'] === 'string' && spec['serviceAccount'] ? spec['serviceAccount'] : undefined;
    const saName = named ?? deprecated ?? DEFAULT_SERVICE_ACCOUNT_NAME;
    spec['serviceAccountName'] = saName;
    spec['serviceAccount'] = saName;

    const sa = await this.getServiceAccount(a, saName);
    if (this.shouldAutomount(sa, spec)) this.mountToken(spec);

    const pullSecrets = list(sa['imagePullSecrets']).filter((s) => typeof s['name'] === 'string');
    if (list(spec['imagePullSecrets']).length === 0 && pullSecrets.length > 0) {
      spec['imagePullSecrets'] = pullSecrets.map((s) => ({ name: s['name'] }));
    }
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    const pod = this.podToAdmit(a);
    if (!pod) return;
    const { meta, spec } = pod;
    if (obj(meta['annotations'])?.[MIRROR_POD_ANNOTATION] !== undefined) {
      if (spec['serviceAccountName'] || spec['serviceAccount']) throw admissionForbidden(a, 'a mirror pod may not reference service accounts');
      if (referencesSecrets(spec)) throw admissionForbidden(a, 'a mirror pod may not reference secrets');
      if (usesTokenProjection(spec)) throw admissionForbidden(a, 'a mirror pod may not use ServiceAccountToken volume projections');
      return;
    }
    // A later mutating plugin (or webhook) may have renamed the account: it must still exist.
    const saName = typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] ? spec['serviceAccountName'] : DEFAULT_SERVICE_ACCOUNT_NAME;
    await this.getServiceAccount(a, saName);
  }

  private podToAdmit(a: AdmissionAttributes): { meta: Obj; spec: Obj } | undefined {
    if (a.operation !== 'CREATE' || a.resource.group !== '' || a.resource.resource !== 'pods' || a.subresource !== '' || !a.object) return undefined;
    let spec = obj(a.object['spec']);
    if (!spec) {
      spec = {};
      a.object['spec'] = spec;
    }
    return { meta: obj(a.object['metadata']) ?? {}, spec };
  }

  private async getServiceAccount(a: AdmissionAttributes, name: string): Promise<Obj> {
    const attempts = name === DEFAULT_SERVICE_ACCOUNT_NAME ? this.defaultAttempts : 1;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, this.retryDelayMs));
      let sa: Obj | undefined;
      try {
        sa = await this.lookup.get('', 'serviceaccounts', a.namespace, name);
      } catch (err) {
        throw admissionForbidden(a, `error looking up service account ${a.namespace}/${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (sa) return sa;
    }
    throw admissionForbidden(a, `error looking up service account ${a.namespace}/${name}: serviceaccount "${name}" not found`);
  }

  private shouldAutomount(sa: Obj, spec: Obj): boolean {
    // The pod's own setting wins over the ServiceAccount's.
    if (typeof spec['automountServiceAccountToken'] === 'boolean') return spec['automountServiceAccountToken'];
    if (typeof sa['automountServiceAccountToken'] === 'boolean') return sa['automountServiceAccountToken'];
    return true;
  }

  private mountToken(spec: Obj): void {
    const volumes = list(spec['volumes']);
    const existing = volumes.find((v) => typeof v['name'] === 'string' && v['name'].startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX));
    let volumeName = existing?.['name'] as string | undefined;
    if (!volumeName) {
      const taken = new Set(volumes.map((v) => v['name']));
      do volumeName = SERVICE_ACCOUNT_VOLUME_PREFIX + randomNameSuffix();
      while (taken.has(volumeName));
    }
    let needed = false;
    for (const key of ['initContainers', 'containers'] as const) {
      for (const c of list(spec[key])) {
        const mounts = list(c['volumeMounts']);
        if (mounts.some((m) => m['mountPath'] === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
        c['volumeMounts'] = [...mounts, { name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }];
        needed = true;
      }
    }
    if (needed && !existing) spec['volumes'] = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
  }
}
