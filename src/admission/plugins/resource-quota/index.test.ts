import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from '../../../api/catalogue.js';
import { StatusError, conflict } from '../../../api/status.js';
import type { AdmissionAttributes, AdmissionLookup, AdmissionOperation } from '../../types.js';
import { ResourceQuotaAdmission, type QuotaWriter } from './index.js';
import { computeQuotaUsage, evaluatorFor, fromResourceList, quotaMatches } from './usage.js';

type Obj = Record<string, unknown>;

const info = (group: string, resource: string): ResourceInfo => findResource(group, 'v1', resource)!;

/** An in-memory quota store with real compare-and-swap, yielding between read and write so requests interleave. */
class MemoryQuotas implements QuotaWriter {
  private rv = 1;
  readonly items = new Map<string, Obj>();
  writes = 0;

  add(name: string, hard: Record<string, string>, used?: Record<string, string>, spec: Obj = {}): void {
    const q: Obj = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: String(++this.rv) }, spec: { ...spec, hard } };
    if (used) q['status'] = { hard, used };
    this.items.set(name, q);
  }

  used(name: string): Record<string, string> {
    return ((this.items.get(name)!['status'] as Obj)['used'] ?? {}) as Record<string, string>;
  }

  async list(namespace: string): Promise<Obj[]> {
    await new Promise((r) => setImmediate(r));
    return [...this.items.values()].filter((q) => (q['metadata'] as Obj)['namespace'] === namespace).map((q) => structuredClone(q));
  }

  async updateStatus(quota: Obj): Promise<Obj> {
    await new Promise((r) => setImmediate(r));
    const meta = quota['metadata'] as Obj;
    const cur = this.items.get(String(meta['name']));
    if (!cur) throw new StatusError(404, 'NotFound', 'gone');
    if ((cur['metadata'] as Obj)['resourceVersion'] !== meta['resourceVersion']) {
      throw conflict('', 'resourcequotas', String(meta['name']), 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const next: Obj = { ...structuredClone(cur), status: structuredClone(quota['status']) };
    (next['metadata'] as Obj)['resourceVersion'] = String(++this.rv);
    this.items.set(String(meta['name']), next);
    this.writes++;
    return structuredClone(next);
  }
}

function lookupOf(objects: Record<string, Obj[]> = {}): AdmissionLookup {
  return { get: async () => undefined, list: async (group, resource) => objects[`${group}/${resource}`] ?? [] };
}

function container(name: string, requests?: Obj, limits?: Obj): Obj {
  return { name, image: 'busybox', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } };
}

function pod(name: string, containers: Obj[] = [container('app')], extra: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, spec: { containers, ...extra } };
}

function attrs(resource: ResourceInfo, object: Obj, opts: { operation?: AdmissionOperation; oldObject?: Obj; dryRun?: boolean } = {}): AdmissionAttributes {
  return {
    operation: opts.operation ?? 'CREATE',
    resource,
    subresource: '',
    namespace: 'ns',
    name: String((object['metadata'] as Obj)['name']),
    object,
    oldObject: opts.oldObject,
    user: { username: 'alice', groups: [] },
    dryRun: !!opts.dryRun,
    warnings: [],
    auditAnnotations: {},
  };
}

async function refusal(p: Promise<void>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    return err;
  }
  assert.fail('expected the request to be refused');
}

const pods = info('', 'pods');

test('a pod over the pods quota is refused with quota, requested, used and limited', async () => {
  const quotas = new MemoryQuotas();
  quotas.add('compute', { pods: '10' }, { pods: '10' });
  const plugin = new ResourceQuotaAdmission({ lookup: lookupOf(), quotas });
  const err = await refusal(plugin.validate(attrs(pods, pod('p'))));
  assert.equal(err.code, 403);
  assert.equal(err.reason, 'Forbidden');
  assert.equal(err.message, 'pods "p" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10');
  assert.equal(quotas.writes, 0);
});

test('every exceeded resource is named, sorted, in one message', async () => {
  const quotas = new MemoryQuotas();
  quotas.add('compute', { pods: '10', 'limits.cpu': '2', 'requests.memory': '1Gi' }, { pods: '10', 'limits.cpu': '1', 'requests.memory': '0' });
  const plugin = new ResourceQuotaAdmission({ lookup: lookupOf(), quotas });
  const err = await refusal(plugin.validate(attrs(pods, pod('p', [container('app', { cpu: '2', memory: '256Mi' }, { cpu: '2', memory: '256Mi' })]))));
  assert.equal(err.message, 'pods "p" is forbidden: exceeded quota: compute, requested: limits.cpu=2,pods=1, used: limits.cpu=1,pods=10, limited: limits.cpu=2,pods=10');
});

test('a pod that omits a request the quota constrains is refused naming each resource and container', async () => {
  const quotas = new MemoryQuotas();
  quotas.add('compute', { 'limits.cpu': '4', 'requests.memory': '4Gi' }, { 'limits.cpu': '0', 'requests.memory': '0' });
  const plugin = new ResourceQuotaAdmission({ lookup: lookupOf(), quotas });
  const err = await refusal(plugin.validate(attrs(pods, pod('p', [container('app'), container('log', { memory: '64Mi' })]))));
  assert.equal(err.message, 'pods "p" is forbidden: failed quota: compute: must specify limits.cpu for: app,log; requests.memory for: app');
});

test('an admitted pod is charged to every matching quota; a dry run charges nothing', async () => {
  const quotas = new MemoryQuotas();
  quotas.add('compute', { pods: '10', 'requests.cpu': '4', memory: '2Gi' }, { pods: '1', 'requests.cpu': '500m', memory: '0' });
  quotas.add('objects', { 'count/pods': '100', configmaps: '5' }, { 'count/pods': '1', configmaps: '0' });
  quotas.add('secrets-only', { secrets: '5' }, { secrets: '0' });
  const plugin = new ResourceQuotaAdmission({ lookup: lookupOf(), quotas });
  const p = pod('p', [container('app', { cpu: '1500m', memory: '512Mi' })]);
  await plugin.validate(attrs(pods, p, { dryRun: true }));
  assert.equal(quotas.writes, 0);
  await plugin.validate(attrs(pods, p));
  assert.deepEqual(quotas.used('compute'), { pods: '2', 'requests.cpu': '2', memory: '512Mi' });
  assert.deepEqual(quotas.used('objects'), { 'count/pods': '2', configmaps: '0' });
  assert.deepEqual(quotas.used('secrets-only'), { secrets: '0' });
  assert.deepEqual((quotas.items.get('compute')!['status'] as Obj)['hard'], { pods: '10', 'requests.cpu': '4', memory: '2Gi' });
});

test('object counts: services, configmaps and count/<resource>.<group>', async () => {
  const quotas = new MemoryQuotas();
  quotas.add('objects', { services: '1', 'services.nodeports': '2', configmaps: '3', 'count/deployments.apps': '1' }, { services: '0', 'services.nodeports': '0', configmaps: '3', 'count/deployments.apps': '0' });
  const plugin = new ResourceQuotaAdmission({ lookup: lookupOf(), quotas });
  const cm = { metadata: { name: 'c', namespace: 'ns' }, data: {} };
  const err = await refusal(plugin.validate(attrs(info('', 'configmaps'), cm)));
  assert.equal(err.message, 'configmaps "c" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=3, limited: configmaps=3');
  const deploy = { metadata: { name: 'd', namespace: 'ns' }, spec: {} };
  await plugin.validate(attrs(info('apps', 'deployments'), deploy));
  assert.equal(quotas.used('objects')['count/deployments.apps'], '1');
  const err2 = await refusal(plugin.validate(attrs(info('apps', 'deployments'), { metadata: { name: 'd2', namespace: 'ns' } })));
  assert.equal(err2.message, 'deployments.apps "d2" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
  const svc = { metadata: { name: 's', namespace: 'ns' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }, { port: 8080 }] } };
  const err3 = await refusal(plugin.validate(attrs(info('', 'services'), svc)));
  assert.equal(err3.message, 'services "s" is forbidden: exceeded quota: objects, requested: services.nodeports=3, used: services.nodeports=0, limited: services.nodeports=2');
});

test('an update pays only for what it adds, and only resources whose usage can change are charged on update', async () => {
  const quotas = new MemoryQuotas();
  quotas.add('objects', { services: '5', 'services.loadbalancers': '1', configmaps: '1' }, { services: '1', 'services.loadbalancers': '0', configmaps: '1' });
  const plugin = new ResourceQuotaAdmission({ lookup: lookupOf(), quotas });
  const old = { metadata: { name: 's', namespace: 'ns', resourceVersion: '5' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } };
  await plugin.validate(attrs(info('', 'services'), structuredClone(old), { operation: 'UPDATE', oldObject: old }));
  assert.equal(quotas.writes, 0);
  const lb = { ...structuredClone(old), spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } };
  await plugin.validate(attrs(info('', 'services'), lb, { operation: 'UPDATE', oldObject: old }));
  assert.deepEqual(quotas.used('objects'), { services: '1', 'services.loadbalancers': '1', configmaps: '1' });
  // a full configmaps quota does not block editing an existing configmap
  const cm = { metadata: { name: 'c', namespace: 'ns' }, data: { a: 'b' } };
  await plugin.validate(attrs(info('', 'configmaps'), cm, { operation: 'UPDATE', oldObject: cm }));
});

test('scopes: a BestEffort quota counts only pods without requests; terminal pods use no compute', async () => {
  const quotas = new MemoryQuotas();
  quotas.add('besteffort', { pods: '0' }, { pods: '0' }, { scopes: ['BestEffort'] });
  const plugin = new ResourceQuotaAdmission({ lookup: lookupOf(), quotas });
  await plugin.validate(attrs(pods, pod('burstable', [container('app', { cpu: '100m' })])));
  const err = await refusal(plugin.validate(attrs(pods, pod('be'))));
  assert.match(err.message, /exceeded quota: besteffort, requested: pods=1, used: pods=0, limited: pods=0$/);

  const ev = evaluatorFor('', 'pods');
  const done = { ...pod('done', [container('app', { cpu: '1' })]), status: { phase: 'Succeeded' } };
  assert.deepEqual(fromResourceList(ev.usage(done)), { 'count/pods': '1' });
  const running = pod('run', [container('app', { cpu: '1' }, { cpu: '2' })]);
  assert.deepEqual(fromResourceList(ev.usage(running)), { 'count/pods': '1', pods: '1', cpu: '1', 'requests.cpu': '1', 'limits.cpu': '2' });
  const terminating: Obj = { spec: {}, metadata: { name: 'q' } };
  const pc = { apiVersion: 'v1', metadata: { name: 'pc', namespace: 'ns' }, spec: { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } } };
  assert.equal(quotaMatches(pc, ev, pod('x', [container('a')], { priorityClassName: 'high' })), true);
  assert.equal(quotaMatches(pc, ev, pod('x', [container('a')], { priorityClassName: 'low' })), false);
  // a scoped quota never applies to anything but pods
  assert.equal(quotaMatches({ spec: { hard: { configmaps: '1' }, scopes: ['NotTerminating'] } }, evaluatorFor('', 'configmaps'), terminating), false);
});

test('a quota whose status has no usage yet is counted from the stored objects before charging', async () => {
  const quotas = new MemoryQuotas();
  quotas.add('fresh', { pods: '3' });
  const stored = [pod('a'), pod('b'), { ...pod('c'), status: { phase: 'Failed' } }];
  const plugin = new ResourceQuotaAdmission({ lookup: lookupOf({ '/pods': stored }), quotas });
  await plugin.validate(attrs(pods, pod('d')));
  assert.deepEqual(quotas.used('fresh'), { pods: '3' });
  const err = await refusal(plugin.validate(attrs(pods, pod('e'))));
  assert.match(err.message, /used: pods=3, limited: pods=3$/);
  assert.deepEqual(fromResourceList(await computeQuotaUsage(quotas.items.get('fresh')!, 'ns', [{ group: '', resource: 'pods', list: async () => stored }])), { pods: '2' });
});

test('50 concurrent pod creates against a quota of 10 pods admit exactly 10', async () => {
  const quotas = new MemoryQuotas();
  quotas.add('compute', { pods: '10' }, { pods: '0' });
  const plugin = new ResourceQuotaAdmission({ lookup: lookupOf(), quotas });
  const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => plugin.validate(attrs(pods, pod(`p${i}`)))));
  const admitted = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal(admitted, 10);
  assert.equal(refused.length, 40);
  for (const r of refused) {
    assert.ok(r.reason instanceof StatusError);
    assert.equal(r.reason.code, 403);
    assert.match(r.reason.message, /^pods "p\d+" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10$/);
  }
  assert.deepEqual(quotas.used('compute'), { pods: '10' });
  // charges that arrive together are written together: one write per batch, never one per pod
  assert.ok(quotas.writes >= 1 && quotas.writes < 10, `expected batched quota writes, got ${quotas.writes}`);
});

test('concurrent creates charge cpu exactly under two quotas at once', async () => {
  const quotas = new MemoryQuotas();
  quotas.add('cpu', { 'requests.cpu': '2' }, { 'requests.cpu': '0' });
  quotas.add('count', { pods: '100' }, { pods: '0' });
  const plugin = new ResourceQuotaAdmission({ lookup: lookupOf(), quotas });
  const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => plugin.validate(attrs(pods, pod(`p${i}`, [container('app', { cpu: '300m' })])))));
  const admitted = results.filter((r) => r.status === 'fulfilled').length;
  assert.equal(admitted, 6);
  assert.deepEqual(quotas.used('cpu'), { 'requests.cpu': '1800m' });
  assert.deepEqual(quotas.used('count'), { pods: '6' });
});
