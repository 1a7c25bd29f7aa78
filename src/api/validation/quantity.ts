// Kubernetes resource quantities ("500m", "1.5Gi", "2e3"): parsing with exact integer
// arithmetic in nano units, comparison, and the canonical form kube-apiserver stores.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface ParsedQuantity {
  /** The value in units of 10^-9, rounded away from zero as kube rounds sub-nano precision up. */
  nanos: bigint;
  format: QuantityFormat;
}

/** The message kube gives for a string that is not a quantity. */
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };

// Bounds that keep BigInt arithmetic cheap on hostile input; real quantities are far inside.
const MAX_DIGITS = 200;
const MAX_EXPONENT = 200;

const NANO = 1_000_000_000n;

function pow(base: bigint, exp: number): bigint {
  return base ** BigInt(exp);
}

/** Divides rounding away from zero (kube rounds precision finer than nano up). */
function divAway(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d === 0n ? q : n < 0n ? q - 1n : q + 1n;
}

/**
 * Parsed quantities by text. A cluster's objects use few distinct quantities and each pod's are
 * parsed several times on its way in (defaults, validation, LimitRanger, quota), in BigInt
 * arithmetic. Only short texts are kept and the map is emptied when full, so hostile input cannot
 * grow it past a few hundred KiB.
 */
const memo = new Map<string, ParsedQuantity | null>();
const MEMO_ENTRIES = 2048;
const MEMO_TEXT_LENGTH = 40;

/** Callers may change what they get (defaulting rounds it): each gets its own copy of a memoised value. */
export function parseQuantityExact(input: string | number): ParsedQuantity | undefined {
  const s = typeof input === 'number' ? (Number.isFinite(input) ? numberToString(input) : '') : input;
  const known = memo.get(s);
  if (known !== undefined) return known ? { nanos: known.nanos, format: known.format } : undefined;
  const q = parseText(s);
  if (s.length <= MEMO_TEXT_LENGTH) {
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    memo.set(s, q ? { nanos: q.nanos, format: q.format } : null);
  }
  return q;
}

function parseText(s: string): ParsedQuantity | undefined {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(s);
  if (!m) return undefined;
  const [, sign = '', whole = '', frac = '', suffix = ''] = m;
  if (whole.length + frac.length === 0) return undefined;
  if (whole.length + frac.length > MAX_DIGITS) return undefined;
  const digits = BigInt(whole + frac || '0');
  const fracLen = frac.length;
  let nanos: bigint;
  let format: QuantityFormat;
  if (suffix in BINARY_SUFFIXES) {
    format = 'BinarySI';
    const mult = pow(1024n, BINARY_SUFFIXES[suffix] ?? 0) * NANO;
    nanos = divAway(digits * mult, pow(10n, fracLen));
  } else {
    let exp10: number;
    if (suffix in DECIMAL_SUFFIXES) {
      format = 'DecimalSI';
      exp10 = DECIMAL_SUFFIXES[suffix] ?? 0;
    } else {
      const e = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
      if (!e || e[1] === undefined) return undefined;
      format = 'DecimalExponent';
      exp10 = Number.parseInt(e[1], 10);
      if (Math.abs(exp10) > MAX_EXPONENT) return undefined;
    }
    const scale = exp10 - fracLen + 9;
    nanos = scale >= 0 ? digits * pow(10n, scale) : divAway(digits, pow(10n, -scale));
  }
  if (sign === '-') nanos = -nanos;
  return { nanos, format };
}

function numberToString(n: number): string {
  // JSON numbers such as 0.5 or 1e21: render without exponent surprises for the parser.
  const t = String(n);
  return /e/i.test(t) ? t.replace('e+', 'e') : t;
}

/** The value as a number (cores, bytes, counts), or undefined when the string is not a quantity. */
export function parseQuantity(s: string | number): number | undefined {
  const q = parseQuantityExact(s);
  if (!q) return undefined;
  const whole = q.nanos / NANO;
  const rest = q.nanos % NANO;
  return Number(whole) + Number(rest) / 1e9;
}

export function compareQuantities(a: ParsedQuantity, b: ParsedQuantity): number {
  return a.nanos === b.nanos ? 0 : a.nanos < b.nanos ? -1 : 1;
}

const DECIMAL_BY_EXP: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** kube-apiserver's canonical text: "0.5" → "500m", "1000" → "1k", "1.5Gi" → "1536Mi", "1536" binary → "1536". */
export function formatQuantity(q: ParsedQuantity): string {
  if (q.nanos === 0n) return '0';
  const negative = q.nanos < 0n;
  const abs = negative ? -q.nanos : q.nanos;
  const sign = negative ? '-' : '';
  if (q.format === 'BinarySI' && abs >= 1024n * NANO && abs % NANO === 0n) {
    let n = abs / NANO;
    let power = 0;
    while (power < 6 && n % 1024n === 0n) {
      n /= 1024n;
      power++;
    }
    return `${sign}${n}${BINARY_BY_POWER[power]}`;
  }
  let mantissa = abs;
  let exp = -9;
  while (exp < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (q.format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
  return `${sign}${mantissa}${DECIMAL_BY_EXP[exp] ?? ''}`;
}

/** Canonical text of a quantity, or undefined when it does not parse. */
export function canonicalQuantity(s: string | number): string | undefined {
  const q = parseQuantityExact(s);
  return q ? formatQuantity(q) : undefined;
}
