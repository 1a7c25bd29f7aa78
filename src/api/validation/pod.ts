// Pod and pod-template validation: containers, ports, env, volumes and mounts, resources,
// probes, scheduling fields, and the short list of spec fields a pod update may change.

import { isIP } from 'node:net';
import { type Obj, arr, diffPaths, isObj, num, obj, objEntries, optStr, semanticEqual, str, strArr, strMap } from './access.js';
import { type Causes, FieldPath, GoValue, IS_NEGATIVE, duplicate, forbidden, invalid, nonNegative, notFound, notSupported, required } from './field.js';
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
} from './names.js';
import { validateAnnotations, validateLabels } from './object-meta.js';
import { QUANTITY_FORMAT_ERROR, compareQuantities, formatQuantity, parseQuantityExact } from './quantity.js';

export interface PodSpecOptions {
  /** A Pod object rather than a template inside a workload. */
  isPod: boolean;
}

const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const MAX_UINT32 = 4294967295;
const MAX_INT32 = 2147483647;

const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs', 'flocker',
  'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap', 'azureFile',
  'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO', 'csi', 'ephemeral', 'image',
];

const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];

// ---- paths inside volumes ------------------------------------------------------------------

function validatePathNoBacksteps(target: string, p: FieldPath): Causes {
  return target.split('/').includes('..') ? [invalid(p, target, "must not contain '..'")] : [];
}

function validateLocalDescendingPath(target: string, p: FieldPath): Causes {
  const causes: Causes = [];
  if (target.startsWith('/')) causes.push(invalid(p, target, 'must be a relative path'));
  return causes.concat(validatePathNoBacksteps(target, p));
}

function validateLocalNonReservedPath(target: string, p: FieldPath): Causes {
  const causes = validateLocalDescendingPath(target, p);
  const base = target.split('/').filter((s) => s !== '').pop() ?? '';
  if (base.startsWith('..')) causes.push(invalid(p, target, "must not start with '..'"));
  return causes;
}

function validateMode(mode: unknown, p: FieldPath): Causes {
  const m = num(mode);
  return m !== undefined && (m < 0 || m > 0o777) ? [invalid(p, m, FILE_MODE_ERROR)] : [];
}

function validateKeyToPaths(items: unknown, p: FieldPath): Causes {
  const causes: Causes = [];
  for (const [i, item] of objEntries(items)) {
    const ip = p.index(i);
    if (str(item.key) === '') causes.push(required(ip.child('key')));
    const path = str(item.path);
    if (path === '') causes.push(required(ip.child('path')));
    causes.push(...validateLocalNonReservedPath(path, ip.child('path')));
    causes.push(...validateMode(item.mode, ip.child('mode')));
  }
  return causes;
}

function validateVolumeSource(source: Obj, p: FieldPath): Causes {
  const causes: Causes = [];
  let count = 0;
  for (const kind of VOLUME_SOURCES) {
    const v = source[kind];
    if (v === undefined || v === null) continue;
    if (count > 0) {
      causes.push(forbidden(p.child(kind), 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    const vs = obj(v) ?? {};
    const vp = p.child(kind);
    switch (kind) {
      case 'emptyDir': {
        const q = vs.sizeLimit === undefined ? undefined : parseQuantityExact(quantityText(vs.sizeLimit));
        if (vs.sizeLimit !== undefined && (!q || q.nanos < 0n)) causes.push(forbidden(vp.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
        break;
      }
      case 'hostPath': {
        const path = str(vs.path);
        if (path === '') {
          causes.push(required(vp.child('path')));
          break;
        }
        causes.push(...validatePathNoBacksteps(path, vp.child('path')));
        const t = optStr(vs.type);
        if (t !== undefined && !HOST_PATH_TYPES.includes(t)) causes.push(notSupported(vp.child('type'), t, HOST_PATH_TYPES));
        break;
      }
      case 'secret':
        if (str(vs.secretName) === '') causes.push(required(vp.child('secretName')));
        causes.push(...validateMode(vs.defaultMode, vp.child('defaultMode')), ...validateKeyToPaths(vs.items, vp.child('items')));
        break;
      case 'configMap':
        if (str(vs.name) === '') causes.push(required(vp.child('name')));
        causes.push(...validateMode(vs.defaultMode, vp.child('defaultMode')), ...validateKeyToPaths(vs.items, vp.child('items')));
        break;
      case 'persistentVolumeClaim':
        if (str(vs.claimName) === '') causes.push(required(vp.child('claimName')));
        break;
      case 'nfs':
        if (str(vs.server) === '') causes.push(required(vp.child('server')));
        if (str(vs.path) === '') causes.push(required(vp.child('path')));
        else if (!str(vs.path).startsWith('/')) causes.push(invalid(vp.child('path'), str(vs.path), 'must be an absolute path'));
        break;
      case 'downwardAPI':
        causes.push(...validateMode(vs.defaultMode, vp.child('defaultMode')));
        for (const [i, item] of objEntries(vs.items)) {
          const ip = vp.child('items').index(i);
          const path = str(item.path);
          if (path === '') causes.push(required(ip.child('path')));
          causes.push(...validateLocalNonReservedPath(path, ip.child('path')), ...validateMode(item.mode, ip.child('mode')));
        }
        break;
      case 'projected':
        causes.push(...validateMode(vs.defaultMode, vp.child('defaultMode')));
        break;
      case 'image':
        if (str(vs.reference) === '') causes.push(required(vp.child('reference')));
        break;
      case 'gitRepo':
        if (str(vs.repository) === '') causes.push(required(vp.child('repository')));
        causes.push(...validateLocalDescendingPath(str(vs.directory), vp.child('directory')));
        break;
      default:
        break;
    }
  }
  if (count === 0) causes.push(required(p, 'must specify a volume type'));
  return causes;
}

/** Validates spec.volumes and returns the names that are valid (mounts may only refer to those). */
function validateVolumes(volumes: unknown, p: FieldPath): { causes: Causes; names: Set<string> } {
  const causes: Causes = [];
  const names = new Set<string>();
  for (const [i, vol] of objEntries(volumes)) {
    const vp = p.index(i);
    const name = str(vol.name);
    const errs = validateVolumeSource(vol, vp);
    if (name === '') errs.push(required(vp.child('name')));
    else for (const msg of isDNS1123Label(name)) errs.push(invalid(vp.child('name'), name, msg));
    if (names.has(name)) errs.push(duplicate(vp.child('name'), name));
    if (errs.length === 0) names.add(name);
    causes.push(...errs);
  }
  return { causes, names };
}

// ---- resources ---------------------------------------------------------------------------------

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets',
  'persistentvolumeclaims', 'configmaps', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);
const INTEGER_RESOURCES = new Set([
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
]);

const isHugePages = (n: string) => n.startsWith('hugepages-');
export const isNativeResource = (n: string) => !n.includes('/') || n.includes('kubernetes.io/');

export function isExtendedResource(n: string): boolean {
  if (isNativeResource(n) || n.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${n}`).length === 0;
}

export function isStandardResourceName(n: string): boolean {
  return STANDARD_RESOURCES.has(n) || isHugePages(n) || n.startsWith('requests.hugepages-');
}

export function isIntegerResourceName(n: string): boolean {
  return INTEGER_RESOURCES.has(n) || isExtendedResource(n);
}

/** Quantities may arrive as JSON numbers; kube accepts both. */
export function quantityText(v: unknown): string {
  return typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
}

export function validateResourceName(name: string, p: FieldPath): Causes {
  const causes = isQualifiedName(name).map((msg) => invalid(p, name, msg));
  if (causes.length) return causes;
  if (!name.includes('/') && !isStandardResourceName(name)) causes.push(invalid(p, name, 'must be a standard resource type or fully qualified'));
  return causes;
}

function validateContainerResourceName(name: string, p: FieldPath): Causes {
  const causes = validateResourceName(name, p);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) causes.push(invalid(p, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResource(name)) {
    causes.push(invalid(p, name, "doesn't follow extended resource name standard"));
  }
  return causes;
}

/** A quantity that must parse and not be negative (and be whole for countable resources). */
export function validateQuantityValue(resource: string, value: unknown, p: FieldPath): Causes {
  const q = parseQuantityExact(quantityText(value));
  if (!q) return [invalid(p, value, QUANTITY_FORMAT_ERROR)];
  const causes: Causes = [];
  if (q.nanos < 0n) causes.push(invalid(p, formatQuantity(q), IS_NEGATIVE));
  if (isIntegerResourceName(resource) && q.nanos % 1_000_000_000n !== 0n) causes.push(invalid(p, new GoValue(formatQuantity(q)), 'must be an integer'));
  return causes;
}

export function validateResourceRequirements(resources: unknown, p: FieldPath): Causes {
  const res = obj(resources);
  if (!res) return [];
  const causes: Causes = [];
  const limits = obj(res.limits) ?? {};
  const requests = obj(res.requests) ?? {};
  const lp = p.child('limits');
  const rp = p.child('requests');
  for (const name of Object.keys(limits).sort()) {
    causes.push(...validateContainerResourceName(name, lp.key(name)), ...validateQuantityValue(name, limits[name], lp.key(name)));
  }
  for (const name of Object.keys(requests).sort()) {
    causes.push(...validateContainerResourceName(name, rp.key(name)), ...validateQuantityValue(name, requests[name], rp.key(name)));
    const req = parseQuantityExact(quantityText(requests[name]));
    const overcommit = isNativeResource(name) && !isHugePages(name);
    if (name in limits) {
      const lim = parseQuantityExact(quantityText(limits[name]));
      if (!req || !lim) continue;
      const c = compareQuantities(req, lim);
      if (c !== 0 && !overcommit) causes.push(invalid(rp, formatQuantity(req), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
      else if (c > 0) causes.push(invalid(rp, formatQuantity(req), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
    } else if (!overcommit) {
      causes.push(required(lp, 'Limit must be set for non overcommitable resources'));
    }
  }
  return causes;
}

// ---- containers ----------------------------------------------------------------------------------

function validatePortNumOrName(port: unknown, p: FieldPath): Causes {
  if (typeof port === 'number') return isValidPortNum(port).map((msg) => invalid(p, port, msg));
  if (typeof port === 'string') return isValidPortName(port).map((msg) => invalid(p, port, msg));
  return [required(p)];
}

function validateHandler(handler: Obj, p: FieldPath, kinds: readonly string[]): Causes {
  const causes: Causes = [];
  let count = 0;
  for (const kind of kinds) {
    const h = handler[kind];
    if (h === undefined || h === null) continue;
    if (count > 0) {
      causes.push(forbidden(p.child(kind), 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    const hv = obj(h) ?? {};
    const hp = p.child(kind);
    if (kind === 'exec' && strArr(hv.command).length === 0) causes.push(required(hp.child('command')));
    if (kind === 'httpGet') {
      if (str(hv.path) === '') causes.push(required(hp.child('path')));
      causes.push(...validatePortNumOrName(hv.port, hp.child('port')));
      const scheme = optStr(hv.scheme);
      if (scheme !== undefined && scheme !== 'HTTP' && scheme !== 'HTTPS') causes.push(notSupported(hp.child('scheme'), scheme, ['HTTP', 'HTTPS']));
    }
    if (kind === 'tcpSocket') causes.push(...validatePortNumOrName(hv.port, hp.child('port')));
    if (kind === 'grpc') {
      const port = num(hv.port) ?? 0;
      causes.push(...isValidPortNum(port).map((msg) => invalid(hp.child('port'), port, msg)));
    }
    if (kind === 'sleep') {
      const s = num(hv.seconds) ?? 0;
      if (s < 0) causes.push(invalid(hp.child('seconds'), s, IS_NEGATIVE));
    }
  }
  if (count === 0) causes.push(required(p, 'must specify a handler type'));
  return causes;
}

function validateProbe(probe: unknown, p: FieldPath, kind: 'liveness' | 'readiness' | 'startup'): Causes {
  const pr = obj(probe);
  if (!pr) return [];
  const causes = validateHandler(pr, p, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    causes.push(...nonNegative(p.child(f), num(pr[f])));
  }
  const success = num(pr.successThreshold);
  if (kind !== 'readiness' && success !== undefined && success !== 1) causes.push(invalid(p.child('successThreshold'), success, 'must be 1'));
  const tgps = num(pr.terminationGracePeriodSeconds);
  if (tgps !== undefined) {
    if (kind === 'readiness') causes.push(invalid(p.child('terminationGracePeriodSeconds'), tgps, 'must not be set for readinessProbes'));
    else if (tgps <= 0) causes.push(invalid(p.child('terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  }
  return causes;
}

function validateContainerPorts(ports: unknown, p: FieldPath): Causes {
  const causes: Causes = [];
  const names = new Set<string>();
  for (const [i, port] of objEntries(ports)) {
    const pp = p.index(i);
    const name = str(port.name);
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length) causes.push(...msgs.map((msg) => invalid(pp.child('name'), name, msg)));
      else if (names.has(name)) causes.push(duplicate(pp.child('name'), name));
      else names.add(name);
    }
    const containerPort = num(port.containerPort) ?? 0;
    if (containerPort === 0) causes.push(required(pp.child('containerPort')));
    else causes.push(...isValidPortNum(containerPort).map((msg) => invalid(pp.child('containerPort'), containerPort, msg)));
    const hostPort = num(port.hostPort) ?? 0;
    if (hostPort !== 0) causes.push(...isValidPortNum(hostPort).map((msg) => invalid(pp.child('hostPort'), hostPort, msg)));
    const protocol = str(port.protocol);
    if (protocol === '') causes.push(required(pp.child('protocol')));
    else if (!PORT_PROTOCOLS.includes(protocol)) causes.push(notSupported(pp.child('protocol'), protocol, PORT_PROTOCOLS));
    const hostIP = str(port.hostIP);
    if (hostIP !== '' && isIP(hostIP) === 0) causes.push(invalid(pp.child('hostIP'), hostIP, 'must be a valid IP address'));
  }
  return causes;
}

function validateKeySelector(sel: Obj, p: FieldPath): Causes {
  const causes: Causes = [];
  const name = str(sel.name);
  for (const msg of isDNS1123Subdomain(name)) causes.push(invalid(p.child('name'), name, msg));
  const key = str(sel.key);
  if (key === '') causes.push(required(p.child('key')));
  else for (const msg of isConfigMapKey(key)) causes.push(invalid(p.child('key'), key, msg));
  return causes;
}

function validateEnv(env: unknown, p: FieldPath): Causes {
  const causes: Causes = [];
  for (const [i, ev] of objEntries(env)) {
    const ep = p.index(i);
    const name = str(ev.name);
    if (name === '') causes.push(required(ep.child('name')), invalid(ep.child('name'), name, 'environment variable name must be non-empty'));
    else if ([...name].some((c) => c === '=' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e)) {
      causes.push(invalid(ep.child('name'), name, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
    }
    const from = obj(ev.valueFrom);
    if (!from) continue;
    const fp = ep.child('valueFrom');
    let sources = 0;
    const fieldRef = obj(from.fieldRef);
    if (fieldRef) {
      sources++;
      const path = str(fieldRef.fieldPath);
      const frp = fp.child('fieldRef');
      if (str(fieldRef.apiVersion) === '') causes.push(required(frp.child('apiVersion')));
      if (path === '') causes.push(required(frp.child('fieldPath')));
      else if (!ENV_FIELD_PATHS.includes(path) && !/^metadata\.(labels|annotations)\['[^']+'\]$/.test(path)) {
        causes.push(notSupported(frp.child('fieldPath'), path, ENV_FIELD_PATHS));
      }
    }
    const resourceFieldRef = obj(from.resourceFieldRef);
    if (resourceFieldRef) {
      sources++;
      if (str(resourceFieldRef.resource) === '') causes.push(required(fp.child('resourceFieldRef', 'resource')));
    }
    for (const kind of ['configMapKeyRef', 'secretKeyRef']) {
      const sel = obj(from[kind]);
      if (!sel) continue;
      sources++;
      causes.push(...validateKeySelector(sel, fp.child(kind)));
    }
    if (sources === 0) causes.push(invalid(fp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (str(ev.value) !== '') causes.push(invalid(fp, '', 'may not be specified when `value` is not empty'));
    else if (sources > 1) causes.push(invalid(fp, '', 'may not have more than one field specified at a time'));
  }
  return causes;
}

function validateEnvFrom(envFrom: unknown, p: FieldPath): Causes {
  const causes: Causes = [];
  for (const [i, ef] of objEntries(envFrom)) {
    const ep = p.index(i);
    let sources = 0;
    for (const kind of ['configMapRef', 'secretRef']) {
      const ref = obj(ef[kind]);
      if (!ref) continue;
      sources++;
      const name = str(ref.name);
      if (name === '') causes.push(required(ep.child(kind, 'name')));
      else for (const msg of isDNS1123Subdomain(name)) causes.push(invalid(ep.child(kind, 'name'), name, msg));
    }
    if (sources === 0) causes.push(invalid(ep, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) causes.push(invalid(ep, '', 'may not have more than one field specified at a time'));
  }
  return causes;
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, p: FieldPath): Causes {
  const causes: Causes = [];
  const paths = new Set<string>();
  for (const [i, m] of objEntries(mounts)) {
    const mp = p.index(i);
    const name = str(m.name);
    if (name === '') causes.push(required(mp.child('name')));
    if (!volumes.has(name)) causes.push(notFound(mp.child('name'), name));
    const mountPath = str(m.mountPath);
    if (mountPath === '') causes.push(required(mp.child('mountPath')));
    if (paths.has(mountPath)) causes.push(invalid(mp.child('mountPath'), mountPath, 'must be unique'));
    paths.add(mountPath);
    const subPath = str(m.subPath);
    if (subPath !== '') causes.push(...validateLocalDescendingPath(subPath, mp.child('subPath')));
    const subPathExpr = str(m.subPathExpr);
    if (subPathExpr !== '') {
      if (subPath !== '') causes.push(invalid(mp.child('subPathExpr'), subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      causes.push(...validateLocalDescendingPath(subPathExpr, mp.child('subPathExpr')));
    }
  }
  return causes;
}

function validateIdRange(value: unknown, p: FieldPath): Causes {
  const v = num(value);
  return v !== undefined && (v < 0 || v > MAX_INT32) ? [invalid(p, v, inclusiveRangeError(0, MAX_INT32))] : [];
}

function validateContainerSecurityContext(sc: unknown, p: FieldPath): Causes {
  const s = obj(sc);
  if (!s) return [];
  const causes: Causes = [...validateIdRange(s.runAsUser, p.child('runAsUser')), ...validateIdRange(s.runAsGroup, p.child('runAsGroup'))];
  if (s.allowPrivilegeEscalation === false) {
    if (s.privileged === true) causes.push(invalid(p, new GoValue('core.SecurityContext{...}'), 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    const add = strArr(obj(s.capabilities)?.add);
    if (add.includes('SYS_ADMIN') || add.includes('CAP_SYS_ADMIN')) {
      causes.push(invalid(p, new GoValue('core.SecurityContext{...}'), 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  const proc = optStr(s.procMount);
  if (proc !== undefined && proc !== 'Default' && proc !== 'Unmasked') causes.push(notSupported(p.child('procMount'), proc, ['Default', 'Unmasked']));
  return causes;
}

type ContainerKind = 'container' | 'init' | 'ephemeral';

function validateContainer(ctr: Obj, p: FieldPath, kind: ContainerKind, volumes: Set<string>, opts: PodSpecOptions): Causes {
  const causes: Causes = [];
  const name = str(ctr.name);
  if (name === '') causes.push(required(p.child('name')));
  else for (const msg of isDNS1123Label(name)) causes.push(invalid(p.child('name'), name, msg));
  const image = str(ctr.image);
  if (image === '') causes.push(required(p.child('image')));
  else if (opts.isPod && image.trim() !== image) causes.push(invalid(p.child('image'), image, 'must not have leading or trailing whitespace'));

  const restartPolicy = optStr(ctr.restartPolicy);
  const sidecar = kind === 'init' && restartPolicy === 'Always';
  if (restartPolicy !== undefined) {
    if (kind === 'init') {
      if (restartPolicy !== 'Always') causes.push(notSupported(p.child('restartPolicy'), restartPolicy, ['Always']));
    } else {
      causes.push(forbidden(p.child('restartPolicy'), kind === 'ephemeral' ? 'cannot be set for an Ephemeral Container' : 'may not be set for non-init containers'));
    }
  }
  if (kind === 'init' && !sidecar) {
    for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (ctr[f] !== undefined && ctr[f] !== null) causes.push(forbidden(p.child(f), 'may not be set for init containers without restartPolicy=Always'));
    }
  } else if (kind === 'ephemeral') {
    for (const f of ['ports', 'lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe', 'resources']) {
      const v = ctr[f];
      if (v !== undefined && v !== null && !(isObj(v) && Object.keys(v).length === 0) && !(Array.isArray(v) && v.length === 0)) {
        causes.push(forbidden(p.child(f), 'cannot be set for an Ephemeral Container'));
      }
    }
  } else {
    causes.push(
      ...validateProbe(ctr.livenessProbe, p.child('livenessProbe'), 'liveness'),
      ...validateProbe(ctr.readinessProbe, p.child('readinessProbe'), 'readiness'),
      ...validateProbe(ctr.startupProbe, p.child('startupProbe'), 'startup'),
    );
    if (kind === 'init' && ctr.readinessProbe !== undefined && ctr.readinessProbe !== null) {
      causes.push(forbidden(p.child('readinessProbe'), 'may not be set for init containers'));
    }
    const lifecycle = obj(ctr.lifecycle);
    if (lifecycle) {
      for (const hook of ['postStart', 'preStop']) {
        const h = obj(lifecycle[hook]);
        if (h) causes.push(...validateHandler(h, p.child('lifecycle', hook), ['exec', 'httpGet', 'tcpSocket', 'sleep']));
      }
    }
  }

  causes.push(...validateContainerPorts(ctr.ports, p.child('ports')));
  causes.push(...validateEnv(ctr.env, p.child('env')));
  causes.push(...validateEnvFrom(ctr.envFrom, p.child('envFrom')));
  causes.push(...validateVolumeMounts(ctr.volumeMounts, volumes, p.child('volumeMounts')));
  causes.push(...validateResourceRequirements(ctr.resources, p.child('resources')));
  causes.push(...validateContainerSecurityContext(ctr.securityContext, p.child('securityContext')));

  const pull = str(ctr.imagePullPolicy);
  if (pull === '') causes.push(required(p.child('imagePullPolicy')));
  else if (!PULL_POLICIES.includes(pull)) causes.push(notSupported(p.child('imagePullPolicy'), pull, PULL_POLICIES));
  const tmp = str(ctr.terminationMessagePolicy);
  if (tmp === '') causes.push(required(p.child('terminationMessagePolicy'), "must be 'File' or 'FallbackToLogsOnError'"));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') causes.push(invalid(p.child('terminationMessagePolicy'), tmp, "must be 'File' or 'FallbackToLogsOnError'"));
  return causes;
}

// ---- pod-level fields ----------------------------------------------------------------------------

export function validateTaintEffect(effect: string, allowEmpty: boolean, p: FieldPath): Causes {
  if (effect === '') return allowEmpty ? [] : [required(p)];
  const valid = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
  return valid.includes(effect) ? [] : [notSupported(p, effect, valid)];
}

export function validateTolerations(tolerations: unknown, p: FieldPath): Causes {
  const causes: Causes = [];
  for (const [i, t] of objEntries(tolerations)) {
    const tp = p.index(i);
    const key = str(t.key);
    const operator = str(t.operator);
    const effect = str(t.effect);
    if (key !== '') causes.push(...isQualifiedName(key).map((msg) => invalid(tp.child('key'), key, msg)));
    if (key === '' && operator !== 'Exists') {
      causes.push(invalid(tp.child('operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (num(t.tolerationSeconds) !== undefined && effect !== 'NoExecute') {
      causes.push(invalid(tp.child('effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const errs = isValidLabelValue(str(t.value));
      if (errs.length) causes.push(invalid(tp.child('operator'), str(t.value), errs.join(';')));
    } else if (operator === 'Exists') {
      if (str(t.value) !== '') causes.push(invalid(tp.child('operator'), new GoValue(JSON.stringify(t)), "value must be empty when `operator` is 'Exists'"));
    } else {
      causes.push(notSupported(tp.child('operator'), operator, ['Equal', 'Exists']));
    }
    if (effect !== '') causes.push(...validateTaintEffect(effect, true, tp.child('effect')));
  }
  return causes;
}

function validatePodSecurityContext(sc: unknown, p: FieldPath): Causes {
  const s = obj(sc);
  if (!s) return [];
  const causes: Causes = [...validateIdRange(s.runAsUser, p.child('runAsUser')), ...validateIdRange(s.runAsGroup, p.child('runAsGroup')), ...validateIdRange(s.fsGroup, p.child('fsGroup'))];
  arr(s.supplementalGroups).forEach((g, i) => causes.push(...validateIdRange(g, p.child('supplementalGroups').index(i))));
  const change = optStr(s.fsGroupChangePolicy);
  if (change !== undefined && change !== 'OnRootMismatch' && change !== 'Always') causes.push(notSupported(p.child('fsGroupChangePolicy'), change, ['OnRootMismatch', 'Always']));
  return causes;
}

function validateDNS(spec: Obj, p: FieldPath): Causes {
  const causes: Causes = [];
  const policy = str(spec.dnsPolicy);
  const valid = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (policy === '') causes.push(required(p.child('dnsPolicy')));
  else if (!valid.includes(policy)) causes.push(notSupported(p.child('dnsPolicy'), policy, valid));
  const cfg = obj(spec.dnsConfig);
  if (policy === 'None' && !cfg) causes.push(required(p.child('dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'));
  if (cfg) {
    const ns = strArr(cfg.nameservers);
    if (ns.length > 3) causes.push(invalid(p.child('dnsConfig', 'nameservers'), new GoValue(JSON.stringify(ns)), 'must not have more than 3 nameservers'));
    if (policy === 'None' && ns.length === 0) causes.push(required(p.child('dnsConfig', 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
    ns.forEach((ip, i) => {
      if (isIP(ip) === 0) causes.push(invalid(p.child('dnsConfig', 'nameservers').index(i), ip, 'must be a valid IP address'));
    });
    const searches = strArr(cfg.searches);
    if (searches.length > 32) causes.push(invalid(p.child('dnsConfig', 'searches'), new GoValue(JSON.stringify(searches)), 'must not have more than 32 search paths'));
    searches.forEach((s, i) => {
      const domain = s.endsWith('.') ? s.slice(0, -1) : s;
      for (const msg of isDNS1123Subdomain(domain)) causes.push(invalid(p.child('dnsConfig', 'searches').index(i), s, msg));
    });
  }
  return causes;
}

/** Validates a pod spec at path p (spec, or spec.template.spec inside workloads). */
export function validatePodSpec(specValue: unknown, p: FieldPath, opts: PodSpecOptions): Causes {
  const spec = obj(specValue) ?? {};
  const causes: Causes = [];
  const { causes: volCauses, names: volumes } = validateVolumes(spec.volumes, p.child('volumes'));
  causes.push(...volCauses);

  const containers = objEntries(spec.containers);
  const initContainers = objEntries(spec.initContainers);
  const ephemeral = objEntries(spec.ephemeralContainers);
  const seen = new Set<string>();
  if (containers.length === 0) causes.push(required(p.child('containers')));
  for (const [i, c] of containers) {
    const cp = p.child('containers').index(i);
    causes.push(...validateContainer(c, cp, 'container', volumes, opts));
    const name = str(c.name);
    if (name !== '' && seen.has(name)) causes.push(duplicate(cp.child('name'), name));
    seen.add(name);
  }
  for (const [i, c] of initContainers) {
    const cp = p.child('initContainers').index(i);
    causes.push(...validateContainer(c, cp, 'init', volumes, opts));
    const name = str(c.name);
    if (name !== '' && seen.has(name)) causes.push(duplicate(cp.child('name'), name));
    seen.add(name);
  }
  for (const [i, c] of ephemeral) {
    const cp = p.child('ephemeralContainers').index(i);
    causes.push(...validateContainer(c, cp, 'ephemeral', volumes, opts));
    const name = str(c.name);
    if (name !== '' && seen.has(name)) causes.push(duplicate(cp.child('name'), name));
    seen.add(name);
  }

  const restartPolicy = str(spec.restartPolicy);
  const policies = ['Always', 'OnFailure', 'Never'];
  if (restartPolicy === '') causes.push(required(p.child('restartPolicy')));
  else if (!policies.includes(restartPolicy)) causes.push(notSupported(p.child('restartPolicy'), restartPolicy, policies));
  causes.push(...validateDNS(spec, p));

  causes.push(...validateLabels(spec.nodeSelector, p.child('nodeSelector')));
  for (const f of ['serviceAccountName', 'nodeName', 'priorityClassName', 'runtimeClassName']) {
    const v = str(spec[f]);
    if (v !== '') for (const msg of isDNS1123Subdomain(v)) causes.push(invalid(p.child(f), v, msg));
  }
  for (const f of ['hostname', 'subdomain']) {
    const v = str(spec[f]);
    if (v !== '') for (const msg of isDNS1123Label(v)) causes.push(invalid(p.child(f), v, msg));
  }
  const ads = num(spec.activeDeadlineSeconds);
  if (ads !== undefined && (ads < 1 || ads > MAX_UINT32)) causes.push(invalid(p.child('activeDeadlineSeconds'), ads, inclusiveRangeError(1, MAX_UINT32)));
  causes.push(...validateTolerations(spec.tolerations, p.child('tolerations')));
  causes.push(...validatePodSecurityContext(spec.securityContext, p.child('securityContext')));
  causes.push(...validateResourceRequirements(spec.resources, p.child('resources')));

  const os = obj(spec.os);
  if (os) {
    const name = str(os.name);
    if (name === '') causes.push(required(p.child('os', 'name')));
    else if (name !== 'linux' && name !== 'windows') causes.push(notSupported(p.child('os', 'name'), name, ['linux', 'windows']));
  }

  for (const [i, alias] of objEntries(spec.hostAliases)) {
    const ap = p.child('hostAliases').index(i);
    const ip = str(alias.ip);
    if (isIP(ip) === 0) causes.push(invalid(ap.child('ip'), ip, 'must be valid IP address'));
    strArr(alias.hostnames).forEach((h, hi) => {
      for (const msg of isDNS1123Subdomain(h)) causes.push(invalid(ap.child('hostnames').index(hi), h, msg));
    });
  }

  // The kubelet binds host ports; two containers asking for the same one could never both run.
  const hostPorts = new Set<string>();
  for (const [i, c] of containers) {
    for (const [pi, port] of objEntries(c.ports)) {
      const hostPort = num(port.hostPort) ?? 0;
      if (hostPort === 0) continue;
      const key = `${str(port.protocol)}/${str(port.hostIP)}/${hostPort}`;
      const pp = p.child('containers').index(i).child('ports').index(pi);
      if (hostPorts.has(key)) causes.push(duplicate(pp.child('hostPort'), key));
      hostPorts.add(key);
      if (spec.hostNetwork === true && hostPort !== (num(port.containerPort) ?? 0)) {
        causes.push(invalid(pp.child('containerPort'), num(port.containerPort) ?? 0, 'must match `hostPort` when `hostNetwork` is true'));
      }
    }
  }

  const gates = new Set<string>();
  for (const [i, g] of objEntries(spec.schedulingGates)) {
    const name = str(g.name);
    const gp = p.child('schedulingGates').index(i).child('name');
    for (const msg of isQualifiedName(name)) causes.push(invalid(gp, name, msg));
    if (gates.has(name)) causes.push(duplicate(gp, name));
    gates.add(name);
  }
  return causes;
}

/** A pod template inside a workload: its labels and annotations, and a pod spec without ephemeral containers. */
export function validatePodTemplateSpec(template: unknown, p: FieldPath): Causes {
  const t = obj(template);
  if (!t) return [required(p)];
  const meta = obj(t.metadata) ?? {};
  const causes: Causes = [
    ...validateLabels(meta.labels, p.child('metadata', 'labels')),
    ...validateAnnotations(meta.annotations, p.child('metadata', 'annotations')),
  ];
  const spec = obj(t.spec) ?? {};
  causes.push(...validatePodSpec(spec, p.child('spec'), { isPod: false }));
  if (arr(spec.ephemeralContainers).length > 0) causes.push(forbidden(p.child('spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  return causes;
}

// ---- Pod create and update -------------------------------------------------------------------------

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function tolerationWithoutSeconds(t: unknown): unknown {
  if (!isObj(t)) return t;
  const { tolerationSeconds: _ignored, ...rest } = t;
  return rest;
}

function validatePodUpdate(spec: Obj, oldSpec: Obj): Causes {
  const p = FieldPath.root('spec');
  const causes: Causes = [];
  for (const field of ['containers', 'initContainers']) {
    const next = arr(spec[field]);
    const prev = arr(oldSpec[field]);
    if (next.length !== prev.length) {
      causes.push(forbidden(p.child(field), 'pod updates may not add or remove containers'));
      return causes;
    }
    next.forEach((c, i) => {
      const image = str(obj(c)?.image);
      if (image === '') causes.push(required(p.child(field).index(i).child('image')));
    });
  }

  const newADS = num(spec.activeDeadlineSeconds);
  const oldADS = num(oldSpec.activeDeadlineSeconds);
  if (newADS !== undefined) {
    if (newADS < 0 || newADS > MAX_INT32) return [...causes, invalid(p.child('activeDeadlineSeconds'), newADS, inclusiveRangeError(0, MAX_INT32))];
    if (oldADS !== undefined && oldADS < newADS) return [...causes, invalid(p.child('activeDeadlineSeconds'), newADS, 'must be less than or equal to previous value')];
  } else if (oldADS !== undefined) {
    causes.push(invalid(p.child('activeDeadlineSeconds'), null, 'must not update from a positive integer to nil value'));
  }

  const newTolerations = arr(spec.tolerations).map(tolerationWithoutSeconds);
  for (const t of arr(oldSpec.tolerations)) {
    if (!newTolerations.some((n) => semanticEqual(n, tolerationWithoutSeconds(t)))) {
      causes.push(forbidden(p.child('tolerations'), 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }

  const newGates = new Set(objEntries(spec.schedulingGates).map(([, g]) => str(g.name)));
  const oldGates = new Set(objEntries(oldSpec.schedulingGates).map(([, g]) => str(g.name)));
  for (const g of newGates) {
    if (!oldGates.has(g)) {
      causes.push(forbidden(p.child('schedulingGates'), `only deletion is allowed, but found new scheduling gate '${g}'`));
      break;
    }
  }

  if (semanticEqual(spec, oldSpec)) return causes;

  // Put the allowed changes back to their old values; anything still different is forbidden.
  const munged: Obj = { ...spec };
  for (const field of ['containers', 'initContainers']) {
    const prev = arr(oldSpec[field]);
    if (Array.isArray(spec[field])) {
      munged[field] = arr(spec[field]).map((c, i) => (isObj(c) ? { ...c, image: obj(prev[i])?.image } : c));
    }
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.tolerations = oldSpec.tolerations;
  munged.schedulingGates = oldSpec.schedulingGates;
  const oldGrace = num(oldSpec.terminationGracePeriodSeconds);
  if (oldGrace !== undefined && oldGrace < 0 && num(spec.terminationGracePeriodSeconds) === 1) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  if (oldGates.size > 0) {
    // A pod still held by scheduling gates may gain node selectors before it is scheduled.
    const oldSel = strMap(oldSpec.nodeSelector) ?? {};
    const newSel = strMap(spec.nodeSelector) ?? {};
    if (Object.entries(oldSel).every(([k, v]) => newSel[k] === v)) munged.nodeSelector = oldSpec.nodeSelector;
  }
  if (!semanticEqual(munged, oldSpec)) {
    const changed = diffPaths(oldSpec, munged).map((d) => `spec.${d}`);
    causes.push(forbidden(p, `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\nchanged fields: ${changed.join(', ')}`));
  }
  return causes;
}

/** Pod-specific rules (the metadata is validated separately). */
export function validatePod(pod: Obj, old?: Obj): Causes {
  const spec = obj(pod.spec) ?? {};
  const causes = validatePodSpec(spec, FieldPath.root('spec'), { isPod: true });
  if (!old) {
    if (arr(spec.ephemeralContainers).length > 0) causes.push(forbidden(FieldPath.root('spec', 'ephemeralContainers'), 'cannot be set on create'));
    return causes;
  }
  return causes.concat(validatePodUpdate(spec, obj(old.spec) ?? {}));
}
