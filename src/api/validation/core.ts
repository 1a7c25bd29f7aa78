// Core-group objects other than pods: Service, Endpoints, ConfigMap, Secret, Namespace, Node,
// Event, LimitRange, ResourceQuota (ServiceAccount has only metadata rules).

import { BlockList, isIP } from 'node:net';
import { type Obj, arr, isObj, num, obj, objEntries, optStr, semanticEqual, str, strArr, strMap } from './access.js';
import { type Causes, FieldPath, FIELD_IMMUTABLE, GoValue, duplicate, forbidden, goQuote, goStringSlice, invalid, notSupported, required } from './field.js';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName, isValidPortNum } from './names.js';
import { validateFinalizerName, validateLabels } from './object-meta.js';
import { quantityText, validateQuantityValue, validateResourceName, validateTaintEffect, isNativeResource, isExtendedResource } from './pod.js';
import { QUANTITY_FORMAT_ERROR, compareQuantities, formatQuantity, parseQuantityExact } from './quantity.js';

export const MAX_SECRET_SIZE = 1024 * 1024;
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const IP_ERROR = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

// ---- addresses -------------------------------------------------------------------------------

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');
const linkLocalMulticast = new BlockList();
linkLocalMulticast.addSubnet('224.0.0.0', 24, 'ipv4');
linkLocalMulticast.addSubnet('ff02::', 16, 'ipv6');
const unspecified = new BlockList();
unspecified.addAddress('0.0.0.0', 'ipv4');
unspecified.addAddress('::', 'ipv6');

/**
 * Addresses that would make the API server or nodes talk to themselves or to link-local
 * services (cloud metadata endpoints) when used as endpoints or external IPs.
 */
export function validateNonSpecialIP(ip: string, p: FieldPath): Causes {
  const family = isIP(ip);
  if (family === 0) return [invalid(p, ip, 'must be a valid IP address')];
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const causes: Causes = [];
  if (unspecified.check(ip, type)) causes.push(invalid(p, ip, `may not be unspecified (${ip})`));
  if (loopback.check(ip, type)) causes.push(invalid(p, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (linkLocal.check(ip, type)) causes.push(invalid(p, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (linkLocalMulticast.check(ip, type)) causes.push(invalid(p, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return causes;
}

export function isValidCIDR(cidr: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash < 0) return false;
  const ip = cidr.slice(0, slash);
  const bits = cidr.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || !/^[0-9]{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

// ---- Service -----------------------------------------------------------------------------------

function goServicePortKey(protocol: string, port: number): GoValue {
  return new GoValue(
    `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  );
}

function externallyAccessible(spec: Obj): boolean {
  const type = str(spec.type);
  return type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
}

function validateServiceSpec(spec: Obj): Causes {
  const p = FieldPath.root('spec');
  const causes: Causes = [];
  const type = str(spec.type);
  const clusterIP = str(spec.clusterIP);
  const clusterIPs = Array.isArray(spec.clusterIPs) ? strArr(spec.clusterIPs) : clusterIP ? [clusterIP] : [];
  const headless = clusterIPs[0] === 'None';
  const ports = objEntries(spec.ports);

  if (ports.length === 0 && !headless && type !== 'ExternalName') causes.push(required(p.child('ports')));
  if (type === 'LoadBalancer' && headless) causes.push(invalid(p.child('clusterIPs').index(0), 'None', "may not be set to 'None' for LoadBalancer services"));
  if (type === 'NodePort' && headless) causes.push(invalid(p.child('clusterIPs').index(0), 'None', "may not be set to 'None' for NodePort services"));
  if (type === 'ExternalName') {
    if (clusterIPs.length > 0) causes.push(forbidden(p.child('clusterIPs'), 'may not be set for ExternalName services'));
    if (arr(spec.ipFamilies).length > 0) causes.push(forbidden(p.child('ipFamilies'), 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) causes.push(forbidden(p.child('ipFamilyPolicy'), 'may not be set for ExternalName services'));
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (cname === '') causes.push(required(p.child('externalName')));
    else for (const msg of isDNS1123Subdomain(cname)) causes.push(invalid(p.child('externalName'), cname, msg));
  }

  const names = new Set<string>();
  for (const [i, port] of ports) {
    const pp = p.child('ports').index(i);
    const name = str(port.name);
    if (ports.length > 1 && name === '') causes.push(required(pp.child('name')));
    else if (name !== '') {
      for (const msg of isDNS1123Label(name)) causes.push(invalid(pp.child('name'), name, msg));
      if (names.has(name)) causes.push(duplicate(pp.child('name'), name));
      names.add(name);
    }
    const portNum = num(port.port) ?? 0;
    for (const msg of isValidPortNum(portNum)) causes.push(invalid(pp.child('port'), portNum, msg));
    const protocol = str(port.protocol);
    if (protocol === '') causes.push(required(pp.child('protocol')));
    else if (!PORT_PROTOCOLS.includes(protocol)) causes.push(notSupported(pp.child('protocol'), protocol, PORT_PROTOCOLS));
    const target = port.targetPort;
    if (typeof target === 'number') for (const msg of isValidPortNum(target)) causes.push(invalid(pp.child('targetPort'), target, msg));
    else if (typeof target === 'string') for (const msg of isValidPortName(target)) causes.push(invalid(pp.child('targetPort'), target, msg));
    const appProtocol = optStr(port.appProtocol);
    if (appProtocol !== undefined) for (const msg of isQualifiedName(appProtocol)) causes.push(invalid(pp.child('appProtocol'), appProtocol, msg));
    const nodePort = num(port.nodePort) ?? 0;
    if (nodePort !== 0) {
      for (const msg of isValidPortNum(nodePort)) causes.push(invalid(pp.child('nodePort'), nodePort, msg));
      if (type === 'ClusterIP') causes.push(forbidden(pp.child('nodePort'), "may not be used when `type` is 'ClusterIP'"));
    }
  }
  if (isObj(spec.selector)) causes.push(...validateLabels(spec.selector, p.child('selector')));

  const affinity = str(spec.sessionAffinity);
  if (affinity === '') causes.push(required(p.child('sessionAffinity')));
  else if (affinity !== 'ClientIP' && affinity !== 'None') causes.push(notSupported(p.child('sessionAffinity'), affinity, ['ClientIP', 'None']));
  if (affinity === 'ClientIP') {
    const timeout = num(obj(obj(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds);
    const tp = p.child('sessionAffinityConfig', 'clientIP', 'timeoutSeconds');
    if (timeout === undefined) causes.push(required(p.child('sessionAffinityConfig'), 'when session affinity type is ClientIP'));
    else if (timeout <= 0 || timeout > 86400) causes.push(invalid(tp, timeout, 'must be greater than 0 and less than 86400'));
  } else if (affinity === 'None' && isObj(spec.sessionAffinityConfig)) {
    causes.push(forbidden(p.child('sessionAffinityConfig'), 'must not be set when session affinity is None'));
  }

  if (clusterIP !== '' && clusterIPs.length > 0 && clusterIPs[0] !== clusterIP) {
    causes.push(invalid(p.child('clusterIPs'), goStringSlice(clusterIPs), 'first value must match `clusterIP`'));
  }
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) causes.push(invalid(p.child('clusterIPs'), goStringSlice(clusterIPs), "'None' must be the first and only value"));
      return;
    }
    if (isIP(ip) === 0) causes.push(invalid(p.child('clusterIPs').index(i), ip, IP_ERROR));
  });
  if (clusterIPs.length > 2) causes.push(invalid(p.child('clusterIPs'), goStringSlice(clusterIPs), 'may only hold up to 2 values'));

  const policy = spec.ipFamilyPolicy;
  const policies = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
  if (typeof policy === 'string' && !policies.includes(policy)) causes.push(notSupported(p.child('ipFamilyPolicy'), policy, policies));
  const families = strArr(spec.ipFamilies);
  const seenFamilies = new Set<string>();
  families.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') causes.push(notSupported(p.child('ipFamilies').index(i), f, ['IPv4', 'IPv6']));
    else if (seenFamilies.has(f)) causes.push(duplicate(p.child('ipFamilies').index(i), f));
    seenFamilies.add(f);
  });
  if (families.length > 2) causes.push(invalid(p.child('ipFamilies'), goStringSlice(families), 'may only hold up to 2 values'));

  strArr(spec.externalIPs).forEach((ip, i) => {
    const ep = p.child('externalIPs').index(i);
    if (isIP(ip) === 0) causes.push(invalid(ep, ip, IP_ERROR));
    else causes.push(...validateNonSpecialIP(ip, ep));
  });

  const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  if (type === '') causes.push(required(p.child('type')));
  else if (!types.includes(type)) causes.push(notSupported(p.child('type'), type, types));

  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  for (const [i, port] of ports) {
    const protocol = str(port.protocol);
    const nodePort = num(port.nodePort) ?? 0;
    if (nodePort !== 0) {
      const key = `${protocol}/${nodePort}`;
      if (nodePorts.has(key)) causes.push(duplicate(p.child('ports').index(i).child('nodePort'), nodePort));
      nodePorts.add(key);
    }
    const portNum = num(port.port) ?? 0;
    const key = `${protocol}/${portNum}`;
    if (portKeys.has(key)) causes.push(duplicate(p.child('ports').index(i), goServicePortKey(protocol, portNum)));
    portKeys.add(key);
  }

  const etp = str(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp !== '') causes.push(invalid(p.child('externalTrafficPolicy'), etp, 'may only be set for externally-accessible services'));
  } else if (etp === '') {
    causes.push(required(p.child('externalTrafficPolicy')));
  } else if (etp !== 'Cluster' && etp !== 'Local') {
    causes.push(notSupported(p.child('externalTrafficPolicy'), etp, ['Cluster', 'Local']));
  }
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (type === 'ClusterIP' || type === 'NodePort' || type === 'LoadBalancer') {
      causes.push(required(p.child('internalTrafficPolicy'), "must be specified when `type` is 'ClusterIP', 'NodePort' or 'LoadBalancer'"));
    }
  } else if (itp !== 'Cluster' && itp !== 'Local') {
    causes.push(notSupported(p.child('internalTrafficPolicy'), itp, ['Cluster', 'Local']));
  }
  const hc = num(spec.healthCheckNodePort) ?? 0;
  if (hc !== 0) {
    if (type !== 'LoadBalancer' || etp !== 'Local') causes.push(invalid(p.child('healthCheckNodePort'), hc, 'may only be set when `type` is \'LoadBalancer\' and `externalTrafficPolicy` is \'Local\''));
    else for (const msg of isValidPortNum(hc)) causes.push(invalid(p.child('healthCheckNodePort'), hc, msg));
  }
  strArr(spec.loadBalancerSourceRanges).forEach((r, i) => {
    if (!isValidCIDR(r.trim())) causes.push(invalid(p.child('loadBalancerSourceRanges').index(i), r, 'must be a CIDR'));
  });
  return causes;
}

export function validateService(svc: Obj, old?: Obj): Causes {
  const spec = obj(svc.spec) ?? {};
  const causes = validateServiceSpec(spec);
  if (!old) return causes;
  const oldSpec = obj(old.spec) ?? {};
  // Allocated addresses are permanent unless the service leaves or enters ExternalName; an empty
  // value in the request means "keep what was allocated" and is filled in from the old object.
  const fromOrToExternalName = str(spec.type) === 'ExternalName' || str(oldSpec.type) === 'ExternalName';
  const oldIP = str(oldSpec.clusterIP);
  const newIP = str(spec.clusterIP);
  if (!fromOrToExternalName && oldIP !== '' && newIP !== '' && newIP !== oldIP) {
    causes.push(invalid(FieldPath.root('spec', 'clusterIPs').index(0), newIP, 'may not change once set'));
  }
  return causes;
}

// ---- Endpoints ---------------------------------------------------------------------------------

export function validateEndpoints(ep: Obj): Causes {
  const causes: Causes = [];
  for (const [i, subset] of objEntries(ep.subsets)) {
    const sp = FieldPath.root('subsets').index(i);
    const addresses = objEntries(subset.addresses);
    const notReady = objEntries(subset.notReadyAddresses);
    if (addresses.length === 0 && notReady.length === 0) causes.push(required(sp, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [field, list] of [['addresses', addresses], ['notReadyAddresses', notReady]] as const) {
      for (const [ai, addr] of list) {
        const ap = sp.child(field).index(ai);
        const ip = str(addr.ip);
        causes.push(...validateNonSpecialIP(ip, ap.child('ip')));
        const hostname = str(addr.hostname);
        if (hostname !== '') for (const msg of isDNS1123Label(hostname)) causes.push(invalid(ap.child('hostname'), hostname, msg));
        const nodeName = optStr(addr.nodeName);
        if (nodeName !== undefined && nodeName !== '') for (const msg of isDNS1123Subdomain(nodeName)) causes.push(invalid(ap.child('nodeName'), nodeName, msg));
      }
    }
    const ports = objEntries(subset.ports);
    for (const [pi, port] of ports) {
      const pp = sp.child('ports').index(pi);
      const name = str(port.name);
      if (ports.length > 1 && name === '') causes.push(required(pp.child('name')));
      else if (name !== '') for (const msg of isDNS1123Label(name)) causes.push(invalid(pp.child('name'), name, msg));
      const portNum = num(port.port) ?? 0;
      for (const msg of isValidPortNum(portNum)) causes.push(invalid(pp.child('port'), portNum, msg));
      const protocol = str(port.protocol);
      if (protocol === '') causes.push(required(pp.child('protocol')));
      else if (!PORT_PROTOCOLS.includes(protocol)) causes.push(notSupported(pp.child('protocol'), protocol, PORT_PROTOCOLS));
    }
  }
  return causes;
}

// ---- ConfigMap and Secret ------------------------------------------------------------------------

const IMMUTABLE_SET = 'field is immutable when `immutable` is set';

function decodedLength(b64: string): number {
  return Buffer.from(b64, 'base64').length;
}

export function validateConfigMap(cm: Obj, old?: Obj): Causes {
  const causes: Causes = [];
  if (old && old.immutable === true) {
    if (cm.immutable !== true) causes.push(forbidden('immutable', IMMUTABLE_SET));
    if (!semanticEqual(cm.data, old.data)) causes.push(forbidden('data', IMMUTABLE_SET));
    if (!semanticEqual(cm.binaryData, old.binaryData)) causes.push(forbidden('binaryData', IMMUTABLE_SET));
  }
  const data = strMap(cm.data) ?? {};
  const binary = strMap(cm.binaryData) ?? {};
  let total = 0;
  for (const k of Object.keys(data).sort()) {
    const kp = FieldPath.root('data').key(k);
    for (const msg of isConfigMapKey(k)) causes.push(invalid(kp, k, msg));
    if (k in binary) causes.push(invalid(kp, k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(data[k] ?? '');
  }
  for (const k of Object.keys(binary).sort()) {
    for (const msg of isConfigMapKey(k)) causes.push(invalid(FieldPath.root('binaryData').key(k), k, msg));
    total += decodedLength(binary[k] ?? '');
  }
  if (total > MAX_SECRET_SIZE) causes.push({ reason: 'FieldValueTooLong', field: '', message: `Too long: may not be more than ${MAX_SECRET_SIZE} bytes` });
  return causes;
}

/** Keys a typed Secret must carry, so consumers (kubelet, ingress, SSH clients) can rely on them. */
export function validateSecret(secret: Obj, old?: Obj): Causes {
  const causes: Causes = [];
  const type = str(secret.type);
  if (old) {
    if (type !== str(old.type)) causes.push(invalid('type', type, FIELD_IMMUTABLE));
    if (old.immutable === true) {
      if (secret.immutable !== true) causes.push(forbidden('immutable', IMMUTABLE_SET));
      if (!semanticEqual(secret.data, old.data)) causes.push(forbidden('data', IMMUTABLE_SET));
    }
  }
  const dp = FieldPath.root('data');
  // stringData is normally folded into data before validation; count it as data if it is still here.
  const data: Record<string, number> = {};
  for (const [k, v] of Object.entries(strMap(secret.data) ?? {})) data[k] = decodedLength(v);
  for (const [k, v] of Object.entries(strMap(secret.stringData) ?? {})) data[k] = Buffer.byteLength(v);
  let total = 0;
  for (const k of Object.keys(data).sort()) {
    for (const msg of isConfigMapKey(k)) causes.push(invalid(dp.key(k), k, msg));
    total += data[k] ?? 0;
  }
  if (total > MAX_SECRET_SIZE) causes.push({ reason: 'FieldValueTooLong', field: 'data', message: `Too long: may not be more than ${MAX_SECRET_SIZE} bytes` });
  const has = (k: string) => k in data;
  const rawValue = (k: string): string => {
    const s = strMap(secret.stringData)?.[k];
    if (s !== undefined) return s;
    const b = strMap(secret.data)?.[k];
    return b === undefined ? '' : Buffer.from(b, 'base64').toString('utf8');
  };
  const jsonError = (k: string): string | undefined => {
    try {
      const v: unknown = JSON.parse(rawValue(k));
      return isObj(v) ? undefined : `json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type map[string]interface {}`;
    } catch (e) {
      return e instanceof Error ? e.message : 'invalid JSON';
    }
  };
  switch (type) {
    case 'kubernetes.io/service-account-token': {
      const annotations = strMap(obj(secret.metadata)?.annotations) ?? {};
      if (!annotations['kubernetes.io/service-account.name']) {
        causes.push(required(FieldPath.root('metadata', 'annotations').key('kubernetes.io/service-account.name')));
      }
      break;
    }
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(key)) {
        causes.push(required(dp.key(key)));
        break;
      }
      const err = jsonError(key);
      if (err) causes.push(invalid(dp.key(key), '<secret contents redacted>', err));
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) causes.push(required(dp.key('username')), required(dp.key('password')));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) causes.push(required(dp.key('ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) causes.push(required(dp.key('tls.crt')));
      if (!has('tls.key')) causes.push(required(dp.key('tls.key')));
      break;
    default:
      break;
  }
  return causes;
}

// ---- Namespace, Node, Event ------------------------------------------------------------------------

export function validateNamespace(ns: Obj): Causes {
  const p = FieldPath.root('spec', 'finalizers');
  return strArr(obj(ns.spec)?.finalizers).flatMap((f) => validateFinalizerName(f, p));
}

export function validateNode(node: Obj, old?: Obj): Causes {
  const spec = obj(node.spec) ?? {};
  const p = FieldPath.root('spec');
  const causes: Causes = [];
  const seen = new Set<string>();
  for (const [i, taint] of objEntries(spec.taints)) {
    const tp = p.child('taints').index(i);
    const key = str(taint.key);
    const value = str(taint.value);
    const effect = str(taint.effect);
    for (const msg of isQualifiedName(key)) causes.push(invalid(tp.child('key'), key, msg));
    const valueErrs = isValidLabelValue(value);
    if (valueErrs.length) causes.push(invalid(tp.child('value'), value, valueErrs.join(';')));
    causes.push(...validateTaintEffect(effect, false, tp.child('effect')));
    const id = `${effect}\u0000${key}`;
    if (seen.has(id)) {
      const dup = duplicate(tp, new GoValue(`core.Taint{Key:${goQuote(key)}, Value:${goQuote(value)}, Effect:${goQuote(effect)}, TimeAdded:<nil>}`));
      causes.push({ ...dup, message: `${dup.message}: taints must be unique by key and effect pair` });
    }
    seen.add(id);
  }
  const podCIDRs = strArr(spec.podCIDRs);
  podCIDRs.forEach((c, i) => {
    if (!isValidCIDR(c)) causes.push(invalid(p.child('podCIDRs').index(i), c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  if (podCIDRs.length > 1) {
    const families = podCIDRs.map((c) => isIP(c.split('/')[0] ?? ''));
    if (podCIDRs.length > 2 || families[0] === families[1]) causes.push(invalid(p.child('podCIDRs'), goStringSlice(podCIDRs), 'may specify no more than one CIDR for each IP family'));
  }
  const podCIDR = str(spec.podCIDR);
  if (podCIDR !== '' && !isValidCIDR(podCIDR)) causes.push(invalid(p.child('podCIDR'), podCIDR, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  if (old) {
    const oldSpec = obj(old.spec) ?? {};
    const oldCIDRs = strArr(oldSpec.podCIDRs);
    if (oldCIDRs.length > 0 && !semanticEqual(podCIDRs, oldCIDRs)) {
      causes.push(forbidden(p.child('podCIDRs'), 'node updates may not change podCIDR except from "" to valid'));
    }
    const oldProvider = str(oldSpec.providerID);
    if (oldProvider !== '' && str(spec.providerID) !== oldProvider) {
      causes.push(forbidden(p.child('providerID'), 'node updates may not change providerID except from "" to valid'));
    }
  }
  return causes;
}

export function validateEvent(event: Obj): Causes {
  const causes: Causes = [];
  const namespace = str(obj(event.metadata)?.namespace);
  const involved = obj(event.involvedObject) ?? {};
  const involvedNamespace = str(involved.namespace);
  const nsPath = FieldPath.root('involvedObject', 'namespace');
  if (!event.eventTime) {
    if (involvedNamespace === '') {
      // Events about cluster-scoped objects live in "default" for old clients.
      if (namespace !== '' && namespace !== 'default') causes.push(invalid(nsPath, involvedNamespace, 'does not match event.namespace'));
    } else if (namespace !== involvedNamespace) {
      causes.push(invalid(nsPath, involvedNamespace, 'does not match event.namespace'));
    }
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') {
      causes.push(invalid(nsPath, involvedNamespace, 'does not match event.namespace'));
    }
    const controller = str(event.reportingComponent);
    if (controller === '') causes.push(required('reportingComponent'));
    for (const msg of isQualifiedName(controller)) causes.push(invalid('reportingComponent', controller, msg));
    const limits: Array<[string, number, boolean]> = [
      ['reportingInstance', 128, true],
      ['action', 128, true],
      ['reason', 128, true],
      ['message', 1024, false],
    ];
    for (const [f, max, needed] of limits) {
      const v = str(event[f]);
      if (needed && v === '') causes.push(required(f));
      if (v.length > max) causes.push(invalid(f, '', `can have at most ${max} characters`));
    }
  }
  for (const msg of isDNS1123Subdomain(namespace)) causes.push(invalid('namespace', namespace, msg));
  return causes;
}

// ---- LimitRange and ResourceQuota -------------------------------------------------------------------

const LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);

function validateLimitRangeResourceName(limitType: string, name: string, p: FieldPath): Causes {
  const causes = validateResourceName(name, p);
  if ((limitType === 'Pod' || limitType === 'Container') && causes.length === 0) {
    if (!name.includes('/')) {
      if (!['cpu', 'memory', 'ephemeral-storage'].includes(name) && !name.startsWith('hugepages-')) causes.push(invalid(p, name, 'must be a standard resource for containers'));
    } else if (!isNativeResource(name) && !isExtendedResource(name)) {
      causes.push(invalid(p, name, "doesn't follow extended resource name standard"));
    }
  }
  return causes;
}

export function validateLimitRange(lr: Obj): Causes {
  const causes: Causes = [];
  const types = new Set<string>();
  for (const [i, limit] of objEntries(obj(lr.spec)?.limits)) {
    const lp = FieldPath.root('spec', 'limits').index(i);
    const type = str(limit.type);
    const typeErrs = isQualifiedName(type).map((msg) => invalid(lp.child('type'), type, msg));
    if (typeErrs.length === 0 && !type.includes('/') && !LIMIT_TYPES.has(type)) typeErrs.push(invalid(lp.child('type'), type, 'must be a standard limit type or fully qualified'));
    causes.push(...typeErrs);
    if (types.has(type)) causes.push(duplicate(lp.child('type'), type));
    types.add(type);

    const maps: Record<string, Record<string, ReturnType<typeof parseQuantityExact>>> = {};
    const fields = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'];
    for (const f of fields) {
      maps[f] = {};
      const m = obj(limit[f]);
      if (!m) continue;
      if (type === 'Pod' && (f === 'default' || f === 'defaultRequest') && Object.keys(m).length > 0) {
        causes.push(forbidden(lp.child(f), "may not be specified when `type` is 'Pod'"));
        continue;
      }
      for (const k of Object.keys(m).sort()) {
        const kp = lp.child(f).key(k);
        causes.push(...validateLimitRangeResourceName(type, k, kp));
        const q = parseQuantityExact(quantityText(m[k]));
        if (!q) causes.push(invalid(kp, m[k], QUANTITY_FORMAT_ERROR));
        (maps[f] as Record<string, ReturnType<typeof parseQuantityExact>>)[k] = q;
      }
    }
    if (type === 'PersistentVolumeClaim' && !maps.min?.storage && !maps.max?.storage) {
      causes.push(required(lp.child('limits'), 'either minimum or maximum storage value is required, but neither was provided'));
    }
    const keys = new Set(fields.flatMap((f) => Object.keys(maps[f] ?? {})));
    for (const k of [...keys].sort()) {
      const min = maps.min?.[k];
      const max = maps.max?.[k];
      const def = maps.default?.[k];
      const defReq = maps.defaultRequest?.[k];
      const ratio = maps.maxLimitRequestRatio?.[k];
      const s = (q: NonNullable<typeof min>) => formatQuantity(q);
      if (min && max && compareQuantities(min, max) > 0) causes.push(invalid(lp.child('min').key(k), s(min), `min value ${s(min)} is greater than max value ${s(max)}`));
      if (defReq && min && compareQuantities(min, defReq) > 0) causes.push(invalid(lp.child('defaultRequest').key(k), s(defReq), `min value ${s(min)} is greater than default request value ${s(defReq)}`));
      if (defReq && max && compareQuantities(defReq, max) > 0) causes.push(invalid(lp.child('defaultRequest').key(k), s(defReq), `default request value ${s(defReq)} is greater than max value ${s(max)}`));
      if (defReq && def && compareQuantities(defReq, def) > 0) causes.push(invalid(lp.child('defaultRequest').key(k), s(defReq), `default request value ${s(defReq)} is greater than default limit value ${s(def)}`));
      if (def && min && compareQuantities(min, def) > 0) causes.push(invalid(lp.child('default').key(k), s(min), `min value ${s(min)} is greater than default value ${s(def)}`));
      if (def && max && compareQuantities(def, max) > 0) causes.push(invalid(lp.child('default').key(k), s(max), `default value ${s(def)} is greater than max value ${s(max)}`));
      if (ratio && ratio.nanos < 1_000_000_000n) causes.push(invalid(lp.child('maxLimitRequestRatio').key(k), s(ratio), `ratio ${s(ratio)} is less than 1`));
      if (ratio && min && max) {
        // The largest possible ratio is max/min; a smaller cap can never be met.
        if (min.nanos > 0n && ratio.nanos * min.nanos > max.nanos * 1_000_000_000n) {
          const maxRatio = Number(max.nanos) / Number(min.nanos);
          causes.push(invalid(lp.child('maxLimitRequestRatio').key(k), s(ratio), `ratio ${s(ratio)} is greater than max/min = ${maxRatio.toFixed(6)}`));
        }
      }
    }
  }
  return causes;
}

const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers',
  'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers',
]);
const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating', 'VolumeAttributesClass'];

export function validateResourceQuota(rq: Obj): Causes {
  const spec = obj(rq.spec) ?? {};
  const p = FieldPath.root('spec');
  const causes: Causes = [];
  const hard = obj(spec.hard) ?? {};
  for (const k of Object.keys(hard).sort()) {
    const kp = p.child('hard').key(k);
    const nameErrs = validateResourceName(k, kp);
    if (!k.includes('/') && !STANDARD_QUOTA_RESOURCES.has(k) && !k.startsWith('hugepages-') && !k.startsWith('requests.hugepages-')) {
      nameErrs.push(invalid(kp, k, 'must be a standard resource for quota'));
    }
    causes.push(...nameErrs, ...validateQuantityValue(k, hard[k], kp));
  }
  const scopes = strArr(spec.scopes);
  for (const s of scopes) if (!QUOTA_SCOPES.includes(s)) causes.push(invalid(p.child('scopes'), goStringSlice(scopes), 'unsupported scope'));
  if ((scopes.includes('Terminating') && scopes.includes('NotTerminating')) || (scopes.includes('BestEffort') && scopes.includes('NotBestEffort'))) {
    causes.push(invalid(p.child('scopes'), goStringSlice(scopes), 'conflicting scopes'));
  }
  for (const [i, expr] of objEntries(obj(spec.scopeSelector)?.matchExpressions)) {
    const ep = p.child('scopeSelector', 'matchExpressions').index(i);
    const scope = str(expr.scopeName);
    if (!QUOTA_SCOPES.includes(scope)) causes.push(notSupported(ep.child('scopeName'), scope, QUOTA_SCOPES));
    const op = str(expr.operator);
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) causes.push(notSupported(ep.child('operator'), op, ['DoesNotExist', 'Exists', 'In', 'NotIn']));
  }
  return causes;
}
