import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ENABLED_PLUGINS, PLUGIN_ORDER, resolveEnabledPlugins, loadAdmissionConfiguration, assemblePlugins } from './config.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';
import { findResource } from '../api/catalogue.js';
import { StatusError } from '../api/status.js';

test('defaults: upstream names in upstream order, OwnerReferencesPermissionEnforcement on, ServiceAccountPrincipal off', () => {
  const on = resolveEnabledPlugins([], []);
  assert.deepEqual(on, [
    'NamespaceLifecycle',
    'LimitRanger',
    'ServiceAccount',
    'PodSecurity',
    'OwnerReferencesPermissionEnforcement',
    'MutatingAdmissionWebhook',
    'ValidatingAdmissionWebhook',
    'ResourceQuota',
  ]);
  assert.deepEqual([...on].sort(), [...DEFAULT_ENABLED_PLUGINS].sort());
  assert.ok(!on.includes('ServiceAccountPrincipal'));
  assert.ok(PLUGIN_ORDER.indexOf('ServiceAccountPrincipal') < PLUGIN_ORDER.indexOf('ServiceAccount'));
});

test('enable adds, disable removes, order comes from PLUGIN_ORDER whatever the flag order', () => {
  assert.deepEqual(resolveEnabledPlugins(['ServiceAccountPrincipal'], ['ResourceQuota', 'LimitRanger', 'OwnerReferencesPermissionEnforcement']), [
    'NamespaceLifecycle',
    'ServiceAccountPrincipal',
    'ServiceAccount',
    'PodSecurity',
    'MutatingAdmissionWebhook',
    'ValidatingAdmissionWebhook',
  ]);
  // Disabling a kube-apiserver plugin Bulwark does not have is harmless.
  assert.deepEqual(resolveEnabledPlugins([], ['StorageObjectInUseProtection']), resolveEnabledPlugins([], []));
});

test('in-process plugins run just before the webhooks and can be disabled', () => {
  const on = resolveEnabledPlugins([], [], ['DenyLatestTag', 'Other']);
  assert.deepEqual(on.slice(on.indexOf('OwnerReferencesPermissionEnforcement') + 1, on.indexOf('MutatingAdmissionWebhook')), ['DenyLatestTag', 'Other']);
  assert.ok(!resolveEnabledPlugins([], ['Other'], ['DenyLatestTag', 'Other']).includes('Other'));
});

test('unknown names, unimplemented upstream plugins and overlaps are errors naming them', () => {
  assert.throws(() => resolveEnabledPlugins(['PodSecurty'], []), /enable-admission-plugins plugin "PodSecurty" is unknown/);
  assert.throws(() => resolveEnabledPlugins([], ['Nope']), /disable-admission-plugins plugin "Nope" is unknown/);
  assert.throws(() => resolveEnabledPlugins(['NodeRestriction'], []), /"NodeRestriction" is a kube-apiserver plugin that Bulwark does not implement/);
  assert.throws(() => resolveEnabledPlugins(['PodSecurity', 'LimitRanger'], ['LimitRanger', 'PodSecurity']), /\[LimitRanger PodSecurity\] in enable-admission-plugins and disable-admission-plugins overlapped/);
});

test('assemblePlugins maps names to plugins in order and refuses a missing one', () => {
  const a: AdmissionPlugin = { name: 'A' };
  const b: AdmissionPlugin = { name: 'B' };
  assert.deepEqual(assemblePlugins(['B', 'A'], new Map([['A', a], ['B', b]])), [b, a]);
  assert.throws(() => assemblePlugins(['C'], new Map()), /"C" is enabled but was not constructed/);
});

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bulwark-admission-config-'));
}

const podAttrs = (image: string): AdmissionAttributes => ({
  operation: 'CREATE',
  resource: findResource('', 'v1', 'pods')!,
  subresource: '',
  namespace: 'demo',
  name: 'p',
  object: { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image }] } },
  user: { username: 'bob', groups: [] },
  dryRun: false,
  warnings: [],
  auditAnnotations: {},
});

test('loads inline and file configurations (YAML and JSON) and an in-process module (relative paths)', async () => {
  const dir = await tempDir();
  try {
    await mkdir(join(dir, 'conf'));
    await mkdir(join(dir, 'plugins'));
    await writeFile(join(dir, 'conf', 'quota.json'), JSON.stringify({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'ResourceQuotaConfiguration', limitedResources: [] }));
    await writeFile(
      join(dir, 'plugins', 'label.mjs'),
      `export default (config) => ({
         name: 'AddLabel', operations: ['CREATE'], resources: ['pods'], mutating: true,
         admit: () => ({ allowed: true, patch: [{ op: 'add', path: '/metadata/labels', value: { team: config.team } }] }),
       });`,
    );
    await writeFile(
      join(dir, 'plugins', 'deny.mjs'),
      `export const plugin = { name: 'DenyAll', operations: ['*'], resources: ['*'], admit: () => ({ allowed: false, reason: 'closed' }) };`,
    );
    const file = join(dir, 'admission.yaml');
    await writeFile(
      file,
      `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults: {enforce: baseline}
- name: ResourceQuota
  path: conf/quota.json
- name: AddLabel
  module: plugins/label.mjs
  configuration: {team: blue}
- name: DenyAll
  module: ./plugins/deny.mjs
`,
    );
    const cfg = await loadAdmissionConfiguration(file);
    assert.equal(cfg.path, file);
    assert.deepEqual((cfg.configurations.get('PodSecurity') as Record<string, unknown>)['defaults'], { enforce: 'baseline' });
    assert.equal((cfg.configurations.get('ResourceQuota') as Record<string, unknown>)['kind'], 'ResourceQuotaConfiguration');
    assert.deepEqual(cfg.configurations.get('AddLabel'), { team: 'blue' });
    assert.deepEqual(cfg.inProcessPlugins.map((p) => [p.name, p.phase, p.module]), [
      ['AddLabel', 'mutating', join(dir, 'plugins', 'label.mjs')],
      ['DenyAll', 'validating', join(dir, 'plugins', 'deny.mjs')],
    ]);
    const a = podAttrs('nginx:1');
    await cfg.inProcessPlugins[0]!.plugin.admit!(a);
    assert.deepEqual((a.object!['metadata'] as Record<string, unknown>)['labels'], { team: 'blue' });
    await assert.rejects(cfg.inProcessPlugins[1]!.plugin.validate!(a), (err: unknown) => err instanceof StatusError && err.message === 'admission plugin "DenyAll" denied the request: closed');

    // The same file as JSON, under the older apiVersion.
    const json = join(dir, 'admission.json');
    await writeFile(json, JSON.stringify({ apiVersion: 'apiserver.k8s.io/v1alpha1', kind: 'AdmissionConfiguration', plugins: [{ name: 'LimitRanger', configuration: { x: 1 } }] }));
    assert.deepEqual((await loadAdmissionConfiguration(json)).configurations.get('LimitRanger'), { x: 1 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loads the compiled example plugin', async () => {
  const dir = await tempDir();
  try {
    const example = fileURLToPath(new URL('../../examples/admission-plugin/deny-latest-tag.js', import.meta.url));
    const file = join(dir, 'a.yaml');
    await writeFile(file, `apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: DenyLatestTag\n  module: ${JSON.stringify(example)}\n`);
    const cfg = await loadAdmissionConfiguration(file);
    const p = cfg.inProcessPlugins[0]!.plugin;
    await p.validate!(podAttrs('nginx:1.27'));
    await assert.rejects(p.validate!(podAttrs('nginx')), /admission plugin "DenyLatestTag" denied the request/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('each error names the file and the entry', async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir, 'noexport.mjs'), 'export const other = 1;');
    await writeFile(join(dir, 'notplugin.mjs'), 'export default { name: "NotPlugin" };');
    await writeFile(join(dir, 'renamed.mjs'), 'export default { name: "Else", operations: ["CREATE"], resources: ["pods"], admit: () => ({ allowed: true }) };');
    await writeFile(join(dir, 'throws.mjs'), 'throw new Error("broken at load");');
    await writeFile(join(dir, 'factory.mjs'), 'export default () => { throw new Error("bad config"); };');
    const head = 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n';
    const cases: [string, string, RegExp][] = [
      ['bad-yaml', 'plugins: [\n  - name: x\n  bad', /not valid YAML or JSON/],
      ['wrong-kind', 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n', /kind must be AdmissionConfiguration, not "EncryptionConfiguration"/],
      ['wrong-version', 'apiVersion: v1\nkind: AdmissionConfiguration\n', /apiVersion must be one of .*not "v1"/],
      ['not-list', head + 'plugins: {a: 1}\n', /plugins must be a list/],
      ['no-name', head + 'plugins:\n- path: x\n', /plugins\[0\]: each entry needs a name/],
      ['unknown-field', head + 'plugins:\n- name: PodSecurity\n  configurtion: {}\n', /plugins\[0\] "PodSecurity": unknown field configurtion/],
      ['twice', head + 'plugins:\n- name: PodSecurity\n- name: PodSecurity\n', /plugins\[1\] "PodSecurity": the plugin is listed twice/],
      ['both', head + 'plugins:\n- name: PodSecurity\n  path: a\n  configuration: {}\n', /either path or configuration/],
      ['missing-path', head + 'plugins:\n- name: PodSecurity\n  path: nope.yaml\n', /plugins\[0\] "PodSecurity": cannot read its configuration .*nope.yaml/],
      ['unknown-plugin', head + 'plugins:\n- name: EventRateLimit\n', /plugins\[0\] "EventRateLimit": not a Bulwark admission plugin/],
      ['builtin-module', head + 'plugins:\n- name: PodSecurity\n  module: x.mjs\n', /built-in plugin cannot be replaced/],
      ['missing-module', head + 'plugins:\n- name: Mine\n  module: missing.mjs\n', /plugins\[0\] "Mine": module .*missing.mjs does not exist/],
      ['no-export', head + 'plugins:\n- name: Mine\n  module: noexport.mjs\n', /plugins\[0\] "Mine": module .*noexport.mjs exports neither default nor plugin/],
      ['not-plugin', head + 'plugins:\n- name: NotPlugin\n  module: notplugin.mjs\n', /does not export an admission plugin: plugin "NotPlugin": operations/],
      ['renamed', head + 'plugins:\n- name: Mine\n  module: renamed.mjs\n', /exports the plugin "Else"; the entry must carry the same name/],
      ['load-throws', head + 'plugins:\n- name: Mine\n  module: throws.mjs\n', /cannot load module .*throws.mjs: broken at load/],
      ['factory-throws', head + 'plugins:\n- name: Mine\n  module: factory.mjs\n', /plugin factory in .*factory.mjs failed: bad config/],
      ['bad-phase', head + 'plugins:\n- name: Mine\n  module: renamed.mjs\n  phase: sometimes\n', /phase must be mutating or validating/],
    ];
    for (const [name, text, re] of cases) {
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, text);
      const err = await loadAdmissionConfiguration(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof Error, `${name}: expected an error`);
      assert.ok(err.message.startsWith(`admission configuration ${file}: `), `${name}: ${err.message}`);
      assert.match(err.message, re, name);
    }
    await assert.rejects(loadAdmissionConfiguration(join(dir, 'absent.yaml')), /admission configuration .*absent.yaml: cannot read the file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
