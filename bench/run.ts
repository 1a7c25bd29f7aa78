// Benchmarks for the foundation (npm run bench): start time, durable creates through the whole
// HTTPS path against the raw store, GET throughput and latency, LIST of 10,000 objects, memory
// with 10,000 objects and 100 watches, and watch fan-out latency. Prints a Markdown report.
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { readCreds, startBulwark, type BulwarkProcess } from '../test/e2e/harness.js';
import { call, load, percentile } from './load.js';
import { measureStoreCreates } from './store.js';
import { measureRbac } from './rbac.js';
import { measureTokenVerification } from './token.js';
import { measureAdmission } from './admission.js';
import { measureAudit } from './audit.js';
import { measureRotation } from './encryption-rotate.js';
import { encryptionTable, measureEncryption } from './encryption.js';

function rssMB(pid: number): number {
  const status = execFileSync('cat', [`/proc/${pid}/status`]).toString();
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

async function timeToReady(dataDir: string): Promise<number> {
  const t = process.hrtime.bigint();
  const b = await startBulwark({ dataDir, keepData: true });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  await b.stop();
  return ms;
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const add = (what: string, result: string, target: string) => rows.push(`| ${what} | ${result} | ${target} |`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'bulwark-bench-'));

  // raw store, same machine, same run
  const raw = await measureStoreCreates(path.join(work, 'raw'), { concurrency: 32, count: 5000, valueBytes: 500 });
  add('raw store durable creates (32 writers, 500 B)', `${raw.opsPerSec.toFixed(0)}/s, p99 ${raw.p99Ms.toFixed(1)} ms`, 'reference');

  const dataDir = path.join(work, 'server');
  let b: BulwarkProcess = await startBulwark({ dataDir, keepData: true });
  await b.stop();
  const readyRuns: number[] = [];
  for (let i = 0; i < 3; i++) readyRuns.push(await timeToReady(dataDir));
  readyRuns.sort((x, y) => x - y);
  add('start to /readyz on an existing data dir (process spawn included, median of 3)', `${readyRuns[1]!.toFixed(0)} ms`, '< 1000 ms');

  // a system:masters user with a bearer token as long as a service-account JWT, so that comparing
  // the two measures the server's authentication and authorization, not the client's header work
  const mastersToken = randomBytes(675).toString('base64url');
  const tokenFile = path.join(work, 'tokens.csv');
  await writeFile(tokenFile, `${mastersToken},bench-admin,bench-admin-uid,"system:masters"\n`, { mode: 0o600 });
  b = await startBulwark({ dataDir, keepData: true, args: ['--token-auth-file', tokenFile] });
  const c = await readCreds(b.kubeconfig);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: c.ca, cert: c.cert, key: c.key });
  const base = `${b.url}/api/v1/namespaces/default/configmaps`;
  const value = 'x'.repeat(400);

  const creates = await load(32, 10_000, async (i) => {
    const r = await call(agent, base, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bench-${i}` }, data: { value } }));
    if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${r.text}`);
  });
  add(
    'durable creates through HTTPS (32 clients, 10,000 configmaps)',
    `${creates.opsPerSec.toFixed(0)}/s (${((creates.opsPerSec / raw.opsPerSec) * 100).toFixed(1)}% of raw store), p99 ${creates.p99.toFixed(1)} ms`,
    '≥ 1,500/s',
  );

  const gets = await load(32, 30_000, async (i) => {
    const r = await call(agent, `${base}/bench-${i % 10_000}`, 'GET');
    if (r.status !== 200) throw new Error(`get: ${r.status}`);
  });
  add('single-object GET (32 clients)', `${gets.opsPerSec.toFixed(0)}/s, p50 ${gets.p50.toFixed(1)} ms, p99 ${gets.p99.toFixed(1)} ms`, '≥ 5,000/s, p99 < 20 ms');

  // the same GETs as a service account authorized by RBAC (a RoleBinding to view), bearer token
  const ns = `${b.url}/api/v1/namespaces/default`;
  await call(agent, `${ns}/serviceaccounts`, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bench' } }));
  await call(
    agent,
    `${b.url}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings`,
    'POST',
    JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'bench-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'bench', namespace: 'default' }],
    }),
  );
  const tr = JSON.parse((await call(agent, `${ns}/serviceaccounts/bench/token`, 'POST', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }))).text) as { status: { token: string } };
  const tokenAgent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: c.ca });
  const auth = { Authorization: `Bearer ${tr.status.token}` };
  const mastersAuth = { Authorization: `Bearer ${mastersToken}` };
  const byToken = (headers: Record<string, string>) => async (i: number) => {
    const r = await call(tokenAgent, `${base}/bench-${i % 10_000}`, 'GET', undefined, undefined, headers);
    if (r.status !== 200) throw new Error(`get with a token: ${r.status} ${r.text}`);
  };
  // alternate the two so that machine noise falls on both alike
  let saOps = 0;
  let mastersOps = 0;
  for (let round = 0; round < 3; round++) {
    saOps += (await load(32, 10_000, byToken(auth))).opsPerSec;
    mastersOps += (await load(32, 10_000, byToken(mastersAuth))).opsPerSec;
  }
  const saGets = { opsPerSec: saOps / 3 };
  const mastersGets = { opsPerSec: mastersOps / 3 };
  add(
    'GET as an RBAC-authorized service account (JWT) vs a system:masters user (static token of the same length), same run',
    `${saGets.opsPerSec.toFixed(0)}/s vs ${mastersGets.opsPerSec.toFixed(0)}/s = ${(saGets.opsPerSec / mastersGets.opsPerSec).toFixed(2)}×`,
    '≥ 0.85×',
  );
  tokenAgent.destroy();

  const listTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    const r = await call(agent, base, 'GET');
    listTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    const n = (JSON.parse(r.text) as { items: unknown[] }).items.length;
    // 10,000 configmaps plus kube-root-ca.crt
    if (n < 10_000) throw new Error(`list returned ${n} items`);
  }
  listTimes.sort((x, y) => x - y);
  add('LIST of 10,000 configmaps (median of 5)', `${listTimes[2]!.toFixed(0)} ms`, '< 300 ms');

  // 100 watchers, then one change: time until each watcher sees it
  const watchAgent = new https.Agent({ keepAlive: true, maxSockets: 200, ca: c.ca, cert: c.cert, key: c.key });
  const rv = (JSON.parse((await call(agent, `${base}?limit=1`, 'GET')).text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const arrivals: number[] = [];
  let changeAt = 0n;
  const watches: Array<{ destroy(): void }> = [];
  let ready = 0;
  await new Promise<void>((resolve, reject) => {
    for (let i = 0; i < 100; i++) {
      const req = https.request(`${base}?watch=true&resourceVersion=${rv}`, { agent: watchAgent }, (res) => {
        ready++;
        if (ready === 100) resolve();
        res.on('data', () => {
          if (changeAt) arrivals.push(Number(process.hrtime.bigint() - changeAt) / 1e6);
        });
      });
      req.on('error', reject);
      req.end();
      watches.push(req);
    }
  });
  const rssWithWatches = rssMB(b.proc.pid!);
  add('server RSS with 10,000 configmaps and 100 open watches', `${rssWithWatches.toFixed(0)} MB`, '< 250 MB');
  const fanout: number[] = [];
  for (let round = 0; round < 20; round++) {
    arrivals.length = 0;
    changeAt = process.hrtime.bigint();
    const r = await call(agent, `${base}/bench-${round}`, 'PATCH', JSON.stringify({ data: { value: `changed-${round}` } }), 'application/merge-patch+json');
    if (r.status !== 200) throw new Error(`patch: ${r.status} ${r.text}`);
    const deadline = Date.now() + 5000;
    while (arrivals.length < 100 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 1));
    fanout.push(...arrivals);
  }
  fanout.sort((x, y) => x - y);
  add('one change reaching 100 watchers (20 changes)', `p50 ${percentile(fanout, 50).toFixed(1)} ms, p99 ${percentile(fanout, 99).toFixed(1)} ms`, 'p99 < 50 ms');
  for (const w of watches) w.destroy();
  watchAgent.destroy();
  agent.destroy();
  await b.cleanup();
  await rm(work, { recursive: true, force: true });

  const rbac = await measureRbac();
  add('RBAC decision, 5,000 roles + 5,000 bindings (100,000 decisions)', `p50 ${rbac.p50Us.toFixed(1)} µs, p99 ${rbac.p99Us.toFixed(1)} µs, ${rbac.decisionsPerSec.toFixed(0)}/s`, 'p99 < 1 ms');
  const tokens = await measureTokenVerification();
  add('service-account token verification, one core', `${tokens.perSec.toFixed(0)}/s with the 10 s verification cache, ${tokens.uncachedPerSec.toFixed(0)}/s without`, '≥ 20,000/s');

  const adm = await measureAdmission();
  add(
    'pod creates (32 clients, namespace with restricted Pod Security labels and a LimitRange): every built-in plugin vs admission disabled, both servers up, 10 alternating bursts of 1,000 creates each after 2,000 warm-up creates',
    `${adm.withAdmission.toFixed(0)}/s vs ${adm.withoutAdmission.toFixed(0)}/s; ratio ${adm.ratio.toFixed(2)}×`,
    '≥ 0.85×',
  );
  add('the same in a namespace with no Pod Security labels, LimitRange or quota (the plugins find nothing to apply)', `ratio ${adm.plainRatio.toFixed(2)}×`, 'measured');
  add(
    'the same with a ResourceQuota in the namespace (each create also commits the charge)',
    `${adm.withQuota.toFixed(0)}/s vs ${adm.withoutQuota.toFixed(0)}/s; ratio ${adm.quotaRatio.toFixed(2)}×`,
    'measured',
  );
  add('Pod Security evaluation per pod (restricted:latest)', `${adm.podSecurity.restrictedCompliantUs.toFixed(1)} µs compliant, ${adm.podSecurity.privilegedViolatingUs.toFixed(1)} µs privileged`, '< 50 µs');
  add('added latency of a local HTTPS validating webhook (1,000 calls, kept-alive connection)', `p50 ${adm.webhook.p50Ms.toFixed(2)} ms, p99 ${adm.webhook.p99Ms.toFixed(2)} ms`, 'measured');

  const audit = await measureAudit();
  add(
    `serviceaccount creates (32 clients, 3,000 after 2,000 warm-up): default audit policy to the default log vs auditing off, ${audit.rounds} rounds alternated`,
    `${audit.defaultPolicy.toFixed(0)}/s vs ${audit.off.toFixed(0)}/s (means); median ratio ${audit.defaultRatio.toFixed(2)}×; ${audit.defaultBytesPerCreate.toFixed(0)} B of log per create`,
    '≥ 0.9×',
  );
  add(
    'the same with RequestResponse for every request',
    `${audit.requestResponse.toFixed(0)}/s; median ratio ${audit.requestResponseRatio.toFixed(2)}×; ${audit.requestResponseBytesPerCreate.toFixed(0)} B of log per create`,
    '≥ 0.75×',
  );

  for (const line of encryptionTable(await measureEncryption())) rows.push(line);

  const rot = await measureRotation();
  add(
    `bulwark secrets-encrypt rotate on ${rot.objects.toLocaleString('en-US')} Secrets (secretbox key1 → key2, old key retired)`,
    `rewrite ${rot.rewriteObjectsPerSec.toFixed(0)} objects/s; whole command ${rot.commandSeconds.toFixed(1)} s = ${rot.commandObjectsPerSec.toFixed(0)} objects/s`,
    '≥ 1,000 objects/s',
  );

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    [
      `Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
      `Command: npm run bench (${new Date().toISOString()})`,
      '',
      '| benchmark | result | target |',
      '|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
