import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceAccountAdmission, DEFAULT_API_TOKEN_MOUNT_PATH, tokenVolumeSource } from './index.js';
import type { AdmissionAttributes, AdmissionLookup } from '../../types.js';
import { findResource } from '../../../api/catalogue.js';
import { StatusError } from '../../../api/status.js';

type Obj = Record<string, unknown>;

function fakeLookup(accounts: Obj[]): AdmissionLookup & { gets: number } {
  const l = {
    gets: 0,
    async get(group: string, resource: string, namespace: string, name: string) {
      l.gets++;
      assert.equal(group, '');
      assert.equal(resource, 'serviceaccounts');
      return accounts.find((a) => (a['metadata'] as Obj)['namespace'] === namespace && (a['metadata'] as Obj)['name'] === name);
    },
    async list() {
      return accounts;
    },
  };
  return l;
}

const sa = (name: string, extra: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'demo' }, ...extra });

function podAttrs(pod: Obj, op: AdmissionAttributes['operation'] = 'CREATE', resource = 'pods', subresource = ''): AdmissionAttributes {
  return {
    operation: op,
    resource: findResource(resource === 'pods' ? '' : 'apps', 'v1', resource)!,
    subresource,
    namespace: 'demo',
    name: String((pod['metadata'] as Obj)?.['name'] ?? ''),
    object: pod,
    user: { username: 'bob', groups: ['system:authenticated'] },
    dryRun: false,
    warnings: [],
    auditAnnotations: {},
  };
}

const pod = (spec: Obj = {}, meta: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'demo', ...meta },
  spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
});

const plugin = (accounts: Obj[]) => new ServiceAccountAdmission({ lookup: fakeLookup(accounts), defaultAccountAttempts: 2, retryDelayMs: 1 });

async function run(p: ServiceAccountAdmission, a: AdmissionAttributes): Promise<void> {
  await p.admit(a);
  await p.validate(a);
}

test('a pod without an account gets default, mirrored into spec.serviceAccount, and a projected token volume', async () => {
  const a = podAttrs(pod({ initContainers: [{ name: 'init', image: 'busybox:1' }] }));
  await run(plugin([sa('default')]), a);
  const spec = a.object!['spec'] as Obj;
  assert.equal(spec['serviceAccountName'], 'default');
  assert.equal(spec['serviceAccount'], 'default');
  const volumes = spec['volumes'] as Obj[];
  assert.equal(volumes.length, 1);
  const name = volumes[0]!['name'] as string;
  assert.match(name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(volumes[0]!['projected'], {
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
    defaultMode: 420,
  });
  for (const c of [...(spec['containers'] as Obj[]), ...(spec['initContainers'] as Obj[])]) {
    assert.deepEqual(c['volumeMounts'], [{ name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  }
});

test('volume names are random', async () => {
  const names = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const a = podAttrs(pod());
    await run(plugin([sa('default')]), a);
    names.add(((a.object!['spec'] as Obj)['volumes'] as Obj[])[0]!['name'] as string);
  }
  assert.ok(names.size > 15, `only ${names.size} distinct names`);
});

test('a pod naming a missing ServiceAccount is refused with upstream wording', async () => {
  const a = podAttrs(pod({ serviceAccountName: 'missing' }));
  await assert.rejects(plugin([sa('default')]).admit(a), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, 'pods "p" is forbidden: error looking up service account demo/missing: serviceaccount "missing" not found');
    return true;
  });
});

test('the default account is looked up several times before refusing (it is created just after the namespace)', async () => {
  const lookup = fakeLookup([]);
  const p = new ServiceAccountAdmission({ lookup, defaultAccountAttempts: 3, retryDelayMs: 1 });
  await assert.rejects(p.admit(podAttrs(pod())), /serviceaccount "default" not found/);
  assert.equal(lookup.gets, 3);
  const named = fakeLookup([]);
  await assert.rejects(new ServiceAccountAdmission({ lookup: named, defaultAccountAttempts: 3, retryDelayMs: 1 }).admit(podAttrs(pod({ serviceAccountName: 'x' }))));
  assert.equal(named.gets, 1);
});

test('a lookup error refuses the pod', async () => {
  const p = new ServiceAccountAdmission({
    lookup: { get: async () => { throw new Error('store unavailable'); }, list: async () => [] },
  });
  await assert.rejects(p.admit(podAttrs(pod())), /error looking up service account demo\/default: store unavailable/);
});

test('a named existing account is kept; the deprecated spec.serviceAccount is honoured and mirrored', async () => {
  const a = podAttrs(pod({ serviceAccountName: 'deployer' }));
  await run(plugin([sa('deployer')]), a);
  assert.equal((a.object!['spec'] as Obj)['serviceAccountName'], 'deployer');
  assert.equal((a.object!['spec'] as Obj)['serviceAccount'], 'deployer');
  const b = podAttrs(pod({ serviceAccount: 'deployer' }));
  await run(plugin([sa('deployer')]), b);
  assert.equal((b.object!['spec'] as Obj)['serviceAccountName'], 'deployer');
});

test('automountServiceAccountToken: false on the account or the pod is honoured; the pod wins', async () => {
  const off = podAttrs(pod());
  await run(plugin([sa('default', { automountServiceAccountToken: false })]), off);
  assert.equal((off.object!['spec'] as Obj)['volumes'], undefined);
  assert.equal(((off.object!['spec'] as Obj)['containers'] as Obj[])[0]!['volumeMounts'], undefined);

  const podOff = podAttrs(pod({ automountServiceAccountToken: false }));
  await run(plugin([sa('default', { automountServiceAccountToken: true })]), podOff);
  assert.equal((podOff.object!['spec'] as Obj)['volumes'], undefined);

  const podOn = podAttrs(pod({ automountServiceAccountToken: true }));
  await run(plugin([sa('default', { automountServiceAccountToken: false })]), podOn);
  assert.equal(((podOn.object!['spec'] as Obj)['volumes'] as Obj[]).length, 1);
});

test('a container that already mounts the token path is left alone; an existing kube-api-access volume is reused', async () => {
  const a = podAttrs(
    pod({
      containers: [
        { name: 'own', image: 'x:1', volumeMounts: [{ name: 'mine', mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }] },
        { name: 'other', image: 'y:1' },
      ],
      volumes: [{ name: 'mine', emptyDir: {} }, { name: 'kube-api-access-abcde', projected: tokenVolumeSource() }],
    }),
  );
  await run(plugin([sa('default')]), a);
  const spec = a.object!['spec'] as Obj;
  const [own, other] = spec['containers'] as Obj[];
  assert.deepEqual(own!['volumeMounts'], [{ name: 'mine', mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }]);
  assert.deepEqual(other!['volumeMounts'], [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }]);
  assert.equal((spec['volumes'] as Obj[]).length, 2);

  const all = podAttrs(pod({ containers: [{ name: 'own', image: 'x:1', volumeMounts: [{ name: 'm', mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }] }], volumes: [{ name: 'm', emptyDir: {} }] }));
  await run(plugin([sa('default')]), all);
  assert.equal(((all.object!['spec'] as Obj)['volumes'] as Obj[]).length, 1, 'no token volume when no container needs it');
});

test("the account's imagePullSecrets are copied when the pod has none", async () => {
  const a = podAttrs(pod());
  await run(plugin([sa('default', { imagePullSecrets: [{ name: 'regcred' }] })]), a);
  assert.deepEqual((a.object!['spec'] as Obj)['imagePullSecrets'], [{ name: 'regcred' }]);
  const b = podAttrs(pod({ imagePullSecrets: [{ name: 'own' }] }));
  await run(plugin([sa('default', { imagePullSecrets: [{ name: 'regcred' }] })]), b);
  assert.deepEqual((b.object!['spec'] as Obj)['imagePullSecrets'], [{ name: 'own' }]);
});

test('mirror pods are not changed and may not reference accounts, secrets or token projections', async () => {
  const mirror = { annotations: { 'kubernetes.io/config.mirror': 'abc' } };
  const ok = podAttrs(pod({}, mirror));
  await run(plugin([]), ok);
  assert.equal((ok.object!['spec'] as Obj)['serviceAccountName'], undefined);
  assert.equal((ok.object!['spec'] as Obj)['volumes'], undefined);
  await assert.rejects(run(plugin([sa('x')]), podAttrs(pod({ serviceAccountName: 'x' }, mirror))), /a mirror pod may not reference service accounts/);
  await assert.rejects(run(plugin([]), podAttrs(pod({ volumes: [{ name: 's', secret: { secretName: 's' } }] }, mirror))), /a mirror pod may not reference secrets/);
  await assert.rejects(
    run(plugin([]), podAttrs(pod({ containers: [{ name: 'c', image: 'i:1', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }] }, mirror))),
    /a mirror pod may not reference secrets/,
  );
  await assert.rejects(run(plugin([]), podAttrs(pod({ volumes: [{ name: 't', projected: tokenVolumeSource() }] }, mirror))), /ServiceAccountToken volume projections/);
});

test('validate refuses a pod whose account was renamed to a missing one after the mutating step', async () => {
  const p = plugin([sa('default')]);
  const a = podAttrs(pod());
  await p.admit(a);
  (a.object!['spec'] as Obj)['serviceAccountName'] = 'ghost';
  await assert.rejects(p.validate(a), /serviceaccount "ghost" not found/);
});

test('only pod creates are touched', async () => {
  const p = plugin([]);
  const upd = podAttrs(pod(), 'UPDATE');
  await run(p, upd);
  assert.equal((upd.object!['spec'] as Obj)['serviceAccountName'], undefined);
  const status = podAttrs(pod(), 'CREATE', 'pods', 'status');
  await run(p, status);
  assert.equal((status.object!['spec'] as Obj)['serviceAccountName'], undefined);
  const deploy = podAttrs({ metadata: { name: 'd' }, spec: {} }, 'CREATE', 'deployments');
  await run(p, deploy);
  assert.deepEqual(deploy.object!['spec'], {});
});
