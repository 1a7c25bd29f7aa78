// OpenAPI documents built from the resource catalogue and the generated schemas: the v3 index and
// per-group-version documents (kubectl explain, field-validation detection) and the v2 swagger.

import { createHash } from 'node:crypto';
import { catalogue, type ResourceInfo } from '../../api/catalogue.js';
import { definitions, refName, REF_PREFIX, type Schema } from '../../api/schemas.js';

type Json = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
const WATCH_EVENT = `${META}.WatchEvent`;
const PATCH = `${META}.Patch`;

const OBJECT_MEDIA = ['application/json', 'application/yaml'];
const WATCH_MEDIA = ['application/json', 'application/yaml', 'application/json;stream=watch'];
const PATCH_MEDIA = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

interface ParamSpec {
  type: 'string' | 'boolean' | 'integer';
  description: string;
}

const QUERY_PARAMS: Record<string, ParamSpec> = {
  allowWatchBookmarks: { type: 'boolean', description: 'Ask for BOOKMARK events in a watch; the server may send them or not.' },
  continue: { type: 'string', description: 'The continue token of a previous paged list call, to fetch the next page.' },
  dryRun: { type: 'string', description: 'When "All", process the request fully but do not persist the change.' },
  fieldManager: { type: 'string', description: 'Name of the actor making the change, recorded in managedFields.' },
  fieldSelector: { type: 'string', description: 'Restrict the returned objects by their fields.' },
  fieldValidation: {
    type: 'string',
    description: 'How to treat unknown or duplicate fields in the request body: Ignore drops them silently, Warn drops them and returns a warning for each, Strict fails the request.',
  },
  force: { type: 'boolean', description: 'Apply requests only: take ownership of conflicting fields from other managers.' },
  gracePeriodSeconds: { type: 'integer', description: 'Seconds before the object is deleted; zero deletes immediately.' },
  labelSelector: { type: 'string', description: 'Restrict the returned objects by their labels.' },
  limit: { type: 'integer', description: 'Maximum number of items to return; use continue for the rest.' },
  orphanDependents: { type: 'boolean', description: 'Deprecated: use propagationPolicy. Whether dependents are orphaned.' },
  pretty: { type: 'string', description: 'When "true", pretty-print the output.' },
  propagationPolicy: { type: 'string', description: 'How dependents are garbage collected: Orphan, Background or Foreground.' },
  resourceVersion: { type: 'string', description: 'Which version of the resource to serve; see the API concepts on resource versions.' },
  resourceVersionMatch: { type: 'string', description: 'How resourceVersion applies to list calls: Exact or NotOlderThan.' },
  sendInitialEvents: { type: 'boolean', description: 'With watch=true, start the watch with synthetic ADDED events for the current state.' },
  timeoutSeconds: { type: 'integer', description: 'Time limit for the list or watch call.' },
  watch: { type: 'boolean', description: 'Watch for changes and stream them as add, update and remove notifications.' },
};

const LIST_QUERY = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'];
const WRITE_QUERY = ['dryRun', 'fieldManager', 'fieldValidation'];
const PATCH_QUERY = ['dryRun', 'fieldManager', 'fieldValidation', 'force'];
const DELETE_QUERY = ['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy'];
const DELETE_COLLECTION_QUERY = ['continue', 'dryRun', 'fieldSelector', 'gracePeriodSeconds', 'labelSelector', 'limit', 'orphanDependents', 'propagationPolicy', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds'];

/** One operation, independent of the OpenAPI version it is rendered into. */
interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  action: string;
  operationId: string;
  description: string;
  query: string[];
  body?: { definition: string; patch?: boolean; optional?: boolean };
  responses: [code: string, definition: string][];
  watchMedia?: boolean;
  resource: ResourceInfo;
}

interface PathItem {
  path: string;
  params: ('namespace' | 'name')[];
  ops: Operation[];
}

/** "api/v1" or "apis/<group>/<version>": the key of a group-version in /openapi/v3. */
export function gvPathOf(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

function groupVersionsServed(): Map<string, ResourceInfo[]> {
  const out = new Map<string, ResourceInfo[]>();
  for (const r of catalogue) {
    const key = gvPathOf(r);
    const list = out.get(key) ?? [];
    list.push(r);
    out.set(key, list);
  }
  return out;
}

function camel(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Prefix of upstream operation ids: CoreV1, AppsV1, RbacAuthorizationV1, CertificatesV1 … */
function opPrefix(r: ResourceInfo): string {
  const group = r.group === '' ? 'core' : r.group.replace(/\.k8s\.io$/, '');
  return group.split('.').map(camel).join('') + camel(r.version);
}

function tagOf(r: ResourceInfo): string {
  const group = r.group === '' ? 'core' : r.group.replace(/\.k8s\.io$/, '');
  const [first, ...rest] = group.split('.');
  return `${first}${rest.map(camel).join('')}_${r.version}`;
}

function pathItems(resources: ResourceInfo[]): PathItem[] {
  const items: PathItem[] = [];
  for (const r of resources) {
    const root = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
    const ns = r.namespaced ? 'Namespaced' : '';
    const p = opPrefix(r);
    const k = r.kind;
    const listKind = definitions()[`${r.definition}List`] ? `${r.definition}List` : r.definition;
    const scope: ('namespace' | 'name')[] = r.namespaced ? ['namespace'] : [];
    const collection = r.namespaced ? `${root}/namespaces/{namespace}/${r.resource}` : `${root}/${r.resource}`;
    const item = `${collection}/{name}`;
    const has = (verb: string) => r.verbs.includes(verb as ResourceInfo['verbs'][number]);

    const collectionOps: Operation[] = [];
    if (has('list')) {
      collectionOps.push({ method: 'get', action: 'list', operationId: `list${p}${ns}${k}`, description: `list or watch objects of kind ${k}`, query: LIST_QUERY, responses: [['200', listKind]], watchMedia: true, resource: r });
    }
    if (has('create')) {
      collectionOps.push({ method: 'post', action: 'post', operationId: `create${p}${ns}${k}`, description: `create a ${k}`, query: WRITE_QUERY, body: { definition: r.definition }, responses: [['200', r.definition], ['201', r.definition], ['202', r.definition]], resource: r });
    }
    if (has('deletecollection')) {
      collectionOps.push({ method: 'delete', action: 'deletecollection', operationId: `delete${p}Collection${ns}${k}`, description: `delete collection of ${k}`, query: DELETE_COLLECTION_QUERY, body: { definition: DELETE_OPTIONS, optional: true }, responses: [['200', STATUS]], resource: r });
    }
    if (collectionOps.length) items.push({ path: collection, params: scope, ops: collectionOps });

    const itemOps: Operation[] = [];
    if (has('get')) itemOps.push({ method: 'get', action: 'get', operationId: `read${p}${ns}${k}`, description: `read the specified ${k}`, query: [], responses: [['200', r.definition]], resource: r });
    if (has('update')) {
      itemOps.push({ method: 'put', action: 'put', operationId: `replace${p}${ns}${k}`, description: `replace the specified ${k}`, query: WRITE_QUERY, body: { definition: r.definition }, responses: [['200', r.definition], ['201', r.definition]], resource: r });
    }
    if (has('patch')) {
      itemOps.push({ method: 'patch', action: 'patch', operationId: `patch${p}${ns}${k}`, description: `partially update the specified ${k}`, query: PATCH_QUERY, body: { definition: PATCH, patch: true }, responses: [['200', r.definition], ['201', r.definition]], resource: r });
    }
    if (has('delete')) {
      itemOps.push({ method: 'delete', action: 'delete', operationId: `delete${p}${ns}${k}`, description: `delete a ${k}`, query: DELETE_QUERY, body: { definition: DELETE_OPTIONS, optional: true }, responses: [['200', STATUS], ['202', STATUS]], resource: r });
    }
    if (itemOps.length) items.push({ path: item, params: [...scope, 'name'], ops: itemOps });

    for (const sub of r.subresources) {
      const Sub = camel(sub);
      const subOps: Operation[] = [];
      if (sub === 'finalize') {
        subOps.push({ method: 'put', action: 'put', operationId: `replace${p}${ns}${k}${Sub}`, description: `replace finalize of the specified ${k}`, query: WRITE_QUERY, body: { definition: r.definition }, responses: [['200', r.definition], ['201', r.definition]], resource: r });
      } else if (sub === 'status' || sub === 'approval') {
        subOps.push(
          { method: 'get', action: 'get', operationId: `read${p}${ns}${k}${Sub}`, description: `read ${sub} of the specified ${k}`, query: [], responses: [['200', r.definition]], resource: r },
          { method: 'put', action: 'put', operationId: `replace${p}${ns}${k}${Sub}`, description: `replace ${sub} of the specified ${k}`, query: WRITE_QUERY, body: { definition: r.definition }, responses: [['200', r.definition], ['201', r.definition]], resource: r },
          { method: 'patch', action: 'patch', operationId: `patch${p}${ns}${k}${Sub}`, description: `partially update ${sub} of the specified ${k}`, query: PATCH_QUERY, body: { definition: PATCH, patch: true }, responses: [['200', r.definition], ['201', r.definition]], resource: r },
        );
      }
      if (subOps.length) items.push({ path: `${item}/${sub}`, params: [...scope, 'name'], ops: subOps });
    }

    if (has('watch')) {
      const watchRoot = r.namespaced ? `${root}/watch/namespaces/{namespace}/${r.resource}` : `${root}/watch/${r.resource}`;
      const deprecated = "deprecated: use the 'watch' parameter with a list operation instead";
      items.push({
        path: watchRoot,
        params: scope,
        ops: [{ method: 'get', action: 'watchlist', operationId: `watch${p}${ns}${k}List`, description: `watch individual changes to a list of ${k}. ${deprecated}.`, query: LIST_QUERY, responses: [['200', WATCH_EVENT]], watchMedia: true, resource: r }],
      });
      items.push({
        path: `${watchRoot}/{name}`,
        params: [...scope, 'name'],
        ops: [{ method: 'get', action: 'watch', operationId: `watch${p}${ns}${k}`, description: `watch changes to an object of kind ${k}. ${deprecated}, filtered to a single item with the 'fieldSelector' parameter.`, query: LIST_QUERY, responses: [['200', WATCH_EVENT]], watchMedia: true, resource: r }],
      });
    }
    if (r.namespaced && has('list')) {
      items.push({
        path: `${root}/${r.resource}`,
        params: [],
        ops: [{ method: 'get', action: 'list', operationId: `list${p}${k}ForAllNamespaces`, description: `list or watch objects of kind ${k}`, query: LIST_QUERY, responses: [['200', listKind]], watchMedia: true, resource: r }],
      });
      if (has('watch')) {
        items.push({
          path: `${root}/watch/${r.resource}`,
          params: [],
          ops: [{ method: 'get', action: 'watchlist', operationId: `watch${p}${k}ListForAllNamespaces`, description: `watch individual changes to a list of ${k}. deprecated: use the 'watch' parameter with a list operation instead.`, query: LIST_QUERY, responses: [['200', WATCH_EVENT]], watchMedia: true, resource: r }],
        });
      }
    }
  }
  return items;
}

function gvkOf(r: ResourceInfo): Json {
  return { group: r.group, version: r.version, kind: r.kind };
}

const PATH_PARAM_TEXT: Record<string, string> = {
  name: 'name of the object',
  namespace: 'object name and auth scope, such as for teams and projects',
};

// ---------------------------------------------------------------- v3

function v3Param(name: string): Json {
  const spec = QUERY_PARAMS[name];
  return { name, in: 'query', description: spec.description, schema: { type: spec.type, uniqueItems: true } };
}

function v3Content(media: string[], definition: string): Json {
  const content: Json = {};
  for (const m of media) content[m] = { schema: { $ref: REF_PREFIX + definition } };
  return content;
}

function v3Operation(op: Operation): Json {
  const out: Json = {
    tags: [tagOf(op.resource)],
    description: op.description,
    operationId: op.operationId,
  };
  if (op.query.length) out.parameters = op.query.map(v3Param);
  if (op.body) {
    out.requestBody = op.body.patch
      ? { content: v3Content(PATCH_MEDIA, op.body.definition), required: true }
      : { content: { '*/*': { schema: { $ref: REF_PREFIX + op.body.definition } } }, ...(op.body.optional ? {} : { required: true }) };
  }
  const responses: Json = {};
  for (const [code, def] of op.responses) {
    responses[code] = { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', content: v3Content(op.watchMedia ? WATCH_MEDIA : OBJECT_MEDIA, def) };
  }
  responses['401'] = { description: 'Unauthorized' };
  out.responses = responses;
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = gvkOf(op.resource);
  return out;
}

function v3Paths(items: PathItem[]): Json {
  const paths: Json = {};
  for (const item of items) {
    const entry: Json = {};
    for (const op of item.ops) entry[op.method] = v3Operation(op);
    entry.parameters = [
      ...item.params.map((p) => ({ name: p, in: 'path', description: PATH_PARAM_TEXT[p], required: true, schema: { type: 'string', uniqueItems: true } })),
      { name: 'pretty', in: 'query', description: QUERY_PARAMS.pretty.description, schema: { type: 'string', uniqueItems: true } },
    ];
    paths[item.path] = entry;
  }
  return paths;
}

function collectRefs(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.add(refName(v));
      else collectRefs(v, out);
    }
  }
}

/** The definitions reachable from `value` (transitively), sorted by name. */
function reachableDefinitions(value: unknown): Record<string, Schema> {
  const all = definitions();
  const seen = new Set<string>();
  const queue = new Set<string>();
  collectRefs(value, queue);
  const pending = [...queue];
  while (pending.length) {
    const name = pending.pop()!;
    if (seen.has(name) || !all[name]) continue;
    seen.add(name);
    const refs = new Set<string>();
    collectRefs(all[name], refs);
    pending.push(...refs);
  }
  const out: Record<string, Schema> = {};
  for (const name of [...seen].sort()) out[name] = all[name];
  return out;
}

const v3Cache = new Map<string, { doc: Json; hash: string }>();

function v3Entry(gvPath: string): { doc: Json; hash: string } | undefined {
  const cached = v3Cache.get(gvPath);
  if (cached) return cached;
  const resources = groupVersionsServed().get(gvPath);
  if (!resources) return undefined;
  const paths = v3Paths(pathItems(resources));
  const doc: Json = {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: {
      schemas: reachableDefinitions(paths),
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
  };
  const entry = { doc, hash: documentHash(doc) };
  v3Cache.set(gvPath, entry);
  return entry;
}

/** Hash of a document as served (upper-case hex SHA-512 of its JSON), for `?hash=` and ETag. */
export function documentHash(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
}

/** GET /openapi/v3: one entry per served group-version. */
export function openapiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gvPath of [...groupVersionsServed().keys()].sort()) {
    paths[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${v3Entry(gvPath)!.hash}` };
  }
  return { paths };
}

/** GET /openapi/v3/<gvPath> (e.g. "api/v1", "apis/apps/v1"); undefined when not served. */
export function openapiV3Document(gvPath: string): Record<string, unknown> | undefined {
  return v3Entry(gvPath.replace(/^\/+|\/+$/g, ''))?.doc;
}

/** The hash that openapiV3Index() puts in the document's serverRelativeURL (use it as the ETag). */
export function openapiV3Hash(gvPath: string): string | undefined {
  return v3Entry(gvPath.replace(/^\/+|\/+$/g, ''))?.hash;
}

// ---------------------------------------------------------------- v2

/** Rewrites a v3 component schema for swagger 2.0: `#/definitions/` refs, no allOf wrappers, no oneOf. */
function toV2Schema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toV2Schema);
  if (!value || typeof value !== 'object') return value;
  const src = value as Json;
  const out: Json = {};
  const allOf = src.allOf as Json[] | undefined;
  if (allOf && allOf.length === 1 && typeof allOf[0].$ref === 'string') out.$ref = `#/definitions/${refName(allOf[0].$ref as string)}`;
  for (const [k, v] of Object.entries(src)) {
    if (k === 'allOf' && out.$ref) continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = `#/definitions/${refName(v)}`;
    else if (k === 'oneOf') out.type = 'string'; // int-or-string and Quantity are strings in v2
    else out[k] = toV2Schema(v);
  }
  return out;
}

function v2Operation(op: Operation): Json {
  const parameters: Json[] = [];
  if (op.body) {
    parameters.push({ name: 'body', in: 'body', ...(op.body.optional ? {} : { required: true }), schema: { $ref: `#/definitions/${op.body.definition}` } });
  }
  for (const name of op.query) {
    const spec = QUERY_PARAMS[name];
    parameters.push({ name, in: 'query', description: spec.description, type: spec.type, uniqueItems: true });
  }
  const responses: Json = {};
  for (const [code, def] of op.responses) responses[code] = { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', schema: { $ref: `#/definitions/${def}` } };
  responses['401'] = { description: 'Unauthorized' };
  const out: Json = {
    description: op.description,
    consumes: op.body?.patch ? PATCH_MEDIA : ['*/*'],
    produces: op.watchMedia ? WATCH_MEDIA : OBJECT_MEDIA,
    schemes: ['https'],
    tags: [tagOf(op.resource)],
    operationId: op.operationId,
  };
  if (parameters.length) out.parameters = parameters;
  out.responses = responses;
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = gvkOf(op.resource);
  return out;
}

let v2Cache: { doc: Json; hash: string } | undefined;

function v2Entry(): { doc: Json; hash: string } {
  if (v2Cache) return v2Cache;
  const paths: Json = {};
  const refsFrom: Json[] = [];
  for (const resources of groupVersionsServed().values()) {
    for (const item of pathItems(resources)) {
      const entry: Json = {};
      for (const op of item.ops) {
        entry[op.method] = v2Operation(op);
        refsFrom.push(v3Operation(op));
      }
      entry.parameters = [
        ...item.params.map((p) => ({ uniqueItems: true, type: 'string', description: PATH_PARAM_TEXT[p], name: p, in: 'path', required: true })),
        { uniqueItems: true, type: 'string', description: QUERY_PARAMS.pretty.description, name: 'pretty', in: 'query' },
      ];
      paths[item.path] = entry;
    }
  }
  const defs = reachableDefinitions(refsFrom);
  const v2defs: Json = {};
  for (const [name, schema] of Object.entries(defs)) v2defs[name] = toV2Schema(schema);
  const doc: Json = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    definitions: v2defs,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
  v2Cache = { doc, hash: documentHash(doc) };
  return v2Cache;
}

/** GET /openapi/v2 as JSON (swagger 2.0). */
export function openapiV2(): Record<string, unknown> {
  return v2Entry().doc;
}

/** Hash of the v2 document (use it as the ETag). */
export function openapiV2Hash(): string {
  return v2Entry().hash;
}

// ---------------------------------------------------------------- v2 protobuf

/**
 * Minimal protobuf writer for the gnostic `openapi.v2.Document` message, the form kubectl ≤1.28
 * insists on (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`).
 */
class ProtoWriter {
  private readonly chunks: Buffer[] = [];

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.chunks.push(Buffer.from(bytes));
  }

  private tag(field: number, wire: 0 | 2): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, value: unknown): this {
    if (typeof value !== 'string' || value === '') return this;
    const bytes = Buffer.from(value, 'utf8');
    this.tag(field, 2);
    this.varint(bytes.length);
    this.chunks.push(bytes);
    return this;
  }

  strings(field: number, values: unknown): this {
    if (Array.isArray(values)) for (const v of values) this.string(field, v);
    return this;
  }

  bool(field: number, value: unknown): this {
    if (value !== true) return this;
    this.tag(field, 0);
    this.varint(1);
    return this;
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    const bytes = inner.bytes();
    this.tag(field, 2);
    this.varint(bytes.length);
    this.chunks.push(bytes);
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** `Any` carries arbitrary JSON as its yaml text (JSON is YAML). */
function writeAny(w: ProtoWriter, field: number, value: unknown): void {
  w.message(field, (a) => a.string(2, `${JSON.stringify(value)}\n`));
}

function writeVendorExtensions(w: ProtoWriter, field: number, obj: Json): void {
  for (const [k, v] of Object.entries(obj)) {
    if (!k.startsWith('x-')) continue;
    w.message(field, (e) => {
      e.string(1, k);
      writeAny(e, 2, v);
    });
  }
}

function writeSchema(w: ProtoWriter, s: Json): void {
  w.string(1, s.$ref).string(2, s.format).string(3, s.title).string(4, s.description);
  if (s.default !== undefined) writeAny(w, 5, s.default);
  w.strings(19, s.required);
  if (Array.isArray(s.enum)) for (const v of s.enum) writeAny(w, 20, v);
  const ap = s.additionalProperties;
  if (ap !== undefined) w.message(21, (a) => (typeof ap === 'boolean' ? a.bool(2, ap) : a.message(1, (x) => writeSchema(x, ap as Json))));
  if (typeof s.type === 'string') w.message(22, (t) => t.string(1, s.type));
  if (s.items && typeof s.items === 'object') w.message(23, (i) => i.message(1, (x) => writeSchema(x, s.items as Json)));
  if (Array.isArray(s.allOf)) for (const sub of s.allOf as Json[]) w.message(24, (x) => writeSchema(x, sub));
  if (s.properties && typeof s.properties === 'object') {
    w.message(25, (p) => {
      for (const [name, sub] of Object.entries(s.properties as Record<string, Json>)) p.message(1, (n) => n.string(1, name).message(2, (x) => writeSchema(x, sub)));
    });
  }
  writeVendorExtensions(w, 31, s);
}

function writeParameter(w: ProtoWriter, p: Json): void {
  // ParametersItem.parameter → Parameter.{body_parameter | non_body_parameter}
  w.message(1, (param) => {
    if (p.in === 'body') {
      param.message(1, (b) => b.string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required).message(5, (x) => writeSchema(x, p.schema as Json)));
      return;
    }
    param.message(2, (nb) => {
      if (p.in === 'path') {
        nb.message(4, (q) => q.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(5, p.type).bool(19, p.uniqueItems));
      } else {
        nb.message(3, (q) => q.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(6, p.type).bool(20, p.uniqueItems));
      }
    });
  });
}

function writeOperation(w: ProtoWriter, op: Json): void {
  w.strings(1, op.tags).string(3, op.description).string(5, op.operationId).strings(6, op.produces).strings(7, op.consumes);
  for (const p of (op.parameters as Json[] | undefined) ?? []) w.message(8, (x) => writeParameter(x, p));
  w.message(9, (rs) => {
    for (const [code, resp] of Object.entries(op.responses as Record<string, Json>)) {
      rs.message(1, (named) =>
        named.string(1, code).message(2, (rv) =>
          rv.message(1, (r) => {
            r.string(1, resp.description);
            if (resp.schema) r.message(2, (si) => si.message(1, (x) => writeSchema(x, resp.schema as Json)));
          }),
        ),
      );
    }
  });
  w.strings(10, op.schemes);
  writeVendorExtensions(w, 13, op);
}

const PATH_ITEM_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

function encodeV2(doc: Json): Buffer {
  const w = new ProtoWriter();
  w.string(1, doc.swagger);
  const info = doc.info as Json;
  w.message(2, (i) => i.string(1, info.title).string(2, info.version));
  w.message(8, (paths) => {
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      paths.message(2, (named) =>
        named.string(1, path).message(2, (pi) => {
          for (const [method, field] of Object.entries(PATH_ITEM_FIELDS)) if (item[method]) pi.message(field, (x) => writeOperation(x, item[method] as Json));
          for (const p of (item.parameters as Json[] | undefined) ?? []) pi.message(9, (x) => writeParameter(x, p));
        }),
      );
    }
  });
  w.message(9, (defs) => {
    for (const [name, schema] of Object.entries(doc.definitions as Record<string, Json>)) defs.message(1, (n) => n.string(1, name).message(2, (x) => writeSchema(x, schema)));
  });
  for (const req of (doc.security as Json[] | undefined) ?? []) {
    w.message(12, (sr) => {
      for (const [name, scopes] of Object.entries(req)) sr.message(1, (n) => n.string(1, name).message(2, (a) => a.strings(1, scopes)));
    });
  }
  w.message(13, (sd) => {
    for (const [name, def] of Object.entries((doc.securityDefinitions as Record<string, Json> | undefined) ?? {})) {
      sd.message(1, (n) => n.string(1, name).message(2, (item) => item.message(2, (k) => k.string(1, def.type).string(2, def.name).string(3, def.in).string(4, def.description))));
    }
  });
  return w.bytes();
}

let v2ProtoCache: Uint8Array | undefined;

/**
 * GET /openapi/v2 with `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`:
 * the v2 document as a gnostic openapi.v2.Document message (serve it with Content-Type
 * `application/com.github.proto-openapi.spec.v2.v1.0+protobuf`; same ETag as openapiV2Hash()).
 */
export function openapiV2Protobuf(): Uint8Array {
  v2ProtoCache ??= new Uint8Array(encodeV2(openapiV2()));
  return v2ProtoCache;
}
