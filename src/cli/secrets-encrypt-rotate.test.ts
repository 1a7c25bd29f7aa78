// Tests of the rotate command's decisions against a fake server that reads the same configuration
// file: a full rotation, refusing to retire a key still in use, stage and promote, and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEncryptionConfiguration } from '../encryption/index.js';
import { ruleIndexFor, ruleWriter } from '../encryption/rotation.js';
import { ServerError, type EncryptionStatus, type RewritePage } from './secrets-encrypt-client.js';
import { progressLine, rotate, type EncryptionAdmin, type RotateOptions } from './secrets-encrypt-rotate.js';

const config = (keys: string[], first = 'secretbox') => `# kept comment
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - ${first}:
          keys:
${keys.map((k) => `            - name: ${k}\n              secret: ${randomBytes(32).toString('base64')}`).join('\n')}
      - identity: {}
  - resources: [configmaps]
    providers:
      - identity: {}
`;

/** A server holding Secrets (name → the writer that stored it), loading `file` on reload. */
class FakeServer implements EncryptionAdmin {
  writer = '';
  readonly objects = new Map<string, string>();
  /** Objects another server keeps writing with an old key: a rewrite here does not stick. */
  readonly stuck = new Set<string>();
  reloads = 0;
  rewriteCalls = 0;
  failReload?: string;

  constructor(readonly file: string) {}

  async load(): Promise<void> {
    const c = parseEncryptionConfiguration(await readFile(this.file, 'utf8'), this.file);
    this.writer = ruleWriter(c.resources[ruleIndexFor(c, 'secrets')]!);
  }

  async status(): Promise<EncryptionStatus> {
    const byProvider: Record<string, number> = {};
    let stale = 0;
    for (const w of this.objects.values()) {
      byProvider[w] = (byProvider[w] ?? 0) + 1;
      if (w !== this.writer) stale++;
    }
    return { configFile: this.file, resources: [{ resource: 'secrets', writesWith: this.writer, total: this.objects.size, byProvider, stale }] };
  }

  async reload(): Promise<EncryptionStatus> {
    if (this.failReload) throw new ServerError(400, this.failReload);
    this.reloads++;
    await this.load();
    return this.status();
  }

  async rewrite(resource: string, limit: number, token: string): Promise<RewritePage> {
    assert.equal(resource, 'secrets');
    this.rewriteCalls++;
    const names = [...this.objects.keys()].sort();
    const start = token ? names.indexOf(token) + 1 : 0;
    const page = names.slice(start, start + limit);
    let rewritten = 0;
    for (const name of page) {
      if (this.objects.get(name) !== this.writer && !this.stuck.has(name)) {
        this.objects.set(name, this.writer);
        rewritten++;
      }
    }
    const more = start + page.length < names.length;
    return { resource, scanned: page.length, rewritten, skipped: 0, remaining: names.length - start - page.length, continue: more ? page[page.length - 1]! : '' };
  }
}

async function setup(keys: string[], objects = 25, first = 'secretbox'): Promise<{ dir: string; server: FakeServer; out: () => string; opts: (o?: Partial<RotateOptions>) => RotateOptions }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-rotate-cli-'));
  const file = path.join(dir, 'enc.yaml');
  await writeFile(file, config(keys, first), { mode: 0o600 });
  const server = new FakeServer(file);
  await server.load();
  for (let i = 0; i < objects; i++) server.objects.set(`s${String(i).padStart(3, '0')}`, server.writer);
  let text = '';
  return {
    dir,
    server,
    out: () => text,
    opts: (o = {}) => ({ batchSize: 10, retireDelayMs: 0, out: { write: (s: string) => (text += s) }, ...o }),
  };
}

const keyNames = async (file: string) => [...(await readFile(file, 'utf8')).matchAll(/- name: (\S+)/g)].map((m) => m[1]);

test('progressLine: done of total with the rate, thousands separated', () => {
  assert.equal(progressLine('secrets', 4200, 10000, 1349.6), 'secrets: 4,200 of 10,000 (1,350/s)');
  assert.equal(progressLine('secrets', 12, 10, 3), 'secrets: 12 of 12 (3/s)', 'objects created meanwhile raise the total');
});

test('a full rotation: new key first, every object rewritten, old key retired, file 0600 with its comment', async () => {
  const { dir, server, out, opts } = await setup(['key1']);
  try {
    await rotate(server, opts());
    assert.deepEqual(await keyNames(server.file), ['key2']);
    assert.equal(server.writer, 'secretbox:key2');
    assert.deepEqual(new Set(server.objects.values()), new Set(['secretbox:key2']));
    assert.equal(server.rewriteCalls, 3, '25 objects in pages of 10');
    assert.equal((await stat(server.file)).mode & 0o777, 0o600);
    assert.match(await readFile(server.file, 'utf8'), /^# kept comment$/m);
    assert.match(out(), /resources\[0\] \(secrets\): new key key2 writes; secretbox:key1 kept/);
    assert.match(out(), /resources\[1\] \(configmaps\): written as is \(identity first\): nothing to rotate/);
    assert.match(out(), /^secrets: 25 checked, 25 rewritten/m);
    assert.match(out(), /retired key1; secretbox:key2 remains\nRotation complete\.\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an old key still in use is not retired: the command fails, naming what remains, and a rerun finishes', async () => {
  const { dir, server, opts } = await setup(['key1']);
  try {
    server.stuck.add('s003');
    await assert.rejects(rotate(server, opts()), /secrets: 1 \(secretbox:key1=1\).*\n.*Rerun later/s);
    assert.deepEqual(await keyNames(server.file), ['key2', 'key1'], 'both keys stay');
    server.stuck.clear();
    await rotate(server, opts());
    assert.deepEqual(await keyNames(server.file), ['key2'], 'the rerun adds no key and retires key1');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--no-retire rewrites but keeps the old keys', async () => {
  const { dir, server, out, opts } = await setup(['key4']);
  try {
    await rotate(server, opts({ retire: false }));
    assert.deepEqual(await keyNames(server.file), ['key5', 'key4']);
    assert.deepEqual(new Set(server.objects.values()), new Set(['secretbox:key5']));
    assert.match(out(), /Old keys kept \(--no-retire\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--stage adds a key second without changing the writer; --promote makes it first; plain rotate then retires', async () => {
  const { dir, server, opts } = await setup(['key1']);
  try {
    await rotate(server, opts({ stage: true }));
    assert.deepEqual(await keyNames(server.file), ['key1', 'key2']);
    assert.equal(server.writer, 'secretbox:key1');
    assert.equal(server.rewriteCalls, 0, 'staging rewrites nothing');
    await rotate(server, opts({ stage: true }));
    assert.deepEqual(await keyNames(server.file), ['key1', 'key2'], 'a second --stage adds nothing');
    await assert.rejects(rotate(server, opts({ promote: 'key9' })), /no rule of .* has a key named key9/);
    await rotate(server, opts({ promote: 'key2' }));
    assert.deepEqual(await keyNames(server.file), ['key2', 'key1']);
    assert.equal(server.writer, 'secretbox:key2');
    assert.equal(server.rewriteCalls, 0, 'promoting rewrites nothing');
    await rotate(server, opts());
    assert.deepEqual(await keyNames(server.file), ['key2']);
    assert.deepEqual(new Set(server.objects.values()), new Set(['secretbox:key2']));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file the server cannot load stops the run before anything changes', async () => {
  const { dir, server, opts } = await setup(['key1']);
  try {
    const before = await readFile(server.file, 'utf8');
    server.failReload = 'POST /encryption/reload: 400: bogus: Invalid value: unknown field "bogus"';
    await assert.rejects(rotate(server, opts()), /could not load .* as it is now, so nothing was changed: .*unknown field "bogus"/);
    assert.equal(await readFile(server.file, 'utf8'), before);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a server that does not pick up the new key stops the run before any rewrite', async () => {
  const { dir, server, opts } = await setup(['key1']);
  try {
    // the server answers the reload but keeps writing with the old key
    server.load = async () => undefined;
    await assert.rejects(rotate(server, opts()), /writes secrets with secretbox:key1 although .* names secretbox:key2 first/);
    assert.equal(server.rewriteCalls, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a relative path or an unwritable file is refused with what to do', async () => {
  const { dir, server, opts } = await setup(['key1']);
  try {
    const relative: EncryptionAdmin = { status: async () => ({ ...(await server.status()), configFile: 'enc.yaml' }), reload: () => server.reload(), rewrite: (r, l, t) => server.rewrite(r, l, t) };
    await assert.rejects(rotate(relative, opts()), /relative path enc\.yaml; restart bulwark server with an absolute --encryption-provider-config/);
    const missing: EncryptionAdmin = { status: async () => ({ ...(await server.status()), configFile: path.join(dir, 'gone.yaml') }), reload: () => server.reload(), rewrite: (r, l, t) => server.rewrite(r, l, t) };
    await assert.rejects(rotate(missing, opts()), /cannot rotate: .*gone\.yaml must be readable and writable by this user.*ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a rewrite error stops the run with the server message and keeps the old key', async () => {
  const { dir, server, opts } = await setup(['key1']);
  try {
    server.rewrite = async () => {
      throw new ServerError(503, 'POST /encryption/rewrite: 503: kms provider vault is unavailable');
    };
    await assert.rejects(rotate(server, opts()), /rewriting secrets stopped after 0 objects: .*503: kms provider vault is unavailable; nothing is lost: rerun/);
    assert.deepEqual(await keyNames(server.file), ['key2', 'key1']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
