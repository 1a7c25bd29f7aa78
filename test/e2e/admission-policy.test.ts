// Issue 4 acceptance, built-in admission on a default server: PodSecurity (enforce, baseline,
// warn, workload templates, namespace relabelling, dry run), LimitRanger, ResourceQuota under
// concurrency, OwnerReferencesPermissionEnforcement, ServiceAccount, and ServiceAccountPrincipal off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  eventually,
  type UserClient,
  certUser,
  startBulwark,
  type BulwarkProcess,
  type KubectlOptions,
  writeManifest,
} from './harness.js';

type Obj = Record<string, unknown>;

function pod(name: string, spec: Obj = {}, meta: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...meta },
    spec: { containers: [{ name: 'c', image: 'registry.example/app:1.0' }], ...spec },
  };
}

/** hostNetwork, a hostPort, privileged, nothing restricted asks for. */
function privilegedPod(name: string): Obj {
  return pod(name, {
    hostNetwork: true,
    containers: [{ name: 'c', image: 'registry.example/app:1.0', ports: [{ containerPort: 8080, hostPort: 8080 }], securityContext: { privileged: true } }],
  });
}

/** The smallest pod restricted:latest admits. */
function compliantPod(name: string): Obj {
  return pod(name, {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'c',
        image: 'registry.example/app:1.0',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
  });
}

// upstream order: baseline IDs sorted (hostNamespaces, hostPorts, privileged), then restricted IDs
// sorted (allowPrivilegeEscalation, capabilities_restricted, runAsNonRoot, seccompProfile_restricted)
const PRIVILEGED_VIOLATIONS =
  'host namespaces (hostNetwork=true), ' +
  'hostPort (container "c" uses hostPort 8080), ' +
  'privileged (container "c" must not set securityContext.privileged=true), ' +
  'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

describe('built-in admission plugins on a default server', () => {
  let b: BulwarkProcess;
  let tmp: string;

  const ok = (args: string[], opts?: KubectlOptions) => b.kubectlOk(args, opts);
  const file = (obj: Obj | string) => writeManifest(tmp, obj);
  /** A namespace whose `default` ServiceAccount exists (pods need it). */
  const namespace = async (name: string, labels: Record<string, string> = {}) => {
    await ok(['create', 'namespace', name]);
    if (Object.keys(labels).length > 0) await ok(['label', 'ns', name, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
    await eventually(async () => {
      const r = await b.request('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`);
      assert.equal(r.status, 200, `default ServiceAccount in ${name}: ${r.status}`);
    }, 10_000);
  };

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-admission-policy-'));
    b = await startBulwark();
  });
  after(async () => {
    await b?.cleanup();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  describe('PodSecurity', () => {
    before(async () => {
      await namespace('psa-restricted', { 'pod-security.kubernetes.io/enforce': 'restricted' });
      await namespace('psa-baseline', { 'pod-security.kubernetes.io/enforce': 'baseline' });
      await namespace('psa-warn', { 'pod-security.kubernetes.io/warn': 'restricted' });
    });

    test('enforce=restricted refuses a privileged pod listing every violation in upstream order', async () => {
      const f = await file(privilegedPod('priv'));
      const r = await b.kubectl(['create', '-n', 'psa-restricted', '-f', f]);
      assert.notEqual(r.code, 0, r.stdout);
      const expected = `pods "priv" is forbidden: violates PodSecurity "restricted:latest": ${PRIVILEGED_VIOLATIONS}`;
      assert.ok(r.stderr.includes(`Error from server (Forbidden): error when creating "${f}": ${expected}`), r.stderr);
      // kubectl apply too, and the wire Status carries the exact message
      const applied = await b.kubectl(['apply', '-n', 'psa-restricted', '-f', f]);
      assert.notEqual(applied.code, 0);
      assert.ok(applied.stderr.includes(expected), applied.stderr);
      const raw = await b.request('POST', '/api/v1/namespaces/psa-restricted/pods', privilegedPod('priv'));
      assert.equal(raw.status, 403, raw.text);
      assert.equal(raw.json().reason, 'Forbidden');
      assert.equal(raw.json().message, expected);
      assert.equal((await b.request('GET', '/api/v1/namespaces/psa-restricted/pods/priv')).status, 404);
    });

    test('enforce=restricted admits a compliant pod', async () => {
      const r = await ok(['create', '-n', 'psa-restricted', '-f', await file(compliantPod('good'))]);
      assert.match(r.stdout, /pod\/good created/);
      assert.doesNotMatch(r.stderr, /PodSecurity/);
      const got = await ok(['get', 'pod', 'good', '-n', 'psa-restricted', '-o', 'json']);
      assert.equal(JSON.parse(got.stdout).metadata.name, 'good');
    });

    test('enforce=baseline admits a pod restricted refuses, and still refuses a privileged one', async () => {
      // a plain pod: no securityContext at all violates restricted but not baseline
      const plain = pod('plain');
      const refused = await b.kubectl(['create', '-n', 'psa-restricted', '-f', await file(plain)]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
      const r = await ok(['create', '-n', 'psa-baseline', '-f', await file(plain)]);
      assert.match(r.stdout, /pod\/plain created/);
      const priv = await b.kubectl(['create', '-n', 'psa-baseline', '-f', await file(privilegedPod('priv'))]);
      assert.notEqual(priv.code, 0);
      assert.ok(
        priv.stderr.includes(
          'pods "priv" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPort (container "c" uses hostPort 8080), privileged (container "c" must not set securityContext.privileged=true)\n',
        ),
        priv.stderr,
      );
    });

    test('warn=restricted admits a violating pod and kubectl prints the warning', async () => {
      const r = await ok(['create', '-n', 'psa-warn', '-f', await file(privilegedPod('priv'))]);
      assert.match(r.stdout, /pod\/priv created/);
      assert.ok(r.stderr.includes(`Warning: would violate PodSecurity "restricted:latest": ${PRIVILEGED_VIOLATIONS}\n`), r.stderr);
      await ok(['get', 'pod', 'priv', '-n', 'psa-warn']);
    });

    test('a Deployment with a violating template is stored with a warning', async () => {
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { hostNetwork: true, containers: [{ name: 'c', image: 'registry.example/app:1.0', securityContext: { privileged: true } }] },
          },
        },
      };
      const r = await ok(['apply', '-n', 'psa-warn', '-f', await file(deployment)]);
      assert.match(r.stdout, /deployment.apps\/web created/);
      assert.match(r.stderr, /Warning: would violate PodSecurity "restricted:latest": host namespaces \(hostNetwork=true\), privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false/);
      const got = await ok(['get', 'deployment', 'web', '-n', 'psa-warn', '-o', 'json']);
      assert.equal(JSON.parse(got.stdout).spec.template.spec.hostNetwork, true);
      // enforce never applies to a workload: stored even in an enforce=restricted namespace
      const enforced = await ok(['apply', '-n', 'psa-restricted', '-f', await file(deployment)]);
      assert.match(enforced.stdout, /deployment.apps\/web created/);
    });

    test('labelling a namespace holding a privileged pod enforce=restricted warns naming the pod', async () => {
      await namespace('psa-relabel');
      await ok(['create', '-n', 'psa-relabel', '-f', await file(privilegedPod('old-priv'))]);
      await ok(['create', '-n', 'psa-relabel', '-f', await file(compliantPod('old-good'))]);
      const r = await ok(['label', 'ns', 'psa-relabel', 'pod-security.kubernetes.io/enforce=restricted']);
      assert.match(r.stdout, /namespace\/psa-relabel labeled/);
      assert.match(r.stderr, /Warning: existing pods in namespace "psa-relabel" violate the new PodSecurity enforce level "restricted:latest"/);
      assert.match(r.stderr, /Warning: old-priv: host namespaces, hostPort, privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile/);
      assert.doesNotMatch(r.stderr, /old-good/);
      // the label is stored; the existing pod is left alone
      const ns = JSON.parse((await ok(['get', 'ns', 'psa-relabel', '-o', 'json'])).stdout);
      assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
      await ok(['get', 'pod', 'old-priv', '-n', 'psa-relabel']);
    });

    test('kubectl create --dry-run=server runs admission and stores nothing', async () => {
      const refused = await b.kubectl(['create', '--dry-run=server', '-n', 'psa-restricted', '-f', await file(privilegedPod('dry-priv'))]);
      assert.notEqual(refused.code, 0);
      assert.ok(refused.stderr.includes(`pods "dry-priv" is forbidden: violates PodSecurity "restricted:latest": ${PRIVILEGED_VIOLATIONS}`), refused.stderr);
      const r = await ok(['create', '--dry-run=server', '-n', 'psa-restricted', '-f', await file(compliantPod('dry-good')), '-o', 'json']);
      const returned = JSON.parse(r.stdout);
      assert.equal(returned.metadata.name, 'dry-good');
      // the dry-run object went through the mutating plugins too (ServiceAccount)
      assert.equal(returned.spec.serviceAccountName, 'default');
      const plain = await ok(['create', '--dry-run=server', '-n', 'psa-restricted', '-f', await file(compliantPod('dry-good2'))]);
      assert.match(plain.stdout, /pod\/dry-good2 created \(server dry run\)/);
      for (const name of ['dry-priv', 'dry-good', 'dry-good2']) {
        const g = await b.kubectl(['get', 'pod', name, '-n', 'psa-restricted']);
        assert.notEqual(g.code, 0, `${name} must not be stored`);
        assert.match(g.stderr, new RegExp(`pods "${name}" not found`));
      }
    });
  });

  describe('LimitRanger', () => {
    before(async () => {
      await namespace('limits');
      const f = await file(`apiVersion: v1
kind: LimitRange
metadata:
  name: container-limits
  namespace: limits
spec:
  limits:
  - type: Container
    default:
      cpu: 500m
      memory: 256Mi
    defaultRequest:
      cpu: 100m
      memory: 128Mi
    max:
      cpu: "1"
      memory: 512Mi
`);
      await ok(['apply', '-f', f]);
    });

    test("a LimitRange's defaults appear in a created pod", async () => {
      await ok(['create', '-n', 'limits', '-f', await file(pod('defaulted'))]);
      const got = JSON.parse((await ok(['get', 'pod', 'defaulted', '-n', 'limits', '-o', 'json'])).stdout);
      const res = got.spec.containers[0].resources;
      assert.deepEqual(res, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
      // upstream records what it set
      assert.match(
        String(got.metadata.annotations?.['kubernetes.io/limit-ranger'] ?? ''),
        /LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c/,
      );
    });

    test('a pod above the max is refused naming the limit', async () => {
      const big = pod('big', { containers: [{ name: 'c', image: 'registry.example/app:1.0', resources: { limits: { memory: '1Gi' } } }] });
      const r = await b.kubectl(['create', '-n', 'limits', '-f', await file(big)]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /Error from server \(Forbidden\): error when creating "[^"]+": pods "big" is forbidden: maximum memory usage per Container is 512Mi, but limit is 1Gi/);
      assert.equal((await b.request('GET', '/api/v1/namespaces/limits/pods/big')).status, 404);
    });
  });

  describe('ResourceQuota', () => {
    before(async () => {
      await namespace('quota');
      await ok(['create', 'quota', 'pods-10', '--hard=pods=10', '-n', 'quota']);
    });

    test('50 concurrent pod creates against a quota of 10 pods admit exactly 10', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => b.request('POST', '/api/v1/namespaces/quota/pods', pod(`p-${i}`))),
      );
      const created = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status !== 201);
      assert.equal(created.length, 10, `statuses: ${results.map((r) => r.status).join(',')}`);
      for (const r of refused) {
        assert.equal(r.status, 403, r.text);
        assert.equal(r.json().reason, 'Forbidden');
        assert.match(r.json().message, /^pods "p-\d+" is forbidden: exceeded quota: pods-10, requested: pods=1, used: pods=10, limited: pods=10$/);
      }
      const list = await b.request('GET', '/api/v1/namespaces/quota/pods');
      assert.equal(list.status, 200);
      assert.equal(list.json().items.length, 10);
      await eventually(async () => {
        const q = await b.request('GET', '/api/v1/namespaces/quota/resourcequotas/pods-10');
        assert.equal(q.json().status?.used?.pods, '10', JSON.stringify(q.json().status));
        assert.equal(q.json().status?.hard?.pods, '10');
      }, 5000);
      // kubectl sees the same refusal
      const k = await b.kubectl(['create', '-n', 'quota', '-f', await file(pod('one-more'))]);
      assert.notEqual(k.code, 0);
      assert.match(k.stderr, /pods "one-more" is forbidden: exceeded quota: pods-10, requested: pods=1, used: pods=10, limited: pods=10/);
    });
  });

  describe('OwnerReferencesPermissionEnforcement', () => {
    let bob: UserClient;
    let deployUid: string;

    const ownedPod = (name: string, block: boolean | undefined) =>
      pod(name, {}, {
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'owner', uid: deployUid, ...(block === undefined ? {} : { blockOwnerDeletion: block }) },
        ],
      });

    before(async () => {
      await namespace('owners');
      const dep = await ok([
        'create', 'deployment', 'owner', '-n', 'owners', '--image=registry.example/app:1.0', '--replicas=0', '-o', 'json',
      ]);
      deployUid = JSON.parse(dep.stdout).metadata.uid;
      await ok(['apply', '-f', await file(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-maker
  namespace: owners
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [create, get, list, delete]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bob-pod-maker
  namespace: owners
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: pod-maker
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: bob
`)]);
      bob = await certUser(b, 'bob');
      await eventually(async () => {
        const r = await bob.kubectl(['auth', 'can-i', 'create', 'pods', '-n', 'owners']);
        assert.equal(r.stdout.trim(), 'yes');
      });
    });

    test('blockOwnerDeletion needs update on the owner\'s finalizers', async () => {
      const noFinalizers = await bob.kubectl(['auth', 'can-i', 'update', 'deployments/finalizers', '-n', 'owners']);
      assert.equal(noFinalizers.stdout.trim(), 'no');

      const refused = await bob.request('POST', '/api/v1/namespaces/owners/pods', ownedPod('blocking', true));
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.json().reason, 'Forbidden');
      assert.match(
        refused.json().message,
        /^pods "blocking" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on/,
      );
      assert.match(refused.json().message, /finalizers/);
      // through kubectl as well
      const k = await bob.kubectl(['create', '-n', 'owners', '-f', await file(ownedPod('blocking', true))]);
      assert.notEqual(k.code, 0);
      assert.match(k.stderr, /pods "blocking" is forbidden: cannot set blockOwnerDeletion/);
      assert.equal((await b.request('GET', '/api/v1/namespaces/owners/pods/blocking')).status, 404);

      // the same owner reference without blockOwnerDeletion (or with false) is admitted
      const plain = await bob.request('POST', '/api/v1/namespaces/owners/pods', ownedPod('not-blocking', undefined));
      assert.equal(plain.status, 201, plain.text);
      assert.equal(plain.json().metadata.ownerReferences[0].uid, deployUid);
      const explicitFalse = await bob.request('POST', '/api/v1/namespaces/owners/pods', ownedPod('not-blocking-2', false));
      assert.equal(explicitFalse.status, 201, explicitFalse.text);

      // grant update on deployments/finalizers: now the blocking reference is admitted
      await ok(['apply', '-f', await file(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployment-finalizers
  namespace: owners
rules:
- apiGroups: [apps]
  resources: [deployments/finalizers]
  verbs: [update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bob-deployment-finalizers
  namespace: owners
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: deployment-finalizers
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: bob
`)]);
      const allowed = await eventually(async () => {
        const r = await bob.request('POST', '/api/v1/namespaces/owners/pods', ownedPod('blocking', true));
        assert.equal(r.status, 201, r.text);
        return r;
      });
      assert.equal(allowed.json().metadata.ownerReferences[0].blockOwnerDeletion, true);
    });
  });

  describe('ServiceAccount admission', () => {
    before(async () => {
      await namespace('sa');
    });

    test('a pod naming no ServiceAccount gets default and a projected token volume', async () => {
      await ok(['create', '-n', 'sa', '-f', await file(pod('auto'))]);
      const got = JSON.parse((await ok(['get', 'pod', 'auto', '-n', 'sa', '-o', 'json'])).stdout);
      assert.equal(got.spec.serviceAccountName, 'default');
      const volumes = (got.spec.volumes ?? []) as Obj[];
      const vol = volumes.find((v) => /^kube-api-access-[a-z0-9]{5}$/.test(String(v['name'])));
      assert.ok(vol, `no kube-api-access-* volume: ${JSON.stringify(volumes)}`);
      const sources = ((vol['projected'] as Obj)['sources'] as Obj[]);
      const token = sources.find((s) => s['serviceAccountToken'])?.['serviceAccountToken'] as Obj;
      assert.ok(token, JSON.stringify(sources));
      assert.equal(token['path'], 'token');
      assert.equal(token['expirationSeconds'], 3607);
      const mount = (got.spec.containers[0].volumeMounts as Obj[]).find((m) => m['name'] === vol['name']);
      assert.ok(mount, JSON.stringify(got.spec.containers[0]));
      assert.equal(mount['mountPath'], '/var/run/secrets/kubernetes.io/serviceaccount');
      assert.equal(mount['readOnly'], true);
    });

    test('automountServiceAccountToken: false on the pod prevents the volume', async () => {
      await ok(['create', '-n', 'sa', '-f', await file(pod('no-token', { automountServiceAccountToken: false }))]);
      const got = JSON.parse((await ok(['get', 'pod', 'no-token', '-n', 'sa', '-o', 'json'])).stdout);
      assert.equal(got.spec.serviceAccountName, 'default');
      assert.ok(!((got.spec.volumes ?? []) as Obj[]).some((v) => String(v['name']).startsWith('kube-api-access-')), JSON.stringify(got.spec.volumes));
      assert.equal(got.spec.containers[0].volumeMounts, undefined);
    });

    test('a pod naming a missing ServiceAccount is refused', async () => {
      const r = await b.kubectl(['create', '-n', 'sa', '-f', await file(pod('ghost', { serviceAccountName: 'missing' }))]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /pods "ghost" is forbidden: error looking up service account sa\/missing: serviceaccount "missing" not found/);
      assert.equal((await b.request('GET', '/api/v1/namespaces/sa/pods/ghost')).status, 404);
    });

    test('without ServiceAccountPrincipal, a pod-creating user may run pods as any ServiceAccount', async () => {
      await ok(['create', 'serviceaccount', 'deployer', '-n', 'sa']);
      // not `edit`: upstream's edit role includes impersonate on serviceaccounts
      await ok(['create', 'role', 'pod-maker', '--verb=create,get,list', '--resource=pods', '-n', 'sa']);
      await ok(['create', 'rolebinding', 'carol-pod-maker', '--role=pod-maker', '--user=carol', '-n', 'sa']);
      const carol = await certUser(b, 'carol');
      const can = await carol.kubectl(['auth', 'can-i', 'impersonate', 'serviceaccounts/deployer', '-n', 'sa']);
      assert.equal(can.stdout.trim(), 'no');
      const r = await eventually(async () => {
        const res = await carol.request('POST', '/api/v1/namespaces/sa/pods', pod('as-deployer', { serviceAccountName: 'deployer' }));
        assert.equal(res.status, 201, res.text);
        return res;
      });
      assert.equal(r.json().spec.serviceAccountName, 'deployer');
    });
  });
});
