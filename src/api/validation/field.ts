// Field errors worded as kube-apiserver words them: a path such as spec.containers[0].image,
// a reason such as FieldValueInvalid, and a message body ("Invalid value: \"x\": detail").

import type { StatusCause } from '../status.js';

/** A field path built like apimachinery's field.Path: `a.b[0][key]`. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(...names: string[]): FieldPath {
    return new FieldPath(names.join('.'));
  }

  child(...names: string[]): FieldPath {
    return new FieldPath(this.text === '' ? names.join('.') : `${this.text}.${names.join('.')}`);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

/** A value already rendered the way Go's %#v would print it (maps, slices, structs). */
export class GoValue {
  constructor(readonly text: string) {}
}

export type Causes = StatusCause[];

/** strconv.Quote: printable characters kept, control characters escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

export function goStringMap(m: Record<string, string> | undefined): GoValue {
  if (m === undefined) return new GoValue('map[string]string(nil)');
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(m[k] ?? '')}`);
  return new GoValue(`map[string]string{${entries.join(', ')}}`);
}

export function goStringSlice(a: readonly string[] | undefined): GoValue {
  if (a === undefined) return new GoValue('[]string(nil)');
  return new GoValue(`[]string{${a.map(goQuote).join(', ')}}`);
}

/** How a bad value appears in a message: strings quoted, numbers and booleans bare, null as null. */
export function formatValue(v: unknown): string {
  if (v instanceof GoValue) return v.text;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return goStringSlice(v as string[]).text;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

function withDetail(head: string, detail: string): string {
  return detail ? `${head}: ${detail}` : head;
}

const at = (p: FieldPath | string) => p.toString();

export function required(p: FieldPath | string, detail = ''): StatusCause {
  return { reason: 'FieldValueRequired', field: at(p), message: withDetail('Required value', detail) };
}

export function invalid(p: FieldPath | string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', field: at(p), message: withDetail(`Invalid value: ${formatValue(value)}`, detail) };
}

export function notSupported(p: FieldPath | string, value: unknown, valid: readonly string[]): StatusCause {
  const detail = valid.length ? `supported values: ${valid.map(goQuote).join(', ')}` : '';
  return { reason: 'FieldValueNotSupported', field: at(p), message: withDetail(`Unsupported value: ${formatValue(value)}`, detail) };
}

export function duplicate(p: FieldPath | string, value: unknown): StatusCause {
  return { reason: 'FieldValueDuplicate', field: at(p), message: `Duplicate value: ${formatValue(value)}` };
}

export function forbidden(p: FieldPath | string, detail: string): StatusCause {
  return { reason: 'FieldValueForbidden', field: at(p), message: withDetail('Forbidden', detail) };
}

export function tooLong(p: FieldPath | string, maxBytes: number): StatusCause {
  return { reason: 'FieldValueTooLong', field: at(p), message: `Too long: may not be more than ${maxBytes} ${maxBytes === 1 ? 'byte' : 'bytes'}` };
}

export function notFound(p: FieldPath | string, value: unknown): StatusCause {
  return { reason: 'FieldValueNotFound', field: at(p), message: `Not found: ${formatValue(value)}` };
}

export const FIELD_IMMUTABLE = 'field is immutable';
export const IS_NEGATIVE = 'must be greater than or equal to 0';

export function nonNegative(p: FieldPath, value: number | undefined): Causes {
  return value !== undefined && value < 0 ? [invalid(p, value, IS_NEGATIVE)] : [];
}
