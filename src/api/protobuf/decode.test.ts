// Unit tests for the protobuf body decoder, on bodies built field by field with a small encoder.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf } from './decode.js';
import { StatusError } from '../status.js';

// --- a minimal protobuf writer, enough to build the bodies kubectl sends ---
function varint(n: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}
const tag = (no: number, wire: number) => varint((no << 3) | wire);
const int = (no: number, n: bigint | number) => Buffer.concat([tag(no, 0), varint(n)]);
const len = (no: number, ...parts: Buffer[]) => {
  const payload = Buffer.concat(parts);
  return Buffer.concat([tag(no, 2), varint(payload.length), payload]);
};
const str = (no: number, s: string) => len(no, Buffer.from(s, 'utf8'));
const entry = (no: number, key: string, value: Buffer) => len(no, str(1, key), value);
const MAGIC = Buffer.from('k8s\0', 'latin1');
const envelope = (apiVersion: string, kind: string, raw: Buffer, ...extra: Buffer[]) =>
  Buffer.concat([MAGIC, len(1, str(1, apiVersion), str(2, kind)), len(2, raw), ...extra]);
/** ObjectMeta as Go writes it: every value field present, zero or not. */
const meta = (name: string, ...extra: Buffer[]) =>
  len(1, str(1, name), str(2, ''), str(3, ''), str(4, ''), str(5, ''), str(6, ''), int(7, 0), len(8), ...extra);

function decodeError(body: Buffer): StatusError {
  try {
    decodeKubernetesProtobuf(body);
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${String(err)}`);
    return err;
  }
  assert.fail('decoding should have failed');
}

describe('decodeKubernetesProtobuf', () => {
  it('decodes a Namespace: apiVersion and kind from the envelope, Go zero values omitted, zero Time as null', () => {
    const raw = Buffer.concat([meta('demo', entry(11, 'team', str(2, 'a'))), len(2), len(3, str(1, ''))]);
    const decoded = decodeKubernetesProtobuf(envelope('v1', 'Namespace', raw));
    assert.equal(decoded.apiVersion, 'v1');
    assert.equal(decoded.kind, 'Namespace');
    assert.deepEqual(decoded.object, {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'demo', creationTimestamp: null, labels: { team: 'a' } },
      spec: {},
      status: {},
    });
    assert.deepEqual(Object.keys(decoded.object).slice(0, 2), ['kind', 'apiVersion']);
  });

  it('keeps zero values of pointer fields and drops those of value fields', () => {
    // DeploymentSpec: replicas (1) is *int32, minReadySeconds (5) and paused (7) are values.
    const spec = len(2, int(1, 0), int(5, 0), int(7, 0), int(6, 3));
    const { object } = decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', Buffer.concat([meta('web'), spec])));
    assert.deepEqual(object.spec, { replicas: 0, revisionHistoryLimit: 3 });
  });

  it('decodes a Secret: bytes map values as base64, a false pointer bool kept', () => {
    const raw = Buffer.concat([meta('db'), entry(2, 'password', len(2, Buffer.from('s3cr3t'))), str(3, 'Opaque'), int(5, 0)]);
    const { object } = decodeKubernetesProtobuf(envelope('v1', 'Secret', raw));
    assert.deepEqual(object.data, { password: Buffer.from('s3cr3t').toString('base64') });
    assert.equal(object.type, 'Opaque');
    assert.equal(object.immutable, false);
  });

  it('decodes a Pod: containers, env, ports, negative and packed integers, inline volume sources', () => {
    const container = len(
      2,
      str(1, 'app'),
      str(2, 'nginx'),
      len(6, str(1, ''), int(2, 0), int(3, 80), str(4, 'TCP'), str(5, '')),
      len(7, str(1, 'X'), str(2, '1')),
      len(8),
    );
    const podSecurityContext = len(14, int(2, -1), len(4, varint(1000), varint(2000)), int(4, 3000), int(5, 0));
    const volume = len(1, str(1, 'scratch'), len(2, len(2, str(1, 'Memory'))));
    const envFrom = len(19, len(2, len(1, str(1, 'cm')), int(2, 1)));
    const spec = len(2, volume, container, int(21, 0), podSecurityContext, str(3, ''));
    const initContainer = len(20, str(1, 'init'), envFrom);
    const raw = Buffer.concat([meta('p'), spec, len(2, initContainer)]);
    const { object } = decodeKubernetesProtobuf(envelope('v1', 'Pod', raw));
    const podSpec = object.spec as Record<string, unknown>;
    assert.deepEqual(podSpec.containers, [
      { name: 'app', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'X', value: '1' }], resources: {} },
    ]);
    assert.deepEqual(podSpec.volumes, [{ name: 'scratch', emptyDir: { medium: 'Memory' } }]);
    assert.equal(podSpec.automountServiceAccountToken, false);
    assert.deepEqual(podSpec.securityContext, { runAsUser: -1, supplementalGroups: [1000, 2000, 3000], fsGroup: 0 });
    assert.ok(!('restartPolicy' in podSpec), 'an empty value string is unset');
    // The second spec occurrence merges into the first, as protobuf does for a repeated singular message.
    assert.deepEqual(podSpec.initContainers, [{ name: 'init', envFrom: [{ configMapRef: { name: 'cm', optional: true } }] }]);
  });

  it('renders IntOrString as a number or a string', () => {
    const port = (target: Buffer) => len(1, str(1, 'p'), str(2, 'TCP'), int(3, 80), len(4, target));
    const raw = Buffer.concat([meta('s'), len(2, port(Buffer.concat([int(1, 0), int(2, 8080), str(3, '')])), port(Buffer.concat([int(1, 1), int(2, 0), str(3, 'http')])))]);
    const { object } = decodeKubernetesProtobuf(envelope('v1', 'Service', raw));
    const ports = (object.spec as { ports: { targetPort: unknown }[] }).ports;
    assert.equal(ports[0].targetPort, 8080);
    assert.equal(ports[1].targetPort, 'http');
  });

  it('keeps a "__proto__" map key as data, as JSON.parse does', () => {
    const { object } = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', Buffer.concat([meta('cm'), entry(2, '__proto__', str(2, 'x'))])));
    const data = object.data as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.deepEqual(Object.keys(data), ['__proto__']);
    assert.deepEqual(data, JSON.parse('{"__proto__":"x"}'));
  });

  it('renders Quantity maps as strings', () => {
    const hard = (k: string, v: string) => entry(1, k, len(2, str(1, v)));
    const raw = Buffer.concat([meta('q'), len(2, hard('cpu', '500m'), hard('memory', '1Gi'), entry(1, 'pods', Buffer.alloc(0)))]);
    const { object } = decodeKubernetesProtobuf(envelope('v1', 'ResourceQuota', raw));
    assert.deepEqual(object.spec, { hard: { cpu: '500m', memory: '1Gi', pods: '0' } });
  });

  it('renders Time in whole seconds and MicroTime with six fractional digits', () => {
    const seconds = Date.UTC(2024, 0, 2, 3, 4, 5) / 1000;
    const raw = Buffer.concat([
      meta('l', len(9, int(1, seconds), int(2, 5))),
      len(2, str(1, 'holder'), int(2, 15), len(3, int(1, seconds)), len(4, int(1, seconds), int(2, 123456789)), int(5, 0)),
    ]);
    const { object } = decodeKubernetesProtobuf(envelope('coordination.k8s.io/v1', 'Lease', raw));
    assert.equal((object.metadata as Record<string, unknown>).deletionTimestamp, '2024-01-02T03:04:05Z');
    assert.deepEqual(object.spec, {
      holderIdentity: 'holder',
      leaseDurationSeconds: 15,
      acquireTime: '2024-01-02T03:04:05.000000Z',
      renewTime: '2024-01-02T03:04:05.123456Z',
      leaseTransitions: 0,
    });
  });

  it('uses the JSON names where the protobuf names differ (webhooks, uid)', () => {
    const webhook = len(2, str(1, 'w.example.com'), len(2, str(3, 'https://w.example'), len(2, Buffer.from([1, 2, 3]))), len(3, str(1, 'CREATE'), len(2, str(1, ''), str(3, 'pods'))));
    const { object } = decodeKubernetesProtobuf(envelope('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', Buffer.concat([meta('m'), webhook])));
    assert.deepEqual(object.webhooks, [
      {
        name: 'w.example.com',
        clientConfig: { url: 'https://w.example', caBundle: Buffer.from([1, 2, 3]).toString('base64') },
        rules: [{ operations: ['CREATE'], apiGroups: [''], resources: ['pods'] }],
      },
    ]);
    const token = decodeKubernetesProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', Buffer.concat([meta(''), len(2, str(1, 'api'), len(3, str(1, 'Pod'), str(2, 'v1'), str(3, 'p'), str(4, 'abc')), int(4, 600))])));
    assert.deepEqual(token.object.spec, { audiences: ['api'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'abc' } });
  });

  it('renders ExtraValue as a plain array and FieldsV1 as embedded JSON', () => {
    const sar = Buffer.concat([meta(''), len(2, str(3, 'bob'), entry(5, 'scopes', len(2, str(1, 'a'), str(1, 'b'))), len(1, str(2, 'get'), str(5, 'pods')))]);
    const { object } = decodeKubernetesProtobuf(envelope('authorization.k8s.io/v1', 'SubjectAccessReview', sar));
    assert.deepEqual(object.spec, { resourceAttributes: { verb: 'get', resource: 'pods' }, user: 'bob', extra: { scopes: ['a', 'b'] } });
    const managed = len(17, str(1, 'kubectl'), str(2, 'Update'), str(6, 'FieldsV1'), len(7, str(1, '{"f:data":{}}')));
    const cm = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', meta('cm', managed)));
    assert.deepEqual((cm.object.metadata as Record<string, unknown>).managedFields, [
      { manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } },
    ]);
  });

  it('skips field numbers it does not know, of every wire type', () => {
    const unknown = Buffer.concat([int(99, 7), str(98, 'x'), tag(97, 5), Buffer.alloc(4), tag(96, 1), Buffer.alloc(8)]);
    const { object } = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', Buffer.concat([meta('cm', unknown), unknown, entry(2, 'k', str(2, 'v'))]), str(9, 'future')));
    assert.deepEqual(object, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm', creationTimestamp: null }, data: { k: 'v' } });
  });

  it('accepts DeleteOptions in any group version', () => {
    const raw = Buffer.concat([int(1, 0), str(4, 'Background'), str(5, 'All')]);
    for (const apiVersion of ['v1', 'apps/v1', 'meta.k8s.io/v1', 'example.com/v1beta1']) {
      const { object } = decodeKubernetesProtobuf(envelope(apiVersion, 'DeleteOptions', raw));
      assert.deepEqual(object, { kind: 'DeleteOptions', apiVersion, gracePeriodSeconds: 0, propagationPolicy: 'Background', dryRun: ['All'] });
    }
  });

  it('decodes an Eviction and a Scale', () => {
    const eviction = decodeKubernetesProtobuf(envelope('policy/v1', 'Eviction', Buffer.concat([meta('p1', str(3, 'default')), len(2, int(1, 30))])));
    assert.deepEqual(eviction.object, { kind: 'Eviction', apiVersion: 'policy/v1', metadata: { name: 'p1', namespace: 'default', creationTimestamp: null }, deleteOptions: { gracePeriodSeconds: 30 } });
    const scale = decodeKubernetesProtobuf(envelope('autoscaling/v1', 'Scale', Buffer.concat([meta('web'), len(2, int(1, 0)), len(3, int(1, 0), str(2, ''))])));
    assert.deepEqual(scale.object.spec, {});
  });

  it('refuses a body without the k8s\\0 prefix', () => {
    const err = decodeError(Buffer.from('{"kind":"Pod"}'));
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    assert.match(err.message, /k8s/);
    assert.equal(decodeError(Buffer.from('k8s')).code, 400);
  });

  it('refuses kinds it has no schema for, naming them', () => {
    const err = decodeError(envelope('scheduling.k8s.io/v1', 'PriorityClass', meta('pc')));
    assert.equal(err.code, 400);
    assert.match(err.message, /"PriorityClass".*"scheduling\.k8s\.io\/v1"/);
    assert.match(decodeError(envelope('v1', 'Deployment', meta('d'))).message, /"Deployment"/);
    assert.match(decodeError(Buffer.concat([MAGIC, len(2, meta('x'))])).message, /apiVersion and kind/);
  });

  it('refuses compressed envelopes with 415', () => {
    const err = decodeError(envelope('v1', 'Namespace', meta('demo'), str(3, 'gzip')));
    assert.equal(err.code, 415);
    assert.equal(err.reason, 'UnsupportedMediaType');
  });

  it('refuses malformed bytes with 400 and says where', () => {
    const good = envelope('v1', 'Namespace', meta('demo'));
    const cases: [string, Buffer, RegExp][] = [
      ['truncated body', good.subarray(0, good.length - 3), /claims|truncated/],
      ['truncated varint', Buffer.concat([MAGIC, Buffer.from([0x0a, 0x80])]), /truncated varint/],
      ['overlong varint', Buffer.concat([MAGIC, Buffer.from([0x08]), Buffer.alloc(11, 0xff)]), /longer than 10 bytes/],
      ['group wire type', envelope('v1', 'Namespace', Buffer.from([0x0b])), /wire type 3/],
      ['field number 0', envelope('v1', 'Namespace', Buffer.from([0x02, 0x00])), /field number 0/],
      ['string sent as varint', envelope('v1', 'Namespace', len(1, int(1, 5))), /metadata\.name: expected wire type 2/],
      ['message sent as varint', envelope('v1', 'Namespace', int(1, 5)), /metadata: expected a length-delimited value/],
      ['fieldsV1 that is not JSON', envelope('v1', 'Namespace', meta('x', len(17, len(7, str(1, '{nope'))))), /not JSON/],
      ['typeMeta sent as varint', Buffer.concat([MAGIC, int(1, 1)]), /runtime\.Unknown envelope/],
    ];
    for (const [name, body, message] of cases) {
      const err = decodeError(body);
      assert.equal(err.code, 400, name);
      assert.equal(err.reason, 'BadRequest', name);
      assert.match(err.message, message, name);
    }
  });
});
