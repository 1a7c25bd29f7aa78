// Mutating and validating webhooks against a real local HTTPS webhook server.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { findResource } from '../../api/catalogue.js';
import { StatusError } from '../../api/status.js';
import type { AdmissionAttributes, AdmissionLookup } from '../types.js';
import {
  MutatingWebhookPlugin,
  ValidatingWebhookPlugin,
  closeWebhookConnections,
  type WebhookConfigurationSource,
} from './index.js';
import { startTestWebhookServer, type TestWebhookServer } from './test-webhook-server.js';

const PODS = findResource('', 'v1', 'pods')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;

class Source implements WebhookConfigurationSource {
  mut: Record<string, unknown>[] = [];
  val: Record<string, unknown>[] = [];
  mutating() {
    return this.mut;
  }
  validating() {
    return this.val;
  }
}

const namespaces = new Map<string, Record<string, unknown>>([
  ['prod', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { env: 'prod' } } }],
  ['dev', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', labels: { env: 'dev' } } }],
]);
const lookup: AdmissionLookup = {
  get: async (group, resource, _ns, name) => (group === '' && resource === 'namespaces' ? namespaces.get(name) : undefined),
  list: async () => [],
};

function pod(labels: Record<string, string> = { app: 'web' }): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'prod', labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
}

function attrs(over: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    operation: 'CREATE',
    resource: PODS,
    subresource: '',
    namespace: 'prod',
    name: 'p1',
    object: pod(),
    user: { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'], extra: { scopes: ['a'] } },
    dryRun: false,
    warnings: [],
    auditAnnotations: {},
    ...over,
  };
}

async function rejects(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the request to be refused');
}

let server: TestWebhookServer;
let source: Source;

function hook(name: string, path: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    clientConfig: { url: `${server.baseURL}${path}`, caBundle: server.caBundle },
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...extra,
  };
}

const config = (name: string, ...webhooks: Record<string, unknown>[]) => ({ metadata: { name }, webhooks });
const calls = (path: string) => server.received.get(path)?.length ?? 0;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

before(async () => {
  server = await startTestWebhookServer({ dnsNames: ['hooks.webhooks.svc'] });
});
after(async () => {
  closeWebhookConnections();
  await server.close();
});
beforeEach(() => {
  source = new Source();
  server.received.clear();
});

describe('ValidatingWebhookPlugin', () => {
  it('sends an AdmissionReview v1 request and admits when allowed', async () => {
    server.handle('/allow', () => ({ allowed: true }));
    source.val = [config('c', hook('allow.example.com', '/allow'))];
    const plugin = new ValidatingWebhookPlugin({ source, lookup });
    assert.equal(plugin.name, 'ValidatingAdmissionWebhook');
    await plugin.validate(attrs());
    const [req] = server.received.get('/allow')!;
    assert.ok(req);
    assert.match(String(req['uid']), /^[0-9a-f-]{36}$/);
    assert.deepEqual(req['kind'], { group: '', version: 'v1', kind: 'Pod' });
    assert.deepEqual(req['resource'], { group: '', version: 'v1', resource: 'pods' });
    assert.deepEqual(req['requestKind'], req['kind']);
    assert.equal(req['operation'], 'CREATE');
    assert.equal(req['namespace'], 'prod');
    assert.equal(req['name'], 'p1');
    assert.deepEqual(req['userInfo'], { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'], extra: { scopes: ['a'] } });
    assert.deepEqual(req['object'], pod());
    assert.equal(req['oldObject'], null);
    assert.equal(req['dryRun'], false);
    assert.deepEqual(req['options'], { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' });
    assert.equal(server.queries.get('/allow'), '?timeout=10s');
  });

  it('refuses with the webhook message, 403 by default or the code the webhook gives', async () => {
    server.handle('/deny', () => ({ allowed: false, status: { message: 'no pods in prod' } }));
    server.handle('/deny422', () => ({ allowed: false, status: { code: 422, reason: 'Invalid', message: 'bad image' } }));
    server.handle('/deny-bare', () => ({ allowed: false }));
    const plugin = new ValidatingWebhookPlugin({ source, lookup });

    source.val = [config('c', hook('deny.example.com', '/deny'))];
    let err = await rejects(plugin.validate(attrs()));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'admission webhook "deny.example.com" denied the request: no pods in prod');

    source.val = [config('c', hook('deny422.example.com', '/deny422'))];
    err = await rejects(plugin.validate(attrs()));
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.message, 'admission webhook "deny422.example.com" denied the request: bad image');

    source.val = [config('c', hook('bare.example.com', '/deny-bare'))];
    err = await rejects(plugin.validate(attrs()));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'admission webhook "bare.example.com" denied the request without explanation');
  });

  it('passes on warnings and prefixes audit annotations with the webhook name', async () => {
    server.handle('/warn', () => ({ allowed: true, warnings: ['image uses :latest', 'line\nbreak'], auditAnnotations: { decision: 'ok', 'bad key!': 'x' } }));
    source.val = [config('c', hook('warn.example.com', '/warn'))];
    const a = attrs();
    await new ValidatingWebhookPlugin({ source, lookup }).validate(a);
    assert.deepEqual(a.warnings, ['image uses :latest', 'line break']);
    assert.deepEqual(a.auditAnnotations, { 'warn.example.com/decision': 'ok' });
  });

  it('calls matching webhooks in parallel and reports the first refusal in configuration order', async () => {
    const slow = (allowed: boolean, message: string) => () =>
      new Promise<{ allowed: boolean; status: { message: string } }>((r) => setTimeout(() => r({ allowed, status: { message } }), 400));
    server.handle('/p1', slow(true, ''));
    server.handle('/p2', slow(false, 'second says no'));
    server.handle('/p3', slow(false, 'third says no'));
    source.val = [config('b', hook('p2.example.com', '/p2'), hook('p3.example.com', '/p3')), config('a', hook('p1.example.com', '/p1'))];
    const started = Date.now();
    const err = await rejects(new ValidatingWebhookPlugin({ source, lookup }).validate(attrs()));
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1000, `three 400 ms webhooks took ${elapsed} ms: not parallel`);
    assert.equal(err.message, 'admission webhook "p2.example.com" denied the request: second says no');
    assert.equal(calls('/p1') + calls('/p2') + calls('/p3'), 3);
  });

  it('matches rules: operations, resources, subresources and scope', async () => {
    server.handle('/rule', () => ({ allowed: false, status: { message: 'matched' } }));
    const plugin = new ValidatingWebhookPlugin({ source, lookup });
    const rule = (r: Record<string, unknown>) => [config('c', hook('rule.example.com', '/rule', { rules: [r] }))];
    const base = { apiGroups: [''], apiVersions: ['v1'] };

    source.val = rule({ ...base, operations: ['CREATE'], resources: ['configmaps'] });
    await plugin.validate(attrs());
    source.val = rule({ ...base, operations: ['DELETE'], resources: ['pods'] });
    await plugin.validate(attrs());
    source.val = rule({ ...base, operations: ['*'], resources: ['pods'] });
    await plugin.validate(attrs({ subresource: 'status', operation: 'UPDATE', oldObject: pod() }));
    source.val = rule({ ...base, operations: ['*'], resources: ['pods'], scope: 'Cluster' });
    await plugin.validate(attrs());
    source.val = rule({ apiGroups: ['apps'], apiVersions: ['*'], operations: ['*'], resources: ['*'] });
    await plugin.validate(attrs());
    assert.equal(calls('/rule'), 0, 'no rule above covers the request');

    for (const r of [
      { ...base, operations: ['*'], resources: ['*'] },
      { apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' },
    ]) {
      source.val = rule(r);
      await rejects(plugin.validate(attrs()));
    }
    for (const res of ['pods/status', 'pods/*', '*/status', '*/*']) {
      source.val = rule({ ...base, operations: ['UPDATE'], resources: [res] });
      await rejects(plugin.validate(attrs({ subresource: 'status', operation: 'UPDATE', oldObject: pod() })));
    }
    assert.equal(calls('/rule'), 6);
  });

  it('honours namespaceSelector (namespace labels, or the Namespace itself) and objectSelector (new or old object)', async () => {
    server.handle('/sel', () => ({ allowed: false, status: { message: 'selected' } }));
    const plugin = new ValidatingWebhookPlugin({ source, lookup });
    source.val = [config('c', hook('sel.example.com', '/sel', { namespaceSelector: { matchLabels: { env: 'prod' } } }))];
    await rejects(plugin.validate(attrs({ namespace: 'prod' })));
    await plugin.validate(attrs({ namespace: 'dev' }));
    assert.equal(calls('/sel'), 1);

    // A Namespace being created is judged by its own labels.
    source.val = [
      config('c', hook('sel.example.com', '/sel', {
        namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['namespaces'] }],
      })),
    ];
    const nsAttrs = (labels: Record<string, string>) =>
      attrs({ resource: NAMESPACES, namespace: '', name: 'new', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'new', labels } } });
    await rejects(plugin.validate(nsAttrs({ env: 'prod' })));
    await plugin.validate(nsAttrs({ env: 'test' }));
    assert.equal(calls('/sel'), 2);

    source.val = [config('c', hook('sel.example.com', '/sel', { objectSelector: { matchLabels: { app: 'db' } } }))];
    await plugin.validate(attrs());
    assert.equal(calls('/sel'), 2);
    await rejects(plugin.validate(attrs({ object: pod({ app: 'db' }) })));
    // Removing the label is still seen: the old object matches.
    await rejects(plugin.validate(attrs({ operation: 'UPDATE', object: pod({}), oldObject: pod({ app: 'db' }) })));
    assert.equal(calls('/sel'), 4);
  });

  it('never sends requests about webhook configurations to webhooks', async () => {
    server.handle('/all', () => ({ allowed: false }));
    source.val = [config('c', hook('all.example.com', '/all', { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] }))];
    const vwc = findResource('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations')!;
    await new ValidatingWebhookPlugin({ source, lookup }).validate(attrs({ resource: vwc, namespace: '', name: 'x', object: { kind: 'ValidatingWebhookConfiguration' } }));
    assert.equal(calls('/all'), 0);
  });

  it('failurePolicy Fail refuses with 500 naming the webhook when it is down; Ignore admits', async () => {
    const port = await closedPort();
    const down = (policy: string) => ({ name: 'down.example.com', clientConfig: { url: `https://127.0.0.1:${port}/x`, caBundle: server.caBundle }, failurePolicy: policy });
    const plugin = new ValidatingWebhookPlugin({ source, lookup });

    source.val = [config('c', hook('', '', down('Fail')))];
    const err = await rejects(plugin.validate(attrs()));
    assert.equal(err.code, 500);
    assert.equal(err.reason, 'InternalError');
    assert.ok(err.message.startsWith(`Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/x?timeout=10s": `), err.message);
    assert.match(err.message, /ECONNREFUSED/);

    // Unset failurePolicy means Fail.
    source.val = [config('c', { ...hook('', '', down('Fail')), failurePolicy: undefined })];
    assert.equal((await rejects(plugin.validate(attrs()))).code, 500);

    source.val = [config('c', hook('', '', down('Ignore')))];
    const a = attrs();
    await plugin.validate(a);
    assert.equal(a.auditAnnotations['failed-open.validating.webhook.admission.k8s.io/round_0_index_0'], 'down.example.com');
  });

  it('times out a slow webhook after timeoutSeconds', async () => {
    server.handle('/slow', () => new Promise((r) => setTimeout(() => r({ allowed: true }), 3000)));
    source.val = [config('c', hook('slow.example.com', '/slow', { timeoutSeconds: 1 }))];
    const started = Date.now();
    const err = await rejects(new ValidatingWebhookPlugin({ source, lookup }).validate(attrs()));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 2500, `timed out after ${elapsed} ms`);
    assert.equal(err.code, 500);
    assert.match(err.message, /^Internal error occurred: failed calling webhook "slow\.example\.com": .*context deadline exceeded/);
    assert.equal(server.queries.get('/slow'), '?timeout=1s');

    source.val = [config('c', hook('slow.example.com', '/slow', { timeoutSeconds: 1, failurePolicy: 'Ignore' }))];
    await new ValidatingWebhookPlugin({ source, lookup }).validate(attrs());
  });

  it('treats garbage, a wrong uid, a wrong apiVersion, an HTTP error and a validating patch as call failures', async () => {
    const cases: [string, Parameters<TestWebhookServer['handle']>[1], RegExp][] = [
      ['/garbage', () => ({ rawBody: '<html>oops</html>' }), /received invalid webhook response: response is not JSON/],
      ['/uid', () => ({ allowed: true, uid: 'someone-else' }), /received invalid webhook response: expected response\.uid="[0-9a-f-]+", got "someone-else"/],
      ['/version', () => ({ allowed: true, apiVersion: 'admission.k8s.io/v1beta1' }), /expected webhook response of admission\.k8s\.io\/v1, Kind=AdmissionReview, got admission\.k8s\.io\/v1beta1, Kind=AdmissionReview/],
      ['/http', () => ({ rawBody: 'boom', httpStatus: 502 }), /the webhook answered HTTP 502: boom/],
      ['/vpatch', () => ({ allowed: true, patch: [] }), /validating webhook may not return response\.patch/],
    ];
    for (const [path, handler, expected] of cases) {
      server.handle(path, handler);
      source.val = [config('c', hook('bad.example.com', path))];
      const err = await rejects(new ValidatingWebhookPlugin({ source, lookup }).validate(attrs()));
      assert.equal(err.code, 500, path);
      assert.ok(err.message.startsWith('Internal error occurred: failed calling webhook "bad.example.com": '), err.message);
      assert.match(err.message, expected);
    }
  });

  it('verifies the webhook certificate against caBundle, and refuses plain http', async () => {
    server.handle('/tls', () => ({ allowed: true }));
    const other = await startTestWebhookServer();
    try {
      source.val = [config('c', hook('tls.example.com', '/tls', { clientConfig: { url: `${server.baseURL}/tls`, caBundle: other.caBundle } }))];
      let err = await rejects(new ValidatingWebhookPlugin({ source, lookup }).validate(attrs()));
      assert.match(err.message, /failed calling webhook "tls\.example\.com": .*tls: failed to verify certificate/);
      // No caBundle: the system roots do not know the test CA either.
      source.val = [config('c', hook('tls.example.com', '/tls', { clientConfig: { url: `${server.baseURL}/tls` } }))];
      err = await rejects(new ValidatingWebhookPlugin({ source, lookup }).validate(attrs()));
      assert.match(err.message, /tls: failed to verify certificate/);
      source.val = [config('c', hook('tls.example.com', '/tls', { clientConfig: { url: `http://127.0.0.1:${server.port}/tls` } }))];
      err = await rejects(new ValidatingWebhookPlugin({ source, lookup }).validate(attrs()));
      assert.match(err.message, /must use https/);
      assert.equal(calls('/tls'), 0);
    } finally {
      await other.close();
    }
  });

  it('calls service references through resolveServiceURL, checking the certificate for <name>.<namespace>.svc', async () => {
    server.handle('/svc', () => ({ allowed: false, status: { message: 'via service' } }));
    const svc = { clientConfig: { service: { namespace: 'webhooks', name: 'hooks', port: 8443, path: '/svc' }, caBundle: server.caBundle } };
    source.val = [config('c', hook('svc.example.com', '', svc))];
    const seen: unknown[] = [];
    const resolveServiceURL = (ns: string, name: string, port: number, path: string) => {
      seen.push([ns, name, port, path]);
      return `${server.baseURL}${path}`;
    };
    const err = await rejects(new ValidatingWebhookPlugin({ source, lookup, resolveServiceURL }).validate(attrs()));
    assert.equal(err.message, 'admission webhook "svc.example.com" denied the request: via service');
    assert.deepEqual(seen, [['webhooks', 'hooks', 8443, '/svc']]);

    // The serving certificate does not name other.webhooks.svc.
    source.val = [config('c', hook('svc.example.com', '', { clientConfig: { ...svc.clientConfig, service: { ...svc.clientConfig.service, name: 'other' } } }))];
    const tls = await rejects(new ValidatingWebhookPlugin({ source, lookup, resolveServiceURL }).validate(attrs()));
    assert.match(tls.message, /tls: failed to verify certificate/);

    source.val = [config('c', hook('svc.example.com', '', svc))];
    const unresolved = await rejects(new ValidatingWebhookPlugin({ source, lookup, resolveServiceURL: () => undefined }).validate(attrs()));
    assert.equal(unresolved.message, 'Internal error occurred: failed calling webhook "svc.example.com": unable to resolve service "webhooks/hooks" port 8443');
  });

  it('on dry run calls only webhooks with sideEffects None or NoneOnDryRun; others refuse with 400', async () => {
    server.handle('/dry', () => ({ allowed: true }));
    const plugin = new ValidatingWebhookPlugin({ source, lookup });
    source.val = [config('c', hook('none.example.com', '/dry', { sideEffects: 'None' }), hook('nodry.example.com', '/dry', { sideEffects: 'NoneOnDryRun' }))];
    const a = attrs({ dryRun: true });
    await plugin.validate(a);
    assert.equal(calls('/dry'), 2);
    assert.equal(server.received.get('/dry')![0]!['dryRun'], true);
    assert.deepEqual(server.received.get('/dry')![0]!['options'], { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', dryRun: ['All'] });

    source.val = [config('c', hook('none.example.com', '/dry', { sideEffects: 'None' }), hook('unknown.example.com', '/dry', { sideEffects: 'Unknown' }))];
    const err = await rejects(plugin.validate(attrs({ dryRun: true })));
    assert.equal(err.code, 400);
    assert.equal(err.message, 'admission webhook "unknown.example.com" does not support dry run');
    assert.equal(calls('/dry'), 2, 'nothing was called for the refused dry run');
    // Without dry run the same configuration is called normally.
    await plugin.validate(attrs());
    assert.equal(calls('/dry'), 4);
  });
});

describe('MutatingWebhookPlugin', () => {
  it('applies a JSONPatch to the object in place and records the mutation annotation', async () => {
    server.handle('/mutate', () => ({
      allowed: true,
      patch: [
        { op: 'add', path: '/metadata/labels/injected', value: 'yes' },
        { op: 'add', path: '/spec/containers/0/env', value: [{ name: 'A', value: '1' }] },
      ],
    }));
    source.mut = [config('m', hook('mutate.example.com', '/mutate'))];
    const plugin = new MutatingWebhookPlugin({ source, lookup });
    assert.equal(plugin.name, 'MutatingAdmissionWebhook');
    const a = attrs();
    const obj = a.object!;
    await plugin.admit(a);
    assert.equal(a.object, obj, 'the same object, changed in place');
    assert.deepEqual((obj['metadata'] as { labels: unknown }).labels, { app: 'web', injected: 'yes' });
    assert.deepEqual((obj['spec'] as { containers: { env: unknown }[] }).containers[0]!.env, [{ name: 'A', value: '1' }]);
    assert.deepEqual(JSON.parse(a.auditAnnotations['mutation.webhook.admission.k8s.io/round_0_index_0']!), {
      configuration: 'm',
      webhook: 'mutate.example.com',
      mutated: true,
    });
    const patch = JSON.parse(a.auditAnnotations['patch.webhook.admission.k8s.io/round_0_index_0']!) as { webhook: string; patchType: string; patch: unknown[] };
    assert.equal(patch.webhook, 'mutate.example.com');
    assert.equal(patch.patchType, 'JSONPatch');
    assert.deepEqual(patch.patch[0], { op: 'add', path: '/metadata/labels/injected', value: 'yes' });
  });

  it('refuses patches that cannot apply, change the kind, or touch a DELETE', async () => {
    server.handle('/badpatch', () => ({ allowed: true, patch: [{ op: 'replace', path: '/nope/deeper', value: 1 }] }));
    server.handle('/kind', () => ({ allowed: true, patch: [{ op: 'replace', path: '/kind', value: 'Secret' }] }));
    server.handle('/delpatch', () => ({ allowed: true, patch: [{ op: 'add', path: '/x', value: 1 }] }));
    const plugin = new MutatingWebhookPlugin({ source, lookup });
    source.mut = [config('m', hook('badpatch.example.com', '/badpatch'))];
    let err = await rejects(plugin.admit(attrs()));
    assert.equal(err.code, 500);
    assert.match(err.message, /admission webhook "badpatch\.example\.com" returned a JSONPatch that cannot be applied/);
    source.mut = [config('m', hook('kind.example.com', '/kind'))];
    err = await rejects(plugin.admit(attrs()));
    assert.match(err.message, /admission webhook "kind\.example\.com" returned a patch that changes the object's type from v1, Kind=Pod to v1, Kind=Secret/);
    source.mut = [config('m', hook('del.example.com', '/delpatch', { rules: [{ operations: ['DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }))];
    err = await rejects(plugin.admit(attrs({ operation: 'DELETE', object: undefined, oldObject: pod() })));
    assert.match(err.message, /admission webhook "del\.example\.com" attempted to modify the object, which is not supported for this operation/);
    assert.equal(server.received.get('/delpatch')![0]!['object'], null);
    assert.deepEqual(server.received.get('/delpatch')![0]!['options'], { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1' });
  });

  it('stops at a refusal: later webhooks are not called', async () => {
    server.handle('/mdeny', () => ({ allowed: false, status: { message: 'mutator says no' }, warnings: ['first warn'] }));
    server.handle('/mlater', () => ({ allowed: true }));
    source.mut = [config('m', hook('mdeny.example.com', '/mdeny'), hook('mlater.example.com', '/mlater'))];
    const a = attrs();
    const err = await rejects(new MutatingWebhookPlugin({ source, lookup }).admit(a));
    assert.equal(err.message, 'admission webhook "mdeny.example.com" denied the request: mutator says no');
    assert.deepEqual(a.warnings, ['first warn']);
    assert.equal(calls('/mlater'), 0);
  });

  it('each webhook sees the changes of the ones before it', async () => {
    server.handle('/first', () => ({ allowed: true, patch: [{ op: 'add', path: '/metadata/labels/first', value: '1' }] }));
    server.handle('/second', () => ({ allowed: true }));
    source.mut = [config('m', hook('first.example.com', '/first'), hook('second.example.com', '/second'))];
    await new MutatingWebhookPlugin({ source, lookup }).admit(attrs());
    const seen = server.received.get('/second')![0]!['object'] as { metadata: { labels: Record<string, string> } };
    assert.equal(seen.metadata.labels['first'], '1');
  });

  it('reinvokes an IfNeeded webhook once when a later webhook changed the object; never a Never one', async () => {
    // `/count-*` stamps how many times it ran; `/later` changes the object after it.
    const stamp = (label: string) => (req: Record<string, unknown>) => {
      const labels = ((req['object'] as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {}) as Record<string, string>;
      const n = Number(labels[label] ?? '0') + 1;
      return { allowed: true, patch: [{ op: 'add', path: `/metadata/labels/${label}`, value: String(n) }] };
    };
    server.handle('/count-a', stamp('a'));
    server.handle('/count-b', stamp('b'));
    server.handle('/later', () => ({ allowed: true, patch: [{ op: 'add', path: '/metadata/labels/later', value: 'x' }] }));
    server.handle('/noop', () => ({ allowed: true }));
    const plugin = new MutatingWebhookPlugin({ source, lookup });

    source.mut = [
      config('m',
        hook('a.example.com', '/count-a', { reinvocationPolicy: 'IfNeeded' }),
        hook('b.example.com', '/count-b', { reinvocationPolicy: 'Never' }),
        hook('later.example.com', '/later'),
      ),
    ];
    const a = attrs();
    await plugin.admit(a);
    const labels = (a.object!['metadata'] as { labels: Record<string, string> }).labels;
    assert.equal(labels['a'], '2', 'IfNeeded webhook ran twice');
    assert.equal(labels['b'], '1', 'Never webhook ran once');
    assert.equal(calls('/count-a'), 2);
    assert.ok(a.auditAnnotations['mutation.webhook.admission.k8s.io/round_1_index_0']);

    // When nothing after it changes the object, no second round.
    server.received.clear();
    source.mut = [config('m', hook('noop.example.com', '/noop'), hook('a.example.com', '/count-a', { reinvocationPolicy: 'IfNeeded' }))];
    await plugin.admit(attrs());
    assert.equal(calls('/count-a'), 1);
  });

  it('failurePolicy Ignore skips a broken mutating webhook and goes on', async () => {
    const port = await closedPort();
    server.handle('/after', () => ({ allowed: true, patch: [{ op: 'add', path: '/metadata/labels/after', value: 'y' }] }));
    source.mut = [
      config('m',
        { ...hook('down.example.com', ''), clientConfig: { url: `https://127.0.0.1:${port}/`, caBundle: server.caBundle }, failurePolicy: 'Ignore' },
        hook('after.example.com', '/after'),
      ),
    ];
    const a = attrs();
    await new MutatingWebhookPlugin({ source, lookup }).admit(a);
    assert.equal((a.object!['metadata'] as { labels: Record<string, string> }).labels['after'], 'y');
    assert.equal(a.auditAnnotations['failed-open.mutation.webhook.admission.k8s.io/round_0_index_0'], 'down.example.com');

    source.mut = [config('m', { ...hook('down.example.com', ''), clientConfig: { url: `https://127.0.0.1:${port}/`, caBundle: server.caBundle } })];
    const err = await rejects(new MutatingWebhookPlugin({ source, lookup }).admit(attrs()));
    assert.equal(err.code, 500);
    assert.match(err.message, /^Internal error occurred: failed calling webhook "down\.example\.com": /);
  });

  it('refuses a webhook that does not accept AdmissionReview v1', async () => {
    server.handle('/v1beta1', () => ({ allowed: true }));
    source.mut = [config('m', hook('old.example.com', '/v1beta1', { admissionReviewVersions: ['v1beta1'] }))];
    const err = await rejects(new MutatingWebhookPlugin({ source, lookup }).admit(attrs()));
    assert.match(err.message, /failed calling webhook "old\.example\.com": webhook does not accept AdmissionReview v1/);
    assert.equal(calls('/v1beta1'), 0);
  });
});
