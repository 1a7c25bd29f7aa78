// Tests of the configuration edits behind `bulwark secrets-encrypt rotate`: adding, promoting and
// retiring keys keeps the rest of the file (other rules, providers, comments) and stays valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, symlink, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEncryptionConfiguration } from './config.js';
import { defaultEncryptionConfigYaml } from './defaults.js';
import {
  addKey,
  generateKey,
  nextKeyName,
  promoteKey,
  retireOldKeys,
  ruleIndexFor,
  ruleRotation,
  ruleWriter,
  writeEncryptionConfiguration,
} from './rotation.js';

const b64 = () => randomBytes(32).toString('base64');
const K1 = b64();
const K2 = b64();
const CM = b64();

const MIXED = `# operator notes: keep this comment
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm:
          keys:
            - name: key1
              secret: ${K1}
      - identity: {}
  - resources:
      - configmaps
      - '*.apps'
    providers:
      - secretbox:
          keys:
            - name: cm-main
              secret: ${CM}
      - aescbc:
          keys:
            - name: key7
              secret: ${K2}
  - resources: ['*.*']
    providers:
      - identity: {}
`;

const parse = (text: string) => parseEncryptionConfiguration(text, 'test.yaml');
const keysOf = (text: string, rule: number, provider = 0) => {
  const p = parse(text).resources[rule]!.providers[provider]!;
  assert.ok(p.type !== 'identity' && p.type !== 'kms');
  return p.keys.map((k) => `${k.name}=${k.secret.toString('base64')}`);
};

test('ruleRotation: one key is idle, more than one is a rotation in progress; identity and kms writers have no keys', () => {
  const config = parse(MIXED);
  assert.deepEqual(ruleRotation(config.resources[0]!), { kind: 'idle', type: 'aesgcm', keys: ['key1'] });
  assert.deepEqual(ruleRotation(config.resources[2]!), { kind: 'identity' });
  const started = parse(addKey(MIXED, 'test.yaml', 0, { name: 'key2', secret: randomBytes(32) }, 'first'));
  assert.deepEqual(ruleRotation(started.resources[0]!), { kind: 'in-progress', type: 'aesgcm', keys: ['key2', 'key1'] });
  const kms = parse(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - kms: {apiVersion: v2, name: vault, endpoint: unix:///run/kms.sock}
  - aesgcm: {keys: [{name: key1, secret: ${K1}}]}
`);
  assert.deepEqual(ruleRotation(kms.resources[0]!), { kind: 'kms', name: 'vault' });
  assert.equal(ruleWriter(kms.resources[0]!), 'kms:vault');
  assert.equal(ruleWriter(config.resources[0]!), 'aesgcm:key1');
  assert.equal(ruleWriter(config.resources[2]!), 'identity');
});

test('ruleIndexFor resolves like the server: exact entry, then the group wildcard, then *.*', () => {
  const config = parse(MIXED);
  assert.equal(ruleIndexFor(config, 'secrets'), 0);
  assert.equal(ruleIndexFor(config, 'configmaps'), 1);
  assert.equal(ruleIndexFor(config, 'deployments.apps'), 1);
  assert.equal(ruleIndexFor(config, 'pods'), 2);
  assert.equal(ruleIndexFor(config, 'roles.rbac.authorization.k8s.io'), 2);
  const noCatchAll = parse(defaultEncryptionConfigYaml(randomBytes(32)));
  assert.equal(ruleIndexFor(noCatchAll, 'secrets'), 0);
  assert.equal(ruleIndexFor(noCatchAll, 'configmaps'), -1);
});

test('nextKeyName is one past the highest key<N> of any keyed provider of the rule', () => {
  const config = parse(MIXED);
  assert.equal(nextKeyName(config.resources[0]!), 'key2');
  assert.equal(nextKeyName(config.resources[1]!), 'key8', 'key7 of the second provider counts; cm-main is not numbered');
  assert.equal(nextKeyName(config.resources[2]!), 'key1');
});

test('generateKey draws 32 fresh bytes', () => {
  const a = generateKey();
  const b = generateKey();
  assert.equal(a.length, 32);
  assert.notDeepEqual(a, b);
});

test('addKey first: the new key writes, the old one stays after it, everything else is unchanged', () => {
  const secret = randomBytes(32);
  const out = addKey(MIXED, 'test.yaml', 0, { name: 'key2', secret }, 'first');
  assert.deepEqual(keysOf(out, 0), [`key2=${secret.toString('base64')}`, `key1=${K1}`]);
  const before = parse(MIXED);
  const after = parse(out);
  // the other rules and the identity fallback are the same
  assert.deepEqual(after.resources.slice(1), before.resources.slice(1));
  assert.deepEqual(after.resources[0]!.providers[1], { type: 'identity' });
  assert.deepEqual(after.resources[0]!.resources, ['secrets']);
  assert.match(out, /^# operator notes: keep this comment$/m);
  // the value is written whole on one line
  assert.ok(out.split('\n').some((l) => l.trim() === `secret: ${secret.toString('base64')}`));
});

test('addKey second only adds a reading key; a duplicate name is refused', () => {
  const secret = randomBytes(32);
  const out = addKey(MIXED, 'test.yaml', 1, { name: 'key8', secret }, 'second');
  assert.deepEqual(keysOf(out, 1), [`cm-main=${CM}`, `key8=${secret.toString('base64')}`]);
  assert.deepEqual(keysOf(out, 1, 1), [`key7=${K2}`]);
  assert.throws(() => addKey(out, 'test.yaml', 1, { name: 'key8', secret }, 'first'), /already has a key named key8/);
  assert.throws(() => addKey(MIXED, 'test.yaml', 2, { name: 'key1', secret }, 'first'), /does not write with a keyed provider/);
  assert.throws(() => addKey(MIXED, 'test.yaml', 5, { name: 'key1', secret }, 'first'), /no rule resources\[5\]/);
});

test('addKey refuses a key size the provider does not take, and never echoes key material', () => {
  const short = randomBytes(7);
  assert.throws(
    () => addKey(MIXED, 'test.yaml', 0, { name: 'key2', secret: short }, 'first'),
    (err: Error) => /aes key must be 16, 24 or 32 bytes/.test(err.message) && !err.message.includes(short.toString('base64')),
  );
});

test('promoteKey moves a staged key first and is idempotent', () => {
  const secret = randomBytes(32);
  const staged = addKey(MIXED, 'test.yaml', 0, { name: 'key2', secret }, 'second');
  assert.equal(ruleWriter(parse(staged).resources[0]!), 'aesgcm:key1');
  const promoted = promoteKey(staged, 'test.yaml', 0, 'key2');
  assert.deepEqual(keysOf(promoted, 0), [`key2=${secret.toString('base64')}`, `key1=${K1}`]);
  assert.equal(promoteKey(promoted, 'test.yaml', 0, 'key2'), promoted);
  assert.throws(() => promoteKey(MIXED, 'test.yaml', 0, 'key9'), /has no key named key9/);
});

test('retireOldKeys keeps only the writing key and the other providers', () => {
  const secret = randomBytes(32);
  const rotated = addKey(MIXED, 'test.yaml', 0, { name: 'key2', secret }, 'first');
  const { text, retired } = retireOldKeys(rotated, 'test.yaml', 0);
  assert.deepEqual(retired, ['key1']);
  assert.deepEqual(keysOf(text, 0), [`key2=${secret.toString('base64')}`]);
  assert.deepEqual(parse(text).resources[0]!.providers[1], { type: 'identity' });
  assert.deepEqual(parse(text).resources.slice(1), parse(MIXED).resources.slice(1));
  assert.ok(!text.includes(K1), 'the retired key is gone from the file');
  assert.deepEqual(retireOldKeys(text, 'test.yaml', 0), { text, retired: [] });
});

test('edits work on the generated default and on flow-style YAML', () => {
  const dflt = defaultEncryptionConfigYaml(randomBytes(32));
  const out = addKey(dflt, 'default.yaml', 0, { name: 'key2', secret: randomBytes(32) }, 'first');
  assert.equal(ruleWriter(parse(out).resources[0]!), 'secretbox:key2');
  assert.match(out, /^# Generated by bulwark on first start/m);
  const flow = `{apiVersion: apiserver.config.k8s.io/v1, kind: EncryptionConfiguration, resources: [{resources: [secrets], providers: [{aescbc: {keys: [{name: key1, secret: ${K1}}]}}]}]}\n`;
  const rotated = addKey(flow, 'flow.yaml', 0, { name: 'key2', secret: randomBytes(32) }, 'first');
  assert.deepEqual(ruleRotation(parse(rotated).resources[0]!), { kind: 'in-progress', type: 'aescbc', keys: ['key2', 'key1'] });
});

test('an invalid file is refused before any edit', () => {
  assert.throws(() => addKey('apiVersion: v2\n', 'bad.yaml', 0, { name: 'k', secret: randomBytes(32) }, 'first'), /invalid encryption configuration bad\.yaml/);
});

test('writeEncryptionConfiguration replaces the file atomically with mode 0600, through a symlink', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-rotation-'));
  try {
    const file = path.join(dir, 'enc.yaml');
    await writeFile(file, MIXED, { mode: 0o640 });
    const rotated = addKey(MIXED, 'enc.yaml', 0, { name: 'key2', secret: randomBytes(32) }, 'first');
    await writeEncryptionConfiguration(file, rotated);
    assert.equal(await readFile(file, 'utf8'), rotated);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const link = path.join(dir, 'link.yaml');
    await symlink(file, link);
    const retired = retireOldKeys(rotated, 'enc.yaml', 0).text;
    await writeEncryptionConfiguration(link, retired);
    assert.ok((await lstat(link)).isSymbolicLink(), 'the symlink is kept');
    assert.equal(await readFile(file, 'utf8'), retired);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
