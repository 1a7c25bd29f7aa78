// The bounded queue both audit backends put in front of their sink: batching by size and wait,
// one batch in flight, optional throttling, and drops (never unbounded memory) when it is full.
import type { AuditEvent, AuditMode } from './types.js';

/** kube-apiserver's --audit-{log,webhook}-batch-* options. */
export interface BatchOptions {
  /** Events held before new ones are dropped (--audit-*-batch-buffer-size). */
  bufferSize: number;
  /** Events per write or POST (--audit-*-batch-max-size). */
  maxBatchSize: number;
  /** Longest wait before a partial batch is sent, in batch mode (--audit-*-batch-max-wait). */
  maxBatchWaitMs: number;
  /** Batches per second once the burst is spent (--audit-*-batch-throttle-qps). */
  throttleQPS: number;
  /** --audit-*-batch-throttle-burst */
  throttleBurst: number;
  /** --audit-*-batch-throttle-enable */
  throttleEnabled: boolean;
}

/** kube's defaults for the webhook backend (the log backend's: batches of one, no wait, no throttle). */
export const DEFAULT_BATCH_OPTIONS: Readonly<BatchOptions> = Object.freeze({
  bufferSize: 10_000,
  maxBatchSize: 400,
  maxBatchWaitMs: 30_000,
  throttleQPS: 10,
  throttleBurst: 15,
  throttleEnabled: true,
});

export function resolveBatchOptions(partial: Partial<BatchOptions> | undefined, defaults: Readonly<BatchOptions>): BatchOptions {
  const o: BatchOptions = { ...defaults, ...stripUndefined(partial ?? {}) };
  for (const k of ['bufferSize', 'maxBatchSize'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`audit batch option ${k} must be a positive integer, got ${o[k]}`);
  }
  if (!(o.maxBatchWaitMs >= 0)) throw new Error(`audit batch option maxBatchWaitMs must not be negative, got ${o.maxBatchWaitMs}`);
  if (o.throttleEnabled) {
    if (!(o.throttleQPS > 0)) throw new Error(`audit batch option throttleQPS must be positive, got ${o.throttleQPS}`);
    if (!(o.throttleBurst >= 1)) throw new Error(`audit batch option throttleBurst must be at least 1, got ${o.throttleBurst}`);
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A token bucket: `take()` resolves when a token is available. */
export class TokenBucket {
  #tokens: number;
  #last = performance.now();
  constructor(
    private readonly qps: number,
    private readonly burst: number,
  ) {
    this.#tokens = burst;
  }
  /** Milliseconds to wait before a token is available (0 = take one now). */
  reserve(): number {
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.qps);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.qps) * 1000;
  }
}

/**
 * Logs a condition at most once per interval: the first occurrence at once, then a summary of the
 * count every interval while it goes on, so a flood of failures cannot flood the server log.
 */
export class RateLimitedReporter {
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly log: (msg: string) => void,
    private readonly intervalMs: number,
    private readonly summary: (count: number, seconds: number) => string,
  ) {}

  report(n: number, first: () => string): void {
    if (this.#timer === undefined) {
      this.log(first());
      this.#timer = setTimeout(() => this.#tick(), this.intervalMs);
      this.#timer.unref();
      return;
    }
    this.#count += n;
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#count === 0) return;
    this.flush();
    this.#timer = setTimeout(() => this.#tick(), this.intervalMs);
    this.#timer.unref();
  }

  /** Logs what is counted now (on shutdown) and stops the timer. */
  flush(): void {
    if (this.#count > 0) this.log(this.summary(this.#count, Math.round(this.intervalMs / 1000)));
    this.#count = 0;
  }

  stop(): void {
    this.flush();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

export interface QueuedEvent {
  /** The serialized event (JSON or a legacy line), without a trailing newline. */
  readonly line: string;
  /** Set in blocking modes: told whether the write or POST carrying the event succeeded. */
  readonly done?: (ok: boolean) => void;
}

export type DropReason = 'buffer-full' | 'failed' | 'shutdown';

export interface BatchQueueOptions {
  mode: AuditMode;
  bufferSize: number;
  /** Events per send. */
  maxBatchSize: number;
  /** Batch mode only: how long a partial batch waits for more events. */
  maxBatchWaitMs: number;
  /** Batch mode only. */
  throttle?: { qps: number; burst: number };
  /** Writes or posts a batch; resolves whether it succeeded; must not reject. */
  send(batch: QueuedEvent[], signal: AbortSignal): Promise<boolean>;
  /** Events given up on (counted and logged by the backend). */
  onDrop(n: number, reason: DropReason): void;
}

/**
 * The queue. In batch mode `offer` resolves at once (true if queued); in blocking modes it
 * resolves when the send carrying the event finished. Everything offered in one turn of the
 * event loop goes out in one send, and while a send is in flight new events gather for the next,
 * so the sink sees few, large writes however many requests arrive.
 */
export class BatchQueue {
  #queue: QueuedEvent[] = [];
  #inFlight = 0;
  #running = false;
  #scheduled = false;
  #waitTimer: NodeJS.Timeout | undefined;
  #waitExpired = false;
  #closed = false;
  #draining = false;
  #abort = new AbortController();
  #idle: Array<() => void> = [];
  #bucket: TokenBucket | undefined;
  #dropped = 0;
  #written = 0;

  constructor(private readonly o: BatchQueueOptions) {
    if (o.mode === 'batch' && o.throttle) this.#bucket = new TokenBucket(o.throttle.qps, o.throttle.burst);
  }

  offer(line: string): Promise<boolean> {
    if (this.#closed) {
      this.#drop(1, 'shutdown');
      return Promise.resolve(false);
    }
    if (this.#queue.length >= this.o.bufferSize) {
      this.#drop(1, 'buffer-full');
      return Promise.resolve(false);
    }
    if (this.o.mode === 'batch') {
      this.#queue.push({ line });
      this.#schedule();
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      this.#queue.push({ line, done: resolve });
      this.#schedule();
    });
  }

  /**
   * Serializes and queues an event. One that would be dropped anyway is not serialized first; one
   * that cannot be serialized (a cycle, a BigInt) is dropped, counted and reported through
   * `onUnserializable`, never thrown at the request path.
   */
  offerEvent(event: AuditEvent, serialize: (e: AuditEvent) => string, onUnserializable: (why: string) => void): Promise<boolean> {
    if (this.#closed || this.#queue.length >= this.o.bufferSize) return this.offer('');
    let line: string;
    try {
      line = serialize(event);
    } catch (err) {
      this.#drop(1, 'failed');
      onUnserializable(`cannot serialize event ${event.auditID}: ${(err as Error).message}`);
      return Promise.resolve(false);
    }
    return this.offer(line);
  }

  stats(): { queued: number; dropped: number; written: number } {
    return { queued: this.#queue.length + this.#inFlight, dropped: this.#dropped, written: this.#written };
  }

  #drop(n: number, reason: DropReason): void {
    this.#dropped += n;
    this.o.onDrop(n, reason);
  }

  #ready(): boolean {
    if (this.#queue.length === 0) return false;
    if (this.o.mode !== 'batch' || this.#draining) return true;
    return this.#queue.length >= this.o.maxBatchSize || this.#waitExpired;
  }

  #schedule(): void {
    if (this.#running || this.#scheduled) return;
    if (this.#ready()) {
      this.#scheduled = true;
      // setImmediate rather than nextTick: events from every request handled in this turn of
      // the event loop join the same send.
      setImmediate(() => {
        this.#scheduled = false;
        void this.#run();
      });
    } else if (this.o.mode === 'batch' && this.#waitTimer === undefined && this.#queue.length > 0) {
      this.#waitTimer = setTimeout(() => {
        this.#waitTimer = undefined;
        this.#waitExpired = true;
        this.#schedule();
      }, this.o.maxBatchWaitMs);
      this.#waitTimer.unref();
    }
  }

  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#ready()) {
        if (this.#bucket && !this.#draining) {
          const wait = this.#bucket.reserve();
          if (wait > 0) await sleep(wait, this.#abort.signal);
        }
        const batch = this.#queue.splice(0, this.o.maxBatchSize);
        if (batch.length === 0) break;
        if (this.#queue.length < this.o.maxBatchSize) {
          // A new wait starts with the next event.
          this.#waitExpired = false;
          if (this.#waitTimer) clearTimeout(this.#waitTimer);
          this.#waitTimer = undefined;
        }
        this.#inFlight = batch.length;
        let ok = false;
        try {
          ok = await this.o.send(batch, this.#abort.signal);
        } catch {
          ok = false;
        }
        this.#inFlight = 0;
        if (ok) this.#written += batch.length;
        else this.#drop(batch.length, this.#abort.signal.aborted ? 'shutdown' : 'failed');
        for (const e of batch) e.done?.(ok);
      }
    } finally {
      this.#running = false;
      this.#schedule();
      if (this.#queue.length === 0 && this.#inFlight === 0) {
        const idle = this.#idle;
        this.#idle = [];
        for (const f of idle) f();
      }
    }
  }

  /**
   * Stops accepting events, sends what is queued, and gives up (counting the rest as dropped)
   * once `timeoutMs` has passed: shutdown must not hang on a dead receiver.
   */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    this.#draining = true;
    if (this.#waitTimer) clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    const drained = new Promise<void>((resolve) => {
      if (this.#queue.length === 0 && this.#inFlight === 0 && !this.#running) resolve();
      else this.#idle.push(resolve);
    });
    this.#schedule();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const r = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') {
      const rest = this.#queue.splice(0);
      if (rest.length > 0) this.#drop(rest.length, 'shutdown');
      for (const e of rest) e.done?.(false);
      // Abort the send in flight; its events are counted when it returns.
      this.#abort.abort();
      await drained;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
