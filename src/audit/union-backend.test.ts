import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvent } from './test-events.js';
import type { AuditBackend, AuditEvent, AuditMode } from './types.js';
import { unionBackend } from './union-backend.js';

function fake(name: string, mode: AuditMode, answer: boolean | 'reject'): AuditBackend & { got: AuditEvent[]; down: boolean } {
  const b = {
    name,
    mode,
    got: [] as AuditEvent[],
    down: false,
    process(e: AuditEvent): Promise<boolean> {
      b.got.push(e);
      return answer === 'reject' ? Promise.reject(new Error('bug')) : Promise.resolve(answer);
    },
    async shutdown(): Promise<void> {
      b.down = true;
    },
    stats: () => ({ queued: 1, dropped: answer === true ? 0 : 2, written: 3 }),
  };
  return b;
}

test('union: every backend gets every event; true only if all took it; the strictest mode', async () => {
  const a = fake('log', 'blocking', true);
  const w = fake('webhook', 'batch', true);
  const u = unionBackend([a, w]);
  assert.equal(u.name, 'union[log,webhook]');
  assert.equal(u.mode, 'blocking');
  assert.equal(await u.process(sampleEvent(1)), true);
  assert.equal(a.got.length, 1);
  assert.equal(w.got.length, 1);
  assert.deepEqual(u.stats?.(), { queued: 2, dropped: 0, written: 6 });

  const strict = unionBackend([fake('webhook', 'batch', true), fake('log', 'blocking-strict', false)]);
  assert.equal(strict.mode, 'blocking-strict');
  assert.equal(await strict.process(sampleEvent(2)), false);
  assert.equal(await unionBackend([a, fake('x', 'batch', 'reject')]).process(sampleEvent(3)), false, 'a rejecting backend counts as a failure');
  assert.equal(unionBackend([fake('x', 'batch', true), fake('y', 'batch', true)]).mode, 'batch');

  await u.shutdown();
  assert.ok(a.down && w.down);
  assert.equal(unionBackend([a]), a, 'a single backend is used as it is');
});
