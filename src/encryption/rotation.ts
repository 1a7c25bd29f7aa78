// Key rotation as edits of an EncryptionConfiguration file: add a generated key (first to write
// with it, second to only read it), promote a staged key, retire the keys nothing uses any more.
// Edits go through the YAML document so comments and the other rules survive; every result is
// validated again so that a broken file is never produced.
import { randomBytes } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { isMap, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { writeFileAtomic } from '../pki/index.js';
import { parseEncryptionConfiguration, splitResource, type EncryptionConfig, type KeyedProviderType, type ResourceRule } from './config.js';

const KEYED: readonly string[] = ['aescbc', 'aesgcm', 'secretbox'];

/** What a rotation does with a rule, decided by its first (writing) provider. */
export type RuleRotation =
  /** Keyed writer with one key: a new key can be generated. */
  | { kind: 'idle'; type: KeyedProviderType; keys: string[] }
  /** Keyed writer with more than one key: a rotation was started and is finished by rewriting, then retiring. */
  | { kind: 'in-progress'; type: KeyedProviderType; keys: string[] }
  /** KMS writer: the plugin rotates its key; stale values are still rewritten. */
  | { kind: 'kms'; name: string }
  /** identity writes: nothing to rotate. */
  | { kind: 'identity' };

export function ruleRotation(rule: ResourceRule): RuleRotation {
  const first = rule.providers[0];
  if (!first || first.type === 'identity') return { kind: 'identity' };
  if (first.type === 'kms') return { kind: 'kms', name: first.name };
  const keys = first.keys.map((k) => k.name);
  return { kind: keys.length > 1 ? 'in-progress' : 'idle', type: first.type, keys };
}

/** `<type>:<key>` or `kms:<name>`: how the server's status names the writer of a rule. */
export function ruleWriter(rule: ResourceRule): string {
  const first = rule.providers[0];
  if (!first || first.type === 'identity') return 'identity';
  if (first.type === 'kms') return `kms:${first.name}`;
  return `${first.type}:${first.keys[0]?.name ?? ''}`;
}

/**
 * The index of the rule that applies to `resource` (`secrets`, `deployments.apps`): an exact
 * entry first, then `*.<group>`, then `*.*`, as the server resolves it; -1 when none does.
 */
export function ruleIndexFor(config: EncryptionConfig, resource: string): number {
  const wanted = splitResource(resource);
  const find = (match: (e: { resource: string; group: string }) => boolean) =>
    config.resources.findIndex((rule) => rule.resources.some((entry) => match(splitResource(entry))));
  const exact = find((e) => e.resource === wanted.resource && e.group === wanted.group);
  if (exact >= 0) return exact;
  const group = find((e) => e.resource === '*' && e.group === wanted.group);
  if (group >= 0) return group;
  return find((e) => e.resource === '*' && e.group === '*');
}

/**
 * The name for a new key of a rule: `key<N>` with N one more than the highest N among the rule's
 * key names, so a retired name is not handed out again while newer keys remain.
 */
export function nextKeyName(rule: ResourceRule): string {
  let highest = 0;
  for (const p of rule.providers) {
    if (p.type === 'identity' || p.type === 'kms') continue;
    for (const k of p.keys) {
      const m = /^key(\d+)$/.exec(k.name);
      if (m) highest = Math.max(highest, Number(m[1]));
    }
  }
  return `key${highest + 1}`;
}

/** A fresh random key: 32 bytes suit every keyed provider (AES-256 for aescbc/aesgcm, secretbox's only size). */
export function generateKey(): Buffer {
  return randomBytes(32);
}

export interface NewKey {
  name: string;
  secret: Buffer;
}

/** The parsed document and the `keys` sequence of a rule's first provider. */
function firstProviderKeys(text: string, source: string, ruleIndex: number): { doc: Document; keys: YAMLSeq } {
  // validate first: the indexes below are only meaningful for a valid file
  const config = parseEncryptionConfiguration(text, source);
  const rule = config.resources[ruleIndex];
  if (!rule) throw new Error(`${source} has no rule resources[${ruleIndex}]`);
  const first = rule.providers[0];
  if (!first || !KEYED.includes(first.type)) {
    throw new Error(`resources[${ruleIndex}] of ${source} does not write with a keyed provider (aescbc, aesgcm or secretbox)`);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  const rules = doc.get('resources');
  const ruleNode = isSeq(rules) ? rules.items[ruleIndex] : undefined;
  const providers = isMap(ruleNode) ? ruleNode.get('providers') : undefined;
  const providerNode = isSeq(providers) ? providers.items[0] : undefined;
  const body = isMap(providerNode) ? (providerNode as YAMLMap).get(first.type) : undefined;
  const keys = isMap(body) ? body.get('keys') : undefined;
  if (!isSeq(keys)) throw new Error(`cannot find resources[${ruleIndex}].providers[0].${first.type}.keys in ${source}`);
  return { doc, keys };
}

function render(doc: Document, source: string): string {
  // no folding: a long value must stay on one line, as written
  const text = doc.toString({ lineWidth: 0 });
  parseEncryptionConfiguration(text, source);
  return text;
}

function keyName(node: unknown): string | undefined {
  if (!isMap(node)) return undefined;
  const name = node.get('name');
  return typeof name === 'string' ? name : undefined;
}

/**
 * Adds a key to the first provider of rule `ruleIndex`: `first` makes it the key new writes use
 * (the others stay to read what they wrote); `second` only lets this server read values written
 * with it (the first step on several servers).
 */
export function addKey(text: string, source: string, ruleIndex: number, key: NewKey, position: 'first' | 'second'): string {
  const { doc, keys } = firstProviderKeys(text, source, ruleIndex);
  if (keys.items.some((k) => keyName(k) === key.name)) {
    throw new Error(`resources[${ruleIndex}] of ${source} already has a key named ${key.name}`);
  }
  keys.items.splice(position === 'first' ? 0 : 1, 0, doc.createNode({ name: key.name, secret: key.secret.toString('base64') }));
  return render(doc, source);
}

/** Moves the key `name` to the front of rule `ruleIndex`'s first provider; unchanged if it is already first. */
export function promoteKey(text: string, source: string, ruleIndex: number, name: string): string {
  const { doc, keys } = firstProviderKeys(text, source, ruleIndex);
  const at = keys.items.findIndex((k) => keyName(k) === name);
  if (at < 0) throw new Error(`resources[${ruleIndex}] of ${source} has no key named ${name} in its first provider`);
  if (at === 0) return text;
  const [node] = keys.items.splice(at, 1);
  keys.items.unshift(node);
  return render(doc, source);
}

/**
 * Removes every key but the first from rule `ruleIndex`'s first provider. Only call this once no
 * stored value uses those keys: values written with a removed key can no longer be read.
 */
export function retireOldKeys(text: string, source: string, ruleIndex: number): { text: string; retired: string[] } {
  const { doc, keys } = firstProviderKeys(text, source, ruleIndex);
  const removed = keys.items.splice(1);
  if (removed.length === 0) return { text, retired: [] };
  return { text: render(doc, source), retired: removed.map((k) => keyName(k) ?? '?') };
}

/**
 * Replaces the configuration file atomically (temporary file in the same directory, fsync,
 * rename) with mode 0600; a symlink is followed so that the file it names is the one replaced.
 */
export async function writeEncryptionConfiguration(file: string, text: string): Promise<void> {
  await writeFileAtomic(await realpath(file), text, 0o600);
}
