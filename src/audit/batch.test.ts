import assert from 'node:assert/strict';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { BatchQueue, type BatchQueueOptions, type DropReason, type QueuedEvent, RateLimitedReporter, TokenBucket, resolveBatchOptions, DEFAULT_BATCH_OPTIONS } from './batch.js';

interface Harness {
  q: BatchQueue;
  sends: string[][];
  drops: Array<[number, DropReason]>;
  /** Resolves the oldest pending send. */
  release(ok: boolean): void;
}

function harness(o: Partial<BatchQueueOptions>, manual = false): Harness {
  const sends: string[][] = [];
  const drops: Array<[number, DropReason]> = [];
  const pending: Array<(ok: boolean) => void> = [];
  const q = new BatchQueue({
    mode: 'blocking',
    bufferSize: 1000,
    maxBatchSize: 1000,
    maxBatchWaitMs: 1000,
    send: (batch: QueuedEvent[]) => {
      sends.push(batch.map((e) => e.line));
      if (!manual) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => pending.push(resolve));
    },
    onDrop: (n, reason) => drops.push([n, reason]),
    ...o,
  });
  return { q, sends, drops, release: (ok) => pending.shift()!(ok) };
}

test('blocking: events of one turn go out in one send; later ones gather while it is in flight', async () => {
  const h = harness({}, true);
  const first = Array.from({ length: 50 }, (_, i) => h.q.offer(`a${i}`));
  await nextTurn();
  assert.equal(h.sends.length, 1);
  assert.equal(h.sends[0]!.length, 50);
  // Three more turns of events while the first send is in flight.
  const second: Array<Promise<boolean>> = [];
  for (let t = 0; t < 3; t++) {
    for (let i = 0; i < 10; i++) second.push(h.q.offer(`b${t}.${i}`));
    await nextTurn();
  }
  assert.equal(h.sends.length, 1, 'one send in flight at a time');
  assert.deepEqual(h.q.stats(), { queued: 80, dropped: 0, written: 0 });
  h.release(true);
  assert.ok((await Promise.all(first)).every(Boolean));
  await nextTurn();
  assert.equal(h.sends.length, 2);
  assert.equal(h.sends[1]!.length, 30, 'everything that waited goes in the next send');
  h.release(false);
  assert.deepEqual(await Promise.all(second), new Array(30).fill(false), 'a failed send resolves its events false');
  assert.deepEqual(h.q.stats(), { queued: 0, dropped: 30, written: 50 });
  assert.deepEqual(h.drops, [[30, 'failed']]);
});

test('blocking: sends are split at maxBatchSize and the buffer bound applies', async () => {
  const h = harness({ maxBatchSize: 4, bufferSize: 10 });
  const ps = Array.from({ length: 12 }, (_, i) => h.q.offer(String(i)));
  const results = await Promise.all(ps);
  assert.deepEqual(results, [...new Array(10).fill(true), false, false]);
  assert.deepEqual(h.sends.map((s) => s.length), [4, 4, 2]);
  assert.deepEqual(h.drops, [
    [1, 'buffer-full'],
    [1, 'buffer-full'],
  ]);
});

test('batch: resolves at once, sends full batches at once and partial ones after maxBatchWait', async () => {
  const h = harness({ mode: 'batch', maxBatchSize: 5, maxBatchWaitMs: 80 });
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => h.q.offer(String(i))));
  assert.ok(results.every(Boolean));
  await nextTurn();
  await nextTurn();
  assert.deepEqual(h.sends.map((s) => s.length), [5, 5], 'full batches do not wait');
  await delay(30);
  assert.equal(h.sends.length, 2, 'the partial batch waits');
  await delay(100);
  assert.deepEqual(h.sends.map((s) => s.length), [5, 5, 2]);
  assert.deepEqual(h.sends.flat(), Array.from({ length: 12 }, (_, i) => String(i)), 'in order');
});

test('batch: throttling spaces batches once the burst is spent', async () => {
  const h = harness({ mode: 'batch', maxBatchSize: 1, maxBatchWaitMs: 1000, throttle: { qps: 20, burst: 2 } });
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) await h.q.offer(String(i));
  while (h.sends.length < 5) await delay(5);
  const elapsed = performance.now() - t0;
  // Two at once, then three at 20 per second: about 150 ms.
  assert.ok(elapsed >= 130 && elapsed < 1000, `took ${elapsed} ms`);
});

test('close sends what is queued, then refuses; a stuck send is abandoned after the timeout', async () => {
  const h = harness({ mode: 'batch', maxBatchSize: 100, maxBatchWaitMs: 60_000 });
  for (let i = 0; i < 7; i++) await h.q.offer(String(i));
  await h.q.close(1000);
  assert.deepEqual(h.sends.map((s) => s.length), [7], 'close does not wait for maxBatchWait');
  assert.equal(await h.q.offer('late'), false);
  assert.deepEqual(h.drops.at(-1), [1, 'shutdown']);

  let aborted = false;
  const stuck = new BatchQueue({
    mode: 'blocking',
    bufferSize: 100,
    maxBatchSize: 2,
    maxBatchWaitMs: 0,
    send: (_b, signal) =>
      new Promise<boolean>((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve(false);
        });
      }),
    onDrop: () => {},
  });
  const ps = Array.from({ length: 5 }, (_, i) => stuck.offer(String(i)));
  await nextTurn();
  const t0 = performance.now();
  await stuck.close(100);
  assert.ok(performance.now() - t0 < 1000);
  assert.ok(aborted);
  assert.deepEqual(await Promise.all(ps), [false, false, false, false, false]);
  assert.deepEqual(stuck.stats(), { queued: 0, dropped: 5, written: 0 });
});

test('TokenBucket and option checks', () => {
  const b = new TokenBucket(10, 3);
  assert.deepEqual([b.reserve(), b.reserve(), b.reserve()], [0, 0, 0]);
  const wait = b.reserve();
  assert.ok(wait > 90 && wait <= 100, String(wait));
  assert.deepEqual(resolveBatchOptions({ bufferSize: 5, maxBatchSize: undefined }, DEFAULT_BATCH_OPTIONS), { ...DEFAULT_BATCH_OPTIONS, bufferSize: 5 });
  assert.throws(() => resolveBatchOptions({ bufferSize: 0 }, DEFAULT_BATCH_OPTIONS), /bufferSize must be a positive integer/);
  assert.throws(() => resolveBatchOptions({ throttleQPS: 0 }, DEFAULT_BATCH_OPTIONS), /throttleQPS must be positive/);
});

test('RateLimitedReporter logs the first occurrence at once and a summary per interval', async () => {
  const logs: string[] = [];
  const r = new RateLimitedReporter((m) => logs.push(m), 50, (n, s) => `dropped ${n} in ${s}s`);
  r.report(1, () => 'first');
  for (let i = 0; i < 99; i++) r.report(1, () => 'again');
  assert.deepEqual(logs, ['first']);
  await delay(80);
  assert.deepEqual(logs, ['first', 'dropped 99 in 0s']);
  r.report(3, () => 'x');
  r.stop();
  assert.deepEqual(logs, ['first', 'dropped 99 in 0s', 'dropped 3 in 0s']);
});
