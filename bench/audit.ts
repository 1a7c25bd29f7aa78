// Audit benchmark: ServiceAccount creates (a write the default policy records at Request level,
// body included; ConfigMaps and Secrets would only be logged at Metadata) through the whole path with auditing off, with the default
// policy (to the default log) and with RequestResponse for everything, in one run, alternated.
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { readCreds, startBulwark } from '../test/e2e/harness.js';
import { call, load, mean, median } from './load.js';

export type AuditSetupName = 'off' | 'default' | 'requestResponse';

async function creates(args: string[], prefix: string, warmup: number, count: number): Promise<{ opsPerSec: number; p99: number; logBytes: number }> {
  const b = await startBulwark({ args });
  try {
    const c = await readCreds(b.kubeconfig);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 32, ...c });
    const base = `${b.url}/api/v1/namespaces/default/serviceaccounts`;
    const value = 'x'.repeat(400);
    const create = async (name: string) => {
      const r = await call(agent, base, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, labels: { app: 'bench' }, annotations: { note: value } } }));
      if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
    };
    // a fresh server compiles (JIT) the code its first thousands of requests run
    await load(32, warmup, (i) => create(`warm-${prefix}-${i}`));
    const before = await logSize(b.dataDir);
    const r = await load(32, count, (i) => create(`${prefix}-${i}`));
    const logBytes = (await logSize(b.dataDir)) - before;
    agent.destroy();
    return { opsPerSec: r.opsPerSec, p99: r.p99, logBytes };
  } finally {
    await b.cleanup();
  }
}

async function logSize(dataDir: string): Promise<number> {
  try {
    return (await stat(path.join(dataDir, 'audit.log'))).size;
  } catch {
    return 0;
  }
}

export interface AuditBenchResult {
  /** Means over the rounds, creates per second. */
  off: number;
  defaultPolicy: number;
  requestResponse: number;
  /** Medians over the rounds of the per-round ratios to `off`. */
  defaultRatio: number;
  requestResponseRatio: number;
  /** Audit log bytes written per create. */
  defaultBytesPerCreate: number;
  requestResponseBytesPerCreate: number;
  rounds: number;
}


export async function measureAudit(rounds = 5, warmup = 2000, count = 3000): Promise<AuditBenchResult> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'bulwark-bench-audit-'));
  const policy = path.join(work, 'request-response.yaml');
  await writeFile(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n');
  const setups: Record<AuditSetupName, string[]> = {
    off: ['--audit-log-path='],
    default: [],
    requestResponse: ['--audit-policy-file', policy],
  };
  const runs: Record<AuditSetupName, Array<{ opsPerSec: number; logBytes: number }>> = { off: [], default: [], requestResponse: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      // rotate the order too, so that no setup always runs first on a cold machine
      const order = (['off', 'default', 'requestResponse'] as const).map((_, i, all) => all[(i + round) % all.length]!);
      for (const name of order) runs[name].push(await creates(setups[name], `${name.toLowerCase()}-${round}`, warmup, count));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const ops = (n: AuditSetupName) => runs[n].map((r) => r.opsPerSec);
  return {
    off: mean(ops('off')),
    defaultPolicy: mean(ops('default')),
    requestResponse: mean(ops('requestResponse')),
    defaultRatio: median(ops('default').map((x, i) => x / ops('off')[i]!)),
    requestResponseRatio: median(ops('requestResponse').map((x, i) => x / ops('off')[i]!)),
    defaultBytesPerCreate: mean(runs.default.map((r) => r.logBytes / count)),
    requestResponseBytesPerCreate: mean(runs.requestResponse.map((r) => r.logBytes / count)),
    rounds,
  };
}

// `node dist/bench/audit.js` runs this benchmark alone
if (import.meta.url === `file://${process.argv[1]}`) {
  measureAudit().then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
