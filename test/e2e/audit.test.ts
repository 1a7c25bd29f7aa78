// Issue 6 acceptance, auditing on a real server: the default log and the jq recipes operators use,
// Secrets kept out of the log, a custom policy (levels, omitStages, denials, impersonation,
// Audit-Id, Pod Security annotations), rotation, the webhook backend (every event delivered;
// bounded memory when the receiver hangs) and configurations that must refuse start.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  bulwarkCli,
  certUser,
  freePort,
  eventually,
  httpsRequest,
  readCreds,
  startBulwark,
  type BulwarkProcess,
} from './harness.js';
import { createSelfSignedCA, exportPrivateKeyPem, generateKeyPair, issueCertificate } from '../../src/pki/index.js';
import type { AuditEvent } from '../../src/audit/types.js';

function jq(filter: string, file: string, flags: string[] = ['-c']): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('jq', [...flags, filter, file], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`jq ${filter}: ${stderr}`)) : resolve(stdout)));
  });
}

const lines = (out: string) => out.split('\n').filter((l) => l.trim() !== '');

async function events(file: string): Promise<AuditEvent[]> {
  const text = await readFile(file, 'utf8');
  // the writer may be in the middle of a line: only complete lines count
  return text.split('\n').slice(0, -1).map((l) => JSON.parse(l) as AuditEvent);
}

async function eventsFor(file: string, auditID: string): Promise<AuditEvent[]> {
  return (await events(file)).filter((e) => e.auditID === auditID);
}

/** The Audit-Id response headers kubectl prints at -v=8. */
function auditIDsIn(kubectlOutput: string): string[] {
  return [...kubectlOutput.matchAll(/Audit-Id:\s*"?([0-9a-f-]{36})/gi)].map((m) => m[1]!);
}

async function writePolicy(dir: string, yaml: string): Promise<string> {
  const f = path.join(dir, `policy-${randomBytes(4).toString('hex')}.yaml`);
  await writeFile(f, yaml);
  return f;
}

interface Receiver {
  url: string;
  caPem: string;
  batches: Array<{ headers: Record<string, string | string[] | undefined>; body: { kind: string; apiVersion: string; items: AuditEvent[] } }>;
  requests: number;
  close(): Promise<void>;
}

/** An HTTPS audit receiver; `hang` accepts requests and never answers them. */
async function startReceiver(hang = false): Promise<Receiver> {
  const ca = await createSelfSignedCA({ commonName: 'audit-receiver-ca', validityDays: 2 });
  const keys = await generateKeyPair();
  const cert = await issueCertificate(ca, { publicKey: keys.publicKey, subject: { commonName: 'receiver' }, ipAddresses: ['127.0.0.1'], usage: 'server', notAfter: new Date(Date.now() + 24 * 3600 * 1000) });
  const key = await exportPrivateKeyPem(keys.privateKey);
  const sockets = new Set<Socket>();
  const r: Receiver = { url: '', caPem: ca.certPem, batches: [], requests: 0, close: async () => undefined };
  const server = https.createServer({ key, cert }, (req, res) => {
    r.requests++;
    if (hang) return;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.batches.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/audit`;
  r.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return r;
}

async function receiverKubeconfig(dir: string, r: Receiver, token: string): Promise<string> {
  const f = path.join(dir, `audit-webhook-${randomBytes(4).toString('hex')}.kubeconfig`);
  const ca = Buffer.from(r.caPem).toString('base64');
  await writeFile(
    f,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: receiver`,
      `  cluster: {server: "${r.url}", certificate-authority-data: ${ca}}`,
      'users:',
      `- name: bulwark`,
      `  user: {token: ${token}}`,
      'contexts:',
      '- name: audit',
      '  context: {cluster: receiver, user: bulwark}',
      'current-context: audit',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return f;
}

function rssMB(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+) kB/.exec(s)![1]) / 1024);
}

describe('audit: the default log', () => {
  let b: BulwarkProcess;
  let log: string;
  before(async () => {
    b = await startBulwark();
    log = path.join(b.dataDir, 'audit.log');
  });
  after(async () => {
    await b?.cleanup();
  });

  test('with no flags the server audits to <data-dir>/audit.log, 0600 in a 0700 directory', async () => {
    const st = await stat(log);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal((await stat(b.dataDir)).mode & 0o777, 0o700);
    assert.match(b.stderr(), /audit log: .*audit\.log/);
    await b.kubectlOk(['get', 'namespaces']);
    await eventually(async () => assert.ok((await events(log)).some((e) => e.verb === 'list' && e.objectRef?.resource === 'namespaces')));
  });

  test('the recipes: jq .user.username, code >= 400, one user', async () => {
    const eve = await certUser(b, 'eve');
    const denied = await eve.kubectl(['get', 'pods', '-n', 'default']);
    assert.notEqual(denied.code, 0);
    await b.kubectlOk(['get', 'configmaps', '-n', 'default']);
    await eventually(async () => {
      const users = lines(await jq('.user.username', log, ['-r']));
      assert.ok(users.includes('bulwark-admin'), 'the admin is in the log');
      assert.ok(users.includes('eve'), 'eve is in the log');
      assert.equal(users.length, (await events(log)).length, 'one username per event');
    }, 10_000);

    const failures = lines(await jq('select(.responseStatus.code >= 400)', log)).map((l) => JSON.parse(l) as AuditEvent);
    assert.ok(failures.length > 0);
    for (const f of failures) assert.ok(f.responseStatus!.code! >= 400);
    const evesDenial = failures.find((f) => f.user.username === 'eve' && f.objectRef?.resource === 'pods');
    assert.ok(evesDenial, 'eve\'s denied list of pods is among the failures');
    assert.equal(evesDenial.responseStatus?.code, 403);
    assert.equal(evesDenial.responseStatus?.reason, 'Forbidden');
    assert.equal(evesDenial.annotations?.['authorization.k8s.io/decision'], 'forbid');

    const evesEvents = lines(await jq('select(.user.username == "eve")', log)).map((l) => JSON.parse(l) as AuditEvent);
    assert.ok(evesEvents.length >= 2);
    for (const e of evesEvents) assert.equal(e.user.username, 'eve');
    assert.ok(evesEvents.some((e) => e.stage === 'RequestReceived') && evesEvents.some((e) => e.stage === 'ResponseComplete'));
  });

  test('a Secret\'s value, plain or base64, appears nowhere in the log', async () => {
    const value = `s3cret-${randomBytes(12).toString('hex')}`;
    await b.kubectlOk(['create', 'secret', 'generic', 'audited', '-n', 'default', `--from-literal=password=${value}`]);
    const shown = await b.kubectlOk(['get', 'secret', 'audited', '-n', 'default', '-o', 'yaml']);
    const b64 = Buffer.from(value).toString('base64');
    assert.ok(shown.stdout.includes(b64), 'kubectl got the value back');
    await b.kubectlOk(['patch', 'secret', 'audited', '-n', 'default', '-p', JSON.stringify({ stringData: { other: value } })]);
    await eventually(async () => {
      const evs = await events(log);
      assert.ok(evs.some((e) => e.objectRef?.resource === 'secrets' && e.verb === 'patch' && e.stage === 'ResponseComplete'));
      assert.ok(evs.some((e) => e.objectRef?.resource === 'secrets' && e.verb === 'get' && e.stage === 'ResponseComplete'));
    });
    const text = await readFile(log, 'utf8');
    assert.equal(text.includes(value), false);
    assert.equal(text.includes(b64), false);
    assert.equal(text.includes(b64.replace(/=+$/, '')), false);
  });

  test('the Audit-Id header is the events\' auditID; a watch records ResponseStarted', async () => {
    const r = await b.request('GET', '/api/v1/namespaces/default');
    const id = String(r.headers['audit-id']);
    const evs = await eventually(async () => {
      const e = await eventsFor(log, id);
      assert.ok(e.some((x) => x.stage === 'ResponseComplete'));
      return e;
    });
    assert.deepEqual(evs.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
    assert.equal(evs[1]!.responseStatus?.code, 200);
    assert.equal(evs[1]!.objectRef?.name, 'default');
    assert.ok(evs[1]!.objectRef?.uid, 'the served object\'s uid completes objectRef');

    const w = await b.request('GET', '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1');
    assert.equal(w.status, 200);
    const wid = String(w.headers['audit-id']);
    const wevs = await eventually(async () => {
      const e = await eventsFor(log, wid);
      assert.ok(e.some((x) => x.stage === 'ResponseComplete'));
      return e;
    });
    assert.deepEqual(wevs.map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
    assert.equal(wevs[0]!.verb, 'watch');
  });

  test('a request that fails authentication is audited with no user and its 401', async () => {
    const creds = await readCreds(b.kubeconfig);
    const r = await httpsRequest(`${b.url}/api/v1/namespaces/default/secrets`, 'GET', { ca: creds.ca, headers: { Authorization: 'Bearer not-a-real-token' } });
    assert.equal(r.status, 401);
    const id = String(r.headers['audit-id']);
    const evs = await eventually(async () => {
      const e = await eventsFor(log, id);
      assert.equal(e.length, 1);
      return e;
    });
    assert.equal(evs[0]!.user.username, '');
    assert.equal(evs[0]!.responseStatus?.code, 401);
    assert.equal(evs[0]!.responseStatus?.message, 'Authentication failed, attempted: bearer');
    assert.equal(evs[0]!.objectRef?.resource, 'secrets');
  });
});

describe('audit: a custom policy', () => {
  let b: BulwarkProcess;
  let log: string;
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-audit-'));
    const policy = await writePolicy(
      tmp,
      [
        'apiVersion: audit.k8s.io/v1',
        'kind: Policy',
        'omitStages: ["RequestReceived"]',
        'rules:',
        '  - level: RequestResponse',
        '    resources:',
        '      - group: ""',
        '        resources: ["configmaps"]',
        '  - level: Metadata',
        '',
      ].join('\n'),
    );
    b = await startBulwark({ args: ['--audit-policy-file', policy] });
    log = path.join(b.dataDir, 'audit.log');
  });
  after(async () => {
    await b?.cleanup();
    await rm(tmp, { recursive: true, force: true });
  });

  test('configmaps at RequestResponse carry both objects; other resources are Metadata', async () => {
    await b.kubectlOk(['create', 'configmap', 'colors', '-n', 'default', '--from-literal=color=blue']);
    await b.kubectlOk(['get', 'configmap', 'colors', '-n', 'default', '-o', 'json']);
    await b.kubectlOk(['create', 'serviceaccount', 'robot', '-n', 'default']);
    const evs = await eventually(async () => {
      const e = await events(log);
      assert.ok(e.some((x) => x.objectRef?.resource === 'serviceaccounts' && x.verb === 'create'));
      assert.ok(e.some((x) => x.objectRef?.resource === 'configmaps' && x.objectRef.name === 'colors' && x.verb === 'get'));
      return e;
    });
    const create = evs.find((e) => e.objectRef?.resource === 'configmaps' && e.verb === 'create' && e.objectRef.name === 'colors')!;
    assert.equal(create.level, 'RequestResponse');
    assert.equal((create.requestObject as { data: Record<string, string> }).data['color'], 'blue');
    const created = create.responseObject as { metadata: { uid: string; resourceVersion: string }; data: Record<string, string> };
    assert.equal(created.data['color'], 'blue');
    assert.equal(create.objectRef?.uid, created.metadata.uid);
    assert.equal(create.objectRef?.resourceVersion, created.metadata.resourceVersion);
    const get = evs.find((e) => e.objectRef?.resource === 'configmaps' && e.verb === 'get' && e.objectRef.name === 'colors')!;
    assert.equal(get.requestObject, undefined);
    assert.equal((get.responseObject as { metadata: { name: string } }).metadata.name, 'colors');

    const sa = evs.find((e) => e.objectRef?.resource === 'serviceaccounts' && e.verb === 'create')!;
    assert.equal(sa.level, 'Metadata');
    assert.equal(sa.requestObject, undefined);
    assert.equal(sa.responseObject, undefined);
    assert.equal(sa.objectRef?.name, 'robot');
  });

  test('omitStages removes every RequestReceived event', async () => {
    assert.ok((await events(log)).length > 0);
    assert.equal(await jq('select(.stage == "RequestReceived")', log), '');
    const stages = new Set(lines(await jq('.stage', log, ['-r'])));
    assert.ok(stages.has('ResponseComplete'));
  });

  test('a denied request records forbid and its 403', async () => {
    const eve = await certUser(b, 'eve');
    const r = await eve.request('DELETE', '/api/v1/namespaces/default/configmaps/colors');
    assert.equal(r.status, 403);
    const id = String(r.headers['audit-id']);
    const [ev] = await eventually(async () => {
      const e = await eventsFor(log, id);
      assert.equal(e.length, 1);
      return e;
    });
    assert.equal(ev!.user.username, 'eve');
    assert.equal(ev!.verb, 'delete');
    assert.equal(ev!.annotations?.['authorization.k8s.io/decision'], 'forbid');
    assert.equal(ev!.responseStatus?.code, 403);
    assert.equal(ev!.responseStatus?.status, 'Failure');
    assert.match(ev!.responseStatus?.message ?? '', /User "eve" cannot delete resource "configmaps"/);
    // the configmap survived
    assert.equal((await b.request('GET', '/api/v1/namespaces/default/configmaps/colors')).status, 200);
  });

  test('kubectl --as records the caller and the impersonated user', async () => {
    const r = await b.kubectl(['--as', 'bob', '--as-group', 'developers', 'get', 'serviceaccounts', '-n', 'default']);
    assert.notEqual(r.code, 0, 'bob has no RBAC grant');
    const ev = await eventually(async () => {
      const e = (await events(log)).find((x) => x.impersonatedUser?.username === 'bob' && x.objectRef?.resource === 'serviceaccounts');
      assert.ok(e);
      return e;
    });
    assert.equal(ev.user.username, 'bulwark-admin');
    assert.ok(ev.user.groups?.includes('system:masters'));
    assert.ok(ev.impersonatedUser?.groups?.includes('developers'));
    assert.equal(ev.responseStatus?.code, 403);
    assert.match(ev.responseStatus?.message ?? '', /User "bob" cannot list/);
  });

  test('the Audit-Id kubectl -v=8 prints matches exactly one event', async () => {
    const r = await b.kubectlOk(['get', 'configmap', 'colors', '-n', 'default', '-v=8']);
    const ids = auditIDsIn(r.stderr);
    assert.ok(ids.length > 0, `no Audit-Id header in kubectl's output:\n${r.stderr.slice(0, 2000)}`);
    for (const id of ids) {
      const evs = await eventually(async () => {
        const e = await eventsFor(log, id);
        assert.equal(e.length, 1, `events for ${id}`);
        return e;
      });
      assert.equal(evs[0]!.stage, 'ResponseComplete');
    }
    const evs = await eventsFor(log, ids.at(-1)!);
    assert.equal(evs[0]!.objectRef?.name, 'colors');
  });

  test('Pod Security annotations reach the event', async () => {
    await b.kubectlOk(['create', 'namespace', 'psa']);
    await b.kubectlOk(['label', 'namespace', 'psa', 'pod-security.kubernetes.io/enforce=baseline', 'pod-security.kubernetes.io/audit=restricted']);
    await b.kubectlOk(['run', 'web', '-n', 'psa', '--image=registry.example/web:1.0']);
    const ev = await eventually(async () => {
      const e = (await events(log)).find((x) => x.objectRef?.resource === 'pods' && x.verb === 'create' && x.objectRef.namespace === 'psa');
      assert.ok(e);
      return e;
    });
    assert.equal(ev.annotations?.['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
    assert.match(ev.annotations?.['pod-security.kubernetes.io/audit-violations'] ?? '', /would violate PodSecurity "restricted:latest"/);
    assert.equal(ev.annotations?.['authorization.k8s.io/decision'], 'allow');
  });
});

describe('audit: rotation', () => {
  test('with --audit-log-maxsize 1 and --audit-log-maxbackup 3 a burst leaves at most 3 backups and the current file', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-audit-'));
    const policy = await writePolicy(tmp, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n');
    const b = await startBulwark({ args: ['--audit-policy-file', policy, '--audit-log-maxsize', '1', '--audit-log-maxbackup', '3'] });
    try {
      // each create records the 60 kB value twice (request and response): about 7 MB in all
      const value = 'v'.repeat(60_000);
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < 60) {
            const i = next++;
            const r = await b.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}` }, data: { value } });
            assert.equal(r.status, 201);
          }
        }),
      );
      const backups = await eventually(async () => {
        const names = await readdir(b.dataDir);
        const found = names.filter((n) => /^audit-.+\.log(\.gz)?$/.test(n));
        assert.ok(found.length >= 1, 'the log was rotated');
        assert.ok(found.length <= 3, `at most 3 backups, found ${found.join(', ')}`);
        return found;
      }, 10_000);
      assert.ok((await readdir(b.dataDir)).includes('audit.log'));
      for (const f of [...backups, 'audit.log']) {
        const st = await stat(path.join(b.dataDir, f));
        assert.ok(st.size <= 1024 * 1024, `${f} is ${st.size} bytes, over 1 MiB`);
        assert.equal(st.mode & 0o777, 0o600, `${f} mode`);
      }
      // three backups of up to 1 MiB cannot hold 7 MB: the oldest were removed
      assert.equal(backups.length, 3);
    } finally {
      await b.cleanup();
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('audit: the webhook backend', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-audit-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  test('the receiver gets every event, in EventList batches', async () => {
    const r = await startReceiver();
    let b: BulwarkProcess | undefined;
    try {
      const kubeconfig = await receiverKubeconfig(tmp, r, 'receiver-token');
      b = await startBulwark({ args: ['--audit-webhook-config-file', kubeconfig, '--audit-webhook-batch-max-wait', '500ms'] });
      await b.kubectlOk(['create', 'configmap', 'hooked', '-n', 'default', '--from-literal=k=v']);
      await b.kubectlOk(['get', 'configmaps', '-n', 'default']);
      await b.kubectlOk(['delete', 'configmap', 'hooked', '-n', 'default']);
      const log = path.join(b.dataDir, 'audit.log');
      const key = (e: AuditEvent) => `${e.auditID}/${e.stage}`;
      await eventually(async () => {
        const logged = new Set((await events(log)).map(key));
        const received = new Set(r.batches.flatMap((x) => x.body.items.map(key)));
        assert.ok(logged.size > 0);
        assert.deepEqual([...logged].filter((k) => !received.has(k)), [], 'every logged event reached the receiver');
        assert.deepEqual([...received].filter((k) => !logged.has(k)), [], 'the receiver got nothing the log lacks');
      }, 15_000);
      for (const batch of r.batches) {
        assert.equal(batch.body.kind, 'EventList');
        assert.equal(batch.body.apiVersion, 'audit.k8s.io/v1');
        assert.equal(batch.headers['authorization'], 'Bearer receiver-token');
        assert.match(String(batch.headers['content-type']), /application\/json/);
      }
      assert.ok(r.batches.some((x) => x.body.items.length > 1), 'events are batched');
      const del = r.batches.flatMap((x) => x.body.items).find((e) => e.verb === 'delete' && e.objectRef?.name === 'hooked' && e.stage === 'ResponseComplete');
      assert.equal(del?.responseStatus?.code, 200);
    } finally {
      await b?.cleanup();
      await r.close();
    }
  });

  test('a receiver that never answers: the server keeps answering and its memory stays bounded over 100,000 requests', async () => {
    const r = await startReceiver(true);
    let b: BulwarkProcess | undefined;
    try {
      const kubeconfig = await receiverKubeconfig(tmp, r, 'hang-token');
      // the webhook alone, with the default buffer (10,000 events)
      b = await startBulwark({ args: ['--audit-log-path=', '--audit-webhook-config-file', kubeconfig, '--audit-webhook-batch-max-wait', '100ms'] });
      const server = b;
      assert.match(server.stderr(), /audit log is off/);
      const creds = await readCreds(server.kubeconfig);
      const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ...creds });
      const get = () =>
        new Promise<number>((resolve, reject) => {
          const req = https.request(`${server.url}/api/v1/namespaces/default`, { agent, headers: { Accept: 'application/json' } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end();
        });
      const burst = async (count: number) => {
        let next = 0;
        let failures = 0;
        await Promise.all(
          Array.from({ length: 64 }, async () => {
            while (next < count) {
              next++;
              if ((await get()) !== 200) failures++;
            }
          }),
        );
        return failures;
      };
      // warm up (JIT, TLS sessions, the buffer filling to its bound) before the first measure
      assert.equal(await burst(20_000), 0);
      const before = await rssMB(server.proc.pid!);
      const started = Date.now();
      assert.equal(await burst(100_000), 0, 'every request answered 200');
      const secs = (Date.now() - started) / 1000;
      const afterRss = await rssMB(server.proc.pid!);
      agent.destroy();
      assert.ok(r.requests >= 1, 'the server did try the receiver');
      // an unbounded queue would hold 200,000 events (over 200 MB); the buffer holds 10,000
      assert.ok(afterRss - before < 60, `RSS grew from ${before.toFixed(0)} MB to ${afterRss.toFixed(0)} MB`);
      assert.ok(secs < 60, `100,000 requests took ${secs.toFixed(1)} s`);
      const metrics = await server.request('GET', '/metrics');
      const dropped = /apiserver_audit_error_total\{plugin="webhook"\} (\d+)/.exec(metrics.text);
      assert.ok(dropped && Number(dropped[1]) > 100_000, `the events that did not fit were dropped and counted: ${dropped?.[0]}`);
      process.stdout.write(`# hanging webhook: 100,000 GETs in ${secs.toFixed(1)} s, RSS ${before.toFixed(0)} → ${afterRss.toFixed(0)} MB\n`);
    } finally {
      await b?.cleanup();
      await r.close();
    }
  });
});

describe('audit: configurations that refuse start', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-audit-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  const server = async (args: string[]) => bulwarkCli(['server', '--data-dir', path.join(tmp, `data-${randomBytes(4).toString('hex')}`), '--secure-port', String(await freePort()), ...args]);

  test('a policy with an unknown level names the rule', async () => {
    const policy = await writePolicy(tmp, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n    verbs: ["get"]\n  - level: Everything\n');
    const r = await server(['--audit-policy-file', policy]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--audit-policy-file/);
    assert.match(r.stderr, /rules\[1\]\.level/);
    assert.match(r.stderr, /Everything/);
  });

  test('a rule with resourceNames but no resources names the rule', async () => {
    const policy = await writePolicy(tmp, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n    resources:\n      - group: ""\n        resourceNames: ["kube-root-ca.crt"]\n');
    const r = await server(['--audit-policy-file', policy]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rules\[0\]\.resources\[0\]/);
    assert.match(r.stderr, /resourceNames/);
  });

  test('bad flag values name the flag', async () => {
    for (const [args, flag] of [
      [['--audit-log-mode', 'sometimes'], '--audit-log-mode'],
      [['--audit-webhook-mode', 'async'], '--audit-webhook-mode'],
      [['--audit-log-format', 'xml'], '--audit-log-format'],
      [['--audit-log-maxsize=-1'], '--audit-log-maxsize'],
      [['--audit-log-maxbackup=-3'], '--audit-log-maxbackup'],
      [['--audit-log-batch-buffer-size=-5'], '--audit-log-batch-buffer-size'],
      [['--audit-webhook-batch-max-size', '0'], '--audit-webhook-batch-max-size'],
      [['--audit-webhook-batch-max-wait', 'soon'], '--audit-webhook-batch-max-wait'],
    ] as const) {
      const r = await server([...args]);
      assert.equal(r.code, 1, `${args.join(' ')} must refuse start`);
      assert.ok(r.stderr.includes(flag), `${args.join(' ')}: the message names ${flag}:\n${r.stderr}`);
    }
  });
});
