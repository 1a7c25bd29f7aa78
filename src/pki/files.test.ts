// Tests for atomic secret files and the permission checks on keys and the data directory.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertPrivateFileMode, ensurePrivateDir, readFileIfExists, writeFileAtomic } from './files.js';

async function tmp(): Promise<string> {
  return fs.mkdtemp(path.join(tmpdir(), 'bulwark-files-'));
}

const mode = async (p: string): Promise<number> => (await fs.stat(p)).mode & 0o777;

describe('writeFileAtomic', () => {
  it('writes the content with the exact mode, regardless of umask, and leaves no temporary file', async () => {
    const dir = await tmp();
    const old = process.umask(0o077);
    try {
      await writeFileAtomic(path.join(dir, 'ca.crt'), 'public\n', 0o644);
      await writeFileAtomic(path.join(dir, 'ca.key'), Buffer.from('secret\n'), 0o600);
    } finally {
      process.umask(old);
    }
    assert.equal(await mode(path.join(dir, 'ca.crt')), 0o644);
    assert.equal(await mode(path.join(dir, 'ca.key')), 0o600);
    assert.equal(await fs.readFile(path.join(dir, 'ca.key'), 'utf8'), 'secret\n');
    assert.deepEqual((await fs.readdir(dir)).sort(), ['ca.crt', 'ca.key']);
    await fs.rm(dir, { recursive: true });
  });

  it('replaces an existing file, tightening its mode, without leftovers', async () => {
    const dir = await tmp();
    const file = path.join(dir, 'admin.kubeconfig');
    await fs.writeFile(file, 'old', { mode: 0o666 });
    await fs.chmod(file, 0o666);
    await writeFileAtomic(file, 'new', 0o600);
    assert.equal(await fs.readFile(file, 'utf8'), 'new');
    assert.equal(await mode(file), 0o600);
    assert.deepEqual(await fs.readdir(dir), ['admin.kubeconfig']);
    await fs.rm(dir, { recursive: true });
  });

  it('cleans up its temporary file when the rename fails', async () => {
    const dir = await tmp();
    // Renaming a file over a non-empty directory fails after the temporary file was written.
    await fs.mkdir(path.join(dir, 'target'));
    await fs.writeFile(path.join(dir, 'target', 'x'), 'x');
    await assert.rejects(writeFileAtomic(path.join(dir, 'target'), 'data', 0o600));
    assert.deepEqual(await fs.readdir(dir), ['target']);
    await fs.rm(dir, { recursive: true });
  });
});

describe('ensurePrivateDir', () => {
  it('creates missing directories with mode 0700', async () => {
    const base = await tmp();
    const dir = path.join(base, 'a', 'b');
    await ensurePrivateDir(dir);
    assert.equal(await mode(dir), 0o700);
    await ensurePrivateDir(dir); // idempotent
    await fs.rm(base, { recursive: true });
  });

  it('refuses an existing directory that group or others can enter, naming the fix', async () => {
    const dir = await tmp();
    await fs.chmod(dir, 0o755);
    await assert.rejects(ensurePrivateDir(dir), (err: Error) => {
      assert.match(err.message, new RegExp(`data directory ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has mode 0755`));
      assert.match(err.message, /chmod 700/);
      return true;
    });
    assert.equal(await mode(dir), 0o755, 'the mode is not changed behind the operator');
    await fs.rm(dir, { recursive: true });
  });

  it('refuses a path that is a file', async () => {
    const dir = await tmp();
    await fs.writeFile(path.join(dir, 'f'), '');
    await assert.rejects(ensurePrivateDir(path.join(dir, 'f')));
    await fs.rm(dir, { recursive: true });
  });
});

describe('assertPrivateFileMode', () => {
  it('accepts 0600 and 0400 and refuses anything group or others can touch', async () => {
    const dir = await tmp();
    const file = path.join(dir, 'ca.key');
    await fs.writeFile(file, 'k');
    for (const ok of [0o600, 0o400]) {
      await fs.chmod(file, ok);
      await assertPrivateFileMode(file);
    }
    for (const bad of [0o644, 0o640, 0o604, 0o620]) {
      await fs.chmod(file, bad);
      await assert.rejects(assertPrivateFileMode(file), (err: Error) => {
        assert.ok(err.message.includes(file), 'names the file');
        assert.ok(err.message.includes(`0${bad.toString(8)}`), 'names the mode');
        assert.ok(err.message.includes(`chmod 600 ${file}`), 'names the fix');
        return true;
      });
    }
    await fs.rm(dir, { recursive: true });
  });
});

describe('readFileIfExists', () => {
  it('returns undefined only for a missing file', async () => {
    const dir = await tmp();
    assert.equal(await readFileIfExists(path.join(dir, 'nope')), undefined);
    await fs.writeFile(path.join(dir, 'yes'), 'y');
    assert.equal(await readFileIfExists(path.join(dir, 'yes')), 'y');
    await assert.rejects(readFileIfExists(dir)); // EISDIR is an error, not "missing"
    await fs.rm(dir, { recursive: true });
  });
});
