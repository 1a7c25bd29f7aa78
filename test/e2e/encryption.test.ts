// Encryption at rest on the storage path: Secrets are never stored in plain text by default, an
// EncryptionConfiguration's providers write kube-apiserver's prefixes, rotation by replace works,
// and a bad configuration refuses to start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, readdir, chmod, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startBulwark, eventually, bulwarkCli, BULWARK_BIN, REPO_ROOT } from './harness.js';
import { storedValue } from './stored.js';

/** An EncryptionConfiguration for Secrets: aesgcm with these (name, base64 key) pairs, then identity. */
const aesgcmConfig = (keys: [string, string][]) => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aesgcm:
      keys:
${keys.map(([n, k]) => `      - name: ${n}\n        secret: ${k}`).join('\n')}
  - identity: {}
`;

const SECRET_VALUE = `s3cr3t-${randomBytes(6).toString('hex')}`;

/** The stored bytes of one key, read from the database file of a stopped server. */

async function filesContain(dataDir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const f of await readdir(dataDir)) {
    if (!f.startsWith('state.db')) continue;
    const bytes = await readFile(path.join(dataDir, f));
    if (bytes.includes(Buffer.from(needle))) hits.push(f);
  }
  return hits;
}

test('by default Secrets are stored with secretbox and never in plain text; ConfigMaps stay plain', async () => {
  const b = await startBulwark({ keepData: true });
  try {
    const cfg = await readFile(path.join(b.dataDir, 'encryption-config.yaml'), 'utf8');
    assert.match(cfg, /secretbox/);
    const r = await b.kubectl(['create', 'secret', 'generic', 'db', `--from-literal=password=${SECRET_VALUE}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await b.kubectl(['create', 'configmap', 'plain', `--from-literal=value=${SECRET_VALUE}`])).code, 0);
    const got = await b.kubectl(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(got.stdout, 'base64').toString(), SECRET_VALUE);
    // while the server runs too: the WAL holds the newest pages
    assert.deepEqual(await filesContain(b.dataDir, Buffer.from(SECRET_VALUE).toString('base64')), []);
    await b.stop();
    assert.deepEqual(await filesContain(b.dataDir, Buffer.from(SECRET_VALUE).toString('base64')), []);
    assert.deepEqual(await filesContain(b.dataDir, SECRET_VALUE).then((h) => h.length > 0), true, 'the ConfigMap holding the same text is stored plain');
    const secret = storedValue(b.dataDir, '/registry/secrets/default/db');
    assert.equal(secret.subarray(0, 'k8s:enc:secretbox:v1:key1:'.length).toString(), 'k8s:enc:secretbox:v1:key1:');
    assert.match(storedValue(b.dataDir, '/registry/configmaps/default/plain').toString(), /^\{/);
    // the same key decrypts it after a restart
    const again = await startBulwark({ dataDir: b.dataDir, keepData: true });
    const back = await again.kubectl(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(back.stdout, 'base64').toString(), SECRET_VALUE);
    await again.stop();
  } finally {
    await b.cleanup();
  }
});

test('rotation by hand: a new aesgcm key first, then replace rewrites every Secret with it; identity first stores them plain again', async () => {
  const key = () => randomBytes(32).toString('base64');
  const k1 = key();
  const k2 = key();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-rotate-'));
  const cfgPath = path.join(dataDir, 'enc.yaml');
  await writeFile(cfgPath, aesgcmConfig([['key1', k1]]), { mode: 0o600 });
  let b = await startBulwark({ dataDir, keepData: true, args: ['--encryption-provider-config', cfgPath] });
  try {
    await b.kubectl(['create', 'ns', 'rot']);
    for (let i = 0; i < 3; i++) assert.equal((await b.kubectl(['-n', 'rot', 'create', 'secret', 'generic', `s${i}`, `--from-literal=v=${i}`])).code, 0);
    await b.stop();
    assert.match(storedValue(dataDir, '/registry/secrets/rot/s0').toString('latin1'), /^k8s:enc:aesgcm:v1:key1:/);

    await writeFile(cfgPath, aesgcmConfig([['key2', k2], ['key1', k1]]));
    b = await startBulwark({ dataDir, keepData: true, args: ['--encryption-provider-config', cfgPath] });
    const status = async () => {
      const r = await bulwarkCli(['secrets-encrypt', 'status', '--data-dir', dataDir]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    // three Secrets still stored with key1 while key2 writes: stale
    assert.match(await status(), /^secrets\s+aesgcm:key2\s+3\s+3\s+aesgcm:key1=3$/m);
    const all = await b.kubectl(['get', 'secrets', '-A', '-o', 'json']);
    assert.equal(all.code, 0, all.stderr);
    const replaced = await b.kubectl(['replace', '-f', '-'], { input: all.stdout });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(await status(), /^secrets\s+aesgcm:key2\s+3\s+0\s+aesgcm:key2=3$/m);
    await b.stop();
    for (let i = 0; i < 3; i++) assert.match(storedValue(dataDir, `/registry/secrets/rot/s${i}`).toString('latin1'), /^k8s:enc:aesgcm:v1:key2:/);

    // identity first (the old key still after it to read) and the same replace: plain text again
    await writeFile(
      cfgPath,
      `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n  - aesgcm:\n      keys:\n      - name: key2\n        secret: ${k2}\n`,
    );
    b = await startBulwark({ dataDir, keepData: true, args: ['--encryption-provider-config', cfgPath] });
    const again = await b.kubectl(['get', 'secrets', '-A', '-o', 'json']);
    assert.equal((await b.kubectl(['replace', '-f', '-'], { input: again.stdout })).code, 0);
    await b.stop();
    for (let i = 0; i < 3; i++) {
      const plain = JSON.parse(storedValue(dataDir, `/registry/secrets/rot/s${i}`).toString('utf8')) as { data: Record<string, string> };
      assert.equal(Buffer.from(plain.data['v']!, 'base64').toString(), String(i));
    }
  } finally {
    await b.cleanup();
  }
});

test('a bad encryption configuration refuses to start, naming the field', async () => {
  const b = await startBulwark({ keepData: true });
  await b.stop();
  const bad = path.join(b.dataDir, 'bad.yaml');
  await writeFile(bad, 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: k\n        secret: c2hvcnQ=\n', { mode: 0o600 });
  await chmod(bad, 0o600);
  const child = spawn(process.execPath, [BULWARK_BIN, 'server', '--data-dir', b.dataDir, '--secure-port', String(b.port), '--encryption-provider-config', bad], { cwd: REPO_ROOT });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.notEqual(code, 0);
  assert.match(err, /resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret/);
  assert.doesNotMatch(err, /c2hvcnQ=/, 'key material is never echoed');
  await b.cleanup();
});

test('automatic reload: a valid change applies without a restart; an invalid one is kept out, reported and counted', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-reload-'));
  const cfgPath = path.join(dataDir, 'enc.yaml');
  const key1: [string, string] = ['key1', randomBytes(32).toString('base64')];
  const key2: [string, string] = ['key2', randomBytes(32).toString('base64')];
  await writeFile(cfgPath, aesgcmConfig([key1]), { mode: 0o600 });
  const b = await startBulwark({ dataDir, keepData: true, args: ['--encryption-provider-config', cfgPath, '--encryption-provider-config-automatic-reload'] });
  const reloads = async (status: string) => {
    const m = /apiserver_encryption_config_controller_automatic_reloads_total\{status="(\w+)"\} (\d+)/g;
    const text = (await b.request('GET', '/metrics')).text;
    return [...text.matchAll(m)].filter((x) => x[1] === status).reduce((n, x) => n + Number(x[2]), 0);
  };
  try {
    assert.equal((await b.kubectl(['create', 'secret', 'generic', 'before', '--from-literal=v=1'])).code, 0);
    await writeFile(cfgPath, aesgcmConfig([key2, key1]));
    await eventually(async () => assert.equal(await reloads('success'), 1), 10_000);
    assert.equal((await b.kubectl(['create', 'secret', 'generic', 'after', '--from-literal=v=2'])).code, 0);

    await writeFile(cfgPath, 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{bogus: {}}]}]\n');
    await eventually(async () => assert.equal(await reloads('failure'), 1), 10_000);
    const ready = await b.request('GET', '/readyz?verbose');
    assert.equal(ready.status, 500);
    assert.match(ready.text, /\[-\]encryption-config-automatic-reload failed/);
    assert.equal((await b.request('GET', '/livez')).status, 200, 'a bad file on disk does not make the server unhealthy');
    // the running configuration still reads and writes
    assert.equal((await b.kubectl(['create', 'secret', 'generic', 'later', '--from-literal=v=3'])).code, 0);
    for (const n of ['before', 'after', 'later']) assert.equal((await b.kubectl(['get', 'secret', n, '-o', 'name'])).code, 0);
    await b.stop();
    assert.match(storedValue(dataDir, '/registry/secrets/default/before').toString('latin1'), /^k8s:enc:aesgcm:v1:key1:/);
    assert.match(storedValue(dataDir, '/registry/secrets/default/after').toString('latin1'), /^k8s:enc:aesgcm:v1:key2:/);
    assert.match(storedValue(dataDir, '/registry/secrets/default/later').toString('latin1'), /^k8s:enc:aesgcm:v1:key2:/);
  } finally {
    await b.cleanup();
  }
});
