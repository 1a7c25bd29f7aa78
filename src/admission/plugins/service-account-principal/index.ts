// ServiceAccountPrincipal (Bulwark's own, opt-in): running a pod as a named ServiceAccount requires
// permission to impersonate it, so creating pods in a namespace no longer grants every account in it.
import type { AdmissionAttributes, AdmissionPlugin } from '../../types.js';
import type { Authorizer, AuthorizationResult } from '../../../authz/types.js';
import type { RequestInfo } from '../../../endpoints/request-info.js';
import { admissionForbidden } from '../../plugin-api.js';

type Obj = Record<string, unknown>;

export interface ServiceAccountPrincipalOptions {
  authorizer: Authorizer;
}

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function at(o: Obj | undefined, path: string[]): Obj | undefined {
  let cur: Obj | undefined = o;
  for (const k of path) cur = obj(cur?.[k]);
  return cur;
}

/** Where each workload keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  'apps/deployments': ['spec', 'template', 'spec'],
  'apps/replicasets': ['spec', 'template', 'spec'],
  'apps/statefulsets': ['spec', 'template', 'spec'],
  'apps/daemonsets': ['spec', 'template', 'spec'],
  'batch/jobs': ['spec', 'template', 'spec'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  '/pods': ['spec'],
};

/** The ServiceAccount a pod spec names explicitly (serviceAccountName, or the deprecated serviceAccount), if any. */
export function namedServiceAccount(spec: Obj | undefined): string | undefined {
  const n = spec?.['serviceAccountName'];
  if (typeof n === 'string' && n) return n;
  const d = spec?.['serviceAccount'];
  return typeof d === 'string' && d ? d : undefined;
}

export class ServiceAccountPrincipal implements AdmissionPlugin {
  readonly name = 'ServiceAccountPrincipal';
  private readonly authorizer: Authorizer;
  /**
   * What the requester named before the ServiceAccount plugin filled in 'default', per request:
   * this plugin's admit runs ahead of ServiceAccount (PLUGIN_ORDER) and validate sees the same attrs.
   */
  private readonly requested = new WeakMap<AdmissionAttributes, string | undefined>();

  constructor(opts: ServiceAccountPrincipalOptions) {
    this.authorizer = opts.authorizer;
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (this.isPodCreate(a)) this.requested.set(a, namedServiceAccount(obj(a.object?.['spec'])));
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if ((a.operation !== 'CREATE' && a.operation !== 'UPDATE') || a.subresource !== '' || !a.object) return;
    const path = POD_SPEC_PATHS[`${a.resource.group}/${a.resource.resource}`];
    if (!path) return;
    const isPod = a.resource.group === '' && a.resource.resource === 'pods';
    // A pod's service account cannot change after creation; workloads are checked when theirs does.
    if (isPod && a.operation !== 'CREATE') return;
    let account = namedServiceAccount(at(a.object, path));
    if (!account) return;
    if (isPod && account === 'default' && this.requested.has(a) && this.requested.get(a) === undefined) {
      // 'default' filled in by the ServiceAccount plugin: the pod named no account, as anyone who may create pods may do.
      return;
    }
    if (!isPod && a.operation === 'UPDATE' && namedServiceAccount(at(a.oldObject, path)) === account) return;
    await this.check(a, account);
  }

  private isPodCreate(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && a.resource.group === '' && a.resource.resource === 'pods' && a.subresource === '' && a.object !== undefined;
  }

  private async check(a: AdmissionAttributes, account: string): Promise<void> {
    const info: RequestInfo = {
      isResourceRequest: true,
      path: '',
      verb: 'impersonate',
      apiPrefix: 'api',
      apiGroup: '',
      apiVersion: 'v1',
      namespace: a.namespace,
      resource: 'serviceaccounts',
      subresource: '',
      name: account,
      parts: [],
    };
    const refusal = `user "${a.user.username}" may not run pods as ServiceAccount "${a.namespace}/${account}": it needs permission to impersonate that ServiceAccount`;
    let result: AuthorizationResult;
    try {
      result = await this.authorizer.authorize(a.user, info);
    } catch (err) {
      // Undecided means refused: the check exists to close a privilege gap and must not fall open.
      throw admissionForbidden(a, `${refusal} (the authorization check failed: ${err instanceof Error ? err.message : String(err)})`);
    }
    if (result.decision !== 'allow') throw admissionForbidden(a, refusal);
  }
}
