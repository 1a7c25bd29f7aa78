// Decodes Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf, which kubectl
// 1.32+ sends for built-in kinds) into the JSON object the same request would have carried as JSON.
import { badRequest, unsupportedMediaType } from '../status.js';
import { KINDS, MESSAGES, SHARED_KINDS, type FieldSpec } from './messages.js';

export const KUBERNETES_PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** "k8s\0": the prefix kube-apiserver and client-go put before every protobuf-encoded object. */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

// Wire types; groups (3, 4) are never produced by Kubernetes' encoder.
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

// Far deeper than any served kind (a pod's deepest path is about 12 messages); a guard so that a recursive
// message, should the table ever gain one, cannot be used to exhaust the stack.
const MAX_DEPTH = 64;

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

/** A field as read off the wire: its wire type and either the varint or the bytes it carried. */
type WireValue = { wire: typeof VARINT; value: Varint } | { wire: typeof LEN | typeof FIXED64 | typeof FIXED32; bytes: Buffer };

/** A varint: a number while it fits 49 bits exactly (nearly always), a bigint beyond (negative or huge values). */
type Varint = number | bigint;

class Malformed extends Error {}

/** Decodes `body` (magic prefix + runtime.Unknown envelope) into the object it carries, with apiVersion and kind set. */
export function decodeKubernetesProtobuf(body: Buffer): DecodedObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest('the request body is not a Kubernetes protobuf object: it does not start with the "k8s\\x00" prefix');
  }
  let envelope: Map<number, WireValue[]>;
  let apiVersion: string | undefined;
  let kind: string | undefined;
  let encoding: string | undefined;
  try {
    envelope = readFields(body.subarray(MAGIC.length));
    const typeMeta = readFields(lastBytes(envelope, 1) ?? Buffer.alloc(0));
    apiVersion = lastString(typeMeta, 1);
    kind = lastString(typeMeta, 2);
    encoding = lastString(envelope, 3);
  } catch (err) {
    throw malformed(err, 'the runtime.Unknown envelope');
  }
  if (encoding) {
    throw unsupportedMediaType(`protobuf request bodies with content encoding "${encoding}" are not supported; send the object uncompressed`);
  }
  if (!apiVersion || !kind) {
    throw badRequest('the Kubernetes protobuf envelope does not name the object\'s apiVersion and kind');
  }
  const ref = KINDS[apiVersion]?.[kind] ?? (KINDS[apiVersion] || isGroupVersion(apiVersion) ? SHARED_KINDS[kind] : undefined);
  if (!ref) {
    throw badRequest(
      `no kind "${kind}" is registered for version "${apiVersion}" in the protobuf decoder; send this object as JSON (Content-Type: application/json)`,
    );
  }
  const [pkg, name] = splitRef(ref, '');
  let object: Record<string, unknown>;
  try {
    object = decodeMessage(lastBytes(envelope, 2) ?? Buffer.alloc(0), pkg, name, '', 0);
  } catch (err) {
    throw malformed(err, `the ${kind} object`);
  }
  return { apiVersion, kind, object: { kind, apiVersion, ...object } };
}

function isGroupVersion(apiVersion: string): boolean {
  return /^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion);
}

/** Malformed bytes become a 400 for the client; anything else is our bug and stays an internal error. */
function malformed(err: unknown, what: string): unknown {
  return err instanceof Malformed ? badRequest(`unable to decode the Kubernetes protobuf body: ${what}: ${err.message}`) : err;
}

function splitRef(ref: string, ownerPkg: string): [string, string] {
  const dot = ref.lastIndexOf('.');
  return dot < 0 ? [ownerPkg, ref] : [ref.slice(0, dot), ref.slice(dot + 1)];
}

function decodeMessage(bytes: Buffer, pkg: string, name: string, path: string, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new Malformed(`${path || 'object'}: messages are nested more than ${MAX_DEPTH} deep`);
  const spec = MESSAGES[pkg]?.[name];
  if (!spec) throw new Error(`protobuf table has no message ${pkg}.${name}`);
  const wire = readFields(bytes, path);
  const out: Record<string, unknown> = {};
  for (const field of spec) {
    const values = wire.get(field[1]);
    if (!values) continue;
    renderField(out, field, values, pkg, path, depth);
  }
  return out;
}

function renderField(out: Record<string, unknown>, field: FieldSpec, values: WireValue[], pkg: string, parent: string, depth: number): void {
  const [json, , kind, mode] = field;
  const path = parent ? `${parent}.${json}` : json;
  if (kind.startsWith('map<')) {
    out[json] = renderMap(kind, values, pkg, path, depth);
    return;
  }
  if (mode === 'repeated') {
    const items: unknown[] = [];
    for (const v of values) {
      if (v.wire === LEN && isPackable(kind)) {
        for (const element of unpack(v.bytes, kind, path)) items.push(renderScalar(kind, element, path));
      } else {
        items.push(renderValue(kind, v, pkg, `${path}[${items.length}]`, depth));
      }
    }
    out[json] = items;
    return;
  }
  // A singular message field written more than once merges, which is what parsing the concatenation does.
  const single: WireValue =
    values.length > 1 && values.every((v) => v.wire === LEN) && !isScalar(kind)
      ? { wire: LEN, bytes: Buffer.concat(values.map((v) => (v as { bytes: Buffer }).bytes)) }
      : values[values.length - 1];
  const value = renderValue(kind, single, pkg, path, depth);
  if (mode === 'inline') {
    Object.assign(out, value);
    return;
  }
  // Go value scalars are always written; a zero there is Go's "unset", which JSON omits (omitempty).
  if (mode !== 'pointer' && isScalar(kind) && kind !== 'bytes' && (value === '' || value === 0 || value === false)) return;
  out[json] = value;
}

function renderMap(kind: string, entries: WireValue[], pkg: string, path: string, depth: number): Record<string, unknown> {
  const valueKind = kind.slice(kind.indexOf(',') + 1, -1);
  const out: Record<string, unknown> = {};
  for (const entry of entries) {
    const bytes = expectLen(entry, path);
    const fields = readFields(bytes, path);
    const keyWire = fields.get(1);
    const key = keyWire ? (renderScalar('string', expectLen(keyWire[keyWire.length - 1], path), path) as string) : '';
    const valueWire = fields.get(2);
    const value = valueWire
      ? renderValue(valueKind, valueWire[valueWire.length - 1], pkg, `${path}[${JSON.stringify(key)}]`, depth)
      : zeroValue(valueKind, pkg, path, depth);
    // Keys come from the client: define them as own properties, as JSON.parse does, so "__proto__" stays data.
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** What a map entry without a value decodes to: the value type's zero, as Go leaves it. */
function zeroValue(kind: string, pkg: string, path: string, depth: number): unknown {
  if (isScalar(kind)) return renderScalar(kind, kind === 'string' || kind === 'bytes' ? Buffer.alloc(0) : 0, path);
  return renderValue(kind, { wire: LEN, bytes: Buffer.alloc(0) }, pkg, path, depth);
}

function renderValue(kind: string, v: WireValue, pkg: string, path: string, depth: number): unknown {
  if (isScalar(kind)) {
    const want = scalarWire(kind);
    if (v.wire !== want) throw new Malformed(`${path}: expected wire type ${want} for ${kind}, got ${v.wire}`);
    return renderScalar(kind, v.wire === VARINT ? v.value : v.bytes, path);
  }
  const bytes = expectLen(v, path);
  switch (kind) {
    case 'Time':
      return renderTime(bytes, path, false);
    case 'MicroTime':
      return renderTime(bytes, path, true);
    case 'Quantity': {
      const s = lastString(readFields(bytes, path), 1);
      return s ?? '0';
    }
    case 'IntOrString': {
      const f = readFields(bytes, path);
      return lastVarint(f, 1, path) === 1 ? lastString(f, 3) ?? '' : asInt32(lastVarint(f, 2, path) ?? 0);
    }
    case 'RawJSON': {
      const raw = lastBytes(readFields(bytes, path), 1);
      if (!raw) return null;
      try {
        return JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        throw new Malformed(`${path}: the embedded raw value is not JSON`);
      }
    }
    case 'StringList': {
      const items = readFields(bytes, path).get(1) ?? [];
      return items.map((i) => renderScalar('string', expectLen(i, path), path));
    }
    default: {
      const [childPkg, childName] = splitRef(kind, pkg);
      return decodeMessage(bytes, childPkg, childName, path, depth + 1);
    }
  }
}

function isScalar(kind: string): boolean {
  switch (kind) {
    case 'string': case 'bytes': case 'bool': case 'int32': case 'int64': case 'uint32': case 'uint64': case 'double': case 'float':
      return true;
    default:
      return false;
  }
}

function isPackable(kind: string): boolean {
  return isScalar(kind) && kind !== 'string' && kind !== 'bytes';
}

function scalarWire(kind: string): number {
  switch (kind) {
    case 'string': case 'bytes': return LEN;
    case 'double': return FIXED64;
    case 'float': return FIXED32;
    default: return VARINT;
  }
}

function renderScalar(kind: string, raw: Varint | Buffer, path: string): unknown {
  if (!Buffer.isBuffer(raw)) {
    switch (kind) {
      case 'bool': return raw !== 0 && raw !== 0n;
      case 'int32': return asInt32(raw);
      case 'uint32': return typeof raw === 'number' && raw < 2 ** 32 ? raw : Number(BigInt.asUintN(32, BigInt(raw)));
      // Beyond 2^53 precision is lost, exactly as JSON.parse loses it for the same number in a JSON body.
      case 'int64': return typeof raw === 'number' ? raw : Number(BigInt.asIntN(64, raw));
      case 'uint64': return Number(raw);
    }
  } else {
    switch (kind) {
      case 'string': return raw.toString('utf8');
      case 'bytes': return raw.toString('base64');
      case 'double': return raw.readDoubleLE(0);
      case 'float': return raw.readFloatLE(0);
    }
  }
  throw new Malformed(`${path}: a ${kind} cannot be read from this wire value`);
}

/** The elements of a packed repeated numeric field. */
function unpack(bytes: Buffer, kind: string, path: string): (Varint | Buffer)[] {
  const out: (Varint | Buffer)[] = [];
  const wire = scalarWire(kind);
  const width = wire === FIXED64 ? 8 : wire === FIXED32 ? 4 : 0;
  let pos = 0;
  while (pos < bytes.length) {
    if (width) {
      if (pos + width > bytes.length) throw new Malformed(`${path}: truncated packed ${kind} list`);
      out.push(bytes.subarray(pos, pos + width));
      pos += width;
    } else {
      const [value, next] = readVarint(bytes, pos, path);
      out.push(value);
      pos = next;
    }
  }
  return out;
}

/**
 * metav1.Time renders as RFC 3339 in UTC with whole seconds, metav1.MicroTime with six fractional digits.
 * The Go encoder writes a zero time as an empty message, which Go's JSON renders as null.
 */
function renderTime(bytes: Buffer, path: string, micro: boolean): string | null {
  if (bytes.length === 0) return null;
  const f = readFields(bytes, path);
  const rawSeconds = lastVarint(f, 1, path) ?? 0;
  const seconds = typeof rawSeconds === 'number' ? rawSeconds : Number(BigInt.asIntN(64, rawSeconds));
  const nanos = asInt32(lastVarint(f, 2, path) ?? 0);
  // time.Unix folds nanoseconds outside [0, 1e9) into the seconds; the remainder is the fraction.
  const ms = (Number(seconds) + Math.floor(nanos / 1e9)) * 1000;
  const fraction = ((nanos % 1e9) + 1e9) % 1e9;
  const iso = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : '';
  if (!/^\d{4}-/.test(iso)) throw new Malformed(`${path}: time ${seconds}s is outside the years 0000-9999`);
  const base = iso.slice(0, 19);
  return micro ? `${base}.${String(Math.floor(fraction / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

function expectLen(v: WireValue, path: string): Buffer {
  if (v.wire !== LEN) throw new Malformed(`${path}: expected a length-delimited value, got wire type ${v.wire}`);
  return v.bytes;
}

function lastBytes(fields: Map<number, WireValue[]>, no: number): Buffer | undefined {
  const values = fields.get(no);
  if (!values) return undefined;
  return expectLen(values[values.length - 1], `field ${no}`);
}

function lastString(fields: Map<number, WireValue[]>, no: number): string | undefined {
  return lastBytes(fields, no)?.toString('utf8');
}

function asInt32(v: Varint): number {
  return typeof v === 'number' && v < 2 ** 31 ? v : Number(BigInt.asIntN(32, BigInt(v)));
}

function lastVarint(fields: Map<number, WireValue[]>, no: number, path: string): Varint | undefined {
  const values = fields.get(no);
  if (!values) return undefined;
  const v = values[values.length - 1];
  if (v.wire !== VARINT) throw new Malformed(`${path}: expected a varint in field ${no}, got wire type ${v.wire}`);
  return v.value;
}

/** Splits one message's bytes into its fields, keeping every occurrence in wire order. */
function readFields(bytes: Buffer, path = ''): Map<number, WireValue[]> {
  const fields = new Map<number, WireValue[]>();
  const where = path || 'object';
  let pos = 0;
  while (pos < bytes.length) {
    const [key, afterKey] = readVarint(bytes, pos, where);
    pos = afterKey;
    if (typeof key !== 'number' || key < 8 || key >= 2 ** 32) throw new Malformed(`${where}: invalid field number ${BigInt(key) >> 3n}`);
    const no = Math.floor(key / 8);
    const wire = key % 8;
    let value: WireValue;
    if (wire === VARINT) {
      const [v, next] = readVarint(bytes, pos, where);
      value = { wire: VARINT, value: v };
      pos = next;
    } else if (wire === LEN) {
      const [len, next] = readVarint(bytes, pos, where);
      if (typeof len !== 'number' || len > bytes.length - next) throw new Malformed(`${where}: field ${no} claims ${len} bytes but only ${bytes.length - next} remain`);
      value = { wire: LEN, bytes: bytes.subarray(next, next + len) };
      pos = next + len;
    } else if (wire === FIXED64 || wire === FIXED32) {
      const width = wire === FIXED64 ? 8 : 4;
      if (pos + width > bytes.length) throw new Malformed(`${where}: field ${no} is truncated`);
      value = { wire, bytes: bytes.subarray(pos, pos + width) };
      pos += width;
    } else {
      throw new Malformed(`${where}: field ${no} has unsupported wire type ${wire}`);
    }
    const list = fields.get(no);
    if (list) list.push(value);
    else fields.set(no, [value]);
  }
  return fields;
}

function readVarint(bytes: Buffer, start: number, where: string): [Varint, number] {
  // Up to 7 bytes (49 bits) fit a double exactly; only longer varints (negative or huge numbers) need BigInt.
  let pos = start;
  let small = 0;
  for (let shift = 0; shift < 49; shift += 7) {
    if (pos >= bytes.length) throw new Malformed(`${where}: truncated varint`);
    const b = bytes[pos++];
    small += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [small, pos];
  }
  let big = BigInt(small);
  for (let shift = 49n; shift < 70n; shift += 7n) {
    if (pos >= bytes.length) throw new Malformed(`${where}: truncated varint`);
    const b = bytes[pos++];
    big |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [BigInt.asUintN(64, big), pos];
  }
  throw new Malformed(`${where}: varint longer than 10 bytes`);
}
