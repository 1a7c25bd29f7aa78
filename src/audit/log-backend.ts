// The audit log backend (--audit-log-*): one event per line to a 0600 file or stdout, with
// size-based rotation, backup retention and gzip compression the way kube's lumberjack does it.
import { constants as fsConstants, createReadStream, createWriteStream, promises as fs, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { BatchQueue, DEFAULT_BATCH_OPTIONS, type BatchOptions, type QueuedEvent, RateLimitedReporter, resolveBatchOptions } from './batch.js';
import { legacyFormat } from './event.js';
import type { AuditMetrics } from './metrics.js';
import type { AuditBackend, AuditBackendStats, AuditEvent, AuditMode } from './types.js';

export interface LogBackendOptions {
  /** The log file; `-` writes to stdout (no rotation). */
  path: string;
  /** Delete backups older than this many days (from the time in their name); 0 = keep. */
  maxAgeDays?: number;
  /** Keep at most this many backups; 0 = keep all. */
  maxBackups?: number;
  /** Rotate before the file would grow past this size; 0 = 100 MB, lumberjack's default. */
  maxSizeMB?: number;
  /** gzip backups (`<backup>.gz`). */
  compress?: boolean;
  /** `json` (default): one Event object per line; `legacy`: kube's one-line text format. */
  format?: 'json' | 'legacy';
  /** Default `blocking`, kube's default for the log backend. */
  mode?: AuditMode;
  /** Buffer and batch sizes (batch mode; the buffer bound also applies in blocking modes). Throttling is off unless enabled, as in kube. */
  batch?: Partial<BatchOptions>;
  metrics?: AuditMetrics;
  /** Server log (not the audit log): write failures, rotation problems, drops. */
  log: (msg: string) => void;
  /** How long shutdown waits for buffered events to be written. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** For tests: the clock used to name backups and judge their age. */
  now?: () => Date;
}

const PLUGIN = 'log';
const MB = 1024 * 1024;
const DEFAULT_MAX_SIZE_MB = 100;
const REPORT_INTERVAL_MS = 10_000;
// kube-apiserver's --audit-log-batch-* defaults: batching does not help a local file
const LOG_BATCH_DEFAULTS: Readonly<BatchOptions> = Object.freeze({ ...DEFAULT_BATCH_OPTIONS, maxBatchSize: 1, maxBatchWaitMs: 0, throttleEnabled: false });
// Blocking mode has no batch size: one write carries every event waiting for it.
const BLOCKING_WRITE_MAX_EVENTS = 100_000;

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Where the lines go: a rotating file, or stdout. */
interface Sink {
  write(data: string): Promise<void>;
  close(): Promise<void>;
}

class StdoutSink implements Sink {
  write(data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }
  async close(): Promise<void> {}
}

// lumberjack's backup time format, 2006-01-02T15-04-05.000, in UTC.
function backupTimestamp(d: Date): string {
  return d.toISOString().slice(0, 23).replace(/:/g, '-');
}

function parseBackupTimestamp(s: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)\.(\d{3})$/.exec(s);
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
  return Number.isNaN(t) ? undefined : t;
}

export interface RotatingFileOptions {
  maxBytes: number;
  maxBackups: number;
  maxAgeDays: number;
  compress: boolean;
  log: (msg: string) => void;
  now: () => Date;
}

/** An append-only 0600 file that rotates to `<name>-<time><ext>` before it would exceed maxBytes. */
export class RotatingFile implements Sink {
  #handle: FileHandle | undefined;
  #size = 0;
  #mill: Promise<void> = Promise.resolve();
  readonly #dir: string;
  readonly #prefix: string;
  readonly #ext: string;

  readonly path: string;

  private constructor(
    filePath: string,
    private readonly o: RotatingFileOptions,
  ) {
    this.path = filePath;
    this.#dir = path.dirname(filePath);
    const base = path.basename(filePath);
    this.#ext = path.extname(base);
    this.#prefix = base.slice(0, base.length - this.#ext.length);
  }

  /** Creates the directory (0700) if it is missing, checks the file, and opens it for appending. */
  static async open(filePath: string, o: RotatingFileOptions): Promise<RotatingFile> {
    const f = new RotatingFile(path.resolve(filePath), o);
    await f.#prepare();
    await f.#openFile();
    f.#scheduleMill();
    return f;
  }

  async #prepare(): Promise<void> {
    let dirStat;
    try {
      dirStat = await fs.stat(this.#dir);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw new Error(`audit log directory ${this.#dir}: ${(err as Error).message}`);
      // Audit events name users and resources: a directory we create is private.
      await fs.mkdir(this.#dir, { recursive: true, mode: 0o700 });
      dirStat = await fs.stat(this.#dir);
    }
    if (!dirStat.isDirectory()) throw new Error(`audit log path ${this.path}: ${this.#dir} exists but is not a directory`);
    // Anyone who may write to the directory could swap the log for a link to another file.
    if ((dirStat.mode & 0o022) !== 0) {
      throw new Error(`audit log directory ${this.#dir} has mode ${octal(dirStat.mode)}: group or others may replace the log in it; use a directory only the server's user can write (chmod 700)`);
    }
    let st;
    try {
      st = await fs.lstat(this.path);
    } catch (err) {
      if (errno(err) === 'ENOENT') return;
      throw new Error(`audit log ${this.path}: ${(err as Error).message}`);
    }
    if (st.isDirectory()) {
      throw new Error(`audit log path ${this.path} is a directory; give the path of a file in it, such as ${path.join(this.path, 'audit.log')}`);
    }
    if (st.isSymbolicLink()) throw new Error(`audit log path ${this.path} is a symbolic link; give the file itself`);
    if (!st.isFile()) throw new Error(`audit log path ${this.path} exists but is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      throw new Error(
        `audit log ${this.path} has mode ${octal(st.mode)}, which lets group or others read the audit trail; ` +
          `it must be 0600: run \`chmod 600 ${this.path}\``,
      );
    }
  }

  async #openFile(): Promise<void> {
    // O_NOFOLLOW and a check of what was opened, not of the path: a link or a foreign file put in
    // place after the checks above (or between rotations) is refused, not appended to.
    const handle = await fs.open(this.path, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW, 0o600);
    try {
      const st = await handle.stat();
      const uid = process.getuid?.();
      if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
        throw new Error(`audit log ${this.path} is not a private regular file of this user (mode ${octal(st.mode)}, owner ${st.uid}); refusing to write to it`);
      }
      this.#size = st.size;
    } catch (err) {
      await handle.close();
      throw err;
    }
    this.#handle = handle;
  }

  /** Appends `data` (whole lines), rotating first if it would not fit. */
  async write(data: string): Promise<void> {
    if (this.#handle === undefined) await this.#openFile();
    const bytes = Buffer.byteLength(data);
    if (this.#size + bytes <= this.o.maxBytes) {
      await this.#append(Buffer.from(data));
      return;
    }
    // Too much for the current file: fill it line by line, rotating in between, so that no file
    // passes the limit (a single line larger than the limit gets a file of its own).
    let start = 0;
    let pending: string[] = [];
    let pendingBytes = 0;
    while (start < data.length) {
      const nl = data.indexOf('\n', start);
      const end = nl < 0 ? data.length : nl + 1;
      const line = data.slice(start, end);
      start = end;
      const n = Buffer.byteLength(line);
      if (this.#size + pendingBytes + n > this.o.maxBytes && this.#size + pendingBytes > 0) {
        if (pending.length > 0) await this.#append(Buffer.from(pending.join('')));
        pending = [];
        pendingBytes = 0;
        await this.#rotate();
      }
      pending.push(line);
      pendingBytes += n;
    }
    if (pending.length > 0) await this.#append(Buffer.from(pending.join('')));
  }

  async #append(buf: Buffer): Promise<void> {
    // A synchronous write into the page cache costs a few microseconds; handing each write to the
    // libuv thread pool cost about 50 µs of CPU per write under load, a tenth of a create request.
    // No fsync: like kube-apiserver, the audit log relies on the OS to reach the disk.
    let off = 0;
    while (off < buf.length) {
      const bytesWritten = writeSync(this.#handle!.fd, buf, off, buf.length - off);
      off += bytesWritten;
      this.#size += bytesWritten;
    }
  }

  async #rotate(): Promise<void> {
    const backup = await this.#freeBackupName();
    try {
      await fs.rename(this.path, backup);
    } catch (err) {
      // Keep appending to the current file rather than lose events; the next write tries again.
      this.o.log(`audit log ${this.path}: cannot rotate to ${backup}: ${(err as Error).message}`);
      return;
    }
    const old = this.#handle;
    this.#handle = undefined;
    await old?.close().catch(() => {});
    await this.#openFile();
    this.#scheduleMill();
  }

  async #freeBackupName(): Promise<string> {
    // Two rotations in one millisecond would give the same name and the second rename would
    // destroy the first backup.
    let t = this.o.now().getTime();
    for (;;) {
      const name = path.join(this.#dir, `${this.#prefix}-${backupTimestamp(new Date(t))}${this.#ext}`);
      try {
        await fs.lstat(name);
      } catch {
        try {
          await fs.lstat(`${name}.gz`);
        } catch {
          return name;
        }
      }
      t += 1;
    }
  }

  #scheduleMill(): void {
    if (this.o.maxBackups <= 0 && this.o.maxAgeDays <= 0 && !this.o.compress) return;
    this.#mill = this.#mill.then(() => this.#runMill()).catch((err: unknown) => this.o.log(`audit log ${this.path}: cleaning up backups failed: ${(err as Error).message}`));
  }

  /** Backups, newest first. */
  async backups(): Promise<Array<{ file: string; time: number; compressed: boolean }>> {
    const head = `${this.#prefix}-`;
    const out: Array<{ file: string; time: number; compressed: boolean }> = [];
    for (const name of await fs.readdir(this.#dir)) {
      if (!name.startsWith(head)) continue;
      let rest = name.slice(head.length);
      const compressed = rest.endsWith(`${this.#ext}.gz`);
      if (compressed) rest = rest.slice(0, -`${this.#ext}.gz`.length);
      else if (rest.endsWith(this.#ext) && this.#ext !== '') rest = rest.slice(0, -this.#ext.length);
      else if (this.#ext !== '') continue;
      const time = parseBackupTimestamp(rest);
      if (time !== undefined) out.push({ file: path.join(this.#dir, name), time, compressed });
    }
    return out.sort((a, b) => b.time - a.time);
  }

  async #runMill(): Promise<void> {
    let files = await this.backups();
    const remove: string[] = [];
    if (this.o.maxBackups > 0) {
      // A backup and its half-finished .gz count once.
      const kept = new Set<number>();
      files = files.filter((f) => {
        if (kept.has(f.time) || kept.size < this.o.maxBackups) {
          kept.add(f.time);
          return true;
        }
        remove.push(f.file);
        return false;
      });
    }
    if (this.o.maxAgeDays > 0) {
      const cutoff = this.o.now().getTime() - this.o.maxAgeDays * 24 * 3600 * 1000;
      files = files.filter((f) => {
        if (f.time >= cutoff) return true;
        remove.push(f.file);
        return false;
      });
    }
    for (const f of remove) await fs.rm(f, { force: true });
    if (!this.o.compress) return;
    const gz = new Set(files.filter((f) => f.compressed).map((f) => f.file));
    for (const f of files) {
      if (f.compressed) continue;
      const target = `${f.file}.gz`;
      if (!gz.has(target)) {
        await pipeline(createReadStream(f.file), createGzip(), createWriteStream(target, { mode: 0o600 }));
      }
      await fs.rm(f.file, { force: true });
    }
  }

  async close(): Promise<void> {
    await this.#mill;
    const h = this.#handle;
    this.#handle = undefined;
    await h?.close();
  }
}

/**
 * Opens the log (refusing a path that is a directory or a file others can read) and returns the
 * backend. Write failures never throw: they are counted, logged at most once per 10 s, and the
 * events' `process` promises resolve false.
 */
export async function createLogBackend(opts: LogBackendOptions): Promise<AuditBackend> {
  const mode = opts.mode ?? 'blocking';
  const batch = resolveBatchOptions(opts.batch, LOG_BATCH_DEFAULTS);
  const format = opts.format ?? 'json';
  if (format !== 'json' && format !== 'legacy') throw new Error(`audit log format must be "json" or "legacy", got ${JSON.stringify(format)}`);
  for (const [k, v] of [
    ['maxAgeDays', opts.maxAgeDays],
    ['maxBackups', opts.maxBackups],
    ['maxSizeMB', opts.maxSizeMB],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new Error(`audit log option ${k} must be 0 or more, got ${v}`);
  }
  const sink: Sink =
    opts.path === '-'
      ? new StdoutSink()
      : await RotatingFile.open(opts.path, {
          maxBytes: (opts.maxSizeMB || DEFAULT_MAX_SIZE_MB) * MB,
          maxBackups: opts.maxBackups ?? 0,
          maxAgeDays: opts.maxAgeDays ?? 0,
          compress: opts.compress ?? false,
          log: opts.log,
          now: opts.now ?? (() => new Date()),
        });
  return new LogBackend(opts, mode, batch, format, sink);
}

class LogBackend implements AuditBackend {
  readonly name = PLUGIN;
  readonly #queue: BatchQueue;
  readonly #failures: RateLimitedReporter;
  readonly #drops: RateLimitedReporter;
  readonly #serialize: (e: AuditEvent) => string;
  #lastError = '';

  constructor(
    private readonly opts: LogBackendOptions,
    readonly mode: AuditMode,
    batch: BatchOptions,
    format: 'json' | 'legacy',
    private readonly sink: Sink,
  ) {
    const where = opts.path === '-' ? 'stdout' : opts.path;
    this.#serialize = format === 'legacy' ? legacyFormat : (e) => JSON.stringify(e);
    this.#failures = new RateLimitedReporter(
      opts.log,
      REPORT_INTERVAL_MS,
      (n, s) => `audit log ${where}: ${n} more events could not be written in the last ${s}s (last error: ${this.#lastError})`,
    );
    this.#drops = new RateLimitedReporter(
      opts.log,
      REPORT_INTERVAL_MS,
      (n, s) => `audit log buffer full: dropped ${n} events in the last ${s}s`,
    );
    this.#queue = new BatchQueue({
      mode,
      bufferSize: batch.bufferSize,
      maxBatchSize: mode === 'batch' ? batch.maxBatchSize : BLOCKING_WRITE_MAX_EVENTS,
      maxBatchWaitMs: batch.maxBatchWaitMs,
      throttle: batch.throttleEnabled ? { qps: batch.throttleQPS, burst: batch.throttleBurst } : undefined,
      send: (events) => this.#write(events, where),
      onDrop: (n, reason) => {
        opts.metrics?.eventsFailed(PLUGIN, n);
        if (reason === 'buffer-full') {
          this.#drops.report(n, () => `audit log buffer full (${batch.bufferSize} events, ${where} is not keeping up): dropping events`);
        }
      },
    });
  }

  async #write(events: QueuedEvent[], where: string): Promise<boolean> {
    let data = '';
    for (const e of events) data += `${e.line}\n`;
    try {
      await this.sink.write(data);
      return true;
    } catch (err) {
      this.#lastError = (err as Error).message;
      this.#failures.report(events.length, () => `audit log ${where}: write failed, ${events.length} events lost: ${this.#lastError}`);
      return false;
    }
  }

  process(event: AuditEvent): Promise<boolean> {
    return this.#queue.offerEvent(event, this.#serialize, (why) => {
      this.#lastError = why;
      this.#failures.report(1, () => `audit log: ${why}`);
    });
  }

  stats(): AuditBackendStats {
    return this.#queue.stats();
  }

  async shutdown(): Promise<void> {
    await this.#queue.close(this.opts.shutdownTimeoutMs ?? 10_000);
    this.#failures.stop();
    this.#drops.stop();
    try {
      await this.sink.close();
    } catch (err) {
      this.opts.log(`audit log: closing failed: ${(err as Error).message}`);
    }
  }
}
