// Tolerant readers over decoded JSON objects: validation must never throw on a value of an
// unexpected type (type errors are reported by schema decoding), it just treats it as absent.

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Array entries that are objects, with their original index (paths must keep the real index). */
export function objEntries(v: unknown): Array<[number, Obj]> {
  const out: Array<[number, Obj]> = [];
  arr(v).forEach((x, i) => {
    if (isObj(x)) out.push([i, x]);
  });
  return out;
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function optStr(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

export function strArr(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === 'string');
}

/** A map of string values (labels, annotations, data); non-string values are skipped. */
export function strMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Gets or creates a nested object, for defaulting. */
export function ensureObj(parent: Obj, key: string): Obj {
  const cur = parent[key];
  if (isObj(cur)) return cur;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

function isEmptyish(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObj(v)) return Object.keys(v).length === 0;
  return false;
}

/**
 * Deep equality in the spirit of apimachinery's semantic equality: an absent field, null, an
 * empty string, an empty list and an empty map are all "unset"; false and 0 stay distinct from
 * unset because pointer fields give them meaning.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmptyish(a) && isEmptyish(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}

/** Paths (dotted, with [i]) at which two values differ semantically; for human-readable diffs. */
export function diffPaths(a: unknown, b: unknown, prefix = '', out: string[] = [], limit = 20): string[] {
  if (out.length >= limit || semanticEqual(a, b)) return out;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => diffPaths(x, b[i], `${prefix}[${i}]`, out, limit));
    return out;
  }
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) diffPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k, out, limit);
    return out;
  }
  out.push(prefix);
  return out;
}
