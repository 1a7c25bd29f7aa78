import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import plugin, { imageTag } from './deny-latest-tag.js';
import { adaptInProcessPlugin, type InProcessAdmissionRequest } from '../../src/admission/plugin-api.js';
import { loadAdmissionConfiguration } from '../../src/admission/config.js';
import type { AdmissionAttributes } from '../../src/admission/types.js';
import { findResource } from '../../src/api/catalogue.js';
import { StatusError } from '../../src/api/status.js';

type Obj = Record<string, unknown>;

const podSpec = (containers: Obj[], extra: Obj = {}): Obj => ({ metadata: { name: 'p', namespace: 'demo' }, spec: { containers, ...extra } });

const request = (object: Obj): InProcessAdmissionRequest => ({
  operation: 'CREATE',
  resource: { group: '', version: 'v1', resource: 'pods' },
  subResource: '',
  namespace: 'demo',
  name: 'p',
  object,
  userInfo: { username: 'bob', groups: [] },
  dryRun: false,
});

const attrs = (object: Obj): AdmissionAttributes => ({
  operation: 'CREATE',
  resource: findResource('', 'v1', 'pods')!,
  subresource: '',
  namespace: 'demo',
  name: 'p',
  object,
  user: { username: 'bob', groups: [] },
  dryRun: false,
  warnings: [],
  auditAnnotations: {},
});

test('image tags: registry ports are not tags, digests pin', () => {
  assert.deepEqual(imageTag('nginx'), { tag: '', pinned: false });
  assert.deepEqual(imageTag('nginx:1.27'), { tag: '1.27', pinned: false });
  assert.deepEqual(imageTag('registry.local:5000/team/app'), { tag: '', pinned: false });
  assert.deepEqual(imageTag('registry.local:5000/team/app:latest'), { tag: 'latest', pinned: false });
  assert.deepEqual(imageTag('nginx@sha256:abc'), { tag: '', pinned: true });
});

test('directly: pinned images pass, :latest and untagged images are denied with every offender named', async () => {
  assert.deepEqual(await plugin.admit(request(podSpec([{ name: 'a', image: 'nginx:1.27' }, { name: 'b', image: 'r:5000/x@sha256:0' }]))), { allowed: true, warnings: [] });
  const res = await plugin.admit(
    request(podSpec([{ name: 'a', image: 'nginx:latest' }, { name: 'b', image: 'registry.local:5000/app' }], { initContainers: [{ name: 'i', image: 'busybox' }] })),
  );
  assert.equal(res.allowed, false);
  assert.ok(!res.allowed);
  assert.match(res.reason, /init container "i" uses image "busybox", which has no tag/);
  assert.match(res.reason, /container "a" uses image "nginx:latest", which has the tag :latest/);
  assert.match(res.reason, /container "b" uses image "registry.local:5000\/app", which has no tag/);
});

test('directly: imagePullPolicy Always is a warning, not a denial', async () => {
  const res = await plugin.admit(request(podSpec([{ name: 'a', image: 'nginx:1.27', imagePullPolicy: 'Always' }])));
  assert.deepEqual(res, { allowed: true, warnings: ['container "a" has imagePullPolicy: Always, which pulls the image on every start'] });
});

test('through adaptInProcessPlugin: a 403 naming the plugin, warnings on the request', async () => {
  const adapted = adaptInProcessPlugin(plugin, 'validating');
  assert.equal(adapted.name, 'DenyLatestTag');
  const ok = attrs(podSpec([{ name: 'a', image: 'nginx:1.27', imagePullPolicy: 'Always' }]));
  await adapted.validate!(ok);
  assert.equal(ok.warnings.length, 1);
  await assert.rejects(adapted.validate!(attrs(podSpec([{ name: 'a', image: 'nginx' }]))), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 403);
    assert.match(err.message, /^admission plugin "DenyLatestTag" denied the request: container "a" uses image "nginx", which has no tag/);
    return true;
  });
  // Not a pod: not called.
  const cm = { ...attrs({ metadata: { name: 'c' }, data: {} }), resource: findResource('', 'v1', 'configmaps')! };
  await adapted.validate!(cm);
});

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'examples', 'admission-plugin', 'admission-config.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

test('admission-config.yaml points at the built module and loads it', async () => {
  const root = repoRoot();
  const yamlPath = join(root, 'examples', 'admission-plugin', 'admission-config.yaml');
  const doc = parse(await readFile(yamlPath, 'utf8')) as { plugins: { name: string; module: string }[] };
  const entry = doc.plugins.find((p) => p.name === 'DenyLatestTag');
  assert.ok(entry);
  assert.equal(resolve(dirname(yamlPath), entry.module), join(root, 'dist', 'examples', 'admission-plugin', 'deny-latest-tag.js'));

  // Load the same file; when dist/ is not built yet, a copy pointing at this compiled module.
  let file = yamlPath;
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-example-'));
  try {
    if (!existsSync(resolve(dirname(yamlPath), entry.module))) {
      file = join(dir, 'admission-config.yaml');
      const compiled = fileURLToPath(new URL('./deny-latest-tag.js', import.meta.url));
      await writeFile(file, (await readFile(yamlPath, 'utf8')).replace(entry.module, compiled));
    }
    const cfg = await loadAdmissionConfiguration(file);
    const loaded = cfg.inProcessPlugins.find((p) => p.name === 'DenyLatestTag');
    assert.ok(loaded);
    assert.equal(loaded.phase, 'validating');
    await assert.rejects(loaded.plugin.validate!(attrs(podSpec([{ name: 'a', image: 'nginx:latest' }]))), /denied the request/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
