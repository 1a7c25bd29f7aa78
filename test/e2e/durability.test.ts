// Durability: every create that returned 201 survives `kill -9` of the server mid-run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readCreds, startBulwark } from './harness.js';

test('acknowledged creates survive kill -9', { timeout: 120_000 }, async () => {
  const first = await startBulwark({ keepData: true });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 20, ...(await readCreds(first.kubeconfig)) });
  const acked = new Map<string, string>();
  let killed = false;
  const create = (name: string, value: string) =>
    new Promise<number>((resolve) => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value } });
      const req = https.request(`${first.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });
  let next = 0;
  const worker = async () => {
    while (next < 1000 && !killed) {
      const i = next++;
      const name = `cm-${i}`;
      const value = `value-${i}-${'x'.repeat(i % 200)}`;
      const code = await create(name, value);
      if (code === 201) acked.set(name, value);
      if (!killed && acked.size >= 400) {
        killed = true;
        first.proc.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  await first.stop('SIGKILL');
  agent.destroy();
  assert.ok(acked.size >= 400, `expected at least 400 acknowledged creates, got ${acked.size}`);

  const second = await startBulwark({ dataDir: first.dataDir });
  try {
    const list = (await second.request('GET', '/api/v1/namespaces/default/configmaps')).json();
    const stored = new Map<string, string>(list.items.map((i: { metadata: { name: string }; data: { value: string } }) => [i.metadata.name, i.data.value]));
    for (const [name, value] of acked) assert.equal(stored.get(name), value, `${name} was acknowledged but is missing or changed after kill -9`);
  } finally {
    await second.cleanup();
  }
});
