// Tests for pod validation on create and update (through defaulting, as the registry runs it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from '../catalogue.js';
import { applyDefaults } from '../defaults.js';
import type { StatusCause } from '../status.js';
import { validateObject } from './index.js';

const pods = findResource('', 'v1', 'pods') as ResourceInfo;

type Json = Record<string, unknown>;

function pod(spec: Json, metadata: Json = {}): Json {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u1', ...metadata }, spec };
}

/** The pipeline the registry runs: defaults, then validation. */
function check(o: Json, old?: Json): StatusCause[] {
  applyDefaults(pods, o);
  if (old) applyDefaults(pods, old);
  return validateObject(pods, o, old);
}

const lines = (causes: StatusCause[]) => causes.map((c) => `${c.field}: ${c.message}`);

const nginx = () => ({
  containers: [
    {
      name: 'nginx',
      image: 'nginx:1.27',
      ports: [{ containerPort: 80, name: 'http' }],
      resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
      volumeMounts: [{ name: 'content', mountPath: '/usr/share/nginx/html' }],
      livenessProbe: { httpGet: { port: 'http' } },
    },
  ],
  volumes: [{ name: 'content', configMap: { name: 'site' } }],
});

test('a realistic pod is valid after defaulting', () => {
  assert.deepEqual(check(pod(nginx())), []);
});

test('containers are required', () => {
  assert.deepEqual(lines(check(pod({ containers: [] }))), ['spec.containers: Required value']);
  assert.deepEqual(lines(check(pod({}))), ['spec.containers: Required value']);
});

test('container names are DNS labels, unique across init and regular containers; image required', () => {
  const causes = check(
    pod({
      initContainers: [{ name: 'app', image: 'busybox' }],
      containers: [
        { name: 'app', image: 'nginx' },
        { name: 'App_2', image: '' },
      ],
    }),
  );
  assert.deepEqual(
    causes.map((c) => `${c.field} ${c.reason}`),
    [
      'spec.containers[1].name FieldValueInvalid',
      'spec.containers[1].image FieldValueRequired',
      'spec.initContainers[0].name FieldValueDuplicate',
    ],
  );
  assert.equal(causes[2]?.message, 'Duplicate value: "app"');
});

test('ports: range and protocol', () => {
  const causes = check(pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 70000 }, { containerPort: 80, protocol: 'HTTP' }, { hostPort: 8080 }] }] }));
  assert.deepEqual(lines(causes), [
    'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    'spec.containers[0].ports[2].containerPort: Required value',
  ]);
});

test('host ports may not collide', () => {
  const causes = check(
    pod({
      containers: [
        { name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] },
        { name: 'b', image: 'x', ports: [{ containerPort: 81, hostPort: 8080 }] },
      ],
    }),
  );
  assert.deepEqual(lines(causes), ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"']);
});

test('restartPolicy and dnsPolicy enumerations', () => {
  const causes = check(pod({ ...nginx(), restartPolicy: 'Sometimes', dnsPolicy: 'Google' }));
  assert.deepEqual(lines(causes), [
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
  ]);
  assert.deepEqual(lines(check(pod({ ...nginx(), dnsPolicy: 'None' }))), [
    'spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None',
  ]);
});

test('volumes: unique names, exactly one source; mounts must refer to a volume', () => {
  const causes = check(
    pod({
      containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'missing', mountPath: '/m' }, { name: 'data', mountPath: '/m' }] }],
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'data', emptyDir: {} },
        { name: 'both', emptyDir: {}, hostPath: { path: '/var' } },
        { name: 'none' },
      ],
    }),
  );
  assert.deepEqual(lines(causes), [
    'spec.volumes[1].name: Duplicate value: "data"',
    'spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type',
    'spec.volumes[3]: Required value: must specify a volume type',
    'spec.containers[0].volumeMounts[0].name: Not found: "missing"',
    'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/m": must be unique',
  ]);
  assert.equal(causes[3]?.reason, 'FieldValueNotFound');
});

test('volume item paths may not escape the volume', () => {
  const causes = check(
    pod({
      containers: [{ name: 'a', image: 'x' }],
      volumes: [{ name: 's', secret: { secretName: 'creds', items: [{ key: 'k', path: '../../etc/passwd' }] } }, { name: 'h', hostPath: { path: '/var/../etc' } }],
    }),
  );
  assert.deepEqual(lines(causes), [
    'spec.volumes[0].secret.items[0].path: Invalid value: "../../etc/passwd": must not contain \'..\'',
    'spec.volumes[1].hostPath.path: Invalid value: "/var/../etc": must not contain \'..\'',
  ]);
});

test('resources: quantities parse, requests do not exceed limits, extended resources are whole and equal', () => {
  const causes = check(
    pod({
      containers: [
        {
          name: 'a',
          image: 'x',
          resources: {
            requests: { cpu: '2', memory: 'lots', 'example.com/gpu': '1' },
            limits: { cpu: '1', 'example.com/gpu': '2' },
          },
        },
      ],
    }),
  );
  assert.deepEqual(lines(causes), [
    'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2',
    'spec.containers[0].resources.requests[memory]: Invalid value: "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
  ]);
  const names = check(pod({ containers: [{ name: 'a', image: 'x', resources: { limits: { gpu: '1' } } }] }));
  assert.deepEqual(lines(names).slice(0, 2), [
    'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
    'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
  ]);
  const negative = check(pod({ containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '-1' } } }] }));
  assert.deepEqual(lines(negative), ['spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0']);
});

test('probes need exactly one handler; liveness successThreshold must be 1', () => {
  const causes = check(
    pod({
      containers: [
        {
          name: 'a',
          image: 'x',
          livenessProbe: { successThreshold: 2, exec: { command: ['true'] } },
          readinessProbe: {},
          startupProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } },
        },
      ],
    }),
  );
  assert.deepEqual(lines(causes), [
    'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
    'spec.containers[0].readinessProbe: Required value: must specify a handler type',
    'spec.containers[0].startupProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
  ]);
});

test('env: names, and valueFrom sources are exclusive', () => {
  const causes = check(
    pod({
      containers: [
        {
          name: 'a',
          image: 'x',
          env: [
            { name: 'A=B', value: 'x' },
            { name: 'B', value: 'x', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
            { name: 'C', valueFrom: { fieldRef: { fieldPath: 'spec.secret' } } },
            { name: 'D', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(lines(causes), [
    "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
    'spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    'spec.containers[0].env[2].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.secret": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
  ]);
});

test('tolerations', () => {
  const causes = check(pod({ ...nginx(), tolerations: [{ operator: 'Equal', value: 'x' }, { key: 'k', operator: 'Maybe' }, { key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 }] }));
  assert.deepEqual(lines(causes), [
    'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    'spec.tolerations[1].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"',
    "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
  ]);
});

test('ephemeral containers cannot be set on create', () => {
  const causes = check(pod({ ...nginx(), ephemeralContainers: [{ name: 'debug', image: 'busybox' }] }));
  assert.deepEqual(lines(causes), ['spec.ephemeralContainers: Forbidden: cannot be set on create']);
});

test('update: image, activeDeadlineSeconds, added tolerations are allowed', () => {
  const old = pod(nginx());
  const next = pod(nginx());
  ((next.spec as Json).containers as Json[])[0]!.image = 'nginx:1.28';
  (next.spec as Json).activeDeadlineSeconds = 600;
  (next.spec as Json).tolerations = [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }];
  assert.deepEqual(check(next, old), []);
});

test('update: any other spec change gets kube\'s "pod updates may not change fields other than" error', () => {
  const old = pod(nginx());
  const next = pod(nginx());
  ((next.spec as Json).containers as Json[])[0]!.ports = [{ containerPort: 8080, name: 'http' }];
  const causes = check(next, old);
  assert.equal(causes.length, 1);
  assert.equal(causes[0]?.field, 'spec');
  assert.equal(causes[0]?.reason, 'FieldValueForbidden');
  assert.ok(
    causes[0]?.message?.startsWith(
      'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
  );
  assert.match(causes[0]?.message ?? '', /spec\.containers\[0\]\.ports\[0\]\.containerPort/);
});

test('update: containers cannot be added, tolerations cannot be removed, deadlines cannot grow', () => {
  const old = pod({ ...nginx(), activeDeadlineSeconds: 100, tolerations: [{ key: 'a', operator: 'Exists' }] });
  const added = pod({ ...nginx(), activeDeadlineSeconds: 100, tolerations: [{ key: 'a', operator: 'Exists' }] });
  ((added.spec as Json).containers as Json[]).push({ name: 'sidecar', image: 'envoy' });
  assert.deepEqual(lines(check(added, old)), ['spec.containers: Forbidden: pod updates may not add or remove containers']);
  const removed = pod({ ...nginx(), activeDeadlineSeconds: 100 });
  assert.deepEqual(lines(check(removed, old)), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
  const longer = pod({ ...nginx(), activeDeadlineSeconds: 200, tolerations: [{ key: 'a', operator: 'Exists' }] });
  assert.deepEqual(lines(check(longer, old)), ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value']);
});
