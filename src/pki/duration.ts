// Go-style duration strings ("24h", "1h30m", "90s", "8760h"), the format kube-apiserver's
// flags use, parsed to milliseconds for certificate lifetimes and other timeouts.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
};

/** Go's time.Duration is an int64 of nanoseconds; anything longer is not a duration there. */
const MAX_MS = 9_223_372_036_854; // floor((2^63 - 1) ns / 1e6)

const TERM = /^([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)/;

/**
 * Parses a Go duration (optional sign, then one or more decimal numbers each followed by a
 * unit: ns, us/µs, ms, s, m, h; "0" alone is allowed) into milliseconds. Throws an Error saying
 * what is wrong and what is expected.
 */
export function parseDuration(s: string): number {
  const fail = (why: string): never => {
    throw new Error(`invalid duration "${s}": ${why} (expected e.g. "90m", "24h", "1h30m", "8760h")`);
  };
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') fail('empty');
  let total = 0;
  while (rest.length > 0) {
    const m = TERM.exec(rest);
    if (!m) {
      const unit = /^[0-9]*(?:\.[0-9]*)?([^0-9.]+)/.exec(rest);
      fail(/^[0-9.]+$/.test(rest) ? 'missing unit' : unit && /[0-9]/.test(rest[0] ?? '') ? `unknown unit "${unit[1]}"` : `unexpected "${rest}"`);
      break; // unreachable: fail throws
    }
    const [whole, intPart, fracPart = '', unit] = m;
    if (intPart === '' && fracPart === '') fail('a unit must follow a number');
    total += Number(`${intPart || '0'}.${fracPart || '0'}`) * UNIT_MS[unit];
    rest = rest.slice(whole.length);
  }
  if (!Number.isFinite(total) || total > MAX_MS) fail('too long');
  return sign * total;
}

/** Formats milliseconds the way Go prints a duration of whole seconds or more ("26h0m0s"). */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let secs = Math.round(Math.abs(ms) / 1000);
  if (secs === 0) return '0s';
  const h = Math.floor(secs / 3600);
  secs -= h * 3600;
  const m = Math.floor(secs / 60);
  secs -= m * 60;
  if (h > 0) return `${sign}${h}h${m}m${secs}s`;
  if (m > 0) return `${sign}${m}m${secs}s`;
  return `${sign}${secs}s`;
}
