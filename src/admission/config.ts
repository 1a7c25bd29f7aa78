// Admission configuration: kube-apiserver's plugin names, defaults and order, the
// --enable/--disable-admission-plugins rules, and the AdmissionConfiguration file (with Bulwark's
// `module:` entries that load in-process plugins).
import { readFile, access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYAML } from 'yaml';
import type { AdmissionPlugin } from './types.js';
import { adaptInProcessPlugin, checkInProcessPlugin, type InProcessAdmissionPlugin } from './plugin-api.js';

/**
 * Plugins on when no flag says otherwise. Upstream's defaults minus the ones Bulwark does not
 * implement, plus OwnerReferencesPermissionEnforcement, which upstream leaves off: without it anyone
 * who may create an object can block the deletion of any owner they can name (secure by default).
 */
export const DEFAULT_ENABLED_PLUGINS: readonly string[] = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'PodSecurity',
  'OwnerReferencesPermissionEnforcement',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
];

/**
 * Every built-in plugin in the order the chain runs them (upstream's recommended order; webhooks and
 * ResourceQuota last). ServiceAccountPrincipal sits just before ServiceAccount so that its mutating
 * step sees whether the requester named an account before 'default' is filled in.
 */
export const PLUGIN_ORDER: readonly string[] = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccountPrincipal',
  'ServiceAccount',
  'PodSecurity',
  'OwnerReferencesPermissionEnforcement',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
];

/** In-process plugins run after every built-in policy plugin and before the webhooks. */
export const IN_PROCESS_PLUGINS_BEFORE = 'MutatingAdmissionWebhook';

/** kube-apiserver plugins Bulwark does not implement: disabling one is a no-op, enabling one is an error. */
export const UNIMPLEMENTED_UPSTREAM_PLUGINS: readonly string[] = [
  'AlwaysAdmit',
  'AlwaysDeny',
  'AlwaysPullImages',
  'CertificateApproval',
  'CertificateSigning',
  'CertificateSubjectRestriction',
  'ClusterTrustBundleAttest',
  'DefaultIngressClass',
  'DefaultStorageClass',
  'DefaultTolerationSeconds',
  'DenyServiceExternalIPs',
  'EventRateLimit',
  'ExtendedResourceToleration',
  'ImagePolicyWebhook',
  'LimitPodHardAntiAffinityTopology',
  'MutatingAdmissionPolicy',
  'NamespaceAutoProvision',
  'NamespaceExists',
  'NodeRestriction',
  'PersistentVolumeClaimResize',
  'PodNodeSelector',
  'PodTolerationRestriction',
  'PodTopologyLabels',
  'Priority',
  'RuntimeClass',
  'StorageObjectInUseProtection',
  'TaintNodesByCondition',
  'ValidatingAdmissionPolicy',
];

/**
 * The enabled plugin names in chain order: the defaults plus `enable` minus `disable`, as
 * kube-apiserver combines its flags. `inProcess` names plugins loaded from the configuration file;
 * they are on unless disabled and run just before the webhooks, in the order given.
 */
export function resolveEnabledPlugins(enable: string[], disable: string[], inProcess: string[] = []): string[] {
  const builtIn = new Set(PLUGIN_ORDER);
  const unimplemented = new Set(UNIMPLEMENTED_UPSTREAM_PLUGINS);
  const inProc = new Set(inProcess);
  const errors: string[] = [];
  for (const n of enable) {
    if (builtIn.has(n)) continue;
    if (inProc.has(n)) continue;
    if (unimplemented.has(n)) errors.push(`enable-admission-plugins plugin "${n}" is a kube-apiserver plugin that Bulwark does not implement`);
    else errors.push(`enable-admission-plugins plugin "${n}" is unknown`);
  }
  for (const n of disable) {
    if (!builtIn.has(n) && !inProc.has(n) && !unimplemented.has(n)) errors.push(`disable-admission-plugins plugin "${n}" is unknown`);
  }
  const both = [...new Set(enable)].filter((n) => disable.includes(n)).sort();
  if (both.length > 0) errors.push(`[${both.join(' ')}] in enable-admission-plugins and disable-admission-plugins overlapped`);
  if (errors.length > 0) {
    throw new Error(`${errors.join('; ')} (Bulwark's admission plugins: ${PLUGIN_ORDER.join(', ')}${inProcess.length ? `; in-process: ${inProcess.join(', ')}` : ''})`);
  }
  const on = new Set([...DEFAULT_ENABLED_PLUGINS, ...enable, ...inProcess]);
  for (const n of disable) on.delete(n);
  const out: string[] = [];
  for (const n of PLUGIN_ORDER) {
    if (n === IN_PROCESS_PLUGINS_BEFORE) out.push(...inProcess.filter((p) => on.has(p)));
    if (on.has(n)) out.push(n);
  }
  return out;
}

/** The chain's plugins for resolved names; every name must have a constructed plugin. */
export function assemblePlugins(enabled: string[], plugins: ReadonlyMap<string, AdmissionPlugin>): AdmissionPlugin[] {
  return enabled.map((n) => {
    const p = plugins.get(n);
    if (!p) throw new Error(`admission plugin "${n}" is enabled but was not constructed`);
    return p;
  });
}

export interface LoadedInProcessPlugin {
  name: string;
  /** Absolute path of the module it came from. */
  module: string;
  phase: 'mutating' | 'validating';
  /** The module's plugin as written. */
  source: InProcessAdmissionPlugin;
  /** The plugin adapted for the chain. */
  plugin: AdmissionPlugin;
}

export interface AdmissionConfigurationFile {
  /** Absolute path of the file. */
  path: string;
  /** Per-plugin configuration objects by plugin name (inline `configuration`, or the parsed file at `path`). */
  configurations: Map<string, unknown>;
  /** In-process plugins loaded from `module:` entries, in file order. */
  inProcessPlugins: LoadedInProcessPlugin[];
}

const API_VERSIONS = new Set(['apiserver.config.k8s.io/v1', 'apiserver.config.k8s.io/v1alpha1', 'apiserver.k8s.io/v1alpha1']);
const ENTRY_FIELDS = new Set(['name', 'path', 'configuration', 'module', 'phase']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseText(text: string): unknown {
  // JSON is YAML; duplicate keys and syntax errors throw.
  return parseYAML(text, { prettyErrors: true });
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/**
 * Reads an AdmissionConfiguration (YAML or JSON). Errors name the file and, for a plugin entry,
 * its index and name. Built-in names (PLUGIN_ORDER) take `configuration` or `path`; any other name
 * must give `module` (a JavaScript module relative to the file) exporting `default` or `plugin`:
 * an InProcessAdmissionPlugin, or a factory called with the entry's configuration.
 */
export async function loadAdmissionConfiguration(path: string): Promise<AdmissionConfigurationFile> {
  const file = resolve(path);
  const fail = (why: string) => new Error(`admission configuration ${file}: ${why}`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw fail(`cannot read the file: ${firstLine(err)}`);
  }
  let doc: unknown;
  try {
    doc = parseText(text);
  } catch (err) {
    throw fail(`not valid YAML or JSON: ${firstLine(err)}`);
  }
  if (!isObject(doc)) throw fail('expected an AdmissionConfiguration object');
  if (doc['kind'] !== 'AdmissionConfiguration') throw fail(`kind must be AdmissionConfiguration, not ${JSON.stringify(doc['kind'] ?? null)}`);
  if (typeof doc['apiVersion'] !== 'string' || !API_VERSIONS.has(doc['apiVersion'])) {
    throw fail(`apiVersion must be one of ${[...API_VERSIONS].join(', ')}, not ${JSON.stringify(doc['apiVersion'] ?? null)}`);
  }
  const plugins = doc['plugins'] ?? [];
  if (!Array.isArray(plugins)) throw fail('plugins must be a list');

  const dir = dirname(file);
  const builtIn = new Set(PLUGIN_ORDER);
  const configurations = new Map<string, unknown>();
  const inProcessPlugins: LoadedInProcessPlugin[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of plugins.entries()) {
    if (!isObject(entry) || typeof entry['name'] !== 'string' || entry['name'] === '') throw fail(`plugins[${i}]: each entry needs a name`);
    const name = entry['name'];
    const failEntry = (why: string) => fail(`plugins[${i}] "${name}": ${why}`);
    const extra = Object.keys(entry).filter((k) => !ENTRY_FIELDS.has(k));
    if (extra.length > 0) throw failEntry(`unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`);
    if (seen.has(name)) throw failEntry('the plugin is listed twice');
    seen.add(name);
    if (entry['path'] !== undefined && entry['configuration'] !== undefined) throw failEntry('give either path or configuration, not both');

    let configuration: unknown;
    if (entry['path'] !== undefined) {
      if (typeof entry['path'] !== 'string' || entry['path'] === '') throw failEntry('path must be a file name');
      const configPath = resolve(dir, entry['path']);
      let configText: string;
      try {
        configText = await readFile(configPath, 'utf8');
      } catch (err) {
        throw failEntry(`cannot read its configuration ${configPath}: ${firstLine(err)}`);
      }
      try {
        configuration = parseText(configText);
      } catch (err) {
        throw failEntry(`its configuration ${configPath} is not valid YAML or JSON: ${firstLine(err)}`);
      }
    } else if (entry['configuration'] !== undefined) {
      configuration = entry['configuration'];
    }

    if (builtIn.has(name)) {
      if (entry['module'] !== undefined) throw failEntry('a built-in plugin cannot be replaced by a module');
      if (entry['phase'] !== undefined) throw failEntry('phase applies only to in-process plugins');
      if (configuration !== undefined) configurations.set(name, configuration);
      continue;
    }
    if (entry['module'] === undefined) {
      throw failEntry(`not a Bulwark admission plugin (${PLUGIN_ORDER.join(', ')}); an in-process plugin needs module: <path to a JavaScript module>`);
    }
    if (typeof entry['module'] !== 'string' || entry['module'] === '') throw failEntry('module must be a path to a JavaScript module');
    const phase = entry['phase'];
    if (phase !== undefined && phase !== 'mutating' && phase !== 'validating') throw failEntry('phase must be mutating or validating');
    const modulePath = resolve(dir, entry['module']);
    try {
      await access(modulePath);
    } catch {
      throw failEntry(`module ${modulePath} does not exist (is it built?)`);
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
    } catch (err) {
      throw failEntry(`cannot load module ${modulePath}: ${firstLine(err)}`);
    }
    const exported = mod['default'] ?? mod['plugin'];
    if (exported === undefined) throw failEntry(`module ${modulePath} exports neither default nor plugin`);
    let candidate: unknown = exported;
    if (typeof exported === 'function') {
      try {
        candidate = await (exported as (config: unknown) => unknown)(configuration);
      } catch (err) {
        throw failEntry(`the plugin factory in ${modulePath} failed: ${firstLine(err)}`);
      }
    }
    try {
      checkInProcessPlugin(candidate);
    } catch (err) {
      throw failEntry(`module ${modulePath} does not export an admission plugin: ${firstLine(err)}`);
    }
    if (candidate.name !== name) throw failEntry(`module ${modulePath} exports the plugin "${candidate.name}"; the entry must carry the same name`);
    const resolvedPhase = (phase as 'mutating' | 'validating' | undefined) ?? (candidate.mutating ? 'mutating' : 'validating');
    if (configuration !== undefined) configurations.set(name, configuration);
    inProcessPlugins.push({ name, module: modulePath, phase: resolvedPhase, source: candidate, plugin: adaptInProcessPlugin(candidate, resolvedPhase) });
  }
  return { path: file, configurations, inProcessPlugins };
}
