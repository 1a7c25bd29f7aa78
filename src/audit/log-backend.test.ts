import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createLogBackend } from './log-backend.js';
import type { AuditMetrics } from './metrics.js';
import { sampleEvent } from './test-events.js';
import type { AuditEvent } from './types.js';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'audit-log-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function freshDir(): Promise<string> {
  const d = path.join(root, `t${n++}`);
  await mkdir(d, { mode: 0o700 });
  return d;
}

function countingMetrics(): AuditMetrics & { failed: Map<string, number> } {
  const failed = new Map<string, number>();
  return {
    failed,
    eventProcessed() {},
    eventsFailed(plugin, k) {
      failed.set(plugin, (failed.get(plugin) ?? 0) + k);
    },
  };
}

const BACKUP = /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log(\.gz)?$/;

test('writes one JSON event per line to a 0600 file in a new 0700 directory', async () => {
  const dir = await freshDir();
  const file = path.join(dir, 'nested', 'deeper', 'audit.log');
  const logs: string[] = [];
  const b = await createLogBackend({ path: file, log: (m) => logs.push(m) });
  assert.equal(b.name, 'log');
  assert.equal(b.mode, 'blocking');
  const results = await Promise.all([1, 2, 3].map((i) => b.process(sampleEvent(i))));
  assert.deepEqual(results, [true, true, true]);
  await b.process(sampleEvent(4, { requestObject: { kind: 'Pod', metadata: { name: 'x\ny' } } }));
  const lines = (await readFile(file, 'utf8')).split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.equal(lines.length, 4);
  const parsed = lines.map((l) => JSON.parse(l) as AuditEvent);
  assert.deepEqual(parsed.map((e) => e.auditID), [1, 2, 3, 4].map((i) => sampleEvent(i).auditID));
  assert.deepEqual(parsed[3], sampleEvent(4, { requestObject: { kind: 'Pod', metadata: { name: 'x\ny' } } }));
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await stat(path.join(dir, 'nested'))).mode & 0o777, 0o700);
  assert.equal((await stat(path.join(dir, 'nested', 'deeper'))).mode & 0o777, 0o700);
  assert.deepEqual(b.stats?.(), { queued: 0, dropped: 0, written: 4 });
  await b.shutdown();
  assert.equal(await b.process(sampleEvent(5)), false, 'nothing is accepted after shutdown');
  assert.deepEqual(logs, []);
});

test('appends to an existing log and refuses unusable paths', async () => {
  const dir = await freshDir();
  const file = path.join(dir, 'audit.log');
  await writeFile(file, 'earlier\n', { mode: 0o600 });
  const b = await createLogBackend({ path: file, log: () => {} });
  await b.process(sampleEvent(1));
  await b.shutdown();
  const text = await readFile(file, 'utf8');
  assert.ok(text.startsWith('earlier\n{'), text);

  await assert.rejects(createLogBackend({ path: dir, log: () => {} }), /is a directory; give the path of a file in it/);
  const loose = path.join(dir, 'loose.log');
  await writeFile(loose, '');
  await chmod(loose, 0o644);
  await assert.rejects(createLogBackend({ path: loose, log: () => {} }), /has mode 0644.*must be 0600: run `chmod 600/);
  await assert.rejects(createLogBackend({ path: path.join(file, 'x.log'), log: () => {} }), /exists but is not a directory/);
  await assert.rejects(createLogBackend({ path: path.join(dir, 'a.log'), format: 'xml' as 'json', log: () => {} }), /format must be "json" or "legacy"/);
  // a link to another file (planted to redirect the trail, or to overwrite that file) is refused
  const target = path.join(dir, 'elsewhere');
  await writeFile(target, '', { mode: 0o600 });
  await symlink(target, path.join(dir, 'link.log'));
  await assert.rejects(createLogBackend({ path: path.join(dir, 'link.log'), log: () => {} }), /is a symbolic link/);
  assert.equal(await readFile(target, 'utf8'), '');
  // so is a directory others may write to
  const shared = path.join(dir, 'shared');
  await mkdir(shared);
  await chmod(shared, 0o777);
  await assert.rejects(createLogBackend({ path: path.join(shared, 'audit.log'), log: () => {} }), /group or others may replace the log/);
});

test('legacy format: one kube legacy line per event', async () => {
  const dir = await freshDir();
  const file = path.join(dir, 'audit.log');
  const b = await createLogBackend({ path: file, format: 'legacy', log: () => {} });
  await b.process(sampleEvent(1));
  await b.process(sampleEvent(2, { stage: 'RequestReceived', responseStatus: undefined }));
  await b.shutdown();
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^2026-11-22T10:00:00\.123456Z AUDIT: id="00000000-0000-4000-8000-000000000001" stage="ResponseComplete" ip="127\.0\.0\.1" method="get" user="system:admin" groups="\\"system:masters\\",\\"system:authenticated\\"" as="<self>" asgroups="<lookup>" user-agent="kubectl\/v1\.30\.0 \(linux\/amd64\) kubernetes\/abcdef" namespace="default" uri="\/api\/v1\/namespaces\/default\/pods\/pod-1" response="200"$/);
  assert.match(lines[1]!, /stage="RequestReceived" .* response="<deferred>"$/);
});

function bigEvent(i: number): AuditEvent {
  // About 2.6 KB, so a few thousand events pass several megabytes.
  return sampleEvent(i, { requestObject: { kind: 'ConfigMap', data: { blob: 'x'.repeat(1900) } } });
}

async function writeMany(b: Awaited<ReturnType<typeof createLogBackend>>, count: number): Promise<void> {
  // In chunks, the way concurrent requests would arrive.
  for (let i = 0; i < count; i += 200) {
    const chunk: Array<Promise<boolean>> = [];
    for (let j = i; j < Math.min(count, i + 200); j++) chunk.push(b.process(bigEvent(j)));
    assert.ok((await Promise.all(chunk)).every(Boolean));
  }
}

test('rotation: maxSizeMB 1 and maxBackups 3 leave at most 3 backups and the current file after >5 MB', async () => {
  const dir = await freshDir();
  const file = path.join(dir, 'audit.log');
  const b = await createLogBackend({ path: file, maxSizeMB: 1, maxBackups: 3, log: () => {} });
  await writeMany(b, 3000); // ~8 MB
  await b.shutdown();
  const names = (await readdir(dir)).sort();
  const backups = names.filter((f) => f !== 'audit.log');
  assert.ok(names.includes('audit.log'));
  assert.equal(backups.length, 3, names.join(' '));
  for (const f of backups) assert.match(f, BACKUP);
  let lastId = -1;
  // Backups sort oldest first by name; the current file is the newest.
  for (const f of [...backups, 'audit.log']) {
    const st = await stat(path.join(dir, f));
    assert.ok(st.size <= 1024 * 1024, `${f} is ${st.size} bytes`);
    assert.ok(st.size > 900 * 1024 || f === 'audit.log', `${f} was filled before rotating (${st.size} bytes)`);
    assert.equal(st.mode & 0o777, 0o600, f);
    const lines = (await readFile(path.join(dir, f), 'utf8')).trimEnd().split('\n');
    for (const l of lines) {
      const id = Number((JSON.parse(l) as AuditEvent).auditID.slice(-12));
      if (lastId >= 0) assert.equal(id, lastId + 1, 'the kept files hold consecutive events, none torn or lost between them');
      lastId = id;
    }
  }
  assert.equal(lastId, 2999);
});

test('rotation with compress gzips backups; maxAgeDays removes old ones', async () => {
  const dir = await freshDir();
  const file = path.join(dir, 'audit.log');
  // A backup from 40 days ago and an unrelated file that must survive.
  const old = path.join(dir, 'audit-2026-10-01T00-00-00.000.log.gz');
  await writeFile(old, 'old', { mode: 0o600 });
  await writeFile(path.join(dir, 'notes.txt'), 'keep');
  const now = (): Date => new Date('2026-11-10T00:00:00Z');
  const b = await createLogBackend({ path: file, maxSizeMB: 1, compress: true, maxAgeDays: 30, now, log: () => {} });
  await writeMany(b, 1000); // ~2.5 MiB: two rotations
  await b.shutdown();
  const names = (await readdir(dir)).sort();
  assert.ok(!names.includes(path.basename(old)), 'the 40-day-old backup is gone');
  assert.ok(names.includes('notes.txt'));
  const gz = names.filter((f) => f.endsWith('.log.gz'));
  assert.equal(gz.length, 2, names.join(' '));
  assert.deepEqual(names.filter((f) => f.endsWith('.log')), ['audit.log'], 'no uncompressed backup is left');
  // Same clock for both rotations: the second name is moved on by a millisecond, not overwritten.
  assert.deepEqual(gz, ['audit-2026-11-10T00-00-00.000.log.gz', 'audit-2026-11-10T00-00-00.001.log.gz']);
  let total = 0;
  for (const f of gz) {
    assert.equal((await stat(path.join(dir, f))).mode & 0o777, 0o600);
    const text = gunzipSync(await readFile(path.join(dir, f))).toString('utf8');
    const lines = text.trimEnd().split('\n');
    for (const l of lines) JSON.parse(l);
    total += lines.length;
  }
  total += (await readFile(file, 'utf8')).trimEnd().split('\n').length;
  assert.equal(total, 1000);
});

test('blocking mode: process resolves only after the write, events of one tick share it', async () => {
  const dir = await freshDir();
  const file = path.join(dir, 'audit.log');
  const b = await createLogBackend({ path: file, log: () => {} });
  let resolved = 0;
  const ps = Array.from({ length: 500 }, (_, i) => b.process(sampleEvent(i)).then((ok) => (resolved++, ok)));
  await Promise.resolve();
  assert.equal(resolved, 0, 'nothing is acknowledged before it is written');
  assert.equal(b.stats?.().queued, 500);
  assert.ok((await Promise.all(ps)).every(Boolean));
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  assert.equal(lines.length, 500);
  await b.shutdown();
});

test('batch mode: process resolves when queued, the buffer is bounded, drops are counted', async () => {
  const dir = await freshDir();
  const file = path.join(dir, 'audit.log');
  const metrics = countingMetrics();
  const logs: string[] = [];
  const b = await createLogBackend({
    path: file,
    mode: 'batch',
    batch: { bufferSize: 100, maxBatchSize: 10, maxBatchWaitMs: 60_000 },
    metrics,
    log: (m) => logs.push(m),
  });
  assert.equal(b.mode, 'batch');
  const results: boolean[] = [];
  for (let i = 0; i < 150; i++) results.push(await b.process(sampleEvent(i)));
  // All offered within microtasks of one turn: the first 100 fit, the rest are dropped.
  assert.equal(results.filter(Boolean).length, 100);
  assert.deepEqual(results.slice(100), new Array(50).fill(false));
  assert.equal(metrics.failed.get('log'), 50);
  assert.equal(b.stats?.().dropped, 50);
  assert.equal(logs.length, 1, 'one log line for a burst of drops');
  assert.match(logs[0]!, /audit log buffer full \(100 events/);
  await b.shutdown();
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  assert.equal(lines.length, 100, 'shutdown flushes the buffer');
  assert.deepEqual(b.stats?.(), { queued: 0, dropped: 50, written: 100 });
});

test('an event that cannot be serialized is dropped, not thrown', async () => {
  const dir = await freshDir();
  const metrics = countingMetrics();
  const logs: string[] = [];
  const b = await createLogBackend({ path: path.join(dir, 'audit.log'), metrics, log: (m) => logs.push(m) });
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  assert.equal(await b.process(sampleEvent(1, { requestObject: cyclic })), false);
  assert.equal(metrics.failed.get('log'), 1);
  assert.match(logs[0]!, /cannot serialize event 00000000-0000-4000-8000-000000000001/);
  assert.equal(await b.process(sampleEvent(2)), true);
  await b.shutdown();
});
