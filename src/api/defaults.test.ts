// Tests for kube-apiserver defaulting: pods and templates, workloads, services, secrets, namespaces,
// RBAC and webhooks, and that a second application changes nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from './catalogue.js';
import { applyDefaults, defaultPullPolicy } from './defaults.js';
import { validateObject } from './validation/index.js';

type Json = Record<string, unknown>;
const res = (group: string, resource: string) => findResource(group, 'v1', resource) as ResourceInfo;

function defaulted(r: ResourceInfo, o: Json): Json {
  applyDefaults(r, o);
  return o;
}

const spec = (o: Json) => o.spec as Json;

test('a minimal Pod gets kube-apiserver\'s defaults', () => {
  const pod = defaulted(res('', 'pods'), { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });
  assert.deepEqual(pod.spec, {
    containers: [
      {
        name: 'app',
        image: 'nginx',
        imagePullPolicy: 'Always',
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        resources: {},
      },
    ],
    enableServiceLinks: true,
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    schedulerName: 'default-scheduler',
  });
});

test('imagePullPolicy depends on the tag', () => {
  assert.equal(defaultPullPolicy('nginx'), 'Always');
  assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultPullPolicy('registry.example.com:5000/team/app:latest'), 'Always');
  assert.equal(defaultPullPolicy('nginx:1.27'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('localhost:5000/app'), 'Always');
  assert.equal(defaultPullPolicy(`nginx@sha256:${'a'.repeat(64)}`), 'IfNotPresent');
  assert.equal(defaultPullPolicy(`nginx:latest@sha256:${'a'.repeat(64)}`), 'Always');
  assert.equal(defaultPullPolicy('Invalid/Upper'), 'IfNotPresent');
  assert.equal(defaultPullPolicy(''), 'IfNotPresent');
});

test('Pod: requests default to limits, quantities are canonical and rounded up to milli', () => {
  const pod = defaulted(res('', 'pods'), {
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '0.5', memory: '1.5Gi' }, requests: { cpu: '0.0001' } } }],
    },
  });
  const c = (spec(pod).containers as Json[])[0] as Json;
  assert.deepEqual(c.resources, { limits: { cpu: '500m', memory: '1536Mi' }, requests: { cpu: '1m', memory: '1536Mi' } });
  assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
});

test('Pod: host network ports, probes, env field refs and volumes', () => {
  const pod = defaulted(res('', 'pods'), {
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      hostNetwork: true,
      containers: [
        {
          name: 'a',
          image: 'x:1',
          ports: [{ containerPort: 9100 }],
          livenessProbe: { httpGet: { port: 9100 } },
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        },
      ],
      volumes: [
        { name: 's', secret: { secretName: 'creds' } },
        { name: 'h', hostPath: { path: '/proc' } },
        { name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
      ],
    },
  });
  const c = (spec(pod).containers as Json[])[0] as Json;
  assert.deepEqual(c.ports, [{ containerPort: 9100, hostPort: 9100, protocol: 'TCP' }]);
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 9100, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(c.env, [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName', apiVersion: 'v1' } } }]);
  assert.deepEqual(spec(pod).volumes, [
    { name: 's', secret: { secretName: 'creds', defaultMode: 420 } },
    { name: 'h', hostPath: { path: '/proc', type: '' } },
    { name: 't', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } },
  ]);
});

test('Deployment defaults and its template is defaulted as a template (no Pod-only fields)', () => {
  const d = defaulted(res('apps', 'deployments'), {
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { limits: { cpu: '1' } } }] } } },
  });
  const s = spec(d);
  assert.equal(s.replicas, 1);
  assert.deepEqual(s.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(s.revisionHistoryLimit, 10);
  assert.equal(s.progressDeadlineSeconds, 600);
  const tspec = (s.template as Json).spec as Json;
  assert.equal(tspec.restartPolicy, 'Always');
  assert.equal(tspec.schedulerName, 'default-scheduler');
  assert.equal(tspec.enableServiceLinks, undefined);
  assert.deepEqual(((tspec.containers as Json[])[0] as Json).resources, { limits: { cpu: '1' } });
  const recreate = defaulted(res('apps', 'deployments'), { metadata: { name: 'w' }, spec: { strategy: { type: 'Recreate' } } });
  assert.deepEqual(spec(recreate).strategy, { type: 'Recreate' });
});

test('StatefulSet, DaemonSet and ReplicaSet defaults', () => {
  const sts = defaulted(res('apps', 'statefulsets'), {
    metadata: { name: 'db' },
    spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] },
  });
  assert.equal(spec(sts).replicas, 1);
  assert.equal(spec(sts).podManagementPolicy, 'OrderedReady');
  assert.deepEqual(spec(sts).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(spec(sts).persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(spec(sts).revisionHistoryLimit, 10);
  assert.deepEqual((spec(sts).volumeClaimTemplates as Json[])[0], {
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
    status: { phase: 'Pending' },
  });
  const ds = defaulted(res('apps', 'daemonsets'), { metadata: { name: 'agent' }, spec: {} });
  assert.deepEqual(spec(ds).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(spec(ds).revisionHistoryLimit, 10);
  const rs = defaulted(res('apps', 'replicasets'), { metadata: { name: 'rs' }, spec: { replicas: 0 } });
  assert.equal(spec(rs).replicas, 0);
});

test('Job defaults and its generated selector and labels', () => {
  const uid = '0b5ac3c8-5b0e-4d1d-9f3a-6b1b2a9c7e11';
  const job = defaulted(res('batch', 'jobs'), {
    metadata: { name: 'pi', namespace: 'default', uid },
    spec: { template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34' }] } } },
  });
  const s = spec(job);
  assert.equal(s.completions, 1);
  assert.equal(s.parallelism, 1);
  assert.equal(s.backoffLimit, 6);
  assert.equal(s.completionMode, 'NonIndexed');
  assert.equal(s.suspend, false);
  assert.equal(s.manualSelector, false);
  assert.equal(s.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(s.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  const expected = { app: 'pi', 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
  assert.deepEqual(((s.template as Json).metadata as Json).labels, expected);
  assert.deepEqual((job.metadata as Json).labels, expected);
  assert.deepEqual(validateObject(res('batch', 'jobs'), job), []);

  const parallel = defaulted(res('batch', 'jobs'), { metadata: { name: 'w', uid }, spec: { parallelism: 4, manualSelector: true } });
  assert.equal(spec(parallel).completions, undefined);
  assert.equal(spec(parallel).selector, undefined);
  const perIndex = defaulted(res('batch', 'jobs'), { metadata: { name: 'w' }, spec: { backoffLimitPerIndex: 1, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } } });
  assert.equal(spec(perIndex).backoffLimit, 2147483647);
  assert.equal(spec(perIndex).podReplacementPolicy, 'Failed');
  assert.deepEqual((spec(perIndex).podFailurePolicy as Json).rules, [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }]);
});

test('CronJob defaults do not touch the job template spec', () => {
  const cj = defaulted(res('batch', 'cronjobs'), {
    metadata: { name: 'backup' },
    spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'b', image: 'backup:1' }] } } } } },
  });
  const s = spec(cj);
  assert.equal(s.concurrencyPolicy, 'Allow');
  assert.equal(s.suspend, false);
  assert.equal(s.successfulJobsHistoryLimit, 3);
  assert.equal(s.failedJobsHistoryLimit, 1);
  const jobSpec = (s.jobTemplate as Json).spec as Json;
  assert.equal(jobSpec.backoffLimit, undefined);
  assert.equal(((jobSpec.template as Json).spec as Json).schedulerName, 'default-scheduler');
});

test('Service defaults', () => {
  const svc = defaulted(res('', 'services'), { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { port: 443, targetPort: 'https', protocol: 'TCP' }] } });
  assert.deepEqual(svc.spec, {
    selector: { app: 'web' },
    ports: [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 443, targetPort: 'https', protocol: 'TCP' },
    ],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
  const lb = defaulted(res('', 'services'), { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } });
  assert.equal(spec(lb).externalTrafficPolicy, 'Cluster');
  assert.equal(spec(lb).allocateLoadBalancerNodePorts, true);
  assert.deepEqual(spec(lb).sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  const ext = defaulted(res('', 'services'), { metadata: { name: 'db' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } });
  assert.deepEqual(ext.spec, { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' });
  const headless = defaulted(res('', 'services'), { metadata: { name: 'peers' }, spec: { clusterIP: 'None' } });
  assert.equal(spec(headless).ipFamilyPolicy, 'RequireDualStack');
});

test('Secret: type Opaque and stringData folded into data', () => {
  const secret = defaulted(res('', 'secrets'), { metadata: { name: 's' }, data: { a: Buffer.from('1').toString('base64') }, stringData: { b: 'two' } });
  assert.deepEqual(secret, { metadata: { name: 's' }, type: 'Opaque', data: { a: 'MQ==', b: 'dHdv' } });
});

test('Namespace: metadata.name label, kubernetes finalizer, Active phase', () => {
  const ns = defaulted(res('', 'namespaces'), { metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'spoofed' } } });
  assert.deepEqual(ns, {
    metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
});

test('Node allocatable defaults to capacity; LimitRange container defaults', () => {
  const node = defaulted(res('', 'nodes'), { metadata: { name: 'n' }, status: { capacity: { cpu: '4', memory: '8000000Ki', pods: '110' } } });
  assert.deepEqual((node.status as Json).allocatable, { cpu: '4', memory: '8000000Ki', pods: '110' });
  const lr = defaulted(res('', 'limitranges'), { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }, { type: 'Pod', max: { cpu: '4' } }] } });
  assert.deepEqual((spec(lr).limits as Json[])[0], { type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '64Mi' } });
  assert.deepEqual((spec(lr).limits as Json[])[1], { type: 'Pod', max: { cpu: '4' } });
});

test('RBAC subjects and roleRef get their API groups', () => {
  const rb = defaulted(res('rbac.authorization.k8s.io', 'rolebindings'), {
    metadata: { name: 'b' },
    roleRef: { kind: 'Role', name: 'r' },
    subjects: [{ kind: 'User', name: 'jane' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ci' }],
  });
  assert.deepEqual(rb.roleRef, { kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' });
  assert.deepEqual(
    (rb.subjects as Json[]).map((s) => s.apiGroup),
    ['rbac.authorization.k8s.io', 'rbac.authorization.k8s.io', ''],
  );
});

test('webhook configuration defaults', () => {
  const m = defaulted(res('admissionregistration.k8s.io', 'mutatingwebhookconfigurations'), {
    metadata: { name: 'm' },
    webhooks: [{ name: 'a.b.c', clientConfig: { service: { name: 's', namespace: 'n' } }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }],
  });
  assert.deepEqual((m.webhooks as Json[])[0], {
    name: 'a.b.c',
    clientConfig: { service: { name: 's', namespace: 'n', port: 443 } },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' }],
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
    timeoutSeconds: 10,
    reinvocationPolicy: 'Never',
  });
  const v = defaulted(res('admissionregistration.k8s.io', 'validatingwebhookconfigurations'), { metadata: { name: 'v' }, webhooks: [{ name: 'a.b.c' }] });
  assert.equal((v.webhooks as Json[])[0]?.reinvocationPolicy, undefined);
});

test('defaults are idempotent for every served resource', () => {
  const samples: Array<[string, string, Json]> = [
    ['', 'pods', { metadata: { name: 'p', namespace: 'd' }, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 1 }], resources: { limits: { cpu: '0.1', memory: '1.5Gi' } } }], volumes: [{ name: 'v', configMap: { name: 'c' } }] } }],
    ['', 'services', { metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }],
    ['', 'secrets', { metadata: { name: 's' }, stringData: { a: 'b' } }],
    ['', 'namespaces', { metadata: { name: 'n' } }],
    ['', 'nodes', { metadata: { name: 'n' }, status: { capacity: { cpu: 2 } } }],
    ['', 'limitranges', { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: '0.5' } }] } }],
    ['', 'resourcequotas', { metadata: { name: 'q' }, spec: { hard: { 'requests.cpu': '1000m' } } }],
    ['', 'endpoints', { metadata: { name: 'e' }, subsets: [{ ports: [{ port: 1 }] }] }],
    ['apps', 'deployments', { metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } }],
    ['apps', 'statefulsets', { metadata: { name: 's' }, spec: { volumeClaimTemplates: [{ spec: {} }] } }],
    ['apps', 'daemonsets', { metadata: { name: 'd' }, spec: {} }],
    ['apps', 'replicasets', { metadata: { name: 'r' }, spec: {} }],
    ['batch', 'jobs', { metadata: { name: 'j', uid: 'u' }, spec: { template: { metadata: { labels: { a: 'b' } }, spec: {} } } }],
    ['batch', 'cronjobs', { metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: {} } } } } }],
    ['rbac.authorization.k8s.io', 'clusterrolebindings', { metadata: { name: 'b' }, roleRef: {}, subjects: [{ kind: 'User', name: 'u' }] }],
    ['admissionregistration.k8s.io', 'validatingwebhookconfigurations', { metadata: { name: 'v' }, webhooks: [{ name: 'a.b.c', rules: [{}] }] }],
  ];
  for (const [group, resource, o] of samples) {
    const r = res(group, resource);
    applyDefaults(r, o);
    const once = structuredClone(o);
    applyDefaults(r, o);
    assert.deepEqual(o, once, `${group}/${resource}`);
  }
});
