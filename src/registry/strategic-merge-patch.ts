// Strategic merge patch (application/strategic-merge-patch+json) for built-in kinds, driven by the
// patch strategies and merge keys in the OpenAPI schemas; unknown sub-trees merge like JSON merge patch.

import { badRequest, StatusError } from '../api/status.js';
import { resolve, schemaFor, type Schema } from '../api/schemas.js';

type Obj = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** Patch facts of one field, read off its (unresolved) property schema. */
interface FieldMeta {
  /** Resolved schema of the field's value (for lists: of the list itself). */
  schema?: Schema;
  /** Resolved schema of a list's items. */
  items?: Schema;
  strategies: string[];
  mergeKey?: string;
}

const unprocessable = (message: string) => new StatusError(422, 'Invalid', message);

/**
 * Applies a strategic merge patch to `original` (not modified) for objects of `definition`
 * (e.g. io.k8s.api.apps.v1.Deployment) and returns the patched object.
 */
export function strategicMergePatch(original: Obj, patch: Obj, definition: string): Obj {
  if (!isObject(patch)) throw badRequest('strategic merge patch: the patch must be a JSON object');
  const root = schemaFor(definition);
  const merged = mergeMap(structuredClone(isObject(original) ? original : {}), structuredClone(patch), root ? resolve(root) : undefined, '');
  return merged;
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return JSON.stringify(v);
}

function fieldMeta(schema: Schema | undefined, field: string): FieldMeta {
  const prop = schema?.properties?.[field] ?? (typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined);
  if (!prop) return { strategies: [] };
  const resolved = resolve(prop);
  return {
    schema: resolved,
    items: resolved.items ? resolve(resolved.items) : undefined,
    strategies: (prop['x-kubernetes-patch-strategy'] ?? '').split(',').filter(Boolean),
    mergeKey: prop['x-kubernetes-patch-merge-key'],
  };
}

function mergeMap(original: Obj, patch: Obj, schema: Schema | undefined, path: string): Obj {
  if (DIRECTIVE in patch) {
    const directive = patch[DIRECTIVE];
    delete patch[DIRECTIVE];
    if (directive === 'replace') return mergeMap({}, patch, schema, path);
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw badRequest(`strategic merge patch: unknown patch directive ${show(directive)} in map at ${where(path)}; expected "replace", "merge" or "delete"`);
  }

  applyRetainKeys(original, patch, path);

  // Lists that come with an explicit order are merged and re-ordered together.
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = key.slice(SET_ORDER.length);
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badRequest(`strategic merge patch: ${key} at ${where(path)} must be a list`);
    const meta = fieldMeta(schema, field);
    const originalList = Array.isArray(original[field]) ? (original[field] as unknown[]) : [];
    const hasPatchList = Array.isArray(patch[field]);
    const patchList = hasPatchList ? (patch[field] as unknown[]) : [];
    if (hasPatchList) {
      checkOrderCoversPatch(patchList, order, meta.mergeKey, key, join(path, field));
      delete patch[field];
    } else if (field in patch) {
      continue; // not a list (null or a value of another type): handled below like any other key
    }
    const merged = hasPatchList ? mergeList(originalList, patchList, meta, join(path, field), false) : originalList;
    const ordered = applyOrder(merged, order, originalList, meta.mergeKey);
    if (ordered.length > 0 || field in original) original[field] = ordered;
  }

  const deletions: [string, unknown][] = [];
  for (const [key, patchValue] of Object.entries(patch)) {
    if (key === RETAIN_KEYS) continue;
    if (key.startsWith(DELETE_PRIMITIVE)) {
      deletions.push([key, patchValue]);
      continue;
    }
    const fieldPath = join(path, key);
    if (patchValue === null) {
      delete original[key];
      continue;
    }
    const meta = fieldMeta(schema, key);
    const current = original[key];
    if (isObject(patchValue)) {
      if (isObject(current) && !meta.strategies.includes('replace')) original[key] = mergeMap(current, patchValue, objectSchema(meta), fieldPath);
      else original[key] = mergeMap({}, patchValue, objectSchema(meta), fieldPath);
    } else if (Array.isArray(patchValue)) {
      original[key] = mergeList(Array.isArray(current) ? current : [], patchValue, meta, fieldPath, true);
    } else {
      original[key] = patchValue;
    }
  }

  // Removals from primitive lists go last so that they win over additions in the same patch.
  for (const [key, values] of deletions) {
    const field = key.slice(DELETE_PRIMITIVE.length);
    if (!Array.isArray(values)) throw badRequest(`strategic merge patch: ${key} at ${where(path)} must be a list of values to delete`);
    const current = original[field];
    if (current === undefined || current === null) continue;
    if (!Array.isArray(current)) throw badRequest(`strategic merge patch: ${key} at ${where(path)} applies to a field that is not a list`);
    original[field] = current.filter((item) => !values.some((d) => sameValue(d, item)));
  }
  return original;
}

function objectSchema(meta: FieldMeta): Schema | undefined {
  return meta.schema?.type === 'object' || meta.schema?.properties ? meta.schema : undefined;
}

/** `$retainKeys`: drop from the original every key the list does not name (after checking the patch agrees). */
function applyRetainKeys(original: Obj, patch: Obj, path: string): void {
  if (!(RETAIN_KEYS in patch)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain) || !retain.every((k) => typeof k === 'string')) {
    throw badRequest(`strategic merge patch: $retainKeys at ${where(path)} must be a list of field names`);
  }
  const keep = new Set(retain as string[]);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith('$')) continue;
    if (!keep.has(k)) throw unprocessable(`strategic merge patch: field ${show(k)} at ${where(path)} is in the patch but not in its $retainKeys list`);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** Merges one list field; `normalize` re-orders by the patch's own order (kube does this for merge lists). */
function mergeList(original: unknown[], patch: unknown[], meta: FieldMeta, path: string, normalize: boolean): unknown[] {
  if (!meta.strategies.includes('merge')) return patch.map((item) => (isObject(item) ? stripNulls(item) : item));
  if (original.length === 0 && patch.length === 0) return [];
  const kind = elementKind(original, patch, path);
  if (kind !== 'map') {
    // Lists of scalars with the merge strategy are sets: the union, first occurrence kept.
    const out: unknown[] = [];
    for (const item of [...original, ...patch]) if (!out.some((o) => sameValue(o, item))) out.push(item);
    return normalize ? applyOrder(out, patch, original, undefined) : out;
  }
  const mergeKey = meta.mergeKey;
  if (!mergeKey) throw badRequest(`strategic merge patch: the list at ${path} has no merge key, so its items cannot be merged`);

  let base = original.map((o) => o as Obj);
  const items: Obj[] = [];
  let replace = false;
  for (const raw of patch as Obj[]) {
    if (!(DIRECTIVE in raw)) {
      items.push(raw);
      continue;
    }
    const directive = raw[DIRECTIVE];
    if (directive === 'delete') {
      if (!(mergeKey in raw)) throw badRequest(`strategic merge patch: ${show(raw)} at ${path} does not contain declared merge key: ${mergeKey}`);
      base = base.filter((o) => !sameValue(o[mergeKey], raw[mergeKey]));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      const { [DIRECTIVE]: _ignored, ...rest } = raw;
      items.push(rest);
    } else {
      throw badRequest(`strategic merge patch: unknown patch directive ${show(directive)} in list item at ${path}; expected "replace" or "delete"`);
    }
  }
  if (replace) return items.map((item) => mergeMap({}, item, meta.items, path));

  const merged = base.slice();
  for (const item of items) {
    if (!(mergeKey in item)) throw badRequest(`strategic merge patch: ${show(item)} at ${path} does not contain declared merge key: ${mergeKey}`);
    const at = merged.findIndex((o) => isObject(o) && sameValue(o[mergeKey], item[mergeKey]));
    const itemPath = `${path}[${mergeKey}=${show(item[mergeKey])}]`;
    if (at >= 0) merged[at] = mergeMap(merged[at], item, meta.items, itemPath);
    else merged.push(mergeMap({}, item, meta.items, itemPath));
  }
  return normalize ? applyOrder(merged, items, original, mergeKey) : merged;
}

function elementKind(original: unknown[], patch: unknown[], path: string): 'map' | 'scalar' {
  let kind: 'map' | 'scalar' | undefined;
  for (const item of [...original, ...patch]) {
    if (Array.isArray(item)) throw unprocessable(`strategic merge patch: lists of lists are not supported (at ${path})`);
    const k = isObject(item) ? 'map' : 'scalar';
    if (kind && kind !== k) throw badRequest(`strategic merge patch: the list at ${path} mixes objects and scalar values`);
    kind = k;
  }
  return kind ?? 'scalar';
}

/** Position of `item` in `list`, matching maps by merge key and scalars by value. */
function indexIn(list: unknown[], item: unknown, mergeKey: string | undefined): number {
  if (mergeKey) {
    if (!isObject(item)) return -1;
    return list.findIndex((o) => isObject(o) && sameValue(o[mergeKey], item[mergeKey]));
  }
  return list.findIndex((o) => sameValue(o, item));
}

/**
 * Orders a merged list as kube does: items named in `order` follow that order; the others (present
 * only on the server) keep their original relative positions, slotted in by where they sat before.
 */
function applyOrder(merged: unknown[], order: unknown[], serverOrder: unknown[], mergeKey: string | undefined): unknown[] {
  const inOrder = merged.filter((m) => indexIn(order, m, mergeKey) >= 0);
  const serverOnly = merged.filter((m) => indexIn(order, m, mergeKey) < 0);
  inOrder.sort((a, b) => indexIn(order, a, mergeKey) - indexIn(order, b, mergeKey));
  serverOnly.sort((a, b) => indexIn(serverOrder, a, mergeKey) - indexIn(serverOrder, b, mergeKey));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < inOrder.length || j < serverOnly.length) {
    if (j >= serverOnly.length) out.push(inOrder[i++]);
    else if (i >= inOrder.length) out.push(serverOnly[j++]);
    else {
      // A patch item goes first only when both were on the server and it sat earlier.
      const a = indexIn(serverOrder, inOrder[i], mergeKey);
      const b = indexIn(serverOrder, serverOnly[j], mergeKey);
      if (a >= 0 && b >= 0 && a < b) out.push(inOrder[i++]);
      else out.push(serverOnly[j++]);
    }
  }
  return out;
}

/** Every item the patch list sets must appear in its $setElementOrder list, in the same relative order. */
function checkOrderCoversPatch(patchList: unknown[], order: unknown[], mergeKey: string | undefined, directive: string, path: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let o = 0;
  for (const item of patchList) {
    if (isObject(item) && DIRECTIVE in item) continue;
    const matches = (candidate: unknown) => (mergeKey ? isObject(candidate) && isObject(item) && sameValue(candidate[mergeKey], item[mergeKey]) : sameValue(candidate, item));
    while (o < order.length && !matches(order[o])) o++;
    if (o >= order.length) throw badRequest(`strategic merge patch: the order of the items in ${path} does not match its ${directive} list`);
    o++;
  }
}

function stripNulls(obj: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null) continue;
    out[k] = isObject(v) ? stripNulls(v) : v;
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function where(path: string): string {
  return path ? `"${path}"` : 'the top level';
}
