// Issue 4 acceptance, admission webhooks against a real HTTPS webhook process: a validating
// webhook's denial, a mutating webhook's JSONPatch, and failurePolicy Fail/Ignore with the webhook down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  eventually,
  startBulwark,
  type BulwarkProcess,
  type KubectlOptions,
  writeManifest,
} from './harness.js';
import { startTestWebhookServer, type TestWebhookServer } from '../../src/admission/webhook/test-webhook-server.js';

type Obj = Record<string, unknown>;

function configMap(name: string, labels: Record<string, string> = {}): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { k: 'v' } };
}

/** One webhook on configmaps CREATE in the namespace labelled webhook-test=<selector>. */
function webhookConfiguration(
  kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration',
  name: string,
  url: string,
  caBundle: string,
  selector: string,
  extra: Obj = {},
): Obj {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name },
    webhooks: [
      {
        name,
        clientConfig: { url, caBundle },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
        namespaceSelector: { matchLabels: { 'webhook-test': selector } },
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 5,
        ...extra,
      },
    ],
  };
}

describe('admission webhooks', () => {
  let b: BulwarkProcess;
  let wh: TestWebhookServer;
  let tmp: string;

  const ok = (args: string[], opts?: KubectlOptions) => b.kubectlOk(args, opts);
  const file = (obj: Obj) => writeManifest(tmp, obj);
  const namespace = async (name: string, selector: string) => {
    await ok(['create', 'namespace', name]);
    await ok(['label', 'ns', name, `webhook-test=${selector}`]);
  };

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-admission-webhooks-'));
    wh = await startTestWebhookServer();
    b = await startBulwark();
  });
  after(async () => {
    await b?.cleanup();
    await wh?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('a validating webhook denies with its message', async () => {
    wh.handle('/validate', (req) => {
      const obj = req['object'] as Obj;
      const name = String((obj['metadata'] as Obj)['name']);
      if (name.startsWith('bad-')) return { allowed: false, status: { code: 403, message: `configmap ${name} is not welcome here` } };
      return { allowed: true };
    });
    await namespace('wh-validate', 'validate');
    await ok(['apply', '-f', await file(webhookConfiguration('ValidatingWebhookConfiguration', 'deny.bulwark.test', `${wh.baseURL}/validate`, wh.caBundle, 'validate'))]);

    const r = await eventually(async () => {
      const res = await b.kubectl(['create', '-n', 'wh-validate', '-f', await file(configMap('bad-one'))]);
      assert.notEqual(res.code, 0, `not denied yet: ${res.stdout}`);
      return res;
    });
    assert.match(r.stderr, /admission webhook "deny\.bulwark\.test" denied the request: configmap bad-one is not welcome here/);
    assert.equal((await b.request('GET', '/api/v1/namespaces/wh-validate/configmaps/bad-one')).status, 404);
    // the webhook really received an AdmissionReview for it
    const seen = (wh.received.get('/validate') ?? []).map((q) => q as Obj);
    const review = seen.find((q) => (q['name'] ?? ((q['object'] as Obj)['metadata'] as Obj)['name']) === 'bad-one');
    assert.ok(review, JSON.stringify(seen.map((q) => q['name'])));
    assert.equal(review['operation'], 'CREATE');
    assert.equal(review['namespace'], 'wh-validate');
    assert.deepEqual(review['resource'], { group: '', version: 'v1', resource: 'configmaps' });
    assert.equal(typeof review['uid'], 'string');

    // allowed names pass; other namespaces are not matched
    await ok(['create', '-n', 'wh-validate', '-f', await file(configMap('good-one'))]);
    await ok(['create', 'namespace', 'wh-unmatched']);
    const before = (wh.received.get('/validate') ?? []).length;
    await ok(['create', '-n', 'wh-unmatched', '-f', await file(configMap('bad-elsewhere'))]);
    assert.equal((wh.received.get('/validate') ?? []).length, before, 'the namespaceSelector must keep the webhook out of wh-unmatched');
  });

  test("a mutating webhook's JSONPatch is applied to the stored object", async () => {
    wh.handle('/mutate', () => ({
      allowed: true,
      patch: [{ op: 'add', path: '/metadata/labels/mutated-by', value: 'webhook' }],
    }));
    await namespace('wh-mutate', 'mutate');
    await ok(['apply', '-f', await file(webhookConfiguration('MutatingWebhookConfiguration', 'label.bulwark.test', `${wh.baseURL}/mutate`, wh.caBundle, 'mutate'))]);
    const created = await eventually(async () => {
      const name = `cm-${Math.random().toString(36).slice(2, 7)}`;
      const answer = JSON.parse((await ok(['create', '-n', 'wh-mutate', '-o', 'json', '-f', await file(configMap(name, { app: 'x' }))])).stdout);
      const got = JSON.parse((await ok(['get', 'cm', name, '-n', 'wh-mutate', '-o', 'json'])).stdout);
      assert.equal(got.metadata.labels['mutated-by'], 'webhook', JSON.stringify(got.metadata));
      // the create's own answer is the stored object, resourceVersion included
      assert.equal(answer.metadata.labels['mutated-by'], 'webhook');
      assert.equal(answer.metadata.resourceVersion, got.metadata.resourceVersion);
      return got;
    });
    assert.equal(created.metadata.labels['app'], 'x');
    assert.equal(created.data.k, 'v');
  });

  test('with the webhook process stopped, failurePolicy Fail refuses (500 naming it) and Ignore admits', async () => {
    const down = await startTestWebhookServer();
    let downClosed = false;
    try {
      down.handle('/v', () => ({ allowed: true }));
      await namespace('wh-fail', 'fail');
      await namespace('wh-ignore', 'ignore');
      await ok(['apply', '-f', await file(webhookConfiguration('ValidatingWebhookConfiguration', 'fail.bulwark.test', `${down.baseURL}/v`, down.caBundle, 'fail', { failurePolicy: 'Fail' }))]);
      await ok(['apply', '-f', await file(webhookConfiguration('ValidatingWebhookConfiguration', 'ignore.bulwark.test', `${down.baseURL}/v`, down.caBundle, 'ignore', { failurePolicy: 'Ignore' }))]);
      // wait until both are in force (the live webhook is called)
      await eventually(async () => {
        const name = `probe-${Math.random().toString(36).slice(2, 7)}`;
        await ok(['create', '-n', 'wh-fail', '-f', await file(configMap(name))]);
        await ok(['create', '-n', 'wh-ignore', '-f', await file(configMap(`${name}-i`))]);
        const names = (down.received.get('/v') ?? []).map((q) => q['name'] ?? ((q['object'] as Obj)['metadata'] as Obj)['name']);
        assert.ok(names.includes(name) && names.includes(`${name}-i`), JSON.stringify(names));
      });
      await down.close();
      downClosed = true;

      const failed = await b.request('POST', '/api/v1/namespaces/wh-fail/configmaps', configMap('after-stop'));
      assert.equal(failed.status, 500, failed.text);
      assert.equal(failed.json().kind, 'Status');
      assert.match(failed.json().message, /failed calling webhook "fail\.bulwark\.test"/);
      const k = await b.kubectl(['create', '-n', 'wh-fail', '-f', await file(configMap('after-stop'))]);
      assert.notEqual(k.code, 0);
      assert.match(k.stderr, /failed calling webhook "fail\.bulwark\.test"/);
      assert.equal((await b.request('GET', '/api/v1/namespaces/wh-fail/configmaps/after-stop')).status, 404);

      const ignored = await b.request('POST', '/api/v1/namespaces/wh-ignore/configmaps', configMap('after-stop'));
      assert.equal(ignored.status, 201, ignored.text);
      const ki = await ok(['create', '-n', 'wh-ignore', '-f', await file(configMap('after-stop-2'))]);
      assert.match(ki.stdout, /configmap\/after-stop-2 created/);
    } finally {
      if (!downClosed) await down.close();
    }
  });
});
