import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadEncryptionConfiguration } from './config.js';
import { ensureDefaultEncryptionConfig } from './defaults.js';
import { buildTransformers } from './transformer.js';

test('generates a 0600 secretbox config once and reuses it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'enc-def-'));
  try {
    const file = await ensureDefaultEncryptionConfig(dir);
    assert.equal(file, path.join(dir, 'encryption-config.yaml'));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const cfg = await loadEncryptionConfiguration(file);
    assert.deepEqual(cfg.resources.map((r) => r.resources), [['secrets']]);
    const [first, second] = cfg.resources[0]!.providers;
    assert.ok(first?.type === 'secretbox');
    assert.equal(first.keys[0]!.name, 'key1');
    assert.equal(first.keys[0]!.secret.length, 32);
    assert.equal(second?.type, 'identity');

    const before = await readFile(file, 'utf8');
    assert.equal(await ensureDefaultEncryptionConfig(dir), file);
    assert.equal(await readFile(file, 'utf8'), before, 'the key must not be regenerated');

    const t = buildTransformers(cfg)('', 'secrets');
    const stored = await t.toStorage(Buffer.from('{}'), '/registry/secrets/a/b');
    assert.ok(stored.toString('latin1').startsWith('k8s:enc:secretbox:v1:key1:'));
    // Two data directories get different keys.
    const dir2 = await mkdtemp(path.join(tmpdir(), 'enc-def-'));
    try {
      const other = await readFile(await ensureDefaultEncryptionConfig(dir2), 'utf8');
      assert.notEqual(other, before);
    } finally {
      await rm(dir2, { recursive: true, force: true });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('refuses an existing config readable by others', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'enc-def-'));
  try {
    const file = await ensureDefaultEncryptionConfig(dir);
    await chmod(file, 0o644);
    await assert.rejects(ensureDefaultEncryptionConfig(dir), /mode 0644.*must be 0600/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
