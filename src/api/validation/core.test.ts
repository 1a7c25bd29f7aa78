// Tests for core objects other than pods: Service, ConfigMap, Secret, Namespace, Node, Event, Endpoints,
// LimitRange, ResourceQuota.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from '../catalogue.js';
import { applyDefaults } from '../defaults.js';
import type { StatusCause } from '../status.js';
import { validateObject } from './index.js';

type Json = Record<string, unknown>;
const core = (resource: string) => findResource('', 'v1', resource) as ResourceInfo;

function check(r: ResourceInfo, o: Json, old?: Json): StatusCause[] {
  applyDefaults(r, o);
  if (old) applyDefaults(r, old);
  return validateObject(r, o, old);
}

const lines = (causes: StatusCause[]) => causes.map((c) => `${c.field}: ${c.message}`);
const b64 = (s: string) => Buffer.from(s).toString('base64');

// ---- Service -----------------------------------------------------------------------------------

const services = core('services');
const service = (spec: Json, name = 'web') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });

test('a realistic Service is valid', () => {
  assert.deepEqual(check(services, service({ selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'https', port: 443 }] })), []);
  assert.deepEqual(check(services, service({ type: 'ExternalName', externalName: 'db.example.com.' })), []);
  assert.deepEqual(check(services, service({ clusterIP: 'None', selector: { app: 'db' } })), []);
});

test('Service names are RFC 1035 labels', () => {
  const causes = check(services, service({ ports: [{ port: 80 }] }, '1web'));
  assert.equal(causes[0]?.field, 'metadata.name');
  assert.match(causes[0]?.message ?? '', /a DNS-1035 label must consist of/);
});

test('Service ports: names required when several, unique, ranges, duplicates', () => {
  const causes = check(
    services,
    service({
      ports: [
        { name: 'http', port: 80 },
        { port: 81 },
        { name: 'http', port: 0, targetPort: 70000 },
        { name: 'dup', port: 80 },
      ],
    }),
  );
  assert.deepEqual(lines(causes), [
    'spec.ports[1].name: Required value',
    'spec.ports[2].name: Duplicate value: "http"',
    'spec.ports[2].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ports[2].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.ports[3]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
  ]);
});

test('Service type, selector and external IPs', () => {
  assert.deepEqual(lines(check(services, service({ type: 'Internal', ports: [{ port: 80 }] }))), [
    'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  ]);
  const causes = check(services, service({ selector: { 'bad key': 'x' }, externalIPs: ['169.254.169.254'], ports: [{ port: 80 }] }));
  assert.equal(causes[0]?.field, 'spec.selector');
  assert.ok(lines(causes).includes('spec.externalIPs[0]: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  assert.deepEqual(lines(check(services, service({ ports: [{ port: 80, nodePort: 30080 }] }))), [
    "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
  ]);
});

test('Service update: an allocated cluster IP may not change', () => {
  const old = service({ clusterIP: '10.96.0.10', ports: [{ port: 53 }] });
  assert.deepEqual(check(services, service({ ports: [{ port: 53 }] }), old), []);
  assert.deepEqual(lines(check(services, service({ clusterIP: '10.96.0.11', ports: [{ port: 53 }] }), old)), [
    'spec.clusterIPs[0]: Invalid value: "10.96.0.11": may not change once set',
  ]);
});

// ---- ConfigMap and Secret ------------------------------------------------------------------------

const configmaps = core('configmaps');
const secrets = core('secrets');

test('ConfigMap keys and immutability', () => {
  const cm = (data: Json, extra: Json = {}) => ({ metadata: { name: 'cfg', namespace: 'default' }, data, ...extra });
  assert.deepEqual(check(configmaps, cm({ 'app.properties': 'a=b', KEY_NAME: 'x' })), []);
  assert.deepEqual(lines(check(configmaps, cm({ 'a/b': 'x' }))), [
    "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  ]);
  const dup = check(configmaps, cm({ k: 'x' }, { binaryData: { k: b64('y') } }));
  assert.deepEqual(lines(dup), ['data[k]: Invalid value: "k": duplicate of key present in binaryData']);
  const old = cm({ k: 'x' }, { immutable: true });
  assert.deepEqual(check(configmaps, cm({ k: 'x' }, { immutable: true, metadata: { name: 'cfg', namespace: 'default', labels: { a: 'b' } } }), old), []);
  assert.deepEqual(lines(check(configmaps, cm({ k: 'y' }), old)), [
    'immutable: Forbidden: field is immutable when `immutable` is set',
    'data: Forbidden: field is immutable when `immutable` is set',
  ]);
  const big = check(configmaps, cm({ k: 'x'.repeat(1024 * 1024 + 1) }));
  assert.deepEqual(big, [{ reason: 'FieldValueTooLong', field: '', message: 'Too long: may not be more than 1048576 bytes' }]);
});

test('Secret types require their keys', () => {
  const secret = (type: string, data: Json, metadata: Json = {}) => ({ metadata: { name: 's', namespace: 'default', ...metadata }, type, data });
  assert.deepEqual(check(secrets, secret('kubernetes.io/tls', { 'tls.crt': b64('c'), 'tls.key': b64('k') })), []);
  assert.deepEqual(lines(check(secrets, secret('kubernetes.io/tls', {}))), ['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
  assert.deepEqual(lines(check(secrets, secret('kubernetes.io/basic-auth', {}))), ['data[username]: Required value', 'data[password]: Required value']);
  assert.deepEqual(check(secrets, secret('kubernetes.io/basic-auth', { password: b64('p') })), []);
  assert.deepEqual(lines(check(secrets, secret('kubernetes.io/ssh-auth', { 'ssh-privatekey': '' }))), ['data[ssh-privatekey]: Required value']);
  assert.deepEqual(lines(check(secrets, secret('kubernetes.io/dockerconfigjson', {}))), ['data[.dockerconfigjson]: Required value']);
  const badJson = check(secrets, secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{not json') }));
  assert.equal(badJson[0]?.field, 'data[.dockerconfigjson]');
  assert.match(badJson[0]?.message ?? '', /^Invalid value: "<secret contents redacted>": /);
  assert.deepEqual(check(secrets, secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{}}') })), []);
  assert.deepEqual(lines(check(secrets, secret('kubernetes.io/service-account-token', {}))), [
    'metadata.annotations[kubernetes.io/service-account.name]: Required value',
  ]);
  assert.deepEqual(check(secrets, secret('kubernetes.io/service-account-token', {}, { annotations: { 'kubernetes.io/service-account.name': 'builder' } })), []);
});

test('Secret stringData is validated as data, and type and immutable data are fixed', () => {
  const withString = { metadata: { name: 's', namespace: 'default' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c', 'tls.key': 'k' } };
  assert.deepEqual(check(secrets, withString), []);
  const old = { metadata: { name: 's', namespace: 'default' }, type: 'Opaque', immutable: true, data: { a: b64('1') } };
  const next = { metadata: { name: 's', namespace: 'default' }, type: 'kubernetes.io/tls', immutable: true, data: { a: b64('2'), 'tls.crt': b64('c'), 'tls.key': b64('k') } };
  assert.deepEqual(lines(check(secrets, next, old)), [
    'type: Invalid value: "kubernetes.io/tls": field is immutable',
    'data: Forbidden: field is immutable when `immutable` is set',
  ]);
});

// ---- Namespace, Node, Event, Endpoints -------------------------------------------------------------

test('Namespace spec finalizers', () => {
  const ns = (finalizers: string[]) => ({ metadata: { name: 'team-a' }, spec: { finalizers } });
  assert.deepEqual(check(core('namespaces'), ns(['kubernetes', 'example.com/cleanup'])), []);
  assert.deepEqual(lines(check(core('namespaces'), ns(['cleanup']))), [
    'spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
  ]);
});

test('Node taints and pod CIDRs', () => {
  const nodes = core('nodes');
  const node = (spec: Json) => ({ metadata: { name: 'worker-1.example.com' }, spec });
  assert.deepEqual(check(nodes, node({ podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })), []);
  const causes = check(nodes, node({ podCIDRs: ['10.244.1.0/33'], taints: [{ key: 'a', effect: 'Sometimes' }, { key: 'b', effect: 'NoExecute' }, { key: 'b', value: 'x', effect: 'NoExecute' }] }));
  assert.deepEqual(lines(causes), [
    'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    'spec.taints[2]: Duplicate value: core.Taint{Key:"b", Value:"x", Effect:"NoExecute", TimeAdded:<nil>}: taints must be unique by key and effect pair',
    'spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  ]);
  const old = node({ podCIDRs: ['10.244.1.0/24'] });
  assert.deepEqual(lines(check(nodes, node({ podCIDRs: ['10.244.2.0/24'] }), old)), [
    'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
  ]);
});

test('Event involvedObject namespace must match', () => {
  const events = core('events');
  const event = (ns: string, involvedNs: string) => ({
    metadata: { name: 'web.17a2b3c4d5e6f7a8', namespace: ns },
    involvedObject: { kind: 'Pod', namespace: involvedNs, name: 'web', apiVersion: 'v1' },
    reason: 'Scheduled',
    message: 'assigned',
    type: 'Normal',
  });
  assert.deepEqual(check(events, event('default', 'default')), []);
  assert.deepEqual(check(events, event('default', '')), []);
  assert.deepEqual(lines(check(events, event('default', 'other'))), ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
});

test('Endpoints may not point at loopback or link-local addresses', () => {
  const ep = (ip: string) => ({ metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip }], ports: [{ port: 8080 }] }] });
  assert.deepEqual(check(core('endpoints'), ep('10.1.2.3')), []);
  assert.deepEqual(lines(check(core('endpoints'), ep('127.0.0.1'))), [
    'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
  ]);
});

// ---- LimitRange and ResourceQuota ---------------------------------------------------------------

test('LimitRange ordering of min, default and max', () => {
  const lr = (limit: Json) => ({ metadata: { name: 'limits', namespace: 'default' }, spec: { limits: [limit] } });
  assert.deepEqual(check(core('limitranges'), lr({ type: 'Container', min: { cpu: '100m' }, max: { cpu: '2' }, default: { cpu: '500m' } })), []);
  assert.deepEqual(lines(check(core('limitranges'), lr({ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }))), [
    'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
    'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
    'spec.limits[0].default[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
  ]);
  assert.deepEqual(lines(check(core('limitranges'), lr({ type: 'Pod', default: { cpu: '1' } }))), ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]);
  assert.deepEqual(lines(check(core('limitranges'), lr({ type: 'Container', max: { memory: 'big' } }))), [
    "spec.limits[0].max[memory]: Invalid value: \"big\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  ]);
});

test('ResourceQuota resource names and quantities', () => {
  const rq = (hard: Json, scopes?: string[]) => ({ metadata: { name: 'quota', namespace: 'default' }, spec: { hard, ...(scopes ? { scopes } : {}) } });
  assert.deepEqual(check(core('resourcequotas'), rq({ pods: '10', 'requests.cpu': '4', 'limits.memory': '8Gi', 'count/deployments.apps': '5' })), []);
  assert.deepEqual(lines(check(core('resourcequotas'), rq({ widgets: '1', pods: '1.5', 'requests.memory': '-1' }))), [
    'spec.hard[pods]: Invalid value: 1500m: must be an integer',
    'spec.hard[requests.memory]: Invalid value: "-1": must be greater than or equal to 0',
    'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
    'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
  ]);
  assert.deepEqual(lines(check(core('resourcequotas'), rq({ pods: '1' }, ['Terminating', 'NotTerminating']))), [
    'spec.scopes: Invalid value: []string{"Terminating", "NotTerminating"}: conflicting scopes',
  ]);
});
