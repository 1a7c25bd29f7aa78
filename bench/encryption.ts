// Encryption-at-rest benchmark: Secret create and get throughput through the whole HTTPS path
// with each provider (identity, aescbc, aesgcm, secretbox, kms v2 through the example plugin),
// in one run, providers alternated within each round so that machine drift falls on all alike.
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { readCreds, startBulwark } from '../test/e2e/harness.js';
import { startKmsPlugin } from '../examples/kms-plugin/plugin.js';
import { call, load, mean, median } from './load.js';

export const PROVIDERS = ['identity', 'aescbc', 'aesgcm', 'secretbox', 'kms'] as const;
export type BenchProvider = (typeof PROVIDERS)[number];

function providerYaml(provider: BenchProvider, socketPath: string): string {
  const key = (bytes: number) => `\n      keys:\n      - name: key1\n        secret: ${randomBytes(bytes).toString('base64')}`;
  switch (provider) {
    case 'identity':
      return '  - identity: {}';
    case 'kms':
      return `  - kms:\n      apiVersion: v2\n      name: bench\n      endpoint: unix://${socketPath}\n      timeout: 3s`;
    case 'secretbox':
      return `  - secretbox:${key(32)}`;
    default:
      return `  - ${provider}:${key(32)}`;
  }
}

/** Secrets of about 1 KiB, as a typical TLS or credentials Secret is. */
const secretBody = (name: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', data: { 'tls.key': randomBytes(768).toString('base64') } });

async function measureOne(work: string, provider: BenchProvider, socketPath: string, count: number): Promise<{ creates: number; gets: number }> {
  const config = path.join(work, `${provider}.yaml`);
  await writeFile(
    config,
    `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n${providerYaml(provider, socketPath)}\n`,
    { mode: 0o600 },
  );
  const b = await startBulwark({ args: ['--encryption-provider-config', config] });
  try {
    const c = await readCreds(b.kubeconfig);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 32, ...c });
    const base = `${b.url}/api/v1/namespaces/default/secrets`;
    const create = async (i: number) => {
      const r = await call(agent, base, 'POST', secretBody(`s-${i}`));
      if (r.status !== 201) throw new Error(`${provider}: create: ${r.status} ${r.text}`);
    };
    // warm-up: a fresh server compiles (JIT) what it runs during its first thousands of requests
    await load(32, 1000, (i) => create(count + i));
    const creates = await load(32, count, create);
    const gets = await load(32, count * 2, async (i) => {
      const r = await call(agent, `${base}/s-${i % count}`, 'GET');
      if (r.status !== 200) throw new Error(`${provider}: get: ${r.status} ${r.text}`);
    });
    agent.destroy();
    return { creates: creates.opsPerSec, gets: gets.opsPerSec };
  } finally {
    await b.cleanup();
  }
}

export interface EncryptionBenchRow {
  provider: BenchProvider;
  creates: number;
  gets: number;
  /** Median over the rounds of this provider's rate divided by identity's in the same round. */
  createRatio: number;
  getRatio: number;
}


export async function measureEncryption(rounds = 5, count = 4000): Promise<EncryptionBenchRow[]> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'bulwark-bench-enc-'));
  const socketPath = path.join(work, 'kms.sock');
  const plugin = await startKmsPlugin({ socketPath, key: randomBytes(32), keyId: 'bench-1' });
  const runs = new Map<BenchProvider, { creates: number; gets: number }[]>(PROVIDERS.map((p) => [p, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const p of PROVIDERS) runs.get(p)!.push(await measureOne(work, p, socketPath, count));
    }
  } finally {
    await plugin.close();
    await rm(work, { recursive: true, force: true });
  }
  const identity = runs.get('identity')!;
  return PROVIDERS.map((provider) => {
    const r = runs.get(provider)!;
    return {
      provider,
      creates: mean(r.map((x) => x.creates)),
      gets: mean(r.map((x) => x.gets)),
      createRatio: median(r.map((x, i) => x.creates / identity[i]!.creates)),
      getRatio: median(r.map((x, i) => x.gets / identity[i]!.gets)),
    };
  });
}

export function encryptionTable(rows: EncryptionBenchRow[]): string[] {
  return rows.map((r) => {
    const target = r.provider === 'identity' ? 'reference' : r.provider === 'kms' ? '≥ 0.75×' : '≥ 0.9×';
    return `| Secret create / get with ${r.provider === 'kms' ? 'kms v2 (example plugin)' : r.provider} | ${r.creates.toFixed(0)}/s (${r.createRatio.toFixed(2)}×) / ${r.gets.toFixed(0)}/s (${r.getRatio.toFixed(2)}×) | ${target} |`;
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await measureEncryption(Number(process.argv[2] ?? 5), Number(process.argv[3] ?? 4000));
  console.log('| benchmark | result (× identity, median of rounds) | target |\n|---|---|---|');
  for (const line of encryptionTable(rows)) console.log(line);
}
