// Slows down credential guessing: after `threshold` failed authentications from one source address
// within `windowMs`, that address is refused with 429 for `blockMs`.
//
// Design: throttling is keyed by source address only, never by user or token. A guesser cannot lock
// out a victim: valid credentials used from other addresses are never affected, and a blocked
// address is refused before its credentials are even checked (no oracle while blocked). A success
// clears only its own address's failures. Memory is bounded: at most `maxTracked` addresses are
// remembered, least recently seen dropped first, so a flood of spoofed or rotating sources costs a
// fixed amount of memory (at worst it forgets some addresses, which then start counting afresh).
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) count as their IPv4 address.
import { tooManyRequests } from '../api/status.js';

export interface AuthFailureLimiterOptions {
  /** Failures within the window that trigger a block. Default 10. */
  threshold?: number;
  /** Length of the counting window, from the first failure. Default 60 s. */
  windowMs?: number;
  /** How long an address stays blocked. Default 30 s. */
  blockMs?: number;
  /** Most addresses remembered at once. Default 10,000. */
  maxTracked?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

interface SourceState {
  failures: number;
  windowStart: number;
  blockedUntil: number;
}

function normalize(ip: string): string {
  const lower = ip.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice('::ffff:'.length) : lower;
}

export class AuthFailureLimiter {
  private readonly threshold: number;
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  /** Insertion order is recency order: touching an address moves it to the end. */
  private readonly sources = new Map<string, SourceState>();

  constructor(opts: AuthFailureLimiterOptions = {}) {
    this.threshold = Math.max(1, opts.threshold ?? 10);
    this.windowMs = opts.windowMs ?? 60_000;
    this.blockMs = opts.blockMs ?? 30_000;
    this.maxTracked = Math.max(1, opts.maxTracked ?? 10_000);
    this.now = opts.now ?? Date.now;
  }

  /** Number of addresses currently remembered (for metrics and tests). */
  get trackedCount(): number {
    return this.sources.size;
  }

  /** Throws 429 TooManyRequests, with Retry-After, while `sourceIp` is blocked. */
  check(sourceIp: string): void {
    const key = normalize(sourceIp);
    const state = this.sources.get(key);
    if (!state) return;
    const now = this.now();
    if (state.blockedUntil > now) {
      const retryAfter = Math.max(1, Math.ceil((state.blockedUntil - now) / 1000));
      throw tooManyRequests(`too many failed authentication attempts from ${sourceIp}; retry after ${retryAfter} s`, retryAfter);
    }
  }

  recordFailure(sourceIp: string): void {
    const key = normalize(sourceIp);
    const now = this.now();
    let state = this.sources.get(key);
    if (state) {
      this.sources.delete(key);
    } else {
      state = { failures: 0, windowStart: now, blockedUntil: 0 };
    }
    if (now - state.windowStart >= this.windowMs) {
      state.failures = 0;
      state.windowStart = now;
    }
    state.failures++;
    if (state.failures >= this.threshold) {
      state.blockedUntil = now + this.blockMs;
      // the next window starts after the block, so one more failure does not re-block at once
      state.failures = 0;
      state.windowStart = state.blockedUntil;
    }
    this.sources.set(key, state);
    while (this.sources.size > this.maxTracked) {
      const oldest = this.sources.keys().next();
      if (oldest.done) break;
      this.sources.delete(oldest.value);
    }
  }

  /** Forgets the failures of this address (a block in force stays until it ends); other addresses are untouched. */
  recordSuccess(sourceIp: string): void {
    const key = normalize(sourceIp);
    const state = this.sources.get(key);
    if (!state) return;
    if (state.blockedUntil > this.now()) {
      state.failures = 0;
      return;
    }
    this.sources.delete(key);
  }
}
