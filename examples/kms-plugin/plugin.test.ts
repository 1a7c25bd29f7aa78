import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KmsCallError, KmsGrpcClient } from '../../src/encryption/kms/client.js';
import { ALGORITHM_ANNOTATION, startKmsPlugin, unwrap } from './plugin.js';

const PLUGIN_JS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'plugin.js');

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'kms-plugin-'));
}

test('example plugin: Status, Encrypt and Decrypt over its 0600 unix socket; rotation keeps old keys', async () => {
  const dir = await tempDir();
  const socketPath = path.join(dir, 'kms.sock');
  const key1 = randomBytes(32);
  const plugin = await startKmsPlugin({ socketPath, key: key1, keyId: 'key-1' });
  const client = new KmsGrpcClient('example', `unix://${socketPath}`, 2000);
  try {
    const st = await lstat(socketPath);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    assert.deepEqual(await client.status(), { version: 'v2', healthz: 'ok', key_id: 'key-1' });

    const seed = randomBytes(32);
    const enc = await client.encrypt(seed);
    assert.equal(enc.key_id, 'key-1');
    assert.deepEqual(enc.annotations, { [ALGORITHM_ANNOTATION]: Buffer.from('aes-256-gcm') });
    assert.notDeepEqual(enc.ciphertext.subarray(12, 44), seed);
    assert.deepEqual(unwrap({ keyId: 'key-1', key: key1 }, enc.ciphertext), seed, 'AES-256-GCM under the local key');
    assert.deepEqual(await client.decrypt(enc.ciphertext, 'key-1', enc.annotations), seed);

    plugin.setKey(randomBytes(32), 'key-2');
    assert.equal((await client.status()).key_id, 'key-2');
    const enc2 = await client.encrypt(seed);
    assert.equal(enc2.key_id, 'key-2');
    assert.deepEqual(await client.decrypt(enc.ciphertext, 'key-1', enc.annotations), seed, 'old key id still decrypts');
    assert.deepEqual(await client.decrypt(enc2.ciphertext, 'key-2', enc2.annotations), seed);

    await assert.rejects(client.decrypt(enc.ciphertext, 'key-9', {}), (err: unknown) => {
      assert.ok(err instanceof KmsCallError);
      assert.equal(err.unreachable, false);
      assert.match(err.message, /Decrypt call to kms plugin "example" at unix:\/\/.*failed: NOT_FOUND: unknown key id "key-9"/);
      return true;
    });
    await assert.rejects(client.decrypt(enc.ciphertext, 'key-2', {}), /INVALID_ARGUMENT: ciphertext does not decrypt with key id "key-2"/);
    assert.throws(() => plugin.setKey(randomBytes(16), 'short'), /must be 32 bytes/);
  } finally {
    client.close();
    await plugin.close();
  }
  await assert.rejects(lstat(socketPath), /ENOENT/, 'close removes the socket');
  await rm(dir, { recursive: true, force: true });
});

test('example plugin: a stale socket is replaced, any other file is not; a closed plugin reads as unreachable', async () => {
  const dir = await tempDir();
  const socketPath = path.join(dir, 'kms.sock');
  try {
    const first = await startKmsPlugin({ socketPath, key: randomBytes(32), keyId: 'a' });
    // simulate a crash: the server goes, its socket file stays
    const ino = (await stat(socketPath)).ino;
    const second = await startKmsPlugin({ socketPath, key: randomBytes(32), keyId: 'b' });
    assert.notEqual((await stat(socketPath)).ino, ino);
    await first.close(); // must not remove the second plugin's socket
    const client = new KmsGrpcClient('example', `unix://${socketPath}`, 2000);
    assert.equal((await client.status()).key_id, 'b');
    await second.close();
    await assert.rejects(client.status(), (err: unknown) => err instanceof KmsCallError && err.unreachable);
    client.close();

    const file = path.join(dir, 'not-a-socket');
    await writeFile(file, 'x');
    await assert.rejects(startKmsPlugin({ socketPath: file, key: randomBytes(32), keyId: 'c' }), /exists and is not a socket/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function runCli(args: string[]): { done: Promise<{ code: number | null; stderr: string }>; kill: () => void; stderr: () => string } {
  const child = spawn(process.execPath, [PLUGIN_JS, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return { done, kill: () => child.kill('SIGTERM'), stderr: () => stderr };
}

test('example plugin CLI: serves with a key file, refuses a key file others can read', async () => {
  const dir = await tempDir();
  const socketPath = path.join(dir, 'kms.sock');
  const keyFile = path.join(dir, 'key');
  try {
    await writeFile(keyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o644 });
    const loose = await runCli(['--socket', socketPath, '--key-file', keyFile, '--key-id', 'cli-1']).done;
    assert.equal(loose.code, 1);
    assert.match(loose.stderr, /has mode 644; it must be 0600 or stricter/);

    await rm(keyFile);
    await writeFile(keyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    const run = runCli(['--socket', socketPath, '--key-file', keyFile, '--key-id', 'cli-1']);
    const client = new KmsGrpcClient('example', `unix://${socketPath}`, 2000);
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          assert.equal((await client.status()).key_id, 'cli-1');
          break;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`${String(err)}\n${run.stderr()}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      client.close();
      run.kill();
    }
    assert.equal((await run.done).code, 0);
    const usage = await runCli(['--socket', socketPath]).done;
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: plugin\.js --socket/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
