import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../api/status.js';
import { AuthFailureLimiter } from './failure-limiter.js';

function clock(start = 1_000_000) {
  const c = { now: start, tick: (ms: number) => (c.now += ms) };
  return c;
}

function blocked(l: AuthFailureLimiter, ip: string): StatusError | undefined {
  try {
    l.check(ip);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof StatusError);
    return err;
  }
}

test('blocks an address after the threshold within the window, with Retry-After', () => {
  const c = clock();
  const l = new AuthFailureLimiter({ threshold: 3, windowMs: 60_000, blockMs: 30_000, now: () => c.now });
  l.recordFailure('10.0.0.1');
  l.recordFailure('10.0.0.1');
  assert.equal(blocked(l, '10.0.0.1'), undefined, 'below the threshold');
  l.recordFailure('10.0.0.1');
  const err = blocked(l, '10.0.0.1');
  assert.equal(err?.code, 429);
  assert.equal(err?.reason, 'TooManyRequests');
  assert.equal(err?.details?.retryAfterSeconds, 30);
  assert.equal(err?.message, 'too many failed authentication attempts from 10.0.0.1; retry after 30 s');
  c.tick(10_500);
  assert.equal(blocked(l, '10.0.0.1')?.details?.retryAfterSeconds, 20);
  c.tick(19_500);
  assert.equal(blocked(l, '10.0.0.1'), undefined, 'the block ends');
});

test('failures outside the window do not add up', () => {
  const c = clock();
  const l = new AuthFailureLimiter({ threshold: 3, windowMs: 1_000, now: () => c.now });
  for (let i = 0; i < 10; i++) {
    l.recordFailure('192.0.2.7');
    c.tick(600);
  }
  assert.equal(blocked(l, '192.0.2.7'), undefined);
});

test('addresses are isolated; success clears only its own address', () => {
  const c = clock();
  const l = new AuthFailureLimiter({ threshold: 2, now: () => c.now });
  l.recordFailure('198.51.100.1');
  l.recordFailure('198.51.100.2');
  l.recordSuccess('198.51.100.1');
  l.recordFailure('198.51.100.1');
  assert.equal(blocked(l, '198.51.100.1'), undefined, 'its earlier failure was forgotten');
  l.recordFailure('198.51.100.2');
  assert.equal(blocked(l, '198.51.100.2')?.code, 429, 'the other address was not reset');
  assert.equal(blocked(l, '198.51.100.3'), undefined, 'a third address is unaffected');
  l.recordSuccess('198.51.100.2');
  assert.equal(blocked(l, '198.51.100.2')?.code, 429, 'a success does not lift a block in force');
});

test('defaults: 10 failures block for 30 s; IPv4-mapped IPv6 is the same address', () => {
  const c = clock();
  const l = new AuthFailureLimiter({ now: () => c.now });
  for (let i = 0; i < 9; i++) l.recordFailure('::ffff:203.0.113.9');
  assert.equal(blocked(l, '203.0.113.9'), undefined);
  l.recordFailure('203.0.113.9');
  assert.equal(blocked(l, '::ffff:203.0.113.9')?.details?.retryAfterSeconds, 30);
});

test('memory is bounded: the least recently seen addresses are forgotten', () => {
  const c = clock();
  const l = new AuthFailureLimiter({ threshold: 1, maxTracked: 100, now: () => c.now });
  l.recordFailure('2001:db8::1');
  for (let i = 0; i < 1000; i++) l.recordFailure(`10.1.${i >> 8}.${i & 255}`);
  assert.equal(l.trackedCount, 100);
  assert.equal(blocked(l, '2001:db8::1'), undefined, 'the oldest entry was dropped');
  assert.equal(blocked(l, '10.1.3.231')?.code, 429, 'the newest entries are kept');
});
