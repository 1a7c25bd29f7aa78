// Secrets on disk: atomic writes with exact modes, and the permission checks that make a
// server refuse to start on a key file or data directory others can read.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Permission bits that give group or others any access. */
const GROUP_OTHER_BITS = 0o077;

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/**
 * Writes `data` to `filePath` so that a reader (or a crash) sees either the old content or the
 * complete new content, never a torn file, and never the new content with a looser mode: the
 * temporary file is created with `mode` (then chmod'ed, since umask can only narrow it),
 * fsynced, renamed over the target, and the directory fsynced so the rename itself survives a
 * power cut.
 */
export async function writeFileAtomic(filePath: string, data: string | Buffer, mode: number): Promise<void> {
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${path.basename(filePath)}.tmp-${randomBytes(6).toString('hex')}`);
  // 'wx' so that a planted file or symlink at the temporary name is never followed.
  const handle = await fs.open(tmp, 'wx', mode);
  let renamed = false;
  try {
    try {
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, filePath);
    renamed = true;
    await fsyncDir(dir);
  } finally {
    if (!renamed) await fs.rm(tmp, { force: true });
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
    if (!isErrno(err, 'EINVAL') && !isErrno(err, 'EISDIR')) throw err;
  } finally {
    await handle.close();
  }
}

/**
 * Creates `dirPath` (and missing parents) with mode 0700. An existing directory is used as it
 * is only when group and others have no access: tightening it silently would hide that its
 * secrets may already have been read, so we refuse and let the operator decide.
 */
export async function ensurePrivateDir(dirPath: string): Promise<void> {
  await fs.mkdir(dirPath, { recursive: true, mode: 0o700 });
  await assertPrivateDirMode(dirPath);
}

/** Throws unless `dirPath` is a directory that group and others cannot access. */
export async function assertPrivateDirMode(dirPath: string): Promise<void> {
  const st = await fs.stat(dirPath);
  if (!st.isDirectory()) {
    throw new Error(`data directory ${dirPath} exists but is not a directory`);
  }
  if ((st.mode & GROUP_OTHER_BITS) !== 0) {
    throw new Error(
      `data directory ${dirPath} has mode ${octal(st.mode)}, which lets group or others reach the keys in it; ` +
        `it must be 0700: run \`chmod 700 ${dirPath}\` (and check whether its keys have leaked)`,
    );
  }
}

/**
 * Throws if the file holding a private key or credential is accessible to group or others.
 * The message names the file, its mode and the fix, because it is shown to the operator as
 * the reason the server refused to start.
 */
export async function assertPrivateFileMode(filePath: string): Promise<void> {
  const st = await fs.stat(filePath);
  if (!st.isFile()) {
    throw new Error(`${filePath} is not a regular file`);
  }
  if ((st.mode & GROUP_OTHER_BITS) !== 0) {
    throw new Error(
      `${filePath} holds a private key or credential but has mode ${octal(st.mode)} ` +
        `(readable or writable by group or others); it must be 0600: run \`chmod 600 ${filePath}\` ` +
        `(and consider the key compromised if others could read it)`,
    );
  }
}

/** Reads a file, or returns undefined when it does not exist (any other error is thrown). */
export async function readFileIfExists(filePath: string): Promise<string | undefined> {
  try {
    return await fs.readFile(filePath, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** True when `filePath` exists (without following the question any further). */
export async function fileExists(filePath: string): Promise<boolean> {
  try {
    await fs.lstat(filePath);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}
