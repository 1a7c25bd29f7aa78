import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type CertificateAuthority, createSelfSignedCA, exportPrivateKeyPem, generateKeyPair, issueCertificate } from '../pki/index.js';
import type { AuditMetrics } from './metrics.js';
import { sampleEvent } from './test-events.js';
import type { AuditEvent } from './types.js';
import { createWebhookBackend, loadWebhookKubeconfig } from './webhook-backend.js';

interface EventList {
  kind: string;
  apiVersion: string;
  metadata: Record<string, never>;
  items: AuditEvent[];
}

interface Received {
  body: EventList;
  authorization?: string;
  clientCN?: string;
}

/** What the receiver does with a request: answer with a status, or never answer. */
type Behaviour = (n: number) => number | 'hang';

interface Receiver {
  url: string;
  received: Received[];
  behave(b: Behaviour): void;
  close(): Promise<void>;
}

let dir: string;
let ca: CertificateAuthority;
let serverCert: string;
let serverKey: string;
let clientCert: string;
let clientKey: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'audit-webhook-'));
  ca = await createSelfSignedCA({ commonName: 'audit-test-ca', validityDays: 2 });
  const notAfter = new Date(Date.now() + 24 * 3600 * 1000);
  const sk = await generateKeyPair();
  serverCert = await issueCertificate(ca, { publicKey: sk.publicKey, subject: { commonName: 'receiver' }, ipAddresses: ['127.0.0.1'], usage: 'server', notAfter });
  serverKey = await exportPrivateKeyPem(sk.privateKey);
  const ck = await generateKeyPair();
  clientCert = await issueCertificate(ca, { publicKey: ck.publicKey, subject: { commonName: 'kube-apiserver-audit' }, usage: 'client', notAfter });
  clientKey = await exportPrivateKeyPem(ck.privateKey);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startReceiver(tls: boolean): Promise<Receiver> {
  const received: Received[] = [];
  let behaviour: Behaviour = () => 200;
  let count = 0;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = behaviour(count++);
      const peer = tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
      received.push({
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as EventList,
        authorization: req.headers.authorization,
        clientCN: peer?.subject ? String(peer.subject.CN) : undefined,
      });
      if (answer === 'hang') return;
      res.writeHead(answer, { 'Content-Type': 'application/json' }).end(answer === 200 ? '{}' : '{"message":"receiver trouble"}');
    });
  };
  const server: http.Server = tls
    ? https.createServer({ key: serverKey, cert: serverCert, ca: ca.certPem, requestCert: true, rejectUnauthorized: false }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/audit`,
    received,
    behave: (b) => {
      behaviour = b;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let cfgN = 0;
async function kubeconfig(body: string): Promise<string> {
  const sub = path.join(dir, `cfg${cfgN++}`);
  await mkdir(sub);
  await writeFile(path.join(sub, 'ca.crt'), ca.certPem);
  await writeFile(path.join(sub, 'token'), 'file-token\n');
  const file = path.join(sub, 'kubeconfig.yaml');
  await writeFile(file, body, { mode: 0o600 });
  return file;
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

async function httpsConfig(url: string, user = `token: secret-token`): Promise<string> {
  return kubeconfig(`apiVersion: v1
kind: Config
clusters:
  - name: receiver
    cluster:
      server: ${url}
      certificate-authority: ca.crt
users:
  - name: apiserver
    user:
      ${user}
contexts:
  - name: audit
    context: {cluster: receiver, user: apiserver}
current-context: audit
`);
}

function countingMetrics(): AuditMetrics & { failed: () => number } {
  let failed = 0;
  return { failed: () => failed, eventProcessed() {}, eventsFailed: (_p, n) => void (failed += n) };
}

const quiet = (): void => {};

test('loadWebhookKubeconfig: current context, relative files, data fields, token file', async () => {
  const a = await loadWebhookKubeconfig(await httpsConfig('https://127.0.0.1:1/x'));
  assert.equal(a.url.href, 'https://127.0.0.1:1/x');
  assert.equal(a.ca, ca.certPem);
  assert.equal(a.token, 'secret-token');
  const b = await loadWebhookKubeconfig(
    await kubeconfig(`clusters:
  - name: only
    cluster: {server: "https://audit.example:8443/events", certificate-authority-data: ${b64(ca.certPem)}, tls-server-name: audit.internal}
users:
  - name: only
    user: {client-certificate-data: ${b64(clientCert)}, client-key-data: ${b64(clientKey)}, tokenFile: token}
`),
  );
  assert.equal(b.url.host, 'audit.example:8443');
  assert.equal(b.ca, ca.certPem);
  assert.equal(b.cert, clientCert);
  assert.equal(b.key, clientKey);
  assert.equal(b.token, 'file-token');
  assert.equal(b.servername, 'audit.internal');
});

test('loadWebhookKubeconfig refuses what would weaken TLS or cannot be used, naming the field', async () => {
  const cases: Array<[string, RegExp]> = [
    [`clusters: [{name: c, cluster: {server: "https://a", insecure-skip-tls-verify: true}}]`, /clusters\[0\]\.cluster\.insecure-skip-tls-verify: Forbidden/],
    [`clusters: [{name: c, cluster: {certificate-authority: ca.crt}}]`, /clusters\[0\]\.cluster\.server: Required value/],
    [`clusters: [{name: c, cluster: {server: "ftp://a"}}]`, /server: Invalid value: "ftp:\/\/a": must be an https:\/\/ URL/],
    [`clusters: [{name: a, cluster: {server: "https://a"}}, {name: b, cluster: {server: "https://b"}}]`, /clusters: 2 entries and no current-context/],
    [`current-context: nope\ncontexts: []\nclusters: [{name: c, cluster: {server: "https://a"}}]`, /no context named "nope"/],
    [`clusters: [{name: c, cluster: {server: "https://a"}}]\nusers: [{name: u, user: {exec: {command: x}}}]`, /users\[0\]\.user\.exec: Forbidden/],
    [`clusters: [{name: c, cluster: {server: "https://a"}}]\nusers: [{name: u, user: {client-certificate-data: ${b64(clientCert)}}}]`, /needs its key/],
    [`clusters: [{name: c, cluster: {server: "https://a", certificate-authority: missing.crt}}]`, /certificate-authority: cannot read missing\.crt/],
    [`clusters: [{name: c, cluster: {server: "https://a", certificate-authority-data: ${b64('garbage')}}}]`, /certificate-authority: not a PEM CA bundle/],
    [
      `clusters: [{name: c, cluster: {server: "https://a"}}]\nusers: [{name: u, user: {client-certificate-data: ${b64(clientCert)}, client-key-data: ${b64(serverKey)}}}]`,
      /the client certificate and key cannot be used together/,
    ],
  ];
  for (const [body, re] of cases) {
    const file = await kubeconfig(body);
    await assert.rejects(loadWebhookKubeconfig(file), (err: Error) => {
      assert.match(err.message, re);
      assert.ok(err.message.startsWith(`audit webhook config ${file}: `), err.message);
      return true;
    });
  }
});

test('every event arrives over mTLS in EventList batches no larger than maxBatchSize', async () => {
  const r = await startReceiver(true);
  try {
    const cfg = await httpsConfig(r.url, `{client-certificate-data: ${b64(clientCert)}, client-key-data: ${b64(clientKey)}, token: secret-token}`);
    const metrics = countingMetrics();
    const b = await createWebhookBackend({ configFile: cfg, maxBatchSize: 50, maxBatchWaitMs: 20, throttleEnabled: false, metrics, log: quiet });
    assert.equal(b.mode, 'batch');
    for (let i = 0; i < 1000; i++) assert.equal(await b.process(sampleEvent(i)), true);
    const t0 = Date.now();
    while ((b.stats?.().written ?? 0) < 1000 && Date.now() - t0 < 5000) await new Promise((res) => setTimeout(res, 10));
    await b.shutdown();
    assert.ok(r.received.length >= 20, `${r.received.length} batches`);
    for (const { body, authorization, clientCN } of r.received) {
      assert.equal(body.kind, 'EventList');
      assert.equal(body.apiVersion, 'audit.k8s.io/v1');
      assert.deepEqual(body.metadata, {});
      assert.ok(body.items.length >= 1 && body.items.length <= 50, String(body.items.length));
      assert.equal(authorization, 'Bearer secret-token');
      assert.equal(clientCN, 'kube-apiserver-audit');
    }
    const ids = r.received.flatMap((x) => x.body.items.map((e) => e.auditID));
    assert.deepEqual(ids, Array.from({ length: 1000 }, (_, i) => sampleEvent(i).auditID), 'all events, once, in order');
    assert.deepEqual(r.received[0]!.body.items[0], sampleEvent(0));
    assert.deepEqual(b.stats?.(), { queued: 0, dropped: 0, written: 1000 });
    assert.equal(metrics.failed(), 0);
  } finally {
    await r.close();
  }
});

test('a failed POST is retried with backoff; blocking mode resolves once it succeeded', async () => {
  const r = await startReceiver(true);
  try {
    r.behave((n) => (n < 2 ? 500 : 200));
    const b = await createWebhookBackend({ configFile: await httpsConfig(r.url), mode: 'blocking', initialBackoffMs: 20, log: quiet });
    const results = await Promise.all([b.process(sampleEvent(1)), b.process(sampleEvent(2))]);
    assert.deepEqual(results, [true, true]);
    assert.equal(r.received.length, 3, 'two 500s, then success');
    for (const x of r.received) assert.deepEqual(x.body.items.map((e) => e.auditID), [sampleEvent(1).auditID, sampleEvent(2).auditID]);
    assert.deepEqual(b.stats?.(), { queued: 0, dropped: 0, written: 2 });
    await b.shutdown();
  } finally {
    await r.close();
  }
});

test('a 4xx answer is not retried; the events are dropped, counted and logged', async () => {
  const r = await startReceiver(true);
  try {
    r.behave(() => 403);
    const metrics = countingMetrics();
    const logs: string[] = [];
    const b = await createWebhookBackend({ configFile: await httpsConfig(r.url), mode: 'blocking-strict', initialBackoffMs: 10, metrics, log: (m) => logs.push(m) });
    assert.equal(await b.process(sampleEvent(1)), false);
    assert.equal(r.received.length, 1);
    assert.equal(metrics.failed(), 1);
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /audit webhook https:\/\/127\.0\.0\.1:\d+: 1 events dropped: HTTP 403: \{"message":"receiver trouble"\}/);
    await b.shutdown();
  } finally {
    await r.close();
  }
});

test('a hanging receiver: batch mode stays fast, memory stays bounded, drops are counted', async () => {
  const r = await startReceiver(false);
  try {
    r.behave(() => 'hang');
    const metrics = countingMetrics();
    const logs: string[] = [];
    const b = await createWebhookBackend({
      configFile: await kubeconfig(`clusters: [{name: c, cluster: {server: "${r.url}"}}]\n`),
      bufferSize: 1000,
      maxBatchSize: 100,
      maxBatchWaitMs: 10,
      requestTimeoutMs: 60_000,
      initialBackoffMs: 10,
      shutdownTimeoutMs: 200,
      metrics,
      log: (m) => logs.push(m),
    });
    assert.match(logs[0]!, /uses plain http: .* travel unencrypted over loopback; use an https:\/\/ server URL/);
    // Let the first batch go out and hang.
    for (let i = 0; i < 100; i++) await b.process(sampleEvent(i));
    const t1 = Date.now();
    while (r.received.length === 0 && Date.now() - t1 < 5000) await new Promise((res) => setTimeout(res, 5));
    assert.equal(r.received.length, 1);

    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    let accepted = 0;
    for (let i = 100; i < 200_100; i++) if (await b.process(sampleEvent(i))) accepted++;
    const elapsed = performance.now() - t0;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const s = b.stats!();
    assert.ok(s.queued <= 1000 + 100, `queued ${s.queued}`);
    assert.equal(accepted, 1000, 'the buffer takes bufferSize events while a batch is in flight');
    assert.ok(s.dropped >= 199_000, `dropped ${s.dropped}`);
    assert.equal(metrics.failed(), s.dropped);
    assert.ok(elapsed < 10_000, `200,000 process() calls took ${elapsed} ms`);
    // Unbounded, 200,000 serialized events would hold well over 100 MB.
    assert.ok(heapGrowth < 64 * 1024 * 1024, `heap grew by ${heapGrowth} bytes`);
    const bufferLogs = logs.filter((m) => m.includes('buffer full'));
    assert.equal(bufferLogs.length, 1, logs.join('\n'));

    const t2 = performance.now();
    await b.shutdown();
    assert.ok(performance.now() - t2 < 3000, 'shutdown does not wait for the hanging receiver');
    assert.equal(b.stats!().queued, 0);
    assert.equal(b.stats!().written, 0);
    assert.equal(b.stats!().dropped, 200_100, 'everything not delivered is counted as dropped');
  } finally {
    await r.close();
  }
});

test('blocking mode with a hanging receiver: the request timeout bounds the wait', async () => {
  const r = await startReceiver(true);
  try {
    r.behave(() => 'hang');
    const logs: string[] = [];
    const b = await createWebhookBackend({
      configFile: await httpsConfig(r.url),
      mode: 'blocking',
      requestTimeoutMs: 100,
      maxAttempts: 2,
      initialBackoffMs: 10,
      log: (m) => logs.push(m),
    });
    const t0 = performance.now();
    assert.equal(await b.process(sampleEvent(1)), false);
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 190 && elapsed < 2000, `took ${elapsed} ms`);
    assert.equal(r.received.length, 2, 'retried once');
    assert.match(logs[0]!, /no answer within 100 ms/);
    await b.shutdown();
  } finally {
    await r.close();
  }
});

test('a receiver with a certificate from another CA is not trusted', async () => {
  const r = await startReceiver(true);
  try {
    const other = await createSelfSignedCA({ commonName: 'other', validityDays: 1 });
    const cfg = await kubeconfig(`clusters: [{name: c, cluster: {server: "${r.url}", certificate-authority-data: ${b64(other.certPem)}}}]\n`);
    const logs: string[] = [];
    const b = await createWebhookBackend({ configFile: cfg, mode: 'blocking', maxAttempts: 1, log: (m) => logs.push(m) });
    assert.equal(await b.process(sampleEvent(1)), false);
    assert.equal(r.received.length, 0);
    assert.match(logs[0]!, /certificate/i);
    await b.shutdown();
  } finally {
    await r.close();
  }
});
