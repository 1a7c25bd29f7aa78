import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { EncryptionConfigError, loadEncryptionConfiguration, parseEncryptionConfiguration } from './config.js';

const k32 = randomBytes(32).toString('base64');
const k16 = randomBytes(16).toString('base64');

function errorsOf(text: string): string[] {
  try {
    parseEncryptionConfiguration(text, 'test.yaml');
  } catch (err) {
    assert.ok(err instanceof EncryptionConfigError, String(err));
    return err.errors;
  }
  assert.fail('expected the configuration to be refused');
}

function doc(resources: string): string {
  return `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n${resources}`;
}

test('parses a full configuration', () => {
  const cfg = parseEncryptionConfiguration(
    doc(`  - resources: [secrets, configmaps]
    providers:
      - aesgcm:
          keys:
            - {name: new, secret: ${k32}}
            - {name: old, secret: ${k16}}
      - identity: {}
  - resources: ["*.apps", "*."]
    providers:
      - kms: {apiVersion: v2, name: vault, endpoint: "unix:///run/kms.sock", timeout: 5s}
      - secretbox: {keys: [{name: k1, secret: ${k32}}]}
  - resources: ["*.*"]
    providers:
      - aescbc: {keys: [{name: k1, secret: ${k16}}]}
`),
    'x.yaml',
  );
  assert.equal(cfg.source, 'x.yaml');
  assert.equal(cfg.resources.length, 3);
  assert.deepEqual(cfg.resources[0]!.resources, ['secrets', 'configmaps']);
  const gcm = cfg.resources[0]!.providers[0]!;
  assert.equal(gcm.type, 'aesgcm');
  assert.ok(gcm.type === 'aesgcm');
  assert.deepEqual(gcm.keys.map((k) => k.name), ['new', 'old']);
  assert.deepEqual(gcm.keys[0]!.secret, Buffer.from(k32, 'base64'));
  assert.equal(cfg.resources[0]!.providers[1]!.type, 'identity');
  const kms = cfg.resources[1]!.providers[0]!;
  assert.ok(kms.type === 'kms');
  assert.equal(kms.name, 'vault');
  assert.equal(kms.socketPath, '/run/kms.sock');
  assert.equal(kms.timeoutMs, 5000);
});

test('accepts the older apiVersion v1 / kind EncryptionConfig', () => {
  const cfg = parseEncryptionConfiguration(
    `kind: EncryptionConfig\napiVersion: v1\nresources:\n  - resources: [secrets]\n    providers:\n      - identity: {}\n`,
    'old.yaml',
  );
  assert.equal(cfg.resources[0]!.providers[0]!.type, 'identity');
});

test('refuses a wrong apiVersion/kind', () => {
  const errs = errorsOf(`apiVersion: v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers: [{identity: {}}]\n`);
  assert.match(errs[0]!, /^apiVersion\/kind: Invalid value/);
});

test('wrong AES key size names the field and redacts the key', () => {
  const short = randomBytes(8).toString('base64');
  const errs = errorsOf(
    doc(`  - resources: [secrets]\n    providers:\n      - identity: {}\n      - aescbc: {keys: [{name: k1, secret: ${short}}]}\n`),
  );
  assert.deepEqual(errs, [
    'resources[0].providers[1].aescbc.keys[0].secret: Invalid value: "REDACTED": aes key must be 16, 24 or 32 bytes, got 8',
  ]);
  assert.ok(!errs.join().includes(short));
});

test('secretbox keys must be 32 bytes; base64 must be strict', () => {
  const errs = errorsOf(
    doc(`  - resources: [secrets]\n    providers:\n      - secretbox: {keys: [{name: a, secret: ${k16}}, {name: b, secret: "not base64!"}]}\n`),
  );
  assert.deepEqual(errs, [
    'resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": secretbox key must be 32 bytes, got 16',
    'resources[0].providers[0].secretbox.keys[1].secret: Invalid value: "REDACTED": secret is not valid base64',
  ]);
});

test('key names must be non-empty and unique', () => {
  const errs = errorsOf(
    doc(`  - resources: [secrets]\n    providers:\n      - aesgcm: {keys: [{name: a, secret: ${k32}}, {name: a, secret: ${k32}}, {name: "", secret: ${k32}}]}\n`),
  );
  assert.deepEqual(errs, [
    'resources[0].providers[0].aesgcm.keys[1].name: Duplicate value: "a"',
    'resources[0].providers[0].aesgcm.keys[2].name: Required value: key name is required',
  ]);
});

test('a resource after a covering wildcard is masked', () => {
  let errs = errorsOf(
    doc(`  - resources: ["*.apps"]\n    providers: [{identity: {}}]\n  - resources: [deployments.apps]\n    providers: [{identity: {}}]\n`),
  );
  assert.deepEqual(errs, ['resources[1].resources[0]: Invalid value: "deployments.apps": resource "deployments.apps" is masked by earlier rule "*.apps"']);
  errs = errorsOf(doc(`  - resources: ["*.", secrets]\n    providers: [{identity: {}}]\n`));
  assert.deepEqual(errs, ['resources[0].resources[1]: Invalid value: "secrets": resource "secrets" is masked by earlier rule "*."']);
  errs = errorsOf(doc(`  - resources: ["*.*"]\n    providers: [{identity: {}}]\n  - resources: ["*.apps"]\n    providers: [{identity: {}}]\n`));
  assert.match(errs[0]!, /resources\[1\]\.resources\[0\]: .*masked by earlier rule "\*\.\*"/);
  // The other order is fine: the specific rule comes first.
  parseEncryptionConfiguration(doc(`  - resources: [secrets]\n    providers: [{identity: {}}]\n  - resources: ["*.*"]\n    providers: [{identity: {}}]\n`), 't');
});

test('a resource listed twice is refused', () => {
  const errs = errorsOf(doc(`  - resources: [secrets]\n    providers: [{identity: {}}]\n  - resources: [configmaps, secrets]\n    providers: [{identity: {}}]\n`));
  assert.deepEqual(errs, ['resources[1].resources[1]: Duplicate value: "secrets"']);
});

test('empty providers, unknown provider, two or no provider types, unknown fields', () => {
  assert.deepEqual(errorsOf(doc(`  - resources: [secrets]\n    providers: []\n`)), [
    'resources[0].providers: Required value: at least one provider is required',
  ]);
  assert.match(errorsOf(doc(`  - resources: [secrets]\n    providers: [{rot13: {}}]\n`))[0]!, /^resources\[0\]\.providers\[0\]\.rot13: Unsupported value: "rot13"/);
  assert.deepEqual(errorsOf(doc(`  - resources: [secrets]\n    providers: [{identity: {}, secretbox: {keys: [{name: a, secret: ${k32}}]}}]\n`)), [
    'resources[0].providers[0]: Forbidden: exactly one provider type may be set per entry, found identity and secretbox',
  ]);
  assert.match(errorsOf(doc(`  - resources: [secrets]\n    providers: [{}]\n`))[0]!, /^resources\[0\]\.providers\[0\]: Required value: exactly one provider type/);
  assert.deepEqual(errorsOf(doc(`  - resources: [secrets]\n    provider: []\n    providers: [{identity: {}}]\n`)), [
    'resources[0].provider: Invalid value: unknown field "provider"',
  ]);
  assert.deepEqual(errorsOf(doc(`  - resources: [secrets]\n    providers: [{aescbc: {keys: [{name: a, secret: ${k32}, extra: 1}]}}]\n`)), [
    'resources[0].providers[0].aescbc.keys[0].extra: Invalid value: unknown field "extra"',
  ]);
});

test('kms entries: v2 only, unix endpoint required', () => {
  const errs = errorsOf(doc(`  - resources: [secrets]\n    providers: [{kms: {name: a, endpoint: "tcp://x:1"}}]\n`));
  assert.deepEqual(errs, [
    'resources[0].providers[0].kms.apiVersion: Unsupported value: "v1": supported values: "v2"',
    'resources[0].providers[0].kms.endpoint: Invalid value: "tcp://x:1": endpoint must be a unix socket: "unix:///path/to/socket"',
  ]);
});

test('YAML errors do not echo the file content', () => {
  const secret = 'c2VjcmV0c2VjcmV0c2VjcmV0';
  assert.throws(() => parseEncryptionConfiguration(`resources: [\n  secret: ${secret}: : [`, 'bad.yaml'), (err: Error) => {
    assert.match(err.message, /bad\.yaml: not valid YAML/);
    assert.ok(!err.message.includes(secret));
    return true;
  });
});

test('loadEncryptionConfiguration reads a file and names it in errors', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'enc-cfg-'));
  try {
    const file = path.join(dir, 'enc.yaml');
    await writeFile(file, doc(`  - resources: [secrets]\n    providers: [{secretbox: {keys: [{name: k, secret: ${k32}}]}}]\n`));
    const cfg = await loadEncryptionConfiguration(file);
    assert.equal(cfg.resources[0]!.providers[0]!.type, 'secretbox');
    await assert.rejects(loadEncryptionConfiguration(path.join(dir, 'missing.yaml')), /cannot read encryption configuration .*missing\.yaml/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
