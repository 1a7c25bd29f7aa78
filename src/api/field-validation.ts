// Request-body decoding checks against the OpenAPI schemas, as kube-apiserver's typed JSON decoding
// does: unknown fields are dropped (and reported per fieldValidation), wrong JSON types are refused.

import { badRequest } from './status.js';
import { definitionNameOf, resolve, schemaFor, type Schema } from './schemas.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface DecodeContext {
  group: string;
  kind: string;
  version: string;
}

const QUANTITY_PATTERN = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const QUANTITY_RE = new RegExp(QUANTITY_PATTERN);
const QUANTITY_SUFFIXES = new Set(['', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']);
const INT_RANGES: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  int64: [-9223372036854775808, 9223372036854775807],
};

/** Where the walker is: the path people see (with indexes) and Go's error context. */
interface Location {
  /** e.g. spec.template.spec.containers[0].image */
  path: string;
  /** Go json's field path: struct field names only, e.g. spec.template.spec.containers.image */
  goPath: string;
  /** The Go struct that holds the current field, e.g. Container */
  goStruct: string;
}

class DecodeError extends Error {}

class Walker {
  readonly unknown: string[] = [];

  walk(value: unknown, fieldSchema: Schema, at: Location): unknown {
    if (value === null) return null;
    const schema = resolve(fieldSchema);
    const defName = definitionNameOf(fieldSchema);
    if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string']) return this.intOrString(value, fieldSchema, at);
    if (defName?.endsWith('.resource.Quantity')) return this.quantity(value);
    if (schema.type === 'string' && schema.format === 'date-time') return this.time(value, fieldSchema, at);
    switch (schema.type) {
      case 'object':
        if (schema.properties) return this.struct(value, schema, defName, fieldSchema, at);
        if (schema.additionalProperties && typeof schema.additionalProperties === 'object') return this.map(value, schema.additionalProperties, fieldSchema, at);
        return structuredClone(value); // free-form (RawExtension, FieldsV1)
      case 'array':
        return this.array(value, schema, fieldSchema, at);
      case 'string':
        if (typeof value !== 'string') this.typeError(value, fieldSchema, at);
        if (schema.format === 'byte') checkBase64(value as string);
        return value;
      case 'integer': {
        if (typeof value !== 'number') this.typeError(value, fieldSchema, at);
        const [min, max] = INT_RANGES[schema.format ?? 'int64'] ?? INT_RANGES.int64;
        if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) this.typeError(value, fieldSchema, at, `number ${String(value)}`);
        return value;
      }
      case 'number':
        if (typeof value !== 'number') this.typeError(value, fieldSchema, at);
        return value;
      case 'boolean':
        if (typeof value !== 'boolean') this.typeError(value, fieldSchema, at);
        return value;
      default:
        return structuredClone(value);
    }
  }

  private struct(value: unknown, schema: Schema, defName: string | undefined, fieldSchema: Schema, at: Location): Record<string, unknown> {
    if (!isObject(value)) this.typeError(value, fieldSchema, at);
    const goStruct = defName ? lastSegment(defName) : at.goStruct;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const path = at.path ? `${at.path}.${key}` : key;
      const prop = schema.properties![key];
      if (!prop) {
        this.unknown.push(path);
        continue;
      }
      if (v === null) continue;
      const decoded = this.walk(v, prop, { path, goPath: at.goPath ? `${at.goPath}.${key}` : key, goStruct });
      if (decoded !== null && decoded !== undefined) out[key] = decoded;
    }
    return out;
  }

  private map(value: unknown, valueSchema: Schema, fieldSchema: Schema, at: Location): Record<string, unknown> {
    if (!isObject(value)) this.typeError(value, fieldSchema, at);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const decoded = v === null ? zeroValue(valueSchema) : this.walk(v, valueSchema, { ...at, path: `${at.path}[${key}]` });
      if (decoded !== undefined && decoded !== null) out[key] = decoded;
    }
    return out;
  }

  private array(value: unknown, schema: Schema, fieldSchema: Schema, at: Location): unknown[] {
    if (!Array.isArray(value)) this.typeError(value, fieldSchema, at);
    const items = schema.items ?? {};
    const out: unknown[] = [];
    (value as unknown[]).forEach((v, i) => {
      const decoded = v === null ? zeroValue(items) : this.walk(v, items, { ...at, path: `${at.path}[${i}]` });
      if (decoded !== undefined && decoded !== null) out.push(decoded);
    });
    return out;
  }

  private intOrString(value: unknown, fieldSchema: Schema, at: Location): unknown {
    if (typeof value === 'string') return value;
    if (typeof value === 'number') {
      const [min, max] = INT_RANGES.int32;
      if (Number.isInteger(value) && value >= min && value <= max) return value;
      this.typeError(value, fieldSchema, at, `number ${String(value)}`);
    }
    this.typeError(value, fieldSchema, at);
  }

  private quantity(value: unknown): unknown {
    const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
    if (text === undefined || !QUANTITY_RE.test(text)) throw new DecodeError(`quantities must match the regular expression '${QUANTITY_PATTERN}'`);
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/.exec(text)!;
    if (m[2] === '' && (m[3] ?? '') === '') throw new DecodeError(`quantities must match the regular expression '${QUANTITY_PATTERN}'`);
    const suffix = m[4];
    if (!QUANTITY_SUFFIXES.has(suffix) && !/^[eE][-+]?\d+$/.test(suffix)) throw new DecodeError("unable to parse quantity's suffix");
    return value;
  }

  private time(value: unknown, fieldSchema: Schema, at: Location): unknown {
    if (typeof value !== 'string') this.typeError(value, fieldSchema, at);
    const problem = rfc3339Problem(value as string);
    if (problem) throw new DecodeError(problem);
    return value;
  }

  private typeError(value: unknown, fieldSchema: Schema, at: Location, valueDescription?: string): never {
    const what = valueDescription ?? jsonKind(value);
    const field = at.goPath ? `Go struct field ${at.goStruct}.${at.goPath}` : 'Go value';
    throw new DecodeError(`json: cannot unmarshal ${what} into ${field} of type ${goType(fieldSchema)}`);
  }
}

/**
 * Decodes `obj` as the given definition would be decoded by kube-apiserver: returns the object with
 * unknown fields dropped, plus warnings (Warn); throws 400 BadRequest for unknown fields (Strict) and,
 * in every mode, for values of the wrong JSON type.
 */
export function checkObjectFields(
  definition: string,
  obj: Record<string, unknown>,
  mode: FieldValidation,
  ctx: DecodeContext,
): { object: Record<string, unknown>; warnings: string[] } {
  const schema = schemaFor(definition);
  if (!schema) return { object: structuredClone(obj), warnings: [] };
  const prefix = `${ctx.kind} in version "${ctx.version}" cannot be handled as a ${ctx.kind}: `;
  const walker = new Walker();
  let object: Record<string, unknown>;
  try {
    object = walker.walk(obj, { $ref: `#/components/schemas/${definition}` }, { path: '', goPath: '', goStruct: lastSegment(definition) }) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof DecodeError) throw badRequest(prefix + err.message);
    throw err;
  }
  const unknown = walker.unknown.map((path) => `unknown field "${path}"`);
  if (mode === 'Strict' && unknown.length > 0) throw badRequest(`${prefix}strict decoding error: ${unknown.join(', ')}`);
  return { object, warnings: mode === 'Warn' ? unknown : [] };
}

/** Parses the fieldValidation query parameter; when absent kube-apiserver defaults to Warn. */
export function parseFieldValidation(value: string | null | undefined): FieldValidation {
  if (value === null || value === undefined || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${value}"`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lastSegment(defName: string): string {
  return defName.slice(defName.lastIndexOf('.') + 1);
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value; // string, number, object
}

/** The Go type a schema stands for, as encoding/json names it in errors. */
function goType(fieldSchema: Schema): string {
  const defName = definitionNameOf(fieldSchema);
  if (defName) {
    const parts = defName.split('.');
    return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
  }
  switch (fieldSchema.type) {
    case 'array':
      return `[]${goType(fieldSchema.items ?? {})}`;
    case 'object':
      return typeof fieldSchema.additionalProperties === 'object' ? `map[string]${goType(fieldSchema.additionalProperties)}` : 'map[string]interface {}';
    case 'string':
      return fieldSchema.format === 'byte' ? '[]uint8' : 'string';
    case 'integer':
      return fieldSchema.format ?? 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    default:
      return 'interface {}';
  }
}

/** What Go's decoder stores for a JSON null inside a list or map; undefined means leave it out. */
function zeroValue(fieldSchema: Schema): unknown {
  const schema = resolve(fieldSchema);
  if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string']) return 0;
  if (schema.format === 'date-time') return undefined;
  switch (schema.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'object':
      return schema.properties ? {} : undefined;
    default:
      return undefined;
  }
}

function checkBase64(text: string): void {
  let count = 0;
  let padding = 0;
  let quantumStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\r' || c === '\n') continue;
    if (count % 4 === 0) quantumStart = i;
    if (c === '=') {
      // Padding may only close the final quantum, at its third or fourth position.
      if (count % 4 < 2) throw new DecodeError(`illegal base64 data at input byte ${i}`);
      padding++;
    } else if (padding > 0 || !/[A-Za-z0-9+/]/.test(c)) {
      throw new DecodeError(`illegal base64 data at input byte ${i}`);
    }
    count++;
  }
  if (count % 4 !== 0 || (padding === 2 && text.replace(/[\r\n]/g, '').at(-2) !== '=')) {
    throw new DecodeError(`illegal base64 data at input byte ${quantumStart}`);
  }
}

/** Checks a string as Go's time.Parse(time.RFC3339) would; returns its error text or undefined. */
function rfc3339Problem(value: string): string | undefined {
  const layout = '2006-01-02T15:04:05Z07:00';
  const steps: [string, RegExp][] = [
    ['2006', /^\d{4}/], ['-', /^-/], ['01', /^\d{2}/], ['-', /^-/], ['02', /^\d{2}/], ['T', /^T/],
    ['15', /^\d{1,2}/], [':', /^:/], ['04', /^\d{2}/], [':', /^:/], ['05', /^\d{2}(?:[.,]\d+)?/], ['Z07:00', /^(?:Z|[+-]\d{2}:\d{2})/],
  ];
  let rest = value;
  const fields: number[] = [];
  for (const [element, re] of steps) {
    const m = re.exec(rest);
    if (!m) return `parsing time "${value}" as "${layout}": cannot parse "${rest}" as "${element}"`;
    if (/^\d/.test(m[0])) fields.push(parseInt(m[0], 10));
    rest = rest.slice(m[0].length);
  }
  if (rest) return `parsing time "${value}": extra text: "${rest}"`;
  const [year, month, day, hour, minute, second] = fields;
  if (month < 1 || month > 12) return `parsing time "${value}": month out of range`;
  const daysIn = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysIn) return `parsing time "${value}": day out of range`;
  if (hour > 23) return `parsing time "${value}": hour out of range`;
  if (minute > 59) return `parsing time "${value}": minute out of range`;
  if (second > 59) return `parsing time "${value}": second out of range`;
  return undefined;
}
