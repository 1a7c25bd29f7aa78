// kube-apiserver's defaulting for the served types, applied to decoded objects before
// validation, so stored objects look exactly as kubectl expects. Idempotent: a second
// application changes nothing, and update comparisons see the same defaults on both sides.

import type { ResourceInfo } from './catalogue.js';
import { type Obj, arr, ensureObj, isObj, obj, objEntries, str, strMap } from './validation/access.js';
import { formatQuantity, parseQuantityExact } from './validation/quantity.js';

type Defaulter = (o: Obj) => void;

const setIfAbsent = (o: Obj, key: string, value: unknown) => {
  if (o[key] === undefined || o[key] === null) o[key] = value;
};

const setIfEmpty = (o: Obj, key: string, value: string) => {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
};

// ---- quantities ---------------------------------------------------------------------------------

const MILLI_NANOS = 1_000_000n;

/** A Quantity field in canonical form ("0.5" → "500m"); unparseable values stay for validation. */
function canonicalizeQuantity(o: Obj, key: string): void {
  const v = o[key];
  if (typeof v !== 'string' && typeof v !== 'number') return;
  const q = parseQuantityExact(typeof v === 'number' ? String(v) : v);
  if (q) o[key] = formatQuantity(q);
}

/** A ResourceList: every value rounded up to milli precision, then canonical, as SetDefaults_ResourceList does. */
function canonicalizeResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const [k, v] of Object.entries(list)) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    const q = parseQuantityExact(typeof v === 'number' ? String(v) : v);
    if (!q) continue;
    const rem = q.nanos % MILLI_NANOS;
    if (rem !== 0n) q.nanos += q.nanos > 0n ? MILLI_NANOS - rem : -MILLI_NANOS - rem;
    list[k] = formatQuantity(q);
  }
}

// ---- images ------------------------------------------------------------------------------------

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const imageRe = new RegExp(
  `^((?:${domain}/)?${pathComponent}(?:/${pathComponent})*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}))?$`,
);

/**
 * Always for ":latest" or an untagged, undigested image (it may change under the same name);
 * IfNotPresent otherwise, including references that do not parse (validation reports those).
 */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.length > 4096) return 'IfNotPresent';
  const m = imageRe.exec(image);
  if (!m || (m[1] ?? '').length > 255) return 'IfNotPresent';
  const tag = m[2];
  const digest = m[3];
  if (tag === undefined && digest === undefined) return 'Always';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

// ---- pods --------------------------------------------------------------------------------------

function defaultHTTPGet(handler: unknown): void {
  const h = obj(obj(handler)?.httpGet);
  if (!h) return;
  setIfEmpty(h, 'path', '/');
  setIfEmpty(h, 'scheme', 'HTTP');
}

function defaultProbe(probe: unknown): void {
  const p = obj(probe);
  if (!p) return;
  defaultHTTPGet(p);
  for (const [key, value] of [['timeoutSeconds', 1], ['periodSeconds', 10], ['successThreshold', 1], ['failureThreshold', 3]] as const) {
    if (p[key] === undefined || p[key] === null || p[key] === 0) p[key] = value;
  }
}

function defaultFieldRef(holder: unknown): void {
  const ref = obj(obj(holder)?.fieldRef);
  if (ref) setIfEmpty(ref, 'apiVersion', 'v1');
}

function defaultContainer(c: Obj): void {
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === null || c.imagePullPolicy === '') {
    c.imagePullPolicy = defaultPullPolicy(str(c.image));
  }
  setIfEmpty(c, 'terminationMessagePath', '/dev/termination-log');
  setIfEmpty(c, 'terminationMessagePolicy', 'File');
  const resources = ensureObj(c, 'resources');
  canonicalizeResourceList(resources.limits);
  canonicalizeResourceList(resources.requests);
  for (const [, port] of objEntries(c.ports)) setIfEmpty(port, 'protocol', 'TCP');
  for (const [, env] of objEntries(c.env)) defaultFieldRef(env.valueFrom);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  const lifecycle = obj(c.lifecycle);
  if (lifecycle) {
    defaultHTTPGet(lifecycle.postStart);
    defaultHTTPGet(lifecycle.preStop);
  }
}

const DEFAULT_MODE = 0o644;

function defaultVolume(v: Obj): void {
  for (const kind of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const src = obj(v[kind]);
    if (src) setIfAbsent(src, 'defaultMode', DEFAULT_MODE);
  }
  for (const [, item] of objEntries(obj(v.downwardAPI)?.items)) defaultFieldRef(item);
  for (const [, source] of objEntries(obj(v.projected)?.sources)) {
    const token = obj(source.serviceAccountToken);
    if (token) setIfAbsent(token, 'expirationSeconds', 3600);
    for (const [, item] of objEntries(obj(source.downwardAPI)?.items)) defaultFieldRef(item);
  }
  const hostPath = obj(v.hostPath);
  if (hostPath) setIfAbsent(hostPath, 'type', '');
  const emptyDir = obj(v.emptyDir);
  if (emptyDir) canonicalizeQuantity(emptyDir, 'sizeLimit');
  const claimSpec = obj(obj(obj(v.ephemeral)?.volumeClaimTemplate)?.spec);
  if (claimSpec) defaultPVCSpec(claimSpec);
}

function defaultPVCSpec(spec: Obj): void {
  setIfEmpty(spec, 'volumeMode', 'Filesystem');
  const resources = obj(spec.resources);
  if (resources) {
    canonicalizeResourceList(resources.requests);
    canonicalizeResourceList(resources.limits);
  }
}

/** SetDefaults_PodSpec and the per-element defaults; Pod-only extras when isPod. */
function defaultPodSpec(spec: Obj, isPod: boolean): void {
  if (isPod) {
    // A Pod (not a template) that states limits but no requests requests what it limits.
    for (const field of ['containers', 'initContainers']) {
      for (const [, c] of objEntries(spec[field])) {
        const res = obj(c.resources);
        const limits = obj(res?.limits);
        if (!res || !limits) continue;
        const requests = ensureObj(res, 'requests');
        for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
      }
    }
    setIfAbsent(spec, 'enableServiceLinks', true);
    if (spec.hostNetwork === true) {
      for (const field of ['containers', 'initContainers']) {
        for (const [, c] of objEntries(spec[field])) {
          for (const [, port] of objEntries(c.ports)) {
            if (!port.hostPort) port.hostPort = port.containerPort;
          }
        }
      }
    }
  }
  setIfEmpty(spec, 'dnsPolicy', 'ClusterFirst');
  setIfEmpty(spec, 'restartPolicy', 'Always');
  if (!isObj(spec.securityContext)) spec.securityContext = {};
  setIfAbsent(spec, 'terminationGracePeriodSeconds', 30);
  setIfEmpty(spec, 'schedulerName', 'default-scheduler');
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const [, c] of objEntries(spec[field])) defaultContainer(c);
  }
  for (const [, v] of objEntries(spec.volumes)) defaultVolume(v);
  canonicalizeResourceList(spec.overhead);
  const podResources = obj(spec.resources);
  if (podResources) {
    canonicalizeResourceList(podResources.limits);
    canonicalizeResourceList(podResources.requests);
  }
}

function defaultPodTemplate(template: unknown): void {
  const t = obj(template);
  if (!t) return;
  defaultPodSpec(ensureObj(t, 'spec'), false);
}

// ---- workloads -----------------------------------------------------------------------------------

function defaultDeployment(d: Obj): void {
  const spec = ensureObj(d, 'spec');
  setIfAbsent(spec, 'replicas', 1);
  const strategy = ensureObj(spec, 'strategy');
  setIfEmpty(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    setIfAbsent(ru, 'maxUnavailable', '25%');
    setIfAbsent(ru, 'maxSurge', '25%');
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10);
  setIfAbsent(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec.template);
}

function defaultReplicaSet(rs: Obj): void {
  const spec = ensureObj(rs, 'spec');
  setIfAbsent(spec, 'replicas', 1);
  defaultPodTemplate(spec.template);
}

function defaultStatefulSet(sts: Obj): void {
  const spec = ensureObj(sts, 'spec');
  setIfEmpty(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = ensureObj(spec, 'updateStrategy');
  if (strategy.type === undefined || strategy.type === null || strategy.type === '') {
    strategy.type = 'RollingUpdate';
    ensureObj(strategy, 'rollingUpdate');
  }
  const ru = obj(strategy.rollingUpdate);
  if (strategy.type === 'RollingUpdate' && ru) setIfAbsent(ru, 'partition', 0);
  const retention = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  setIfEmpty(retention, 'whenDeleted', 'Retain');
  setIfEmpty(retention, 'whenScaled', 'Retain');
  setIfAbsent(spec, 'replicas', 1);
  setIfAbsent(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
  for (const [, claim] of objEntries(spec.volumeClaimTemplates)) {
    defaultPVCSpec(ensureObj(claim, 'spec'));
    const status = ensureObj(claim, 'status');
    setIfEmpty(status, 'phase', 'Pending');
  }
}

function defaultDaemonSet(ds: Obj): void {
  const spec = ensureObj(ds, 'spec');
  const strategy = ensureObj(spec, 'updateStrategy');
  setIfEmpty(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    setIfAbsent(ru, 'maxUnavailable', 1);
    setIfAbsent(ru, 'maxSurge', 0);
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
}

/**
 * SetDefaults_Job plus the Job strategy's generated selector: without manualSelector the
 * template is labelled with the job's uid and name and selected by the uid label, so a Job
 * can never adopt another Job's pods.
 */
function defaultJob(job: Obj): void {
  const spec = ensureObj(job, 'spec');
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setIfAbsent(spec, 'parallelism', 1);
  setIfAbsent(spec, 'backoffLimit', spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6);
  setIfEmpty(spec, 'completionMode', 'NonIndexed');
  setIfAbsent(spec, 'suspend', false);
  for (const [, rule] of objEntries(obj(spec.podFailurePolicy)?.rules)) {
    for (const [, pattern] of objEntries(rule.onPodConditions)) setIfEmpty(pattern, 'status', 'True');
  }
  setIfEmpty(spec, 'podReplacementPolicy', isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed');
  setIfAbsent(spec, 'manualSelector', false);

  const meta = ensureObj(job, 'metadata');
  const template = obj(spec.template);
  const templateMeta = template ? obj(template.metadata) : undefined;
  // Upstream shares the template's label map with the Job when the Job has no labels of its
  // own, so the Job also ends up carrying the generated labels.
  const shareLabels = isObj(templateMeta?.labels) && Object.keys(obj(meta.labels) ?? {}).length === 0;
  const uid = str(meta.uid);
  if (spec.manualSelector !== true && template && uid !== '') {
    const tmeta = ensureObj(template, 'metadata');
    const labels = ensureObj(tmeta, 'labels');
    const name = str(meta.name);
    for (const [key, value] of [
      ['batch.kubernetes.io/job-name', name],
      ['job-name', name],
      ['batch.kubernetes.io/controller-uid', uid],
      ['controller-uid', uid],
    ] as const) {
      if (!(key in labels)) labels[key] = value;
    }
    const selector = ensureObj(spec, 'selector');
    const matchLabels = ensureObj(selector, 'matchLabels');
    if (!('batch.kubernetes.io/controller-uid' in matchLabels)) matchLabels['batch.kubernetes.io/controller-uid'] = uid;
  }
  if (shareLabels) meta.labels = { ...(strMap(obj(template?.metadata)?.labels) ?? {}) };
  defaultPodTemplate(spec.template);
}

function defaultCronJob(cj: Obj): void {
  const spec = ensureObj(cj, 'spec');
  setIfEmpty(spec, 'concurrencyPolicy', 'Allow');
  setIfAbsent(spec, 'suspend', false);
  setIfAbsent(spec, 'successfulJobsHistoryLimit', 3);
  setIfAbsent(spec, 'failedJobsHistoryLimit', 1);
  defaultPodTemplate(obj(obj(spec.jobTemplate)?.spec)?.template);
}

// ---- core ---------------------------------------------------------------------------------------

function defaultPod(pod: Obj): void {
  defaultPodSpec(ensureObj(pod, 'spec'), true);
}

function defaultService(svc: Obj): void {
  const spec = ensureObj(svc, 'spec');
  setIfEmpty(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = obj(obj(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
    if (timeout === undefined || timeout === null) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  setIfEmpty(spec, 'type', 'ClusterIP');
  for (const [, port] of objEntries(spec.ports)) {
    setIfEmpty(port, 'protocol', 'TCP');
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  const type = spec.type;
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
  if (externallyAccessible) setIfEmpty(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setIfAbsent(spec, 'allocateLoadBalancerNodePorts', true);
  if (type !== 'ExternalName') {
    // Single-stack IPv4 cluster: what the service IP allocator reports for a new service.
    const headlessWithoutSelector = spec.clusterIP === 'None' && !isObj(spec.selector);
    setIfAbsent(spec, 'ipFamilyPolicy', headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack');
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
}

function defaultEndpoints(ep: Obj): void {
  for (const [, subset] of objEntries(ep.subsets)) {
    for (const [, port] of objEntries(subset.ports)) setIfEmpty(port, 'protocol', 'TCP');
  }
}

/**
 * Secret type Opaque, and stringData folded into data (base64), as the v1 conversion does:
 * stringData is write-only and never stored.
 */
function defaultSecret(secret: Obj): void {
  setIfEmpty(secret, 'type', 'Opaque');
  const stringData = strMap(secret.stringData);
  if (stringData) {
    const data = ensureObj(secret, 'data');
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete secret.stringData;
  }
}

function defaultNamespace(ns: Obj): void {
  const meta = ensureObj(ns, 'metadata');
  const name = str(meta.name);
  if (name !== '') ensureObj(meta, 'labels')['kubernetes.io/metadata.name'] = name;
  const spec = ensureObj(ns, 'spec');
  if (spec.finalizers === undefined || spec.finalizers === null) spec.finalizers = ['kubernetes'];
  setIfEmpty(ensureObj(ns, 'status'), 'phase', 'Active');
}

function defaultNode(node: Obj): void {
  const status = obj(node.status);
  if (!status) return;
  canonicalizeResourceList(status.capacity);
  canonicalizeResourceList(status.allocatable);
  if (isObj(status.capacity) && !isObj(status.allocatable)) status.allocatable = { ...status.capacity };
}

function defaultLimitRange(lr: Obj): void {
  for (const [, item] of objEntries(obj(lr.spec)?.limits)) {
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) canonicalizeResourceList(item[f]);
    if (item.type !== 'Container') continue;
    // Containers get a default limit of max, a default request of the default limit or min.
    // Values that are not quantities are not copied: validation reports them once, where written.
    const valid = (m: unknown): Obj =>
      Object.fromEntries(Object.entries(obj(m) ?? {}).filter(([, v]) => (typeof v === 'string' || typeof v === 'number') && parseQuantityExact(String(v)) !== undefined));
    const max = valid(item.max);
    const min = valid(item.min);
    const def: Obj = { ...(obj(item.default) ?? {}) };
    for (const [k, v] of Object.entries(max)) if (!(k in def)) def[k] = v;
    const defReq: Obj = { ...(obj(item.defaultRequest) ?? {}) };
    for (const [k, v] of Object.entries(valid(def))) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(min)) if (!(k in defReq)) defReq[k] = v;
    if (Object.keys(def).length) item.default = def;
    if (Object.keys(defReq).length) item.defaultRequest = defReq;
  }
}

function defaultResourceQuota(rq: Obj): void {
  canonicalizeResourceList(obj(rq.spec)?.hard);
}

// ---- rbac and admission ----------------------------------------------------------------------------

function defaultBinding(b: Obj): void {
  const ref = obj(b.roleRef);
  if (ref) setIfEmpty(ref, 'apiGroup', 'rbac.authorization.k8s.io');
  for (const [, subject] of objEntries(b.subjects)) {
    if (str(subject.apiGroup) !== '') continue;
    if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = 'rbac.authorization.k8s.io';
    else if (subject.kind === 'ServiceAccount') subject.apiGroup = '';
  }
}

function defaultWebhooks(config: Obj, mutating: boolean): void {
  for (const [, hook] of objEntries(config.webhooks)) {
    setIfEmpty(hook, 'failurePolicy', 'Fail');
    setIfEmpty(hook, 'matchPolicy', 'Equivalent');
    if (!isObj(hook.namespaceSelector)) hook.namespaceSelector = {};
    if (!isObj(hook.objectSelector)) hook.objectSelector = {};
    setIfAbsent(hook, 'timeoutSeconds', 10);
    if (mutating) setIfEmpty(hook, 'reinvocationPolicy', 'Never');
    for (const [, rule] of objEntries(hook.rules)) setIfEmpty(rule, 'scope', '*');
    const service = obj(obj(hook.clientConfig)?.service);
    if (service) setIfAbsent(service, 'port', 443);
  }
}

const DEFAULTERS: Record<string, Defaulter> = {
  '/pods': defaultPod,
  '/services': defaultService,
  '/endpoints': defaultEndpoints,
  '/secrets': defaultSecret,
  '/namespaces': defaultNamespace,
  '/nodes': defaultNode,
  '/limitranges': defaultLimitRange,
  '/resourcequotas': defaultResourceQuota,
  'apps/deployments': defaultDeployment,
  'apps/replicasets': defaultReplicaSet,
  'apps/statefulsets': defaultStatefulSet,
  'apps/daemonsets': defaultDaemonSet,
  'batch/jobs': defaultJob,
  'batch/cronjobs': defaultCronJob,
  'rbac.authorization.k8s.io/rolebindings': defaultBinding,
  'rbac.authorization.k8s.io/clusterrolebindings': defaultBinding,
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': (o) => defaultWebhooks(o, true),
  'admissionregistration.k8s.io/validatingwebhookconfigurations': (o) => defaultWebhooks(o, false),
};

/** Applies kube-apiserver's defaults for the resource in place. Safe to call more than once. */
export function applyDefaults(r: ResourceInfo, obj: Record<string, unknown>): void {
  DEFAULTERS[`${r.group}/${r.resource}`]?.(obj);
}
