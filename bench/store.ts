// Store benchmark: durable creates per second and their p99 latency on a fresh SQLite store,
// with a fixed number of concurrent writers (what group commit is for).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteStore } from '../src/storage/index.js';

export interface StoreCreateBenchOptions {
  /** Writers issuing creates at the same time; each waits for its create before the next. */
  concurrency: number;
  /** Total creates. */
  count: number;
  /** Size of each value in bytes. */
  valueBytes: number;
}

export async function measureStoreCreates(
  dir: string,
  opts: StoreCreateBenchOptions,
): Promise<{ opsPerSec: number; p99Ms: number }> {
  const file = join(dir, 'store-bench.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  const store = await openSqliteStore(file);
  const value = Buffer.alloc(opts.valueBytes, 'x');
  const latencies: number[] = [];
  let next = 0;
  const writer = async (): Promise<void> => {
    while (next < opts.count) {
      const i = next++;
      const started = performance.now();
      await store.create(`/registry/configmaps/bench/cm-${String(i).padStart(8, '0')}`, value);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, writer));
  } finally {
    await store.close();
  }
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const p99Ms = latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] : 0;
  return { opsPerSec: (latencies.length * 1000) / elapsedMs, p99Ms };
}
