// EncryptionConfiguration loading and validation (kube-apiserver's --encryption-provider-config).
// Errors name the field path the way kube does, and never contain key material.
import { promises as fs } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../pki/duration.js';

export type KeyedProviderType = 'aescbc' | 'aesgcm' | 'secretbox';
export type ProviderType = KeyedProviderType | 'identity' | 'kms';

export interface EncryptionKey {
  name: string;
  /** Decoded key bytes. */
  secret: Buffer;
}

export interface KeyedProviderConfig {
  type: KeyedProviderType;
  keys: EncryptionKey[];
}

export interface IdentityProviderConfig {
  type: 'identity';
}

export interface KmsProviderConfig {
  type: 'kms';
  apiVersion: 'v2';
  name: string;
  /** `unix:///path/to/socket` as written in the file. */
  endpoint: string;
  /** Absolute socket path taken from `endpoint`. */
  socketPath: string;
  timeoutMs: number;
}

export type ProviderConfig = KeyedProviderConfig | IdentityProviderConfig | KmsProviderConfig;

export interface ResourceRule {
  /** As written: `secrets`, `deployments.apps`, `*.apps`, `*.`, `*.*`. */
  resources: string[];
  providers: ProviderConfig[];
}

export interface EncryptionConfig {
  /** Where the configuration came from (a path), for messages. */
  source: string;
  resources: ResourceRule[];
}

/** Thrown for an invalid configuration; `errors` holds one line per problem, each naming its field. */
export class EncryptionConfigError extends Error {
  readonly errors: string[];
  constructor(source: string, errors: string[]) {
    super(`invalid encryption configuration ${source}: ${errors.join('; ')}`);
    this.name = 'EncryptionConfigError';
    this.errors = errors;
  }
}

const KMS_DEFAULT_TIMEOUT_MS = 3_000;
const PROVIDER_TYPES: readonly ProviderType[] = ['aescbc', 'aesgcm', 'secretbox', 'identity', 'kms'];
const KEY_SIZES: Record<KeyedProviderType, readonly number[]> = {
  aescbc: [16, 24, 32],
  aesgcm: [16, 24, 32],
  secretbox: [32],
};
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Lower-case DNS-ish names: a resource plural, optionally followed by `.group`.
const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function quote(v: unknown): string {
  return JSON.stringify(typeof v === 'string' ? v : String(v));
}

class Collector {
  readonly errors: string[] = [];
  required(path: string, what = ''): void {
    this.errors.push(`${path}: Required value${what ? `: ${what}` : ''}`);
  }
  invalid(path: string, value: unknown, why: string): void {
    this.errors.push(`${path}: Invalid value: ${quote(value)}: ${why}`);
  }
  duplicate(path: string, value: unknown): void {
    this.errors.push(`${path}: Duplicate value: ${quote(value)}`);
  }
  unsupported(path: string, value: unknown, supported: readonly string[]): void {
    this.errors.push(`${path}: Unsupported value: ${quote(value)}: supported values: ${supported.map((s) => quote(s)).join(', ')}`);
  }
  forbidden(path: string, why: string): void {
    this.errors.push(`${path}: Forbidden: ${why}`);
  }
  unknownFields(path: string, obj: Obj, allowed: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.errors.push(`${path ? `${path}.` : ''}${k}: Invalid value: unknown field ${quote(k)}`);
    }
  }
}

/** Reads and validates an EncryptionConfiguration file. */
export async function loadEncryptionConfiguration(path: string): Promise<EncryptionConfig> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read encryption configuration ${path}: ${(err as Error).message}`);
  }
  return parseEncryptionConfiguration(text, path);
}

/** Parses and validates an EncryptionConfiguration document (YAML or JSON). */
export function parseEncryptionConfiguration(text: string, source: string): EncryptionConfig {
  let doc: unknown;
  try {
    // uniqueKeys so a repeated field is an error rather than a silent override.
    doc = parseYaml(text, { uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    // yaml's message may quote the offending line, which could be a key: keep only its kind.
    const code = (err as { code?: string }).code ?? 'syntax error';
    const pos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    throw new EncryptionConfigError(source, [`not valid YAML (${code}${pos ? ` at line ${pos.line}, column ${pos.col}` : ''})`]);
  }
  const c = new Collector();
  if (!isObject(doc)) throw new EncryptionConfigError(source, ['the document must be a mapping']);

  const { apiVersion, kind } = doc;
  const modern = apiVersion === 'apiserver.config.k8s.io/v1' && kind === 'EncryptionConfiguration';
  const legacy = apiVersion === 'v1' && kind === 'EncryptionConfig';
  if (!modern && !legacy) {
    c.invalid(
      'apiVersion/kind',
      `${String(apiVersion)}/${String(kind)}`,
      'expected apiVersion "apiserver.config.k8s.io/v1" with kind "EncryptionConfiguration" (or the older apiVersion "v1" with kind "EncryptionConfig")',
    );
  }
  c.unknownFields('', doc, ['apiVersion', 'kind', 'resources']);

  const rules: ResourceRule[] = [];
  const rawRules = doc.resources;
  if (rawRules === undefined || rawRules === null) {
    c.required('resources');
  } else if (!Array.isArray(rawRules)) {
    c.invalid('resources', typeof rawRules, 'must be a list');
  } else {
    if (rawRules.length === 0) c.required('resources', 'at least one resource rule is required');
    rawRules.forEach((raw, i) => {
      const rule = parseRule(raw, `resources[${i}]`, c);
      if (rule) rules.push(rule);
    });
    checkMasking(rawRules, c);
    checkKmsNames(rules, c);
  }
  if (c.errors.length > 0) throw new EncryptionConfigError(source, c.errors);
  return { source, resources: rules };
}

function parseRule(raw: unknown, path: string, c: Collector): ResourceRule | undefined {
  if (!isObject(raw)) {
    c.invalid(path, typeof raw, 'must be a mapping with resources and providers');
    return undefined;
  }
  c.unknownFields(path, raw, ['resources', 'providers']);
  const resources: string[] = [];
  if (!Array.isArray(raw.resources) || raw.resources.length === 0) {
    c.required(`${path}.resources`, 'at least one resource is required');
  } else {
    raw.resources.forEach((r: unknown, j: number) => {
      const rpath = `${path}.resources[${j}]`;
      if (typeof r !== 'string') return c.invalid(rpath, typeof r, 'must be a string');
      if (!isValidResource(r)) {
        return c.invalid(
          rpath,
          r,
          'must be a lower-case resource such as "secrets" or "deployments.apps", or a wildcard "*.<group>", "*." (core group) or "*.*"',
        );
      }
      resources.push(r);
    });
  }
  const providers: ProviderConfig[] = [];
  if (!Array.isArray(raw.providers) || raw.providers.length === 0) {
    c.required(`${path}.providers`, 'at least one provider is required');
  } else {
    raw.providers.forEach((p: unknown, k: number) => {
      const provider = parseProvider(p, `${path}.providers[${k}]`, c);
      if (provider) providers.push(provider);
    });
  }
  return { resources, providers };
}

function isValidResource(r: string): boolean {
  if (r === '*.*' || r === '*.') return true;
  if (r.startsWith('*.')) return RESOURCE_NAME.test(r.slice(2));
  return RESOURCE_NAME.test(r);
}

function parseProvider(raw: unknown, path: string, c: Collector): ProviderConfig | undefined {
  if (!isObject(raw)) {
    c.invalid(path, typeof raw, 'must be a mapping with exactly one provider type');
    return undefined;
  }
  const keys = Object.keys(raw);
  const known = keys.filter((k): k is ProviderType => (PROVIDER_TYPES as readonly string[]).includes(k));
  for (const k of keys) {
    if (!known.includes(k as ProviderType)) c.unsupported(`${path}.${k}`, k, PROVIDER_TYPES);
  }
  if (known.length === 0) {
    if (keys.length === 0) c.required(path, `exactly one provider type is required (one of ${PROVIDER_TYPES.join(', ')})`);
    return undefined;
  }
  if (known.length > 1) {
    c.forbidden(path, `exactly one provider type may be set per entry, found ${known.join(' and ')}`);
    return undefined;
  }
  const type = known[0]!;
  const body = raw[type];
  const bpath = `${path}.${type}`;
  if (type === 'identity') {
    if (body !== null && body !== undefined && !isObject(body)) c.invalid(bpath, typeof body, 'must be an empty mapping {}');
    else if (isObject(body)) c.unknownFields(bpath, body, []);
    return { type: 'identity' };
  }
  if (!isObject(body)) {
    c.required(bpath, type === 'kms' ? 'apiVersion, name and endpoint are required' : 'keys are required');
    return undefined;
  }
  if (type === 'kms') return parseKms(body, bpath, c);
  return parseKeyed(type, body, bpath, c);
}

function parseKeyed(type: KeyedProviderType, body: Obj, path: string, c: Collector): KeyedProviderConfig | undefined {
  c.unknownFields(path, body, ['keys']);
  if (!Array.isArray(body.keys) || body.keys.length === 0) {
    c.required(`${path}.keys`, 'at least one key is required');
    return undefined;
  }
  const keys: EncryptionKey[] = [];
  const names = new Set<string>();
  body.keys.forEach((k: unknown, i: number) => {
    const kpath = `${path}.keys[${i}]`;
    if (!isObject(k)) return c.invalid(kpath, typeof k, 'must be a mapping with name and secret');
    c.unknownFields(kpath, k, ['name', 'secret']);
    let ok = true;
    const name = k.name;
    if (typeof name !== 'string' || name === '') {
      c.required(`${kpath}.name`, 'key name is required');
      ok = false;
    } else if (name.includes(':')) {
      // The name is part of the stored prefix, which ':' delimits.
      c.invalid(`${kpath}.name`, name, 'key name must not contain ":"');
      ok = false;
    } else if (names.has(name)) {
      c.duplicate(`${kpath}.name`, name);
      ok = false;
    } else {
      names.add(name);
    }
    const secret = k.secret;
    let bytes: Buffer | undefined;
    if (typeof secret !== 'string' || secret === '') {
      c.required(`${kpath}.secret`, 'base64-encoded key is required');
      ok = false;
    } else if (!STRICT_BASE64.test(secret)) {
      c.invalid(`${kpath}.secret`, 'REDACTED', 'secret is not valid base64');
      ok = false;
    } else {
      bytes = Buffer.from(secret, 'base64');
      const sizes = KEY_SIZES[type];
      if (!sizes.includes(bytes.length)) {
        const want = type === 'secretbox' ? 'secretbox key must be 32 bytes' : 'aes key must be 16, 24 or 32 bytes';
        c.invalid(`${kpath}.secret`, 'REDACTED', `${want}, got ${bytes.length}`);
        ok = false;
      }
    }
    if (ok && bytes && typeof name === 'string') keys.push({ name, secret: bytes });
  });
  return { type, keys };
}

function parseKms(body: Obj, path: string, c: Collector): KmsProviderConfig | undefined {
  c.unknownFields(path, body, ['apiVersion', 'name', 'endpoint', 'timeout', 'cachesize']);
  let ok = true;
  const apiVersion = body.apiVersion ?? 'v1';
  if (apiVersion !== 'v2') {
    c.unsupported(`${path}.apiVersion`, apiVersion, ['v2']);
    ok = false;
  }
  if (body.cachesize !== undefined) {
    c.forbidden(`${path}.cachesize`, 'cachesize is not supported for kms v2');
    ok = false;
  }
  const name = body.name;
  if (typeof name !== 'string' || name === '') {
    c.required(`${path}.name`, 'kms provider name is required');
    ok = false;
  } else if (name.includes(':')) {
    c.invalid(`${path}.name`, name, 'kms provider name must not contain ":"');
    ok = false;
  }
  const endpoint = body.endpoint;
  let socketPath = '';
  if (typeof endpoint !== 'string' || endpoint === '') {
    c.required(`${path}.endpoint`, 'kms plugin endpoint is required');
    ok = false;
  } else if (!endpoint.startsWith('unix:///') && !endpoint.startsWith('unix:@')) {
    c.invalid(`${path}.endpoint`, endpoint, 'endpoint must be a unix socket: "unix:///path/to/socket"');
    ok = false;
  } else {
    socketPath = endpoint.startsWith('unix:@') ? `\0${endpoint.slice('unix:@'.length)}` : endpoint.slice('unix://'.length);
  }
  let timeoutMs = KMS_DEFAULT_TIMEOUT_MS;
  if (body.timeout !== undefined) {
    const t = body.timeout;
    let ms: number | undefined;
    try {
      ms = typeof t === 'string' ? parseDuration(t) : undefined;
    } catch {
      ms = undefined;
    }
    if (ms === undefined || !(ms > 0)) {
      c.invalid(`${path}.timeout`, t, 'timeout must be a positive duration such as "3s"');
      ok = false;
    } else {
      timeoutMs = ms;
    }
  }
  if (!ok || typeof name !== 'string' || typeof endpoint !== 'string') return undefined;
  return { type: 'kms', apiVersion: 'v2', name, endpoint, socketPath, timeoutMs };
}

/** Splits `deployments.apps` into resource and group (`secrets` → core group ""). */
export function splitResource(entry: string): { resource: string; group: string } {
  const dot = entry.indexOf('.');
  if (dot < 0) return { resource: entry, group: '' };
  return { resource: entry.slice(0, dot), group: entry.slice(dot + 1) };
}

// A rule later in the file that an earlier wildcard already covers would never apply; kube
// refuses it, and so do we, since the operator clearly meant something else.
function checkMasking(rawRules: unknown[], c: Collector): void {
  const seen = new Map<string, string>(); // entry → path of its first occurrence
  let anyAll = false;
  const groupWildcards = new Set<string>();
  rawRules.forEach((raw, i) => {
    if (!isObject(raw) || !Array.isArray(raw.resources)) return;
    raw.resources.forEach((r: unknown, j: number) => {
      if (typeof r !== 'string' || !isValidResource(r)) return;
      const path = `resources[${i}].resources[${j}]`;
      if (seen.has(r)) {
        c.duplicate(path, r);
        return;
      }
      seen.set(r, path);
      const { resource, group } = splitResource(r);
      if (r === '*.*') {
        anyAll = true;
        return;
      }
      if (anyAll) {
        c.invalid(path, r, `resource ${quote(r)} is masked by earlier rule "*.*"`);
        return;
      }
      if (resource === '*') {
        groupWildcards.add(group);
        return;
      }
      if (groupWildcards.has(group)) {
        c.invalid(path, r, `resource ${quote(r)} is masked by earlier rule ${quote(`*.${group}`)}`);
      }
    });
  });
}

function checkKmsNames(rules: ResourceRule[], c: Collector): void {
  // Within one rule two kms providers of the same name would write indistinguishable prefixes.
  rules.forEach((rule, i) => {
    const names = new Set<string>();
    rule.providers.forEach((p) => {
      if (p.type !== 'kms') return;
      if (names.has(p.name)) c.duplicate(`resources[${i}].providers.kms.name`, p.name);
      names.add(p.name);
    });
  });
}
