// RBAC decision benchmark: latency and throughput of RBACAuthorizer.authorize() on a cluster with
// 5,000 Roles and RoleBindings across 100 namespaces, 500 ClusterRoles and ClusterRoleBindings and
// the bootstrap policy, for a mix of users and requests that are allowed and refused.
import { pathToFileURL } from 'node:url';
import type { UserInfo } from '../src/endpoints/context.js';
import { parseRequestInfo, type RequestInfo } from '../src/endpoints/request-info.js';
import { aggregateClusterRoles, bootstrapPolicy, RBACAuthorizer, RBACCache, type PolicyRule, type Subject } from '../src/authz/rbac/index.js';

const G = 'rbac.authorization.k8s.io';
const NAMESPACES = 100;
const ROLES_PER_NAMESPACE = 50;
const CLUSTER_ROLES = 500;
const USERS = 2000;
const TEAMS = 200;
const DECISIONS = 100_000;

/** A small deterministic generator, so that every run measures the same cluster and requests. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RESOURCES: Array<[group: string, resource: string]> = [
  ['', 'pods'],
  ['', 'pods/log'],
  ['', 'services'],
  ['', 'configmaps'],
  ['', 'secrets'],
  ['', 'serviceaccounts'],
  ['', 'events'],
  ['apps', 'deployments'],
  ['apps', 'deployments/scale'],
  ['apps', 'statefulsets'],
  ['apps', 'replicasets'],
  ['batch', 'jobs'],
  ['batch', 'cronjobs'],
  ['coordination.k8s.io', 'leases'],
];
const VERB_SETS = [['get', 'list', 'watch'], ['get'], ['create', 'update', 'patch', 'delete'], ['*'], ['list', 'watch']];

function randomRules(next: () => number, count: number): PolicyRule[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const rules: PolicyRule[] = [];
  for (let i = 0; i < count; i++) {
    const [group, first] = pick(RESOURCES);
    const resources = [first, ...RESOURCES.filter(([g]) => g === group).map(([, r]) => r).filter(() => next() < 0.3)];
    const rule: PolicyRule = { apiGroups: [group], resources: [...new Set(resources)], verbs: [...pick(VERB_SETS)] };
    if (next() < 0.15) rule.resourceNames = [`obj-${Math.floor(next() * 20)}`];
    rules.push(rule);
  }
  return rules;
}

function subjectFor(next: () => number, ns: string): Subject {
  const r = next();
  if (r < 0.5) return { kind: 'User', apiGroup: G, name: `user-${Math.floor(next() * USERS)}` };
  if (r < 0.8) return { kind: 'Group', apiGroup: G, name: `team-${Math.floor(next() * TEAMS)}` };
  return { kind: 'ServiceAccount', name: `sa-${Math.floor(next() * 10)}`, namespace: ns };
}

export function buildRbacCluster(seed = 1): RBACCache {
  const next = rng(seed);
  const cache = new RBACCache();
  const { clusterRoles, clusterRoleBindings } = bootstrapPolicy();
  const aggregated = aggregateClusterRoles(clusterRoles);
  for (const r of clusterRoles) cache.upsert('ClusterRole', aggregated.has(r.metadata!.name!) ? { ...r, rules: aggregated.get(r.metadata!.name!) } : r);
  for (const b of clusterRoleBindings) cache.upsert('ClusterRoleBinding', b);

  for (let i = 0; i < CLUSTER_ROLES; i++) {
    cache.upsert('ClusterRole', { metadata: { name: `cr-${i}` }, rules: randomRules(next, 1 + Math.floor(next() * 4)) });
    const subjects = Array.from({ length: 1 + Math.floor(next() * 3) }, () => subjectFor(next, `ns-${Math.floor(next() * NAMESPACES)}`));
    cache.upsert('ClusterRoleBinding', { metadata: { name: `crb-${i}` }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: `cr-${i}` }, subjects });
  }
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `ns-${n}`;
    for (let i = 0; i < ROLES_PER_NAMESPACE; i++) {
      cache.upsert('Role', { metadata: { namespace: ns, name: `role-${i}` }, rules: randomRules(next, 1 + Math.floor(next() * 4)) });
      // most bindings use a Role of the namespace, some the shared view/edit/admin or a custom ClusterRole
      const c = next();
      const roleRef =
        c < 0.8
          ? { apiGroup: G, kind: 'Role', name: `role-${Math.floor(next() * ROLES_PER_NAMESPACE)}` }
          : { apiGroup: G, kind: 'ClusterRole', name: c < 0.9 ? ['view', 'edit', 'admin'][Math.floor(next() * 3)]! : `cr-${Math.floor(next() * CLUSTER_ROLES)}` };
      const subjects = Array.from({ length: 1 + Math.floor(next() * 3) }, () => subjectFor(next, ns));
      cache.upsert('RoleBinding', { metadata: { namespace: ns, name: `rb-${i}` }, roleRef, subjects });
    }
  }
  return cache;
}

function workload(seed: number, count: number): Array<{ user: UserInfo; info: RequestInfo }> {
  const next = rng(seed);
  const out: Array<{ user: UserInfo; info: RequestInfo }> = [];
  for (let i = 0; i < count; i++) {
    let user: UserInfo;
    const ns = `ns-${Math.floor(next() * NAMESPACES)}`;
    if (next() < 0.2) {
      const saNs = next() < 0.7 ? ns : `ns-${Math.floor(next() * NAMESPACES)}`;
      user = { username: `system:serviceaccount:${saNs}:sa-${Math.floor(next() * 10)}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${saNs}`, 'system:authenticated'] };
    } else {
      const teams = Array.from({ length: Math.floor(next() * 3) }, () => `team-${Math.floor(next() * TEAMS)}`);
      user = { username: `user-${Math.floor(next() * USERS)}`, groups: [...teams, 'system:authenticated'] };
    }
    const kind = next();
    let info: RequestInfo;
    if (kind < 0.05) {
      info = parseRequestInfo('GET', ['/api', '/apis/apps/v1', '/healthz', '/metrics'][Math.floor(next() * 4)]!);
    } else {
      const [group, combined] = RESOURCES[Math.floor(next() * RESOURCES.length)]!;
      const [resource, sub] = combined.split('/');
      const prefix = group ? `/apis/${group}/v1` : '/api/v1';
      const name = `obj-${Math.floor(next() * 20)}`;
      const m = next();
      const scope = kind < 0.1 ? '' : `/namespaces/${ns}`;
      if (sub) info = parseRequestInfo(m < 0.5 ? 'GET' : 'PUT', `${prefix}${scope}/${resource}/${name}/${sub}`);
      else if (m < 0.4) info = parseRequestInfo('GET', `${prefix}${scope}/${resource}/${name}`);
      else if (m < 0.7) info = parseRequestInfo('GET', `${prefix}${scope}/${resource}${m < 0.55 ? '?watch=true' : ''}`);
      else if (m < 0.85) info = parseRequestInfo('POST', `${prefix}${scope}/${resource}`);
      else info = parseRequestInfo(m < 0.95 ? 'PATCH' : 'DELETE', `${prefix}${scope}/${resource}/${name}`);
    }
    out.push({ user, info });
  }
  return out;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function measureRbac(): Promise<{ p50Us: number; p99Us: number; decisionsPerSec: number }> {
  const authz = new RBACAuthorizer(buildRbacCluster(1));
  const requests = workload(2, DECISIONS);
  // warm the JIT on a separate slice of the workload so that the measured run is steady state
  for (const { user, info } of workload(3, 10_000)) await authz.authorize(user, info);

  const lat = new Float64Array(requests.length);
  let allowed = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < requests.length; i++) {
    const { user, info } = requests[i]!;
    const t = process.hrtime.bigint();
    const r = await authz.authorize(user, info);
    lat[i] = Number(process.hrtime.bigint() - t) / 1000;
    if (r.decision === 'allow') allowed++;
  }
  const elapsedSec = Number(process.hrtime.bigint() - started) / 1e9;
  // a benchmark where everything is allowed (or refused) would not measure the index
  if (allowed === 0 || allowed === requests.length) throw new Error(`rbac benchmark: ${allowed} of ${requests.length} allowed`);
  lat.sort();
  return { p50Us: percentile(lat, 50), p99Us: percentile(lat, 99), decisionsPerSec: requests.length / elapsedSec };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  measureRbac().then(
    (r) => process.stdout.write(`rbac: p50 ${r.p50Us.toFixed(1)} µs, p99 ${r.p99Us.toFixed(1)} µs, ${r.decisionsPerSec.toFixed(0)} decisions/s\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
