// Key rotation benchmark: `bulwark secrets-encrypt rotate` on a server holding 10,000 Secrets, timed
// as a whole command and for its rewrite phase alone (the part that grows with the object count).
import https from 'node:https';
import { spawn } from 'node:child_process';
import { BULWARK_BIN, REPO_ROOT, readCreds, startBulwark } from '../test/e2e/harness.js';
import { call, load } from './load.js';

export interface RotationBenchResult {
  objects: number;
  /** Objects rewritten with the new key. */
  rewritten: number;
  /** Whole command: process start, key generation, reloads, rewrite, the wait before retiring, retiring. */
  commandSeconds: number;
  commandObjectsPerSec: number;
  /** The rewrite phase as the command reports it. */
  rewriteSeconds: number;
  rewriteObjectsPerSec: number;
}

function runRotate(dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BULWARK_BIN, 'secrets-encrypt', 'rotate', '--data-dir', dataDir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`rotate exited with ${code}:\n${out}`))));
  });
}

export async function measureRotation(objects = 10_000): Promise<RotationBenchResult> {
  const b = await startBulwark();
  try {
    const c = await readCreds(b.kubeconfig);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ...c });
    const value = Buffer.from('x'.repeat(400)).toString('base64');
    await load(64, objects, async (i) => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `bench-${i}` }, data: { value } });
      const r = await call(agent, `${b.url}/api/v1/namespaces/default/secrets`, 'POST', body);
      if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${r.text}`);
    });
    agent.destroy();
    const t = process.hrtime.bigint();
    const out = await runRotate(b.dataDir);
    const commandSeconds = Number(process.hrtime.bigint() - t) / 1e9;
    // `secrets: 10,000 checked, 10,000 rewritten in 1.9 s (5,300/s)`
    const m = /^secrets: ([\d,]+) checked, ([\d,]+) rewritten.* \(([\d,]+)\/s\)$/m.exec(out);
    if (!m) throw new Error(`rotate did not report its rewrite:\n${out}`);
    const num = (s: string) => Number(s.replace(/,/g, ''));
    const rewriteObjectsPerSec = num(m[3]!);
    return {
      objects,
      rewritten: num(m[2]!),
      commandSeconds,
      commandObjectsPerSec: objects / commandSeconds,
      rewriteSeconds: num(m[1]!) / rewriteObjectsPerSec,
      rewriteObjectsPerSec,
    };
  } finally {
    await b.cleanup();
  }
}
