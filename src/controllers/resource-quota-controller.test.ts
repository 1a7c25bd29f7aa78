import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { catalogue } from '../api/catalogue.js';
import { AdmissionChain } from '../admission/chain.js';
import { GenericRegistry } from '../registry/generic-registry.js';
import { openSqliteStore } from '../storage/index.js';
import type { UserInfo } from '../endpoints/context.js';
import type { KObject } from '../registry/object.js';
import type { AdmissionLookup, AdmissionPlugin } from '../admission/types.js';
import { ResourceQuotaAdmission, registryQuotaWriter } from '../admission/plugins/resource-quota/index.js';
import { StatusError } from '../api/status.js';
import { ResourceQuotaController } from './resource-quota-controller.js';

const user: UserInfo = { username: 'system:apiserver', groups: ['system:masters'] };
const opts = () => ({ user, warnings: [] as string[] });

async function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quota-controller-'));
  const store = await openSqliteStore(path.join(dir, 'state.db'));
  // plugins are added after the registries exist, as the control plane binds its lookups late
  const plugins: AdmissionPlugin[] = [];
  const chain = new AdmissionChain(plugins);
  const byKey = new Map(catalogue.map((r) => [`${r.group}/${r.version}/${r.resource}`, new GenericRegistry(r, store, chain)]));
  const registries = {
    registry: (g: string, v: string, r: string) => byKey.get(`${g}/${v}/${r}`),
    all: () => [...byKey.values()],
  };
  const reg = (r: string, g = '') => registries.registry(g, 'v1', r)!;
  return {
    registries,
    reg,
    plugins,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function pod(name: string, cpu?: string): KObject {
  const resources = cpu ? { requests: { cpu } } : {};
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox', resources }] } };
}

const statusOf = async (quotas: GenericRegistry, name: string) => ((await quotas.get('ns', name))['status'] ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('the controller mirrors hard, counts usage, releases deletions and corrects over-charges', async () => {
  const env = await setup();
  const quotas = env.reg('resourcequotas');
  const controller = new ResourceQuotaController(env.registries, quotas, user, () => undefined, { debounceMs: 10, settleMs: 30 });
  try {
    await env.reg('pods').create('ns', pod('a', '500m'), opts());
    await env.reg('pods').create('ns', pod('b'), opts());
    await env.reg('pods').create('other', pod('elsewhere', '4'), opts());
    await env.reg('configmaps').create('ns', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, opts());
    await controller.start();
    const hard = { pods: '5', 'requests.cpu': '2', 'count/configmaps': '3', 'count/deployments.apps': '2' };
    await quotas.create('ns', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard } }, opts());

    const expect = async (used: Record<string, string>) => {
      await eventually(`used ${JSON.stringify(used)}`, async () => {
        const s = await statusOf(quotas, 'q');
        return JSON.stringify(s.used) === JSON.stringify(used);
      });
    };
    await expect({ 'count/configmaps': '1', 'count/deployments.apps': '0', pods: '2', 'requests.cpu': '500m' });
    assert.deepEqual((await statusOf(quotas, 'q')).hard, hard);

    // a deletion releases its usage
    await env.reg('pods').delete('ns', 'a', opts());
    await expect({ 'count/configmaps': '1', 'count/deployments.apps': '0', pods: '1', 'requests.cpu': '0' });

    // a charge whose object never got stored is taken back
    const q = await quotas.get('ns', 'q');
    q['status'] = { hard, used: { 'count/configmaps': '3', 'count/deployments.apps': '0', pods: '4', 'requests.cpu': '1' } };
    await quotas.update('ns', 'q', q, 'status', opts());
    await expect({ 'count/configmaps': '1', 'count/deployments.apps': '0', pods: '1', 'requests.cpu': '0' });

    // a pod that finished no longer counts as a pod; a new deployment counts
    const b = await env.reg('pods').get('ns', 'b');
    b['status'] = { phase: 'Succeeded' };
    await env.reg('pods').update('ns', 'b', b, 'status', opts());
    await env.reg('deployments', 'apps').create(
      'ns',
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      },
      opts(),
    );
    await expect({ 'count/configmaps': '1', 'count/deployments.apps': '1', pods: '0', 'requests.cpu': '0' });

    // a changed hard is mirrored and its new resource counted
    const spec = await quotas.get('ns', 'q');
    spec['spec'] = { hard: { pods: '5', 'count/pods': '10' } };
    await quotas.update('ns', 'q', spec, '', opts());
    await expect({ 'count/pods': '1', pods: '0' });
    assert.deepEqual((await statusOf(quotas, 'q')).hard, { 'count/pods': '10', pods: '5' });
  } finally {
    controller.stop();
    await env.close();
  }
});

test('a recount never releases what admission charged while it was counting', async () => {
  const env = await setup();
  const quotas = env.reg('resourcequotas');
  const controller = new ResourceQuotaController(env.registries, quotas, user, () => undefined, { settleMs: 150 });
  try {
    await env.reg('pods').create('ns', pod('a'), opts());
    await quotas.create('ns', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '10' } } }, opts());
    assert.equal(await controller.syncNamespace('ns'), true);
    assert.deepEqual((await statusOf(quotas, 'q')).used, { pods: '1' });

    // while the pass waits, a request is charged (its pod is not stored yet), and one stale charge is in the record
    const q = await quotas.get('ns', 'q');
    q['status'] = { hard: { pods: '10' }, used: { pods: '3' } };
    await quotas.update('ns', 'q', q, 'status', opts());
    const pass = controller.syncNamespace('ns');
    await new Promise((r) => setTimeout(r, 50));
    const charged = await quotas.get('ns', 'q');
    charged['status'] = { hard: { pods: '10' }, used: { pods: '4' } };
    await quotas.update('ns', 'q', charged, 'status', opts());
    assert.equal(await pass, true);
    // 1 stored pod + 1 in flight: the stale charge is gone, the in-flight one is kept
    assert.deepEqual((await statusOf(quotas, 'q')).used, { pods: '2' });

    // once quiet, the next pass counts exactly
    assert.equal(await controller.syncNamespace('ns'), true);
    assert.deepEqual((await statusOf(quotas, 'q')).used, { pods: '1' });
  } finally {
    controller.stop();
    await env.close();
  }
});

test('through the registry: 50 concurrent pod creates under a quota of 10 pods store exactly 10', async () => {
  const env = await setup();
  const quotas = env.reg('resourcequotas');
  const lookup: AdmissionLookup = {
    get: (g, r, ns, name) => env.registries.registry(g, 'v1', r)!.tryGet(ns, name),
    list: async (g, r, ns) => (await env.registries.registry(g, 'v1', r)!.list(ns)).items,
  };
  env.plugins.push(new ResourceQuotaAdmission({ lookup, quotas: registryQuotaWriter(quotas, user) }));
  const controller = new ResourceQuotaController(env.registries, quotas, user, () => undefined, { debounceMs: 10, settleMs: 50 });
  try {
    await controller.start();
    await quotas.create('ns', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods' }, spec: { hard: { pods: '10' } } }, opts());
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => env.reg('pods').create('ns', pod(`p${i}`), opts())));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(results.length - refused.length, 10);
    for (const r of refused) {
      assert.ok(r.reason instanceof StatusError, String(r.reason));
      assert.equal(r.reason.code, 403);
      assert.match(r.reason.message, /^pods "p\d+" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10$/);
    }
    assert.equal((await env.reg('pods').list('ns')).items.length, 10);
    // the controller's recounts during and after the burst agree with what admission charged
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await statusOf(quotas, 'pods')).used, { pods: '10' });
    // a deletion frees room for exactly one more
    const admitted = results.findIndex((r) => r.status === 'fulfilled');
    await env.reg('pods').delete('ns', `p${admitted}`, opts());
    await eventually('usage released', async () => (await statusOf(quotas, 'pods')).used?.['pods'] === '9');
    await env.reg('pods').create('ns', pod('again'), opts());
    await assert.rejects(env.reg('pods').create('ns', pod('one-too-many'), opts()), /exceeded quota: pods/);
  } finally {
    controller.stop();
    await env.close();
  }
});
