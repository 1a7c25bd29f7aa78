// The resource catalogue: every served group/version/resource with its kind, scope, names and
// subresources. Handlers, discovery, OpenAPI and tables are all driven from this one table.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceInfo {
  group: string; // '' for core
  version: string;
  resource: string; // plural, lower case
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Served subresources other than the main resource, e.g. 'status', 'approval'. */
  subresources: string[];
  /** OpenAPI definition name, e.g. io.k8s.api.core.v1.Pod */
  definition: string;
  /** Extra field-selector paths supported beyond metadata.name / metadata.namespace. */
  fieldSelectors: string[];
  /** Whether spec changes bump metadata.generation (objects with a spec and status). */
  hasStatus: boolean;
  /** Create-only resources (reviews) have no storage; not used yet. */
  verbs: Verb[];
}

const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface Spec {
  group?: string;
  version?: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  defPackage: string; // e.g. io.k8s.api.core.v1
  fieldSelectors?: string[];
  hasStatus?: boolean;
}

const core = 'io.k8s.api.core.v1';
const specs: Spec[] = [
  { resource: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], subresources: ['status', 'finalize'], defPackage: core, fieldSelectors: ['status.phase'], hasStatus: true },
  { resource: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status'], defPackage: core, fieldSelectors: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'], hasStatus: true },
  { resource: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status'], defPackage: core, fieldSelectors: ['spec.clusterIP', 'spec.type'], hasStatus: true },
  { resource: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'], defPackage: core },
  { resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], defPackage: core },
  { resource: 'secrets', kind: 'Secret', namespaced: true, defPackage: core, fieldSelectors: ['type'] },
  { resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'], defPackage: core },
  { resource: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: ['status'], defPackage: core, fieldSelectors: ['spec.unschedulable'], hasStatus: true },
  { resource: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'], defPackage: core, fieldSelectors: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'] },
  { resource: 'limitranges', kind: 'LimitRange', namespaced: true, shortNames: ['limits'], defPackage: core },
  { resource: 'resourcequotas', kind: 'ResourceQuota', namespaced: true, shortNames: ['quota'], subresources: ['status'], defPackage: core, hasStatus: true },
  { group: 'apps', resource: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status'], defPackage: 'io.k8s.api.apps.v1', hasStatus: true },
  { group: 'apps', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status'], defPackage: 'io.k8s.api.apps.v1', hasStatus: true },
  { group: 'apps', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['status'], defPackage: 'io.k8s.api.apps.v1', hasStatus: true },
  { group: 'apps', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'], defPackage: 'io.k8s.api.apps.v1', hasStatus: true },
  { group: 'batch', resource: 'jobs', kind: 'Job', namespaced: true, categories: ['all'], subresources: ['status'], defPackage: 'io.k8s.api.batch.v1', fieldSelectors: ['status.successful'], hasStatus: true },
  { group: 'batch', resource: 'cronjobs', kind: 'CronJob', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: ['status'], defPackage: 'io.k8s.api.batch.v1', hasStatus: true },
  { group: 'coordination.k8s.io', resource: 'leases', kind: 'Lease', namespaced: true, defPackage: 'io.k8s.api.coordination.v1' },
  { group: 'rbac.authorization.k8s.io', resource: 'roles', kind: 'Role', namespaced: true, defPackage: 'io.k8s.api.rbac.v1' },
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true, defPackage: 'io.k8s.api.rbac.v1' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false, defPackage: 'io.k8s.api.rbac.v1' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false, defPackage: 'io.k8s.api.rbac.v1' },
  { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', kind: 'CertificateSigningRequest', namespaced: false, shortNames: ['csr'], subresources: ['approval', 'status'], defPackage: 'io.k8s.api.certificates.v1', fieldSelectors: ['spec.signerName'], hasStatus: true },
  { group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false, categories: ['api-extensions'], defPackage: 'io.k8s.api.admissionregistration.v1' },
  { group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', namespaced: false, categories: ['api-extensions'], defPackage: 'io.k8s.api.admissionregistration.v1' },
];

export const catalogue: ResourceInfo[] = specs.map((s) => ({
  group: s.group ?? '',
  version: s.version ?? 'v1',
  resource: s.resource,
  kind: s.kind,
  singular: s.kind.toLowerCase(),
  namespaced: s.namespaced,
  shortNames: s.shortNames ?? [],
  categories: s.categories ?? [],
  subresources: s.subresources ?? [],
  definition: `${s.defPackage}.${s.kind}`,
  fieldSelectors: s.fieldSelectors ?? [],
  hasStatus: s.hasStatus ?? false,
  verbs: ALL_VERBS,
}));

export function groupVersion(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return catalogue.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return catalogue.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
}

/** The storage key prefix of a resource: kube-apiserver's layout (core and non-core alike use the plural). */
export function storagePrefix(r: ResourceInfo, namespace?: string): string {
  const base = `/registry/${storageResourceName(r)}/`;
  return r.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function storageKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${storagePrefix(r, r.namespaced ? namespace : undefined)}${name}`;
}

/** kube-apiserver stores a few core resources under names other than their plural. */
const STORAGE_NAMES: Record<string, string> = { services: 'services/specs', endpoints: 'services/endpoints', nodes: 'minions' };

function storageResourceName(r: ResourceInfo): string {
  return (r.group === '' && STORAGE_NAMES[r.resource]) || r.resource;
}

const byStorageName = new Map(catalogue.map((r) => [storageResourceName(r), r] as const));

/** The resource a storage key belongs to (`/registry/secrets/ns/name` → secrets), if it is one of ours. */
export function resourceForStorageKey(key: string): ResourceInfo | undefined {
  const rest = key.startsWith('/registry/') ? key.slice('/registry/'.length) : undefined;
  if (rest === undefined) return undefined;
  const [first, second] = rest.split('/');
  return byStorageName.get(`${first}/${second}`) ?? byStorageName.get(first ?? '');
}

/** A kind of record under /registry/: a served resource, or one the server keeps for itself. */
export interface StoredKind {
  group: string;
  resource: string;
  prefix: string;
}

/** Service cluster-IP allocations (kube stores them as networking.k8s.io ipaddresses). */
export const IP_ADDRESS_PREFIX = '/registry/ipaddresses/';
const INTERNAL_KINDS: readonly StoredKind[] = [{ group: 'networking.k8s.io', resource: 'ipaddresses', prefix: IP_ADDRESS_PREFIX }];

/** Everything the server stores: encryption rules, status and rewrites cover all of it. */
export const storedKinds: readonly StoredKind[] = [
  ...catalogue.map((r) => ({ group: r.group, resource: r.resource, prefix: storagePrefix(r) })),
  ...INTERNAL_KINDS,
];

/** The group and resource a storage key belongs to, internal records included. */
export function storedKindForKey(key: string): { group: string; resource: string } | undefined {
  return resourceForStorageKey(key) ?? INTERNAL_KINDS.find((k) => key.startsWith(k.prefix));
}
