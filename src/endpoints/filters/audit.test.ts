// The audit filter on the real handler chain (fake authenticator, authorizer and router, an
// in-memory backend): stages, levels, omitStages, annotations, impersonation, panics and refusals.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildHandlerChain } from '../../server/handler-chain.js';
import { ServerMetrics } from '../../server/metrics.js';
import type { Authenticator } from '../../authn/types.js';
import type { Authorizer } from '../../authz/types.js';
import type { Handler } from '../context.js';
import { decodeObject, readBody } from '../body.js';
import { writeJSON, writeText } from '../responses.js';
import type { AuditAttributes, AuditBackend, AuditEvent, AuditLevel, AuditMode, AuditPolicyDecision, AuditPolicyEvaluator, AuditStage } from '../../audit/types.js';

class MemoryBackend implements AuditBackend {
  readonly name = 'memory';
  readonly events: AuditEvent[] = [];
  /** The JSON of each event when it was handed over: later stages must not change earlier events. */
  private readonly snapshots: string[] = [];

  constructor(
    readonly mode: AuditMode = 'blocking',
    private readonly accept: (ev: AuditEvent) => boolean | Promise<boolean> = () => true,
  ) {}

  async process(ev: AuditEvent): Promise<boolean> {
    const ok = await this.accept(ev);
    if (!ok) return false;
    this.events.push(ev);
    this.snapshots.push(JSON.stringify(ev));
    return true;
  }

  async shutdown(): Promise<void> {}

  of(auditID: string): AuditEvent[] {
    return this.events.filter((e) => e.auditID === auditID);
  }

  async waitFor(auditID: string, stage: AuditStage): Promise<AuditEvent[]> {
    for (let i = 0; i < 200; i++) {
      const evs = this.of(auditID);
      if (evs.some((e) => e.stage === stage)) return evs;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no ${stage} event for ${auditID}; got ${JSON.stringify(this.of(auditID).map((e) => e.stage))}`);
  }

  assertUnchanged(): void {
    this.events.forEach((ev, i) => assert.equal(JSON.stringify(ev), this.snapshots[i], `event ${i} (${ev.stage}) changed after it was handed over`));
  }
}

const decision = (level: AuditLevel, omitStages: AuditStage[] = [], omitManagedFields = false): AuditPolicyDecision => ({ level, omitStages, omitManagedFields });

/** A policy from a function; remembers what it was asked. */
function policyOf(fn: (a: AuditAttributes) => AuditPolicyDecision): AuditPolicyEvaluator & { seen: AuditAttributes[] } {
  const seen: AuditAttributes[] = [];
  return {
    seen,
    evaluate(a) {
      seen.push(a);
      return fn(a);
    },
  };
}

// "Authorization: Bearer <name>" authenticates as <name>; "Bearer bad" is refused
const authenticator: Authenticator = {
  name: 'test',
  async authenticate(ctx) {
    const h = ctx.req.headers.authorization;
    if (!h?.startsWith('Bearer ')) return undefined;
    const name = h.slice(7);
    if (name === 'bad') return undefined;
    return { username: name, uid: `${name}-uid`, groups: ['system:authenticated'] };
  },
};

const authorizer: Authorizer = {
  name: 'test',
  async authorize(user, info) {
    if (info.verb === 'impersonate') return user.username === 'admin' ? { decision: 'allow', reason: 'admin may impersonate' } : { decision: 'noOpinion', reason: '' };
    if (user.username === 'mallory') return { decision: 'noOpinion', reason: 'no rule for mallory' };
    return { decision: 'allow', reason: `test: allowed ${user.username}` };
  },
};

const router: Handler = async (ctx) => {
  const p = ctx.info.path;
  if (p === '/panic') throw new TypeError('boom');
  if (p === '/healthz') return writeText(ctx, 200, 'ok');
  if (ctx.info.isResourceRequest && ctx.info.verb === 'create') {
    const body = decodeObject(await readBody(ctx.req), 'application/json');
    ctx.audit?.requestObject(body);
    ctx.auditAnnotations['mutation.webhook.admission.k8s.io/round_0_index_0'] = '{"mutated":true}';
    ctx.auditAnnotations['patch.webhook.admission.k8s.io/round_0_index_0'] = '{"patch":"secret"}';
    const meta = body['metadata'] as Record<string, unknown>;
    return writeJSON(ctx, 201, { ...body, metadata: { ...meta, namespace: ctx.info.namespace, uid: 'uid-1', resourceVersion: '42', managedFields: [{ manager: 'kubectl' }] } });
  }
  if (ctx.info.verb === 'watch') {
    ctx.longRunning = true;
    ctx.statusCode = 200;
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.res.flushHeaders();
    ctx.audit?.responseStarted();
    await new Promise((r) => setTimeout(r, 20));
    ctx.res.end('{"type":"ADDED","object":{}}\n');
    return;
  }
  return writeJSON(ctx, 200, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: ctx.info.name || 'x', uid: 'uid-get', resourceVersion: '7' } });
};

const servers: http.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function serve(policy: AuditPolicyEvaluator, backends: AuditBackend[], metrics?: { events: AuditLevel[]; rejected: number }): Promise<string> {
  const chain = buildHandlerChain({
    authenticators: [authenticator],
    anonymousAuth: false,
    authorizer,
    limits: { maxRequestsInFlight: 100, maxMutatingRequestsInFlight: 100 },
    metrics: new ServerMetrics(),
    router,
    log: () => undefined,
    audit: {
      policy,
      backends,
      metrics: metrics && {
        eventProcessed: (l) => void metrics.events.push(l),
        eventsFailed: () => undefined,
        requestRejected: () => void metrics.rejected++,
      },
    },
  });
  const server = http.createServer(chain);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Reply {
  status: number;
  auditID: string;
  body: string;
}

function send(base: string, method: string, path: string, opts: { user?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'User-Agent': 'audit-test/1.0', ...opts.headers };
    if (opts.user) headers['Authorization'] = `Bearer ${opts.user}`;
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (payload) headers['Content-Type'] = 'application/json';
    const req = http.request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, auditID: String(res.headers['audit-id']), body }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** As a backend writes it: JSON leaves out undefined fields. */
const plain = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const CM = '/api/v1/namespaces/default/configmaps';

test('a Metadata request: RequestReceived then ResponseComplete, every field, Audit-Id equal to auditID', async () => {
  const backend = new MemoryBackend();
  const metrics = { events: [] as AuditLevel[], rejected: 0 };
  const base = await serve(policyOf(() => decision('Metadata')), [backend], metrics);
  const r = await send(base, 'GET', `${CM}/one?x=1`, { user: 'alice', headers: { 'X-Forwarded-For': '203.0.113.9' } });
  assert.equal(r.status, 200);
  const evs = await backend.waitFor(r.auditID, 'ResponseComplete');
  assert.deepEqual(evs.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  const [rr, rc] = evs as [AuditEvent, AuditEvent];
  for (const ev of evs) {
    assert.equal(ev.kind, 'Event');
    assert.equal(ev.apiVersion, 'audit.k8s.io/v1');
    assert.equal(ev.level, 'Metadata');
    assert.equal(ev.auditID, r.auditID);
    assert.equal(ev.requestURI, `${CM}/one?x=1`);
    assert.equal(ev.verb, 'get');
    assert.equal(ev.user.username, 'alice');
    assert.equal(ev.user.uid, 'alice-uid');
    assert.deepEqual(ev.user.groups, ['system:authenticated']);
    assert.equal(ev.impersonatedUser, undefined);
    // the forwarded-for header is the caller's say-so: only the connection's peer is recorded
    assert.deepEqual(ev.sourceIPs, ['127.0.0.1']);
    assert.equal(ev.userAgent, 'audit-test/1.0');
    assert.match(ev.requestReceivedTimestamp, TIMESTAMP);
    assert.match(ev.stageTimestamp, TIMESTAMP);
    assert.ok(ev.stageTimestamp >= ev.requestReceivedTimestamp);
    assert.equal(ev.requestObject, undefined);
    assert.equal(ev.responseObject, undefined);
  }
  assert.equal(rr.requestReceivedTimestamp, rc.requestReceivedTimestamp);
  assert.deepEqual(plain(rr.objectRef), { resource: 'configmaps', namespace: 'default', name: 'one', apiVersion: 'v1' });
  assert.equal(rr.responseStatus, undefined);
  // the response's uid and resourceVersion complete the reference
  assert.deepEqual(plain(rc.objectRef), { resource: 'configmaps', namespace: 'default', name: 'one', apiVersion: 'v1', uid: 'uid-get', resourceVersion: '7' });
  assert.deepEqual(rc.responseStatus, { metadata: {}, code: 200 });
  assert.equal(rc.annotations?.['authorization.k8s.io/decision'], 'allow');
  assert.equal(rc.annotations?.['authorization.k8s.io/reason'], 'test: allowed alice');
  assert.deepEqual(metrics.events, ['Metadata', 'Metadata']);
  backend.assertUnchanged();
});

test('levels: bodies only as the level asks, objectRef completed from the body, omitManagedFields', async () => {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'made' }, data: { k: 'v' } };
  const results: Record<string, AuditEvent> = {};
  for (const [level, omitMF] of [['Metadata', false], ['Request', false], ['RequestResponse', false], ['RequestResponse', true]] as const) {
    const backend = new MemoryBackend();
    const base = await serve(policyOf(() => decision(level, [], omitMF)), [backend]);
    const r = await send(base, 'POST', CM, { user: 'alice', body });
    assert.equal(r.status, 201);
    const evs = await backend.waitFor(r.auditID, 'ResponseComplete');
    results[`${level}${omitMF ? '-omit' : ''}`] = evs.find((e) => e.stage === 'ResponseComplete')!;
    backend.assertUnchanged();
  }
  const meta = results['Metadata']!;
  assert.equal(meta.requestObject, undefined);
  assert.equal(meta.responseObject, undefined);
  assert.equal(meta.verb, 'create');
  // the name comes from the body of a create, uid and resourceVersion from the created object
  assert.deepEqual(plain(meta.objectRef), { resource: 'configmaps', namespace: 'default', name: 'made', apiVersion: 'v1', uid: 'uid-1', resourceVersion: '42' });
  assert.deepEqual(meta.responseStatus, { metadata: {}, code: 201 });
  // a webhook's patch may hold object contents: only at Request and above
  assert.equal(meta.annotations?.['mutation.webhook.admission.k8s.io/round_0_index_0'], '{"mutated":true}');
  assert.equal(meta.annotations?.['patch.webhook.admission.k8s.io/round_0_index_0'], undefined);

  const req = results['Request']!;
  assert.deepEqual(req.requestObject, body);
  assert.equal(req.responseObject, undefined);
  assert.equal(req.annotations?.['patch.webhook.admission.k8s.io/round_0_index_0'], '{"patch":"secret"}');

  const rr = results['RequestResponse']!;
  assert.deepEqual(rr.requestObject, body);
  const resp = rr.responseObject as { metadata: Record<string, unknown> };
  assert.equal(resp.metadata['uid'], 'uid-1');
  assert.deepEqual(resp.metadata['managedFields'], [{ manager: 'kubectl' }]);

  const omitted = results['RequestResponse-omit']!.responseObject as { metadata: Record<string, unknown> };
  assert.equal(omitted.metadata['uid'], 'uid-1');
  assert.equal('managedFields' in omitted.metadata, false);
});

test('non-resource requests never carry bodies, whatever the level', async () => {
  const backend = new MemoryBackend();
  const base = await serve(policyOf(() => decision('RequestResponse')), [backend]);
  const r = await send(base, 'GET', '/version', { user: 'alice' });
  const evs = await backend.waitFor(r.auditID, 'ResponseComplete');
  const rc = evs.find((e) => e.stage === 'ResponseComplete')!;
  assert.equal(rc.responseObject, undefined);
  assert.equal(rc.objectRef, undefined);
  assert.equal(rc.verb, 'get');
  assert.equal(rc.level, 'RequestResponse');
});

test('the policy is evaluated once per request, for the authenticated caller, with the request attributes', async () => {
  const backend = new MemoryBackend();
  const policy = policyOf(() => decision('Metadata'));
  const base = await serve(policy, [backend]);
  const r = await send(base, 'GET', `${CM}/x`, { user: 'admin', headers: { 'Impersonate-User': 'bob' } });
  await backend.waitFor(r.auditID, 'ResponseComplete');
  assert.equal(policy.seen.length, 1);
  const a = policy.seen[0]!;
  assert.equal(a.user.username, 'admin');
  assert.equal(a.verb, 'get');
  assert.equal(a.isResourceRequest, true);
  assert.equal(a.apiGroup, '');
  assert.equal(a.resource, 'configmaps');
  assert.equal(a.namespace, 'default');
  assert.equal(a.name, 'x');
  assert.equal(a.path, `${CM}/x`);
});

test('omitStages and level None', async () => {
  const backend = new MemoryBackend();
  const base = await serve(
    policyOf((a) => (a.path === '/healthz' ? decision('None') : decision('Metadata', ['RequestReceived']))),
    [backend],
  );
  const r = await send(base, 'GET', `${CM}/x`, { user: 'alice' });
  const evs = await backend.waitFor(r.auditID, 'ResponseComplete');
  assert.deepEqual(evs.map((e) => e.stage), ['ResponseComplete']);
  const h = await send(base, 'GET', '/healthz', { user: 'alice' });
  assert.equal(h.status, 200);
  assert.match(h.auditID, /^[0-9a-f-]{36}$/);
  await new Promise((res) => setTimeout(res, 30));
  assert.deepEqual(backend.of(h.auditID), []);
});

test('a request refused by authorization is audited with forbid and its 403', async () => {
  const backend = new MemoryBackend();
  const base = await serve(policyOf(() => decision('Metadata')), [backend]);
  const r = await send(base, 'DELETE', `${CM}/x`, { user: 'mallory' });
  assert.equal(r.status, 403);
  const evs = await backend.waitFor(r.auditID, 'ResponseComplete');
  const rc = evs.find((e) => e.stage === 'ResponseComplete')!;
  assert.equal(rc.user.username, 'mallory');
  assert.equal(rc.verb, 'delete');
  assert.equal(rc.annotations?.['authorization.k8s.io/decision'], 'forbid');
  assert.equal(rc.annotations?.['authorization.k8s.io/reason'], 'no rule for mallory');
  assert.equal(rc.responseStatus?.code, 403);
  assert.equal(rc.responseStatus?.status, 'Failure');
  assert.equal(rc.responseStatus?.reason, 'Forbidden');
  assert.match(rc.responseStatus?.message ?? '', /User "mallory" cannot delete resource "configmaps"/);
  // the client got the same Status
  assert.equal(JSON.parse(r.body).reason, 'Forbidden');
});

test('impersonation: user is the caller, impersonatedUser whom they act as; a refused impersonation is audited', async () => {
  const backend = new MemoryBackend();
  const base = await serve(policyOf(() => decision('Metadata')), [backend]);
  const r = await send(base, 'GET', `${CM}/x`, { user: 'admin', headers: { 'Impersonate-User': 'bob', 'Impersonate-Group': 'team' } });
  assert.equal(r.status, 200);
  const evs = await backend.waitFor(r.auditID, 'ResponseComplete');
  const [rr, rc] = evs as [AuditEvent, AuditEvent];
  // RequestReceived is recorded before impersonation is decided, as kube-apiserver does
  assert.equal(rr.user.username, 'admin');
  assert.equal(rr.impersonatedUser, undefined);
  assert.equal(rc.user.username, 'admin');
  assert.equal(rc.impersonatedUser?.username, 'bob');
  assert.deepEqual(rc.impersonatedUser?.groups, ['team', 'system:authenticated']);
  assert.equal(rc.annotations?.['authorization.k8s.io/reason'], 'test: allowed bob');

  const denied = await send(base, 'GET', `${CM}/x`, { user: 'carol', headers: { 'Impersonate-User': 'bob' } });
  assert.equal(denied.status, 403);
  const devs = await backend.waitFor(denied.auditID, 'ResponseComplete');
  const drc = devs.find((e) => e.stage === 'ResponseComplete')!;
  assert.equal(drc.user.username, 'carol');
  assert.equal(drc.impersonatedUser, undefined);
  assert.equal(drc.responseStatus?.code, 403);
  assert.match(drc.responseStatus?.message ?? '', /cannot impersonate/);
  backend.assertUnchanged();
});

test('failed authentication: one event with no user, the 401 and what was attempted', async () => {
  const backend = new MemoryBackend();
  const policy = policyOf(() => decision('Metadata'));
  const base = await serve(policy, [backend]);
  const bad = await send(base, 'GET', `${CM}/x`, { user: 'bad' });
  assert.equal(bad.status, 401);
  const evs = await backend.waitFor(bad.auditID, 'ResponseStarted');
  await new Promise((res) => setTimeout(res, 20));
  assert.equal(backend.of(bad.auditID).length, 1);
  const ev = evs[0]!;
  assert.equal(ev.user.username, '');
  assert.equal(ev.responseStatus?.code, 401);
  assert.equal(ev.responseStatus?.message, 'Authentication failed, attempted: bearer');
  assert.equal(ev.verb, 'get');
  assert.deepEqual(plain(ev.objectRef), { resource: 'configmaps', namespace: 'default', name: 'x', apiVersion: 'v1' });
  assert.equal(policy.seen.at(-1)!.user.username, '');

  const none = await send(base, 'GET', '/api/v1/namespaces');
  assert.equal(none.status, 401);
  const nevs = await backend.waitFor(none.auditID, 'ResponseStarted');
  assert.equal(nevs[0]!.responseStatus?.message, 'Authentication failed, no credentials provided');
});

test('a panic: one Panic event with the 500, no ResponseComplete', async () => {
  const backend = new MemoryBackend();
  const base = await serve(policyOf(() => decision('Metadata')), [backend]);
  const r = await send(base, 'GET', '/panic', { user: 'alice' });
  assert.equal(r.status, 500);
  const evs = await backend.waitFor(r.auditID, 'Panic');
  await new Promise((res) => setTimeout(res, 20));
  assert.deepEqual(backend.of(r.auditID).map((e) => e.stage), ['RequestReceived', 'Panic']);
  const p = evs.find((e) => e.stage === 'Panic')!;
  assert.equal(p.responseStatus?.code, 500);
  assert.equal(p.responseStatus?.reason, 'InternalError');
  assert.equal(p.responseStatus?.message, "APIServer panic'd: boom");
});

test('a watch records ResponseStarted when its headers go out, then ResponseComplete', async () => {
  const backend = new MemoryBackend();
  const base = await serve(policyOf(() => decision('Metadata')), [backend]);
  const r = await send(base, 'GET', `${CM}?watch=true`, { user: 'alice' });
  assert.equal(r.status, 200);
  const evs = await backend.waitFor(r.auditID, 'ResponseComplete');
  assert.deepEqual(evs.map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  assert.equal(evs[0]!.verb, 'watch');
  assert.equal(evs[1]!.responseStatus?.code, 200);
  assert.ok(evs[1]!.stageTimestamp <= evs[2]!.stageTimestamp);
});

test('blocking-strict: a request whose RequestReceived cannot be recorded fails with 500; other modes go on', async () => {
  const failing = (mode: AuditMode) => new MemoryBackend(mode, (ev) => ev.stage !== 'RequestReceived');
  const strict = failing('blocking-strict');
  const metrics = { events: [] as AuditLevel[], rejected: 0 };
  const base = await serve(policyOf(() => decision('Metadata')), [strict], metrics);
  const r = await send(base, 'POST', CM, { user: 'alice', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'never' } } });
  assert.equal(r.status, 500);
  const status = JSON.parse(r.body);
  assert.equal(status.reason, 'InternalError');
  assert.match(status.message, /audit/);
  assert.equal(metrics.rejected, 1);
  await new Promise((res) => setTimeout(res, 20));
  // nothing more is recorded for a refused request (and the handler never ran)
  assert.deepEqual(strict.of(r.auditID), []);

  const blocking = failing('blocking');
  const base2 = await serve(policyOf(() => decision('Metadata')), [blocking]);
  const ok = await send(base2, 'GET', `${CM}/x`, { user: 'alice' });
  assert.equal(ok.status, 200);
});

test('batch backends are not waited for; blocking ones are', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<boolean>((r) => (release = () => r(true)));
  const hanging = new MemoryBackend('batch', () => gate);
  const base = await serve(policyOf(() => decision('Metadata')), [hanging]);
  const r = await send(base, 'GET', `${CM}/x`, { user: 'alice' });
  assert.equal(r.status, 200);

  const slowBlocking = new MemoryBackend('blocking', () => gate);
  const base2 = await serve(policyOf(() => decision('Metadata')), [slowBlocking]);
  let answered = false;
  const pending = send(base2, 'GET', `${CM}/x`, { user: 'alice' }).then((res) => ((answered = true), res));
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(answered, false, 'a blocking backend holds the request until RequestReceived is written');
  release();
  assert.equal((await pending).status, 200);
});
