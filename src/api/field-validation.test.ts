import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkObjectFields, parseFieldValidation } from './field-validation.js';
import { StatusError } from './status.js';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const deployCtx = { group: 'apps', kind: 'Deployment', version: 'v1' };
const POD = 'io.k8s.api.core.v1.Pod';
const podCtx = { group: '', kind: 'Pod', version: 'v1' };

function deployment(extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }], ...container }] },
      },
      ...extra,
    },
  };
}

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

test('a valid object passes unchanged in every mode', () => {
  for (const mode of ['Strict', 'Warn', 'Ignore'] as const) {
    const input = deployment();
    const { object, warnings } = checkObjectFields(DEPLOYMENT, input, mode, deployCtx);
    assert.deepEqual(object, deployment());
    assert.deepEqual(warnings, []);
  }
});

test('Strict refuses unknown fields with kube-apiserver wording, listing every one in document order', () => {
  const input = deployment({ foo: 1, bar: { x: 1 } }, { imagee: 'typo' });
  const err = statusOf(() => checkObjectFields(DEPLOYMENT, input, 'Strict', deployCtx));
  assert.equal(err.code, 400);
  assert.equal(err.reason, 'BadRequest');
  assert.equal(
    err.message,
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.foo", unknown field "spec.bar"',
  );
});

test('Warn drops unknown fields and returns one warning each; Ignore drops them silently', () => {
  const input = { ...deployment(), status2: {}, metadata: { name: 'web', colour: 'blue' } };
  const warned = checkObjectFields(DEPLOYMENT, input, 'Warn', deployCtx);
  assert.deepEqual(warned.warnings, ['unknown field "metadata.colour"', 'unknown field "status2"']);
  assert.equal('status2' in warned.object, false);
  assert.deepEqual(warned.object.metadata, { name: 'web' });
  const ignored = checkObjectFields(DEPLOYMENT, input, 'Ignore', deployCtx);
  assert.deepEqual(ignored.warnings, []);
  assert.deepEqual(ignored.object, warned.object);
  // The caller's object is left alone.
  assert.equal((input.metadata as Record<string, unknown>).colour, 'blue');
});

test('wrong JSON types are refused in every mode, naming the Go struct field and type', () => {
  for (const mode of ['Strict', 'Warn', 'Ignore'] as const) {
    const err = statusOf(() => checkObjectFields(DEPLOYMENT, deployment({ replicas: '3' }), mode, deployCtx));
    assert.equal(err.code, 400);
    assert.equal(
      err.message,
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  }
  const containers = statusOf(() =>
    checkObjectFields(POD, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: { name: 'x' } } }, 'Strict', podCtx),
  );
  assert.match(containers.message, /^Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field PodSpec\.spec\.containers of type \[\]v1\.Container$/);
  const port = statusOf(() => checkObjectFields(DEPLOYMENT, deployment({}, { ports: [{ containerPort: 80.5 }] }), 'Ignore', deployCtx));
  assert.match(port.message, /cannot unmarshal number 80\.5 into Go struct field ContainerPort\.spec\.template\.spec\.containers\.ports\.containerPort of type int32$/);
  const flag = statusOf(() => checkObjectFields(DEPLOYMENT, deployment({ paused: 'yes' }), 'Ignore', deployCtx));
  assert.match(flag.message, /cannot unmarshal string into Go struct field DeploymentSpec\.spec\.paused of type bool$/);
  const meta = statusOf(() => checkObjectFields(DEPLOYMENT, { ...deployment(), metadata: 'web' }, 'Ignore', deployCtx));
  assert.match(meta.message, /cannot unmarshal string into Go struct field Deployment\.metadata of type v1\.ObjectMeta$/);
  const label = statusOf(() => checkObjectFields(DEPLOYMENT, { ...deployment(), metadata: { name: 'web', labels: { tier: 3 } } }, 'Ignore', deployCtx));
  assert.match(label.message, /cannot unmarshal number into Go struct field ObjectMeta\.metadata\.labels of type string$/);
  const overflow = statusOf(() => checkObjectFields(DEPLOYMENT, deployment({ replicas: 2 ** 31 }), 'Ignore', deployCtx));
  assert.match(overflow.message, /number 2147483648 into Go struct field DeploymentSpec\.spec\.replicas of type int32$/);
});

test('int-or-string fields take numbers and strings but nothing else', () => {
  const ok = checkObjectFields(DEPLOYMENT, deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } } }), 'Strict', deployCtx);
  assert.deepEqual((ok.object.spec as Record<string, unknown>).strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } });
  const err = statusOf(() => checkObjectFields(DEPLOYMENT, deployment({ strategy: { rollingUpdate: { maxSurge: { pct: 25 } } } }), 'Strict', deployCtx));
  assert.match(err.message, /cannot unmarshal object into Go struct field RollingUpdateDeployment\.spec\.strategy\.rollingUpdate\.maxSurge of type intstr\.IntOrString$/);
  statusOf(() => checkObjectFields(DEPLOYMENT, deployment({ strategy: { rollingUpdate: { maxSurge: 1.5 } } }), 'Strict', deployCtx));
});

test('quantities accept kube notation as string or number and refuse the rest', () => {
  const withResources = (resources: unknown) => deployment({}, { resources });
  const ok = checkObjectFields(DEPLOYMENT, withResources({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: 1, memory: '1e3' } }), 'Strict', deployCtx);
  assert.equal(ok.warnings.length, 0);
  const bad = statusOf(() => checkObjectFields(DEPLOYMENT, withResources({ limits: { cpu: 'lots' } }), 'Strict', deployCtx));
  assert.equal(
    bad.message,
    "Deployment in version \"v1\" cannot be handled as a Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  );
  const suffix = statusOf(() => checkObjectFields(DEPLOYMENT, withResources({ limits: { memory: '1Mm' } }), 'Strict', deployCtx));
  assert.match(suffix.message, /unable to parse quantity's suffix$/);
  statusOf(() => checkObjectFields(DEPLOYMENT, withResources({ limits: { memory: true } }), 'Strict', deployCtx));
});

test('null is accepted anywhere: struct fields drop it, list and map entries become the zero value', () => {
  const input = deployment({ replicas: null, minReadySeconds: null }, { command: ['sh', null], env: null });
  (input.metadata as Record<string, unknown>).annotations = { note: null };
  const { object } = checkObjectFields(DEPLOYMENT, input, 'Strict', deployCtx);
  const spec = object.spec as Record<string, unknown>;
  assert.equal('replicas' in spec, false);
  assert.equal('minReadySeconds' in spec, false);
  const container = ((spec.template as { spec: { containers: Record<string, unknown>[] } }).spec.containers)[0];
  assert.deepEqual(container.command, ['sh', '']);
  assert.equal('env' in container, false);
  assert.deepEqual((object.metadata as Record<string, unknown>).annotations, { note: '' });
});

test('free-form fields (managedFields.fieldsV1) keep whatever they hold', () => {
  const fieldsV1 = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } };
  const input = { ...deployment(), metadata: { name: 'web', managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1, time: '2024-05-01T10:00:00Z' }] } };
  const { object, warnings } = checkObjectFields(DEPLOYMENT, input, 'Strict', deployCtx);
  assert.deepEqual(warnings, []);
  assert.deepEqual(((object.metadata as Record<string, unknown>).managedFields as Record<string, unknown>[])[0].fieldsV1, fieldsV1);
});

test('timestamps must be RFC 3339', () => {
  const at = (t: unknown) => ({ ...deployment(), metadata: { name: 'web', creationTimestamp: t } });
  checkObjectFields(DEPLOYMENT, at('2024-05-01T10:00:00Z'), 'Strict', deployCtx);
  checkObjectFields(DEPLOYMENT, at('2024-05-01T10:00:00.123+02:00'), 'Strict', deployCtx);
  const err = statusOf(() => checkObjectFields(DEPLOYMENT, at('yesterday'), 'Strict', deployCtx));
  assert.match(err.message, /parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"$/);
  const month = statusOf(() => checkObjectFields(DEPLOYMENT, at('2024-13-01T10:00:00Z'), 'Strict', deployCtx));
  assert.match(month.message, /month out of range$/);
});

test('Secret data must be base64', () => {
  const ctx = { group: '', kind: 'Secret', version: 'v1' };
  const secret = (data: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data });
  assert.deepEqual(checkObjectFields('io.k8s.api.core.v1.Secret', secret({ a: 'aGVsbG8=', b: 'aGk=' }), 'Strict', ctx).object.data, { a: 'aGVsbG8=', b: 'aGk=' });
  const err = statusOf(() => checkObjectFields('io.k8s.api.core.v1.Secret', secret({ a: 'not base64!' }), 'Strict', ctx));
  assert.equal(err.message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');
  // stringData is plain text.
  checkObjectFields('io.k8s.api.core.v1.Secret', { ...secret({}), stringData: { a: 'not base64!' } }, 'Strict', ctx);
});

test('unknown definitions pass through untouched', () => {
  const obj = { anything: { goes: [1, 'two'] } };
  assert.deepEqual(checkObjectFields('io.example.v1.Widget', obj, 'Strict', { group: 'example.io', kind: 'Widget', version: 'v1' }), { object: obj, warnings: [] });
});

test('parseFieldValidation defaults to Warn and rejects unknown values', () => {
  assert.equal(parseFieldValidation(undefined), 'Warn');
  assert.equal(parseFieldValidation('Strict'), 'Strict');
  assert.equal(parseFieldValidation('Ignore'), 'Ignore');
  assert.equal(statusOf(() => parseFieldValidation('strict')).code, 400);
});

test('webhook rules accept resources and scope, which Go embeds from Rule', () => {
  const config = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'w' },
    webhooks: [
      {
        name: 'w.example.com',
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
        clientConfig: { url: 'https://127.0.0.1:9443/validate' },
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      },
    ],
  };
  const { object, warnings } = checkObjectFields('io.k8s.api.admissionregistration.v1.ValidatingWebhookConfiguration', config, 'Strict', {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'ValidatingWebhookConfiguration',
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual((object['webhooks'] as Array<{ rules: unknown[] }>)[0]!.rules[0], config.webhooks[0]!.rules[0]);
});
