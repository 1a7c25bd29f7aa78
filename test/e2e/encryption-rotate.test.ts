// `bulwark secrets-encrypt rotate` end to end: 10,000 Secrets rotated to a new key while a client
// keeps creating and reading Secrets (no request fails, nothing is lost, the old key is retired),
// and a rotation killed half-way that a rerun finishes. The endpoints it uses are admin-only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BULWARK_BIN, REPO_ROOT, bulwarkCli, certUser, readCreds, startBulwark, type BulwarkProcess } from './harness.js';
import { storedValues } from './stored.js';

const NS = 'default';

interface Client {
  call(method: string, urlPath: string, body?: unknown): Promise<{ status: number; text: string }>;
  close(): void;
}

async function client(b: BulwarkProcess, sockets: number): Promise<Client> {
  const creds = await readCreds(b.kubeconfig);
  const agent = new https.Agent({ keepAlive: true, maxSockets: sockets, ...creds });
  return {
    call: (method, urlPath, body) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const headers: Record<string, string> = { Accept: 'application/json' };
        if (payload) headers['Content-Type'] = 'application/json';
        const req = https.request(`${b.url}${urlPath}`, { method, agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
}

const secretBody = (name: string, value: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: { v: Buffer.from(value).toString('base64') } });

/** Creates `count` Secrets, `concurrency` at a time; returns name → value. */
async function createSecrets(c: Client, prefix: string, count: number, concurrency = 64): Promise<Map<string, string>> {
  const made = new Map<string, string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const name = `${prefix}-${next++}`;
        const value = `${name}:${randomBytes(8).toString('hex')}`;
        const r = await c.call('POST', `/api/v1/namespaces/${NS}/secrets`, secretBody(name, value));
        assert.equal(r.status, 201, r.text);
        made.set(name, value);
      }
    }),
  );
  return made;
}

/** Every Secret in the namespace: name → decoded value of `v`. */
async function listSecrets(c: Client): Promise<Map<string, string>> {
  const r = await c.call('GET', `/api/v1/namespaces/${NS}/secrets`);
  assert.equal(r.status, 200, r.text);
  const items = (JSON.parse(r.text) as { items: { metadata: { name: string }; data?: { v?: string } }[] }).items;
  return new Map(items.filter((i) => i.data?.v).map((i) => [i.metadata.name, Buffer.from(i.data!.v!, 'base64').toString()]));
}

interface RotateRun {
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
  kill(): void;
  /** Resolves once stdout matches. */
  waitFor(pattern: RegExp): Promise<void>;
}

function startRotate(dataDir: string, extra: string[] = []): RotateRun {
  const child = spawn(process.execPath, [BULWARK_BIN, 'secrets-encrypt', 'rotate', '--data-dir', dataDir, ...extra], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (c: Buffer) => {
    out += c.toString();
    for (const w of [...waiters]) {
      if (w.pattern.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    done,
    output: () => out,
    kill: () => void child.kill('SIGKILL'),
    waitFor: (pattern) =>
      pattern.test(out)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ pattern, resolve });
            void done.then(() => reject(new Error(`rotate exited before printing ${pattern}:\n${out}`)));
          }),
  };
}

async function status(dataDir: string): Promise<string> {
  const r = await bulwarkCli(['secrets-encrypt', 'status', '--data-dir', dataDir]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** The key names of the secretbox provider in the data directory's generated configuration. */
async function configKeys(dataDir: string): Promise<string[]> {
  const text = await readFile(path.join(dataDir, 'encryption-config.yaml'), 'utf8');
  return [...text.matchAll(/- name: (\S+)/g)].map((m) => m[1]!);
}

/** Stored prefix (up to the key name) → count, over every Secret, read from a stopped server's database. */
function storedPrefixes(dataDir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const value of storedValues(dataDir, '/registry/secrets/%')) {
    const prefix = /^k8s:enc:[a-z]+:v1:[^:]+:/.exec(value.subarray(0, 64).toString('latin1'))?.[0] ?? 'plain';
    out.set(prefix, (out.get(prefix) ?? 0) + 1);
  }
  return out;
}

test('rotate 10,000 Secrets while a client creates and reads: no request fails, nothing is lost, the old key is retired', { timeout: 240_000 }, async (t) => {
  const b = await startBulwark();
  const c = await client(b, 64);
  try {
    const created = await createSecrets(c, 'bulk', 10_000);
    assert.match(await status(b.dataDir), /^secrets\s+secretbox:key1\s+\d+\s+0\s+secretbox:key1=\d+$/m);

    const rotation = startRotate(b.dataDir);
    let finished = false;
    void rotation.done.then(() => (finished = true));
    const failures: string[] = [];
    let liveCreates = 0;
    let liveReads = 0;
    const names = [...created.keys()];
    const live = await client(b, 8);
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; !finished; i++) {
          try {
            if (i % 2 === 0) {
              const name = `live-${worker}-${i}`;
              const value = `${name}:${randomBytes(8).toString('hex')}`;
              const r = await live.call('POST', `/api/v1/namespaces/${NS}/secrets`, secretBody(name, value));
              if (r.status !== 201) failures.push(`create ${name}: ${r.status} ${r.text}`);
              else {
                created.set(name, value);
                names.push(name);
                liveCreates++;
              }
            } else {
              const name = names[Math.floor(Math.random() * names.length)]!;
              const r = await live.call('GET', `/api/v1/namespaces/${NS}/secrets/${name}`);
              const got = r.status === 200 ? Buffer.from((JSON.parse(r.text) as { data: { v: string } }).data.v, 'base64').toString() : undefined;
              if (got !== created.get(name)) failures.push(`get ${name}: ${r.status} ${got === undefined ? r.text : 'wrong value'}`);
              else liveReads++;
            }
          } catch (err) {
            failures.push(`request failed: ${String(err)}`);
          }
        }
      }),
    );
    live.close();
    const result = await rotation.done;
    assert.equal(result.code, 0, rotation.output());
    assert.match(rotation.output(), /new key key2 writes/);
    assert.match(rotation.output(), /^secrets: [\d,]+ checked, [\d,]+ rewritten/m);
    assert.match(rotation.output(), /retired key1; secretbox:key2 remains/);
    for (const line of rotation.output().trimEnd().split('\n')) t.diagnostic(`rotate: ${line}`);
    t.diagnostic(`during the rotation the client made ${liveCreates} creates and ${liveReads} reads`);
    assert.deepEqual(failures, []);
    assert.ok(liveCreates > 0 && liveReads > 0, `the client ran during the rotation (${liveCreates} creates, ${liveReads} reads)`);

    const listed = await listSecrets(c);
    for (const [name, value] of created) assert.equal(listed.get(name), value, `secret ${name}`);
    const st = await status(b.dataDir);
    const row = /^secrets\s+secretbox:key2\s+(\d+)\s+(\d+)\s+(\S+)$/m.exec(st);
    assert.ok(row, st);
    assert.equal(row[2], '0', 'no stale Secret');
    assert.equal(row[3], `secretbox:key2=${row[1]}`);
    assert.ok(Number(row[1]) >= created.size);
    assert.deepEqual(await configKeys(b.dataDir), ['key2']);

    await b.stop();
    const prefixes = storedPrefixes(b.dataDir);
    assert.deepEqual([...prefixes.keys()], ['k8s:enc:secretbox:v1:key2:']);
    assert.ok(prefixes.get('k8s:enc:secretbox:v1:key2:')! >= created.size);
  } finally {
    c.close();
    await b.cleanup();
  }
});

test('a rotation killed half-way is finished by a rerun; the endpoints are refused to non-admins', { timeout: 180_000 }, async () => {
  const b = await startBulwark();
  const c = await client(b, 64);
  try {
    const created = await createSecrets(c, 'int', 5000);
    const first = startRotate(b.dataDir, ['--batch-size', '50']);
    await first.waitFor(/^secrets: [\d,]+ of [\d,]+ \([\d,]+\/s\)$/m);
    first.kill();
    assert.equal((await first.done).signal, 'SIGKILL');
    // interrupted between adding the key and retiring the old one
    assert.deepEqual(await configKeys(b.dataDir), ['key2', 'key1']);
    const mid = /^secrets\s+secretbox:key2\s+(\d+)\s+(\d+)\s/m.exec(await status(b.dataDir));
    assert.ok(mid && Number(mid[2]) > 0, 'stale Secrets remain after the kill');

    const alice = await certUser(b, 'alice');
    for (const p of ['/encryption/rewrite?resource=secrets', '/encryption/reload']) {
      const r = await alice.request('POST', p);
      assert.equal(r.status, 403, `${p}: ${r.text}`);
    }
    assert.equal((await alice.request('GET', '/encryption/status')).status, 403);

    const second = startRotate(b.dataDir);
    const result = await second.done;
    assert.equal(result.code, 0, second.output());
    assert.match(second.output(), /rotation in progress \(keys key2, key1\): finishing it with secretbox:key2/);
    assert.doesNotMatch(second.output(), /key3/);
    assert.match(await status(b.dataDir), /^secrets\s+secretbox:key2\s+\d+\s+0\s+secretbox:key2=\d+$/m);
    assert.deepEqual(await configKeys(b.dataDir), ['key2']);
    const listed = await listSecrets(c);
    for (const [name, value] of created) assert.equal(listed.get(name), value, `secret ${name}`);
    await b.stop();
    assert.deepEqual([...storedPrefixes(b.dataDir).keys()], ['k8s:enc:secretbox:v1:key2:']);
  } finally {
    c.close();
    await b.cleanup();
  }
});
