// Tests for the PodSecurity admission plugin: enforce/audit/warn, workloads, exemptions,
// namespace label changes and configuration parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from '../../../api/catalogue.js';
import { StatusError } from '../../../api/status.js';
import type { AdmissionAttributes, AdmissionLookup, AdmissionOperation } from '../../types.js';
import { isSignificantPodUpdate, parsePodSecurityConfiguration, PodSecurity, type PodSecurityConfiguration } from './index.js';

type Obj = Record<string, unknown>;

class FakeLookup implements AdmissionLookup {
  namespaces = new Map<string, Obj>();
  pods = new Map<string, Obj[]>();
  failNamespaces = false;
  async get(group: string, resource: string, _ns: string, name: string): Promise<Obj | undefined> {
    assert.equal(group, '');
    assert.equal(resource, 'namespaces');
    if (this.failNamespaces) throw new Error('storage unavailable');
    return this.namespaces.get(name);
  }
  async list(group: string, resource: string, ns: string): Promise<Obj[]> {
    assert.equal(`${group}/${resource}`, '/pods');
    return this.pods.get(ns) ?? [];
  }
  ns(name: string, labels: Record<string, string> = {}): this {
    this.namespaces.set(name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    return this;
  }
}

function resource(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  if (r) return r;
  // Not (yet) in the catalogue: enough of a ResourceInfo for the plugin, which reads group/resource.
  return { group, version, resource: plural, kind: plural, singular: plural, namespaced: true, shortNames: [], categories: [], subresources: [], definition: '', fieldSelectors: [], hasStatus: false, verbs: [] };
}

function attrs(p: { resource: ResourceInfo; object?: Obj; oldObject?: Obj; namespace?: string; name?: string; operation?: AdmissionOperation; subresource?: string; username?: string }): AdmissionAttributes {
  return {
    operation: p.operation ?? 'CREATE',
    resource: p.resource,
    subresource: p.subresource ?? '',
    namespace: p.namespace ?? 'team',
    name: p.name ?? String(((p.object?.['metadata'] as Obj | undefined) ?? {})['name'] ?? ''),
    object: p.object,
    oldObject: p.oldObject,
    user: { username: p.username ?? 'alice', groups: ['system:authenticated'] },
    dryRun: false,
    warnings: [],
    auditAnnotations: {},
  };
}

const PODS = resource('', 'v1', 'pods');
const NAMESPACES = resource('', 'v1', 'namespaces');

function pod(name: string, spec: Obj, meta: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'team', ...meta }, spec };
}

const privilegedSpec = (): Obj => ({ containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] });
const bareSpec = (): Obj => ({ containers: [{ name: 'c', image: 'busybox' }] });
const restrictedSpec = (image = 'nginx'): Obj => ({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'app', image, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
});

async function rejection(p: Promise<void>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    return err;
  }
  assert.fail('expected the request to be refused');
}

const RESTRICTED_BARE =
  'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

test('enforce=restricted refuses a privileged pod with the exact message and audit annotations', async () => {
  const lookup = new FakeLookup().ns('team', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const a = attrs({ resource: PODS, object: pod('x', privilegedSpec()) });
  const err = await rejection(new PodSecurity({ lookup }).validate(a));
  assert.equal(err.code, 403);
  assert.equal(err.reason, 'Forbidden');
  assert.equal(
    err.message,
    'pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), ' + RESTRICTED_BARE,
  );
  assert.deepEqual(err.details, { name: 'x', kind: 'pods' });
  assert.equal(a.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], 'restricted:latest');
  // Audit defaults to privileged: no violations recorded, and no warnings on a refused request.
  assert.equal(a.auditAnnotations['pod-security.kubernetes.io/audit-violations'], undefined);
  assert.deepEqual(a.warnings, []);
});

test('a compliant pod is admitted; baseline admits what restricted refuses', async () => {
  const lookup = new FakeLookup().ns('team', { 'pod-security.kubernetes.io/enforce': 'restricted' }).ns('base', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.30' });
  const plugin = new PodSecurity({ lookup });
  const ok = attrs({ resource: PODS, object: pod('ok', restrictedSpec()) });
  await plugin.validate(ok);
  assert.deepEqual(ok.warnings, []);
  assert.equal(ok.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], 'restricted:latest');
  const b = attrs({ resource: PODS, namespace: 'base', object: pod('b', bareSpec()) });
  await plugin.validate(b);
  assert.equal(b.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], 'baseline:v1.30');
  const bp = attrs({ resource: PODS, namespace: 'base', object: pod('p', privilegedSpec()) });
  assert.match((await rejection(plugin.validate(bp))).message, /^pods "p" is forbidden: violates PodSecurity "baseline:v1.30": privileged \(container "c"/);
});

test('warn and audit levels: warning text and audit annotation, request admitted', async () => {
  const lookup = new FakeLookup().ns('team', {
    'pod-security.kubernetes.io/enforce': 'baseline',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/audit': 'restricted',
    'pod-security.kubernetes.io/audit-version': 'v1.24',
  });
  const a = attrs({ resource: PODS, object: pod('x', bareSpec()) });
  await new PodSecurity({ lookup }).validate(a);
  assert.deepEqual(a.warnings, [`would violate PodSecurity "restricted:latest": ${RESTRICTED_BARE}`]);
  assert.equal(a.auditAnnotations['pod-security.kubernetes.io/audit-violations'], `would violate PodSecurity "restricted:v1.24": ${RESTRICTED_BARE}`);
  assert.equal(a.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
});

test('an unlabelled namespace is privileged: nothing evaluated, policy recorded', async () => {
  const lookup = new FakeLookup().ns('team');
  const a = attrs({ resource: PODS, object: pod('x', privilegedSpec()) });
  await new PodSecurity({ lookup }).validate(a);
  assert.deepEqual(a.warnings, []);
  assert.deepEqual(a.auditAnnotations, { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' });
});

test('configured defaults apply to unlabelled namespaces; labels override them', async () => {
  const config = parsePodSecurityConfiguration({ apiVersion: 'pod-security.admission.config.k8s.io/v1', kind: 'PodSecurityConfiguration', defaults: { enforce: 'baseline', warn: 'restricted' } });
  const lookup = new FakeLookup().ns('team').ns('open', { 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/warn': 'privileged' });
  const plugin = new PodSecurity({ lookup, config });
  await rejection(plugin.validate(attrs({ resource: PODS, object: pod('x', privilegedSpec()) })));
  const warned = attrs({ resource: PODS, object: pod('y', bareSpec()) });
  await plugin.validate(warned);
  assert.equal(warned.warnings.length, 1);
  await plugin.validate(attrs({ resource: PODS, namespace: 'open', object: pod('z', privilegedSpec()) }));
});

test('invalid enforce label fails closed (restricted) and records the parse error; invalid warn fails open', async () => {
  const lookup = new FakeLookup().ns('team', { 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/warn': 'loud' });
  const a = attrs({ resource: PODS, object: pod('x', bareSpec()) });
  const err = await rejection(new PodSecurity({ lookup }).validate(a));
  assert.match(err.message, /violates PodSecurity "restricted:latest": allowPrivilegeEscalation/);
  assert.equal(
    a.auditAnnotations['pod-security.kubernetes.io/error'],
    'Failed to parse policy: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted, metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "loud": must be one of privileged, baseline, restricted]',
  );
});

test('a namespace that cannot be read refuses pods (fail closed) with an internal error', async () => {
  const lookup = new FakeLookup();
  lookup.failNamespaces = true;
  const a = attrs({ resource: PODS, object: pod('x', restrictedSpec()) });
  const err = await rejection(new PodSecurity({ lookup }).validate(a));
  assert.equal(err.code, 500);
  assert.equal(err.message, 'Internal error occurred: failed to lookup namespace team');
  assert.match(a.auditAnnotations['pod-security.kubernetes.io/error']!, /storage unavailable/);
});

test('pod updates: only image changes, seccomp annotation changes and new ephemeral containers are evaluated', async () => {
  const lookup = new FakeLookup().ns('team', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const plugin = new PodSecurity({ lookup });
  const old = pod('x', bareSpec());
  // A label change on a violating (pre-existing) pod is allowed.
  const relabelled = pod('x', bareSpec(), { labels: { a: 'b' } });
  await plugin.validate(attrs({ resource: PODS, operation: 'UPDATE', object: relabelled, oldObject: old }));
  // An image change is evaluated.
  const newImage = pod('x', { containers: [{ name: 'c', image: 'busybox:2' }] });
  await rejection(plugin.validate(attrs({ resource: PODS, operation: 'UPDATE', object: newImage, oldObject: old })));
  // Adding an ephemeral container through the subresource is evaluated.
  const debug = pod('x', { ...bareSpec(), ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] });
  await rejection(plugin.validate(attrs({ resource: PODS, operation: 'UPDATE', subresource: 'ephemeralcontainers', object: debug, oldObject: old })));
  // Ignored subresources are never evaluated.
  for (const sub of ['status', 'exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy']) {
    await plugin.validate(attrs({ resource: PODS, operation: 'UPDATE', subresource: sub, object: newImage, oldObject: old }));
  }
  assert.equal(isSignificantPodUpdate(old, pod('x', bareSpec(), { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } })), true);
  assert.equal(isSignificantPodUpdate(debug, debug), false);
  assert.equal(isSignificantPodUpdate(pod('x', { ...bareSpec(), initContainers: [{ name: 'i', image: 'a' }] }), old), true);
});

test('DELETE and CONNECT are not evaluated', async () => {
  const lookup = new FakeLookup().ns('team', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  await new PodSecurity({ lookup }).validate(attrs({ resource: PODS, operation: 'DELETE', oldObject: pod('x', privilegedSpec()) }));
});

function deployment(spec: Obj): Obj {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'team' }, spec: { replicas: 1, template: { metadata: { labels: { app: 'web' } }, spec } } };
}

test('workloads get warnings and audit annotations, never a denial', async () => {
  const lookup = new FakeLookup().ns('team', { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'baseline' });
  const plugin = new PodSecurity({ lookup });
  const a = attrs({ resource: resource('apps', 'v1', 'deployments'), object: deployment(privilegedSpec()) });
  await plugin.validate(a);
  assert.deepEqual(a.warnings, [`would violate PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), ${RESTRICTED_BARE}`]);
  assert.equal(a.auditAnnotations['pod-security.kubernetes.io/audit-violations'], 'would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)');
  assert.equal(a.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], undefined);

  const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: bareSpec() } } } } };
  const c = attrs({ resource: resource('batch', 'v1', 'cronjobs'), object: cron });
  await plugin.validate(c);
  assert.deepEqual(c.warnings, [`would violate PodSecurity "restricted:latest": ${RESTRICTED_BARE}`]);

  for (const [group, plural] of [['apps', 'replicasets'], ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['batch', 'jobs'], ['', 'replicationcontrollers']] as const) {
    const w = attrs({ resource: resource(group, 'v1', plural), object: { metadata: { name: 'w' }, spec: { template: { spec: bareSpec() } } } });
    await plugin.validate(w);
    assert.equal(w.warnings.length, 1, plural);
  }
  const pt = attrs({ resource: resource('', 'v1', 'podtemplates'), object: { metadata: { name: 't' }, template: { spec: bareSpec() } } });
  await plugin.validate(pt);
  assert.equal(pt.warnings.length, 1);
  // Subresources (scale, status) are not evaluated; compliant templates get no warning.
  const scale = attrs({ resource: resource('apps', 'v1', 'deployments'), subresource: 'scale', object: deployment(privilegedSpec()) });
  await plugin.validate(scale);
  const fine = attrs({ resource: resource('apps', 'v1', 'deployments'), object: deployment(restrictedSpec()) });
  await plugin.validate(fine);
  assert.deepEqual([...scale.warnings, ...fine.warnings], []);
});

test('a workload in a namespace that only enforces gets no warning (enforce does not apply to templates)', async () => {
  const lookup = new FakeLookup().ns('team', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const a = attrs({ resource: resource('apps', 'v1', 'deployments'), object: deployment(privilegedSpec()) });
  await new PodSecurity({ lookup }).validate(a);
  assert.deepEqual(a.warnings, []);
});

test('exemptions: namespace, username, runtimeClass', async () => {
  const config = parsePodSecurityConfiguration({
    defaults: { enforce: 'restricted' },
    exemptions: { namespaces: ['kube-system'], usernames: ['system:serviceaccount:kube-system:daemon-set-controller'], runtimeClasses: ['kata'] },
  });
  const lookup = new FakeLookup().ns('team').ns('kube-system');
  const plugin = new PodSecurity({ lookup, config });
  const byNs = attrs({ resource: PODS, namespace: 'kube-system', object: pod('x', privilegedSpec()) });
  await plugin.validate(byNs);
  assert.equal(byNs.auditAnnotations['pod-security.kubernetes.io/exempt'], 'namespace');
  const byUser = attrs({ resource: PODS, username: 'system:serviceaccount:kube-system:daemon-set-controller', object: pod('x', privilegedSpec()) });
  await plugin.validate(byUser);
  assert.equal(byUser.auditAnnotations['pod-security.kubernetes.io/exempt'], 'user');
  const byRc = attrs({ resource: PODS, object: pod('x', { ...privilegedSpec(), runtimeClassName: 'kata' }) });
  await plugin.validate(byRc);
  assert.equal(byRc.auditAnnotations['pod-security.kubernetes.io/exempt'], 'runtimeClass');
  // Not exempt: another runtime class, another user.
  await rejection(plugin.validate(attrs({ resource: PODS, object: pod('x', { ...privilegedSpec(), runtimeClassName: 'runc' }) })));
  await rejection(plugin.validate(attrs({ resource: PODS, username: 'bob', object: pod('x', privilegedSpec()) })));
});

function namespace(name: string, labels: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

test('namespace labels are validated on create (422) and on changing update', async () => {
  const plugin = new PodSecurity({ lookup: new FakeLookup() });
  const bad = namespace('team', { 'pod-security.kubernetes.io/enforce': 'strict' });
  const err = await rejection(plugin.validate(attrs({ resource: NAMESPACES, namespace: '', object: bad })));
  assert.equal(err.code, 422);
  assert.equal(err.reason, 'Invalid');
  assert.equal(err.message, 'Namespace "team" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted');
  const badVersion = namespace('team', { 'pod-security.kubernetes.io/warn-version': '1.25' });
  assert.match((await rejection(plugin.validate(attrs({ resource: NAMESPACES, object: badVersion })))).message, /warn-version\]: Invalid value: "1.25": must be "latest" or "v1.x"$/);
  // An update that leaves already-invalid labels untouched is allowed; a new invalid value is not.
  await plugin.validate(attrs({ resource: NAMESPACES, operation: 'UPDATE', object: bad, oldObject: bad }));
  await rejection(plugin.validate(attrs({ resource: NAMESPACES, operation: 'UPDATE', object: bad, oldObject: namespace('team', {}) })));
  await plugin.validate(attrs({ resource: NAMESPACES, object: namespace('ok', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.99' }) }));
});

test('tightening enforce warns about existing pods, grouped and sorted as upstream', async () => {
  const lookup = new FakeLookup();
  const owner = (uid: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, controller: true }] });
  lookup.pods.set('team', [
    pod('priv', privilegedSpec()),
    pod('web-b', bareSpec(), owner('u1')),
    pod('web-a', bareSpec(), owner('u1')),
    pod('solo', bareSpec()),
    pod('good', restrictedSpec()),
    pod('kata', { ...privilegedSpec(), runtimeClassName: 'kata' }),
  ]);
  const config = parsePodSecurityConfiguration({ exemptions: { runtimeClasses: ['kata'] } });
  const plugin = new PodSecurity({ lookup, config });
  const a = attrs({ resource: NAMESPACES, operation: 'UPDATE', namespace: '', object: namespace('team', { 'pod-security.kubernetes.io/enforce': 'restricted' }), oldObject: namespace('team', {}) });
  await plugin.validate(a);
  assert.deepEqual(a.warnings, [
    'existing pods in namespace "team" violate the new PodSecurity enforce level "restricted:latest"',
    'priv: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    'solo (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
  ]);
  // Relaxing, keeping, or setting privileged does not evaluate pods.
  for (const [from, to] of [['restricted', 'baseline'], ['restricted', 'restricted'], ['baseline', 'privileged']]) {
    const r = attrs({ resource: NAMESPACES, operation: 'UPDATE', object: namespace('team', { 'pod-security.kubernetes.io/enforce': to! }), oldObject: namespace('team', { 'pod-security.kubernetes.io/enforce': from! }) });
    await plugin.validate(r);
    assert.deepEqual(r.warnings, [], `${from} → ${to}`);
  }
  // A version change at the same level is evaluated.
  const v = attrs({ resource: NAMESPACES, operation: 'UPDATE', object: namespace('team', { 'pod-security.kubernetes.io/enforce': 'baseline' }), oldObject: namespace('team', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.20' }) });
  await plugin.validate(v);
  assert.deepEqual(v.warnings, ['existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"', 'priv: privileged']);
});

test('namespace checks are capped and exempt namespaces are skipped', async () => {
  const lookup = new FakeLookup();
  lookup.pods.set('big', Array.from({ length: 5 }, (_, i) => pod(`p${i}`, bareSpec())));
  const plugin = new PodSecurity({ lookup, namespaceMaxPodsToCheck: 3, config: parsePodSecurityConfiguration({ exemptions: { namespaces: ['kube-system'] } }) });
  const a = attrs({ resource: NAMESPACES, operation: 'UPDATE', object: namespace('big', { 'pod-security.kubernetes.io/enforce': 'restricted' }), oldObject: namespace('big', {}) });
  await plugin.validate(a);
  assert.deepEqual(a.warnings.slice(0, 2), [
    'new PodSecurity enforce level only checked against the first 3 of 5 existing pods',
    'existing pods in namespace "big" violate the new PodSecurity enforce level "restricted:latest"',
  ]);
  assert.match(a.warnings[2]!, /^p0 \(and 2 other pods\): /);
  lookup.pods.set('kube-system', [pod('x', privilegedSpec())]);
  const sys = attrs({ resource: NAMESPACES, operation: 'UPDATE', object: namespace('kube-system', { 'pod-security.kubernetes.io/enforce': 'restricted' }), oldObject: namespace('kube-system', {}) });
  await plugin.validate(sys);
  assert.deepEqual(sys.warnings, []);
  assert.equal(sys.auditAnnotations['pod-security.kubernetes.io/exempt'], 'namespace');
});

test('dry-run requests are evaluated the same way', async () => {
  const lookup = new FakeLookup().ns('team', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const a = attrs({ resource: PODS, object: pod('x', privilegedSpec()) });
  a.dryRun = true;
  assert.equal((await rejection(new PodSecurity({ lookup }).validate(a))).code, 403);
});

test('parsePodSecurityConfiguration: defaults and clear errors', () => {
  const full: PodSecurityConfiguration = parsePodSecurityConfiguration({
    apiVersion: 'pod-security.admission.config.k8s.io/v1',
    kind: 'PodSecurityConfiguration',
    defaults: { enforce: 'baseline', 'enforce-version': 'v1.29', audit: 'restricted', 'audit-version': 'latest', warn: 'restricted', 'warn-version': 'latest' },
    exemptions: { usernames: ['admin'], runtimeClasses: ['kata.example.com'], namespaces: ['kube-system'] },
  });
  assert.deepEqual(full.defaults, { enforce: 'baseline', 'enforce-version': 'v1.29', audit: 'restricted', 'audit-version': 'latest', warn: 'restricted', 'warn-version': 'latest' });
  assert.deepEqual(full.exemptions, { usernames: ['admin'], runtimeClasses: ['kata.example.com'], namespaces: ['kube-system'] });
  assert.deepEqual(parsePodSecurityConfiguration({}).defaults.enforce, 'privileged');
  const cases: Array<[unknown, RegExp]> = [
    [{ apiVersion: 'pod-security.admission.config.k8s.io/v2' }, /apiVersion: Unsupported value: "pod-security.admission.config.k8s.io\/v2"/],
    [{ kind: 'EncryptionConfiguration' }, /kind: Unsupported value/],
    [{ defaults: { enforce: 'strict' } }, /defaults\.enforce: Invalid value: "strict": must be one of privileged, baseline, restricted/],
    [{ defaults: { 'audit-version': 'v2.0' } }, /defaults\.audit-version: Invalid value: "v2.0": must be "latest" or "v1.x"/],
    [{ defaults: { enforceVersion: 'v1.29' } }, /defaults\.enforceVersion: unknown field/],
    [{ exemptions: { namespaces: ['Kube_System'] } }, /exemptions\.namespaces\[0\]: Invalid value: "Kube_System"/],
    [{ exemptions: { usernames: ['a', 'a'] } }, /exemptions\.usernames\[1\]: Duplicate value: "a"/],
    [{ exemptions: { usernames: [''] } }, /exemptions\.usernames\[0\]: Required value/],
    [{ exemptions: { runtimeClasses: 'kata' } }, /exemptions\.runtimeClasses: expected a list of strings/],
    ['nope', /expected an object/],
  ];
  for (const [input, re] of cases) assert.throws(() => parsePodSecurityConfiguration(input), re, JSON.stringify(input));
});
