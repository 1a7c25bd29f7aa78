// The REST handler for every catalogued resource: maps verb + subresource to the generic
// registry, decodes query parameters and bodies, negotiates Table output and streams watches.
import type { RequestContext, Handler } from '../context.js';
import type { GenericRegistry, ListOptions, RegistryLookup, PatchType, DeleteOptions, WriteOptions, RegistryWatchEvent } from '../../registry/generic-registry.js';
import { badRequest, methodNotAllowed, StatusError, unsupportedMediaType } from '../../api/status.js';
import { decodeObject, mediaType, parseJSON, readBody } from '../body.js';
import { writeJSON, statusSuccess, toStatusError, warningHeaders } from '../responses.js';
import { toTable } from './table.js';
import type { FieldValidation } from '../../api/field-validation.js';
import { isPlainObject, metaOf, type KObject } from '../../registry/object.js';


export interface WatchSettings {
  /** Interval between BOOKMARK events for watchers that allow them. */
  bookmarkIntervalMs: number;
  /** Upper bound on a watch's lifetime when the client gives no timeoutSeconds. */
  minRequestTimeoutSeconds: number;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
};

interface Negotiated {
  table: boolean;
  partialMetadata: boolean;
}

function negotiate(ctx: RequestContext): Negotiated {
  const accept = String(ctx.req.headers['accept'] ?? '');
  // pick the first acceptable entry: Table, PartialObjectMetadata or plain JSON
  for (const raw of accept.split(',')) {
    const params = raw.split(';').map((s) => s.trim());
    const type = params[0]!.toLowerCase();
    const as = params.find((p) => p.startsWith('as='))?.slice(3);
    if (type === 'application/json' || type === '*/*' || type === 'application/*') {
      if (as === 'Table') return { table: true, partialMetadata: false };
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { table: false, partialMetadata: true };
      if (!as) return { table: false, partialMetadata: false };
    }
  }
  return { table: false, partialMetadata: false };
}

function fieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation must be one of Strict, Warn or Ignore, got "${v}"`);
}

function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`dryRun must be "All" when set, got "${v}"`);
  return values.length > 0;
}

function listOptions(q: URLSearchParams): ListOptions {
  const limitRaw = q.get('limit');
  let limit: number | undefined;
  if (limitRaw !== null && limitRaw !== '') {
    limit = Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit must be a non-negative integer, got "${limitRaw}"`);
  }
  return {
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit,
    continue: q.get('continue') || undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
  };
}

function partialMetadata(obj: KObject): KObject {
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: obj['metadata'] };
}

function includeObject(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

export function resourceHandler(lookup: RegistryLookup, watch: WatchSettings): Handler {
  return async (ctx) => {
    const info = ctx.info;
    const reg = lookup.registry(info.apiGroup, info.apiVersion, info.resource);
    if (!reg) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    if (info.subresource && !reg.info.subresources.includes(info.subresource)) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (reg.info.namespaced === false && info.namespace && info.resource !== 'namespaces') {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (reg.info.namespaced && !info.namespace && ['create', 'get', 'update', 'patch', 'delete', 'deletecollection'].includes(info.verb)) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const q = ctx.url.searchParams;
    const ns = reg.info.namespaced ? info.namespace : '';
    const neg = negotiate(ctx);
    const writeOpts = (): WriteOptions => ({ user: ctx.user!, dryRun: dryRun(q), fieldValidation: fieldValidation(q), warnings: ctx.warnings, auditAnnotations: ctx.auditAnnotations });
    const respondObject = (code: number, obj: KObject) => {
      if (neg.table) writeJSON(ctx, code, toTable(reg.info, [obj], { includeObject: includeObject(q) }));
      else writeJSON(ctx, code, neg.partialMetadata ? partialMetadata(obj) : obj);
    };

    switch (info.verb) {
      case 'get': {
        const obj = await reg.get(ns, info.name);
        respondObject(200, obj);
        return;
      }
      case 'list': {
        const opts = listOptions(q);
        const result = await reg.list(ns, opts);
        if (neg.table) {
          writeJSON(ctx, 200, toTable(reg.info, result.items, { includeObject: includeObject(q), listMeta: { resourceVersion: result.resourceVersion, continue: result.continue, remainingItemCount: result.remainingItemCount } }));
        } else if (neg.partialMetadata) {
          const list = reg.listObject(ns, result);
          writeJSON(ctx, 200, { ...list, apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadataList', items: result.items.map(partialMetadata) });
        } else {
          writeJSON(ctx, 200, reg.listObject(ns, result));
        }
        return;
      }
      case 'watch':
        await serveWatch(ctx, reg, ns, neg, watch);
        return;
      case 'create': {
        if (info.subresource) throw methodNotAllowed(`create is not supported on ${reg.qualified}/${info.subresource}`);
        if (info.name) throw methodNotAllowed('POST is not supported on a named object; use PUT to replace it');
        const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
        ctx.audit?.requestObject(body);
        const obj = await reg.create(ns, body, writeOpts());
        respondObject(201, obj);
        return;
      }
      case 'update': {
        const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
        ctx.audit?.requestObject(body);
        const { object, created } = await reg.update(ns, info.name, body, info.subresource, writeOpts());
        respondObject(created ? 201 : 200, object);
        return;
      }
      case 'patch': {
        const type = mediaType(ctx.req);
        const patchType = PATCH_TYPES[type];
        if (!patchType) {
          if (type === 'application/apply-patch+yaml') {
            throw unsupportedMediaType('server-side apply (application/apply-patch+yaml) is not supported yet; use client-side `kubectl apply` (the default)');
          }
          throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`);
        }
        const patch = parseJSON((await readBody(ctx.req)).toString('utf8'));
        ctx.audit?.requestObject(patch, true);
        const obj = await reg.patch(ns, info.name, patchType, patch, info.subresource, writeOpts());
        respondObject(200, obj);
        return;
      }
      case 'delete': {
        if (info.subresource) throw methodNotAllowed(`delete is not supported on ${reg.qualified}/${info.subresource}`);
        const opts = await deleteOptions(ctx, writeOpts());
        const { object, deleted } = await reg.delete(ns, info.name, opts);
        if (deleted && !neg.table) {
          const m = metaOf(object);
          writeJSON(ctx, 200, statusSuccess({ name: m.name, group: reg.info.group || undefined, kind: reg.info.resource, uid: m.uid }));
        } else {
          respondObject(200, object);
        }
        return;
      }
      case 'deletecollection': {
        const opts = await deleteOptions(ctx, writeOpts());
        const items = await reg.deleteCollection(ns, listOptions(q), opts);
        writeJSON(ctx, 200, reg.listObject(ns, { items, resourceVersion: '' }));
        return;
      }
      default:
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  };
}

async function deleteOptions(ctx: RequestContext, base: WriteOptions): Promise<DeleteOptions> {
  const q = ctx.url.searchParams;
  const opts: DeleteOptions = { ...base };
  const body = await readBody(ctx.req);
  let bodyOpts: KObject = {};
  if (body.length) {
    const parsed = parseJSON(body.toString('utf8'));
    if (!isPlainObject(parsed)) throw badRequest('the delete options must be a JSON object');
    bodyOpts = parsed;
    // DeleteOptions describe the request, not the object: they must not fill objectRef
    ctx.audit?.requestObject(parsed, true);
  }
  const policy = (q.get('propagationPolicy') ?? bodyOpts['propagationPolicy']) as string | undefined;
  const orphan = q.get('orphanDependents') ?? bodyOpts['orphanDependents'];
  if (policy !== undefined && policy !== null) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
      throw badRequest(`propagationPolicy must be one of Orphan, Background or Foreground, got "${policy}"`);
    }
    opts.propagationPolicy = policy;
  } else if (orphan === true || orphan === 'true') {
    opts.propagationPolicy = 'Orphan';
  }
  const pre = bodyOpts['preconditions'];
  if (isPlainObject(pre)) opts.preconditions = { uid: pre['uid'] as string | undefined, resourceVersion: pre['resourceVersion'] as string | undefined };
  const grace = q.get('gracePeriodSeconds') ?? bodyOpts['gracePeriodSeconds'];
  if (grace !== undefined && grace !== null) opts.gracePeriodSeconds = Number(grace);
  const dry = bodyOpts['dryRun'];
  if (Array.isArray(dry) && dry.length) opts.dryRun = true;
  return opts;
}

async function serveWatch(ctx: RequestContext, reg: GenericRegistry, ns: string, neg: Negotiated, settings: WatchSettings): Promise<void> {
  ctx.longRunning = true;
  const q = ctx.url.searchParams;
  const opts = listOptions(q);
  if (ctx.info.name) {
    // a watch on one object is a field-selected watch on its collection
    opts.fieldSelector = [opts.fieldSelector, `metadata.name=${ctx.info.name}`].filter(Boolean).join(',');
  }
  const timeoutRaw = q.get('timeoutSeconds');
  let timeoutSeconds = settings.minRequestTimeoutSeconds * (1 + Math.random());
  if (timeoutRaw !== null && timeoutRaw !== '') {
    const t = Number(timeoutRaw);
    if (!Number.isFinite(t) || t < 0) throw badRequest(`timeoutSeconds must be a non-negative number, got "${timeoutRaw}"`);
    if (t > 0) timeoutSeconds = t;
  }
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const res = ctx.res;
  let lastRevision = 0;
  let open = true;
  const encode = (type: string, object: unknown) => JSON.stringify({ type, object }) + '\n';
  const writeEvent = (ev: RegistryWatchEvent) => {
    if (!open) return;
    lastRevision = Math.max(lastRevision, ev.revision);
    const object = neg.table ? toTable(reg.info, [ev.object], { includeObject: includeObject(q) }) : neg.partialMetadata ? partialMetadata(ev.object) : ev.object;
    res.write(encode(ev.type, object));
  };
  const bookmark = () => {
    if (!open) return;
    res.write(encode('BOOKMARK', { kind: reg.info.kind, apiVersion: reg.apiVersion, metadata: { resourceVersion: String(lastRevision) } }));
  };
  const startEvents: RegistryWatchEvent[] = [];
  let started = false;
  let watcher: { stop(): void } | undefined;
  const finish = () => {
    if (!open) return;
    open = false;
    watcher?.stop();
    clearInterval(bookmarkTimer);
    clearTimeout(timeoutTimer);
    res.end();
  };
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  try {
    watcher = await reg.watch(
      ns,
      opts,
      (ev) => (started ? writeEvent(ev) : startEvents.push(ev)),
      (err) => {
        if (!open) return;
        if (!started) {
          startEvents.push({ type: 'ERROR', object: err.toStatus() as unknown as KObject, revision: 0 });
          return;
        }
        res.write(encode('ERROR', err.toStatus()));
        finish();
      },
    );
  } catch (err) {
    const status = toStatusError(err);
    if (status.code !== 410) throw err;
    // kube-apiserver answers a watch from a compacted revision with a 200 and one ERROR event
    ctx.statusCode = 200;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    ctx.audit?.responseStarted();
    res.end(encode('ERROR', status.toStatus()));
    return;
  }
  lastRevision = Math.max(lastRevision, Number(opts.resourceVersion) || 0);
  ctx.statusCode = 200;
  const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' };
  if (ctx.warnings.length) headers['Warning'] = warningHeaders(ctx);
  res.writeHead(200, headers);
  res.flushHeaders();
  ctx.audit?.responseStarted();
  started = true;
  for (const ev of startEvents) {
    if (ev.type === 'ERROR') {
      res.write(encode('ERROR', ev.object));
      finish();
      return;
    }
    writeEvent(ev);
  }
  if (bookmarks) {
    bookmarkTimer = setInterval(bookmark, settings.bookmarkIntervalMs);
    bookmarkTimer.unref();
  }
  timeoutTimer = setTimeout(() => {
    if (bookmarks) bookmark();
    finish();
  }, timeoutSeconds * 1000);
  timeoutTimer.unref();
  await new Promise<void>((resolve) => {
    ctx.req.socket.once('close', () => {
      finish();
      resolve();
    });
    res.once('finish', resolve);
    res.once('close', () => {
      finish();
      resolve();
    });
  });
}
