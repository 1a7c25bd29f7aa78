import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { catalogue, findResource } from '../../../api/catalogue.js';
import { AdmissionChain } from '../../chain.js';
import { GenericRegistry } from '../../../registry/generic-registry.js';
import { openSqliteStore } from '../../../storage/index.js';
import { StatusError } from '../../../api/status.js';
import type { ResourceInfo } from '../../../api/catalogue.js';
import type { AdmissionAttributes, AdmissionLookup, AdmissionOperation } from '../../types.js';
import { LIMIT_RANGER_ANNOTATION, LimitRanger, claimLimitViolations, podLimitViolations } from './index.js';

type Obj = Record<string, unknown>;

const podsInfo = findResource('', 'v1', 'pods')!;
const claimsInfo: ResourceInfo = { ...podsInfo, resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', singular: 'persistentvolumeclaim' };

function lookupOf(limitRanges: Obj[], fail = false): AdmissionLookup {
  return {
    get: async () => undefined,
    list: async (group, resource, namespace) => {
      if (fail) throw new Error('store down');
      assert.equal(group, '');
      assert.equal(resource, 'limitranges');
      return limitRanges.filter((l) => (l['metadata'] as Obj)['namespace'] === namespace);
    },
  };
}

function lr(name: string, limits: Obj[]): Obj {
  return { apiVersion: 'v1', kind: 'LimitRange', metadata: { name, namespace: 'ns' }, spec: { limits } };
}

function container(name: string, requests?: Obj, limits?: Obj): Obj {
  const resources: Obj = {};
  if (requests) resources['requests'] = requests;
  if (limits) resources['limits'] = limits;
  return { name, image: 'busybox', resources };
}

function pod(containers: Obj[], initContainers: Obj[] = []): Obj {
  const spec: Obj = { containers };
  if (initContainers.length) spec['initContainers'] = initContainers;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec, status: { phase: 'Pending', qosClass: 'BestEffort' } };
}

function attrs(object: Obj, opts: { operation?: AdmissionOperation; resource?: ResourceInfo; oldObject?: Obj; subresource?: string } = {}): AdmissionAttributes {
  return {
    operation: opts.operation ?? 'CREATE',
    resource: opts.resource ?? podsInfo,
    subresource: opts.subresource ?? '',
    namespace: 'ns',
    name: String((object['metadata'] as Obj)['name']),
    object,
    oldObject: opts.oldObject,
    user: { username: 'alice', groups: [] },
    dryRun: false,
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

const resourcesOf = (p: Obj, i: number, field = 'containers') => ((p['spec'] as Obj)[field] as Obj[])[i]!['resources'] as Obj;

test('defaults fill only what each container lacks and are recorded in the annotation', async () => {
  const plugin = new LimitRanger({
    lookup: lookupOf([
      lr('defaults', [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }]),
    ]),
  });
  const p = pod([container('app'), container('side', { cpu: '200m' }, { memory: '1Gi' })], [container('init', { cpu: '50m' })]);
  await plugin.admit(attrs(p));
  assert.deepEqual(resourcesOf(p, 0), { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
  assert.deepEqual(resourcesOf(p, 1), { limits: { memory: '1Gi', cpu: '500m' }, requests: { cpu: '200m', memory: '128Mi' } });
  assert.deepEqual(resourcesOf(p, 0, 'initContainers'), { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '50m', memory: '128Mi' } });
  const annotations = (p['metadata'] as Obj)['annotations'] as Record<string, string>;
  assert.equal(
    annotations[LIMIT_RANGER_ANNOTATION],
    'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; memory request for container side; ' +
      'cpu limit for container side; memory request for init container init; cpu, memory limit for init container init',
  );
  // the QoS class follows the resources the defaults gave
  assert.equal((p['status'] as Obj)['qosClass'], 'Burstable');
});

test('a pod that needs no defaults is left untouched, and updates and other resources are ignored', async () => {
  const plugin = new LimitRanger({ lookup: lookupOf([lr('d', [{ type: 'Container', default: { cpu: '1' } }])]) });
  const full = pod([container('app', { cpu: '1' }, { cpu: '1' })]);
  const before = structuredClone(full);
  await plugin.admit(attrs(full));
  assert.deepEqual(full, before);
  const bare = pod([container('app')]);
  await plugin.admit(attrs(bare, { operation: 'UPDATE', oldObject: bare }));
  assert.deepEqual(resourcesOf(bare, 0), {});
  await plugin.admit(attrs(bare, { subresource: 'status' }));
  assert.deepEqual(resourcesOf(bare, 0), {});
});

test('max per Container: the limit above max is refused with the limit named', async () => {
  const plugin = new LimitRanger({ lookup: lookupOf([lr('mem', [{ type: 'Container', max: { memory: '1Gi' } }])]) });
  const err = await refusal(plugin.validate(attrs(pod([container('app', { memory: '512Mi' }, { memory: '2Gi' })]))));
  assert.equal(err.code, 403);
  assert.equal(err.reason, 'Forbidden');
  assert.equal(err.message, 'pods "p" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi');
  const missing = await refusal(plugin.validate(attrs(pod([container('app')]))));
  assert.equal(missing.message, 'pods "p" is forbidden: maximum memory usage per Container is 1Gi.  No limit is specified');
  await plugin.validate(attrs(pod([container('app', { memory: '1Gi' }, { memory: '1Gi' })])));
});

test('min per Container: requests and limits below min are refused', async () => {
  const plugin = new LimitRanger({ lookup: lookupOf([lr('cpu', [{ type: 'Container', min: { cpu: '100m' } }])]) });
  const low = await refusal(plugin.validate(attrs(pod([container('app', { cpu: '50m' }, { cpu: '1' })]))));
  assert.equal(low.message, 'pods "p" is forbidden: minimum cpu usage per Container is 100m, but request is 50m');
  const none = await refusal(plugin.validate(attrs(pod([container('app')]))));
  assert.equal(none.message, 'pods "p" is forbidden: minimum cpu usage per Container is 100m.  No request is specified');
  await plugin.validate(attrs(pod([container('app', { cpu: '0.1' })])));
});

test('maxLimitRequestRatio per Container, with the ratio printed as Go prints a float', async () => {
  const plugin = new LimitRanger({ lookup: lookupOf([lr('ratio', [{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }])]) });
  const err = await refusal(plugin.validate(attrs(pod([container('app', { cpu: '250m' }, { cpu: '1' })]))));
  assert.equal(err.message, 'pods "p" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000');
  const noLimit = await refusal(plugin.validate(attrs(pod([container('app', { cpu: '250m' })]))));
  assert.equal(noLimit.message, 'pods "p" is forbidden: cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0');
  await plugin.validate(attrs(pod([container('app', { cpu: '500m' }, { cpu: '1' })])));
});

test('several violations are listed once each in brackets; init containers are checked too', async () => {
  const range = lr('both', [{ type: 'Container', max: { cpu: '1', memory: '1Gi' } }]);
  const p = pod([container('a', {}, { cpu: '2', memory: '2Gi' }), container('b', {}, { cpu: '2', memory: '512Mi' })], [container('i', {}, { cpu: '3', memory: '1Gi' })]);
  assert.deepEqual(podLimitViolations(range, p), [
    'maximum cpu usage per Container is 1, but limit is 2',
    'maximum memory usage per Container is 1Gi, but limit is 2Gi',
    'maximum cpu usage per Container is 1, but limit is 2',
    'maximum cpu usage per Container is 1, but limit is 3',
  ]);
  const plugin = new LimitRanger({ lookup: lookupOf([range]) });
  const err = await refusal(plugin.validate(attrs(p)));
  assert.equal(
    err.message,
    'pods "p" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, but limit is 2Gi, maximum cpu usage per Container is 1, but limit is 3]',
  );
});

test('Pod limits apply to the sum over containers (and the largest init container)', async () => {
  const range = lr('pod', [{ type: 'Pod', max: { cpu: '1' }, min: { memory: '100Mi' } }]);
  const plugin = new LimitRanger({ lookup: lookupOf([range]) });
  const err = await refusal(plugin.validate(attrs(pod([container('a', { cpu: '600m', memory: '64Mi' }, { cpu: '600m' }), container('b', { cpu: '600m', memory: '64Mi' }, { cpu: '600m' })]))));
  assert.equal(err.message, 'pods "p" is forbidden: maximum cpu usage per Pod is 1, but limit is 1200m');
  // 2 × 64Mi = 128Mi is above the min; an init container's larger limit counts instead of the sum
  const initHeavy = pod([container('a', { memory: '64Mi' }, { cpu: '500m' }), container('b', { memory: '64Mi' }, { cpu: '500m' })], [container('i', { memory: '64Mi' }, { cpu: '1500m' })]);
  assert.deepEqual(podLimitViolations(range, initHeavy), ['maximum cpu usage per Pod is 1, but limit is 1500m']);
  await plugin.validate(attrs(pod([container('a', { cpu: '500m', memory: '64Mi' }, { cpu: '500m' }), container('b', { cpu: '500m', memory: '64Mi' }, { cpu: '500m' })])));
});

test('PersistentVolumeClaim storage requests are held between min and max', async () => {
  const range = lr('pvc', [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }]);
  const claim = (storage: string): Obj => ({ metadata: { name: 'data', namespace: 'ns' }, spec: { resources: { requests: { storage } } } });
  assert.deepEqual(claimLimitViolations(range, claim('20Gi')), ['maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi']);
  assert.deepEqual(claimLimitViolations(range, claim('500Mi')), ['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi']);
  const plugin = new LimitRanger({ lookup: lookupOf([range]) });
  const err = await refusal(plugin.validate(attrs(claim('20Gi'), { resource: claimsInfo })));
  assert.equal(err.message, 'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi');
  await plugin.validate(attrs(claim('5Gi'), { resource: claimsInfo, operation: 'UPDATE', oldObject: claim('2Gi') }));
});

test('a LimitRange that cannot be read refuses the pod', async () => {
  const plugin = new LimitRanger({ lookup: lookupOf([], true) });
  const err = await refusal(plugin.admit(attrs(pod([container('app')]))));
  assert.equal(err.code, 403);
  assert.match(err.message, /error enforcing limit ranges/);
});

test('pods in other namespaces are not affected', async () => {
  const other = lr('d', [{ type: 'Container', max: { cpu: '1' } }]);
  (other['metadata'] as Obj)['namespace'] = 'elsewhere';
  const plugin = new LimitRanger({ lookup: lookupOf([other]) });
  await plugin.validate(attrs(pod([container('app', {}, { cpu: '8' })])));
});

test('through the registry: a created pod carries the defaults, and a pod above max is not stored', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'limit-ranger-'));
  const store = await openSqliteStore(path.join(dir, 'state.db'));
  try {
    const plugins: LimitRanger[] = [];
    const chain = new AdmissionChain(plugins);
    const regs = new Map(catalogue.map((r) => [r.resource, new GenericRegistry(r, store, chain)]));
    plugins.push(new LimitRanger({ lookup: { get: async () => undefined, list: async (_g, r, ns) => (await regs.get(r)!.list(ns)).items } }));
    const opts = { user: { username: 'admin', groups: ['system:masters'] }, warnings: [] as string[] };
    await regs.get('limitranges')!.create('ns', lr('limits', [{ type: 'Container', max: { memory: '1Gi' }, default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m' } }]), opts);
    const created = await regs.get('pods')!.create('ns', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } }, opts);
    const stored = await regs.get('pods')!.get('ns', 'p');
    for (const p of [created, stored]) {
      assert.deepEqual(resourcesOf(p, 0), { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '512Mi' } });
      assert.equal(((p['metadata'] as Obj)['annotations'] as Obj)[LIMIT_RANGER_ANNOTATION], 'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app');
    }
    const big = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'big' }, spec: { containers: [{ name: 'app', image: 'busybox', resources: { limits: { memory: '2Gi' } } }] } };
    await assert.rejects(regs.get('pods')!.create('ns', big, opts), (err: unknown) => err instanceof StatusError && err.code === 403 && err.message === 'pods "big" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi');
    assert.equal(await regs.get('pods')!.tryGet('ns', 'big'), undefined);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
