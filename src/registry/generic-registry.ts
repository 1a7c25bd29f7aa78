// The one generic registry: create/get/list/watch/update/patch/delete over the Store for every
// resource in the catalogue. Per-resource differences live in strategies; admission, defaulting
// and validation are called from here so that no handler can skip them.
import { randomUUID } from 'node:crypto';
import jsonPatch from 'fast-json-patch';
import type { ResourceInfo } from '../api/catalogue.js';
import { groupVersion, storageKey, storagePrefix } from '../api/catalogue.js';
import {
  StatusError,
  alreadyExists,
  badRequest,
  conflict,
  gone,
  internalError,
  invalid,
  notFound,
  unsupportedMediaType,
} from '../api/status.js';
import { applyDefaults } from '../api/defaults.js';
import { validateObject } from '../api/validation/index.js';
import { checkObjectFields, type FieldValidation } from '../api/field-validation.js';
import { parseFieldSelector, parseLabelSelector, type FieldSelector, type LabelSelector } from '../api/selectors.js';
import type { KeyValue, Store, Watcher, WatchEvent as StoreWatchEvent } from '../storage/store.js';
import { StoreError } from '../storage/store.js';
import type { AdmissionChain } from '../admission/chain.js';
import type { AdmissionAttributes, AdmissionOperation } from '../admission/types.js';
import type { UserInfo } from '../endpoints/context.js';
import { strategicMergePatch } from './strategic-merge-patch.js';
import { strategyFor, type Strategy } from './strategy.js';
import { type KObject, deepClone, deepFreeze, isPlainObject, jsonEqual, metaOf, nowTimestamp } from './object.js';
import { mergePatch } from './merge-patch.js';
import { ServiceIPAllocator } from './service-ip-allocator.js';
import { randomNameSuffix } from '../api/name-suffix.js';

export interface WriteOptions {
  user: UserInfo;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Client-visible warnings accumulate here. */
  warnings: string[];
  /** Audit annotations from admission accumulate here. */
  auditAnnotations?: Record<string, string>;
}

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface RegistryWatchEvent {
  type: WatchEventType;
  object: KObject;
  revision: number;
}

export type PatchType = 'json' | 'merge' | 'strategic';

/** Finds the registry of a served group/version/resource. */
export interface RegistryLookup {
  registry(group: string, version: string, resource: string): GenericRegistry | undefined;
}

const CONTINUE_VERSION = 'meta.k8s.io/v1';

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (parsed.v !== CONTINUE_VERSION || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad');
    return { rv: parsed.rv, start: parsed.start };
  } catch {
    throw badRequest('continue key is not valid: the continue parameter must be a value returned by a previous list call');
  }
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: CONTINUE_VERSION, rv, start })).toString('base64url');
}


function specChanged(a: KObject, b: KObject): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!jsonEqual(a[k], b[k])) return true;
  }
  return false;
}

export class GenericRegistry {
  readonly strategy: Strategy;
  readonly qualified: string;
  private readonly ipAllocator?: ServiceIPAllocator;
  private lastEvent?: StoreWatchEvent;
  private lastEventObject?: KObject;
  /**
   * Objects being created, by storage key, with the bytes written for them. The store delivers a
   * write's watch event before the writer resumes, so the event can share the created object
   * (frozen, with its resourceVersion) instead of decoding the bytes just encoded from it.
   */
  private readonly creating = new Map<string, { bytes: Buffer; object: KObject }>();

  constructor(
    readonly info: ResourceInfo,
    private readonly store: Store,
    private readonly admission: AdmissionChain,
  ) {
    this.strategy = strategyFor(info);
    this.qualified = info.group ? `${info.resource}.${info.group}` : info.resource;
    if (info.group === '' && info.resource === 'services') this.ipAllocator = new ServiceIPAllocator(store);
  }

  get apiVersion(): string {
    return groupVersion(this.info);
  }

  key(namespace: string, name: string): string {
    return storageKey(this.info, namespace, name);
  }

  prefix(namespace: string): string {
    return storagePrefix(this.info, this.info.namespaced && namespace ? namespace : undefined);
  }

  /**
   * The store hands every watcher the same event object: decode it once for all of them (the
   * server's own controllers watch every pod, for example). The object is shared, so it is frozen.
   */
  private decodeEvent(ev: StoreWatchEvent): KObject {
    if (this.lastEvent !== ev) {
      const created = ev.type === 'put' && !ev.prevKv ? this.creating.get(ev.kv.key) : undefined;
      let obj: KObject;
      if (created && created.bytes.equals(ev.kv.value)) {
        obj = created.object;
        metaOf(obj).resourceVersion = String(ev.kv.modRevision);
      } else {
        obj = this.decode(ev.kv);
      }
      if (ev.type === 'delete') metaOf(obj).resourceVersion = String(ev.revision);
      this.lastEvent = ev;
      this.lastEventObject = deepFreeze(obj);
    }
    return this.lastEventObject!;
  }

  decode(kv: KeyValue): KObject {
    let obj: KObject;
    try {
      obj = JSON.parse(kv.value.toString('utf8')) as KObject;
    } catch {
      throw internalError(`the stored value at ${kv.key} is not a valid object`);
    }
    metaOf(obj).resourceVersion = String(kv.modRevision);
    return obj;
  }

  private encode(obj: KObject): Buffer {
    const meta = metaOf(obj);
    const rv = meta.resourceVersion;
    delete meta.resourceVersion;
    const buf = Buffer.from(JSON.stringify(obj));
    if (rv !== undefined) meta.resourceVersion = rv;
    return buf;
  }

  private storeError(err: unknown, name: string): never {
    if (err instanceof StoreError) {
      switch (err.code) {
        case 'exists':
          throw alreadyExists(this.info.group, this.info.resource, name);
        case 'notfound':
          throw notFound(this.info.group, this.info.resource, name);
        case 'conflict':
          throw conflict(this.info.group, this.info.resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
        case 'compacted':
          throw gone(`too old resource version: ${err.compactedRevision ?? ''}`);
        default:
          throw internalError(err.message);
      }
    }
    throw err;
  }

  async get(namespace: string, name: string): Promise<KObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw notFound(this.info.group, this.info.resource, name);
    return this.decode(kv);
  }

  async tryGet(namespace: string, name: string): Promise<KObject | undefined> {
    const kv = await this.store.get(this.key(namespace, name));
    return kv ? this.decode(kv) : undefined;
  }

  selectors(opts: { labelSelector?: string; fieldSelector?: string }): { label?: LabelSelector; field?: FieldSelector } {
    const label = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : undefined;
    const field = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector, this.info) : undefined;
    return { label: label && !label.empty ? label : undefined, field: field && !field.empty ? field : undefined };
  }

  private matcher(opts: { labelSelector?: string; fieldSelector?: string }): ((o: KObject) => boolean) | undefined {
    const { label, field } = this.selectors(opts);
    if (!label && !field) return undefined;
    return (o) => (!label || label.matches(metaOf(o).labels)) && (!field || field.matches(o));
  }

  async list(namespace: string, opts: ListOptions = {}): Promise<ListResult> {
    const match = this.matcher(opts);
    const prefix = this.prefix(namespace);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let revision: number | undefined;
    let startAfter: string | undefined;
    if (opts.continue) {
      const c = decodeContinue(opts.continue);
      if (opts.resourceVersion && opts.resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
      revision = c.rv;
      startAfter = prefix + c.start;
      if (revision < this.store.compactedRevision()) {
        throw gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      const rv = Number(opts.resourceVersion);
      if (!Number.isInteger(rv) || rv < 0) throw badRequest(`invalid resource version: "${opts.resourceVersion}"`);
      if (opts.resourceVersionMatch === 'Exact') {
        if (rv < this.store.compactedRevision()) throw gone(`The resourceVersion for the provided list is too old.`);
        revision = rv;
      } else if (rv > this.store.currentRevision()) {
        throw new StatusError(504, 'Timeout', `Too large resource version: ${rv}, current: ${this.store.currentRevision()}`, { retryAfterSeconds: 1 });
      }
    } else if (opts.resourceVersionMatch && opts.resourceVersionMatch !== 'NotOlderThan' && opts.resourceVersionMatch !== '') {
      throw badRequest(`resourceVersionMatch "${opts.resourceVersionMatch}" is only allowed when resourceVersion is set`);
    }

    const items: KObject[] = [];
    // With a selector, a page of `limit` store items may hold fewer matches: keep reading until full.
    const chunk = limit ? Math.max(limit, match ? limit * 2 : limit) : 0;
    let more = false;
    let remaining: number | undefined;
    let lastKey: string | undefined;
    let readRevision = revision;
    for (;;) {
      let page;
      try {
        page = await this.store.list(prefix, { limit: chunk || undefined, startAfter, revision: readRevision });
      } catch (err) {
        this.storeError(err, '');
      }
      readRevision = page.revision;
      let stoppedEarly = false;
      for (let i = 0; i < page.items.length; i++) {
        const kv = page.items[i]!;
        const obj = this.decode(kv);
        lastKey = kv.key;
        if (match && !match(obj)) continue;
        items.push(obj);
        if (limit && items.length >= limit) {
          stoppedEarly = i < page.items.length - 1 || page.more;
          break;
        }
      }
      if (limit && items.length >= limit) {
        more = stoppedEarly;
        if (more && !match && page.remaining !== undefined) {
          remaining = page.remaining + (page.items.length - 1 - page.items.findIndex((kv) => kv.key === lastKey));
        }
        break;
      }
      if (!page.more) break;
      startAfter = page.items[page.items.length - 1]!.key;
    }
    const result: ListResult = { items, resourceVersion: String(readRevision ?? this.store.currentRevision()) };
    if (more && lastKey !== undefined) {
      result.continue = encodeContinue(readRevision!, lastKey.slice(prefix.length));
      if (remaining !== undefined) result.remainingItemCount = remaining;
    }
    return result;
  }

  listObject(namespace: string, result: ListResult): KObject {
    const metadata: KObject = { resourceVersion: result.resourceVersion };
    if (result.continue) metadata['continue'] = result.continue;
    if (result.remainingItemCount !== undefined) metadata['remainingItemCount'] = result.remainingItemCount;
    void namespace;
    return { kind: `${this.info.kind}List`, apiVersion: this.apiVersion, metadata, items: result.items };
  }

  /**
   * Watches from a resourceVersion. Unset or "0" first sends ADDED for every current object (kube's
   * semantics for a watch without a starting point). Events are filtered by the selectors; an object
   * that stops matching is sent as DELETED, one that starts matching as ADDED.
   */
  async watch(namespace: string, opts: ListOptions, send: (ev: RegistryWatchEvent) => void, onError: (err: StatusError) => void): Promise<Watcher> {
    const match = this.matcher(opts);
    const prefix = this.prefix(namespace);
    let after: number;
    const initial: RegistryWatchEvent[] = [];
    if (!opts.resourceVersion || opts.resourceVersion === '0') {
      const page = await this.store.list(prefix, {});
      after = page.revision;
      for (const kv of page.items) {
        const obj = this.decode(kv);
        if (!match || match(obj)) initial.push({ type: 'ADDED', object: obj, revision: kv.modRevision });
      }
    } else {
      after = Number(opts.resourceVersion);
      if (!Number.isInteger(after) || after < 0) throw badRequest(`invalid resource version: "${opts.resourceVersion}"`);
    }
    let watcher: Watcher;
    try {
      watcher = this.store.watch(prefix, {
        afterRevision: after,
        onEvent: (ev) => {
          const obj = this.decodeEvent(ev);
          if (ev.type === 'delete') {
            if (!match || match(obj)) send({ type: 'DELETED', object: obj, revision: ev.revision });
            return;
          }
          if (!match) {
            send({ type: ev.prevKv ? 'MODIFIED' : 'ADDED', object: obj, revision: ev.revision });
            return;
          }
          const now = match(obj);
          const before = ev.prevKv ? match(this.decode(ev.prevKv)) : false;
          if (now && before) send({ type: 'MODIFIED', object: obj, revision: ev.revision });
          else if (now) send({ type: 'ADDED', object: obj, revision: ev.revision });
          else if (before) send({ type: 'DELETED', object: obj, revision: ev.revision });
        },
        onError: (err) => onError(err.code === 'compacted' ? gone(`too old resource version: ${after} (${err.compactedRevision ?? ''})`) : internalError(err.message)),
      });
    } catch (err) {
      if (err instanceof StoreError && err.code === 'compacted') {
        throw gone(`too old resource version: ${after} (${err.compactedRevision ?? this.store.compactedRevision()})`);
      }
      throw err;
    }
    for (const ev of initial) send(ev);
    return watcher;
  }

  private checkKind(obj: KObject): void {
    const apiVersion = obj['apiVersion'];
    const kind = obj['kind'];
    if (apiVersion === undefined && kind === undefined) {
      obj['apiVersion'] = this.apiVersion;
      obj['kind'] = this.info.kind;
      return;
    }
    if (kind !== this.info.kind) {
      throw badRequest(`the kind in the request body ("${String(kind ?? '')}") does not match the resource ${this.qualified} (expected "${this.info.kind}")`);
    }
    if (apiVersion !== this.apiVersion) {
      throw badRequest(`the API version in the data (${String(apiVersion ?? '')}) does not match the expected API version (${this.apiVersion})`);
    }
  }

  /** Schema check and pruning of unknown fields; returns the pruned object. */
  private decodeBody(body: KObject, opts: WriteOptions): KObject {
    this.checkKind(body);
    const { object, warnings } = checkObjectFields(this.info.definition, body, opts.fieldValidation ?? 'Warn', {
      group: this.info.group,
      version: this.info.version,
      kind: this.info.kind,
    });
    opts.warnings.push(...warnings);
    return object;
  }

  private checkNamespace(obj: KObject, namespace: string): void {
    const meta = metaOf(obj);
    if (!this.info.namespaced) {
      if (meta.namespace) delete meta.namespace;
      return;
    }
    if (meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = namespace;
  }

  private validate(obj: KObject, old?: KObject): void {
    const causes = validateObject(this.info, obj, old);
    if (causes.length) throw invalid(this.info.group, this.info.kind, metaOf(obj).name ?? '', causes);
  }

  private attrs(op: AdmissionOperation, namespace: string, name: string, subresource: string, opts: WriteOptions, object?: KObject, oldObject?: KObject): AdmissionAttributes {
    opts.auditAnnotations ??= {};
    return { operation: op, resource: this.info, subresource, namespace, name, object, oldObject, user: opts.user, dryRun: !!opts.dryRun, warnings: opts.warnings, auditAnnotations: opts.auditAnnotations };
  }

  async create(namespace: string, body: KObject, opts: WriteOptions): Promise<KObject> {
    const obj = this.decodeBody(body, opts);
    this.checkNamespace(obj, namespace);
    const meta = metaOf(obj);
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomNameSuffix()}`;
    if (!meta.name) {
      throw invalid(this.info.group, this.info.kind, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.strategy.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    this.strategy.prepareForCreate(obj, opts.user);
    applyDefaults(this.info, obj);
    const a = this.attrs('CREATE', namespace, meta.name, '', opts, obj);
    await this.admission.admit(a);
    this.validate(obj);
    await this.admission.validate(a);
    // a patch from a webhook or plugin replaces metadata: read it again, as updates do
    const final = metaOf(obj);
    const name = final.name ?? meta.name;
    // a dry run, or an allocation that would have to be undone, checks for a duplicate first
    if ((opts.dryRun || this.ipAllocator) && (await this.store.get(this.key(namespace, name)))) throw alreadyExists(this.info.group, this.info.resource, name);
    const release = await this.ipAllocator?.allocate(obj, !!opts.dryRun);
    if (opts.dryRun) return obj;
    const key = this.key(namespace, name);
    const pending = { bytes: this.encode(obj), object: obj };
    this.creating.set(key, pending);
    try {
      const kv = await this.store.create(key, pending.bytes);
      // the watch event may have frozen the object, already with this resourceVersion
      const rv = String(kv.modRevision);
      if (final.resourceVersion !== rv) final.resourceVersion = rv;
      return obj;
    } catch (err) {
      await release?.();
      return this.storeError(err, name);
    } finally {
      if (this.creating.get(key) === pending) this.creating.delete(key);
    }
  }

  /**
   * Replaces an object (PUT). `body.metadata.resourceVersion`, when set, is a precondition; unset
   * means "whatever is current". Returns the stored object and whether it was created.
   */
  async update(namespace: string, name: string, body: KObject, subresource: string, opts: WriteOptions): Promise<{ object: KObject; created: boolean }> {
    const obj = this.decodeBody(body, opts);
    return this.updateDecoded(namespace, name, obj, subresource, opts);
  }

  private async updateDecoded(namespace: string, name: string, obj: KObject, subresource: string, opts: WriteOptions): Promise<{ object: KObject; created: boolean }> {
    this.checkNamespace(obj, namespace);
    const meta = metaOf(obj);
    if (meta.name && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    meta.name = name;
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) {
      if (this.strategy.allowCreateOnUpdate && !subresource) {
        delete meta.resourceVersion;
        return { object: await this.create(namespace, obj, opts), created: true };
      }
      throw notFound(this.info.group, this.info.resource, name);
    }
    const old = this.decode(kv);
    const expected = meta.resourceVersion ? Number(meta.resourceVersion) : kv.modRevision;
    if (!Number.isInteger(expected)) throw badRequest(`invalid resourceVersion "${meta.resourceVersion}"`);
    if (expected !== kv.modRevision) {
      throw conflict(this.info.group, this.info.resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const oldMeta = metaOf(old);
    // immutable system fields come from the stored object
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    if (oldMeta.deletionTimestamp) {
      meta.deletionTimestamp = oldMeta.deletionTimestamp;
      meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
    else delete meta.generation;
    this.strategy.prepareForUpdate(obj, old, subresource);
    applyDefaults(this.info, obj);
    this.ipAllocator?.keepAllocated(obj, old);
    if (this.strategy.tracksGeneration && specChanged(obj, old)) metaOf(obj).generation = (oldMeta.generation ?? 0) + 1;
    const a = this.attrs('UPDATE', namespace, name, subresource, opts, obj, old);
    await this.admission.admit(a);
    this.validate(obj, old);
    await this.admission.validate(a);

    const finalMeta = metaOf(obj);
    if (finalMeta.deletionTimestamp && this.strategy.readyToDelete(obj)) {
      // the last finalizer is gone: the object's deletion completes now
      if (opts.dryRun) return { object: obj, created: false };
      try {
        const deleted = await this.store.delete(this.key(namespace, name), kv.modRevision);
        finalMeta.resourceVersion = String(deleted.modRevision);
      } catch (err) {
        this.storeError(err, name);
      }
      await this.ipAllocator?.release(obj);
      return { object: obj, created: false };
    }
    finalMeta.resourceVersion = String(kv.modRevision);
    // an unchanged object is not written again, unless its stored form is stale (re-encryption)
    if ((jsonEqual(obj, old) && !kv.stale) || opts.dryRun) return { object: obj, created: false };
    const addresses = await this.ipAllocator?.update(obj, old, false);
    try {
      const next = await this.store.update(this.key(namespace, name), this.encode(obj), kv.modRevision);
      finalMeta.resourceVersion = String(next.modRevision);
      await addresses?.commit();
      return { object: obj, created: false };
    } catch (err) {
      await addresses?.rollback();
      this.storeError(err, name);
    }
  }

  async patch(namespace: string, name: string, patchType: PatchType, patch: unknown, subresource: string, opts: WriteOptions): Promise<KObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(namespace, name);
      const currentRV = metaOf(current).resourceVersion;
      let patched: unknown;
      try {
        patched = applyPatch(current, patchType, patch, this.info.definition);
      } catch (err) {
        if (err instanceof StatusError) throw err;
        throw new StatusError(422, 'Invalid', `the patch could not be applied: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!isPlainObject(patched)) throw badRequest('the patch turned the object into something other than an object');
      const pMeta = metaOf(patched);
      const patchSetsRV = isPlainObject(patch) && isPlainObject(patch['metadata']) && patch['metadata']['resourceVersion'] !== undefined;
      if (!patchSetsRV) pMeta.resourceVersion = currentRV;
      try {
        const obj = this.decodeBody(patched, opts);
        return (await this.updateDecoded(namespace, name, obj, subresource, opts)).object;
      } catch (err) {
        // a patch without its own precondition retries on a concurrent write, as kube-apiserver does
        if (!patchSetsRV && err instanceof StatusError && err.code === 409 && err.reason === 'Conflict' && attempt < 5) continue;
        throw err;
      }
    }
  }

  async delete(namespace: string, name: string, opts: DeleteOptions): Promise<{ object: KObject; deleted: boolean }> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw notFound(this.info.group, this.info.resource, name);
    const obj = this.decode(kv);
    const meta = metaOf(obj);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(this.info.group, this.info.resource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(this.info.group, this.info.resource, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`);
    }
    const a = this.attrs('DELETE', namespace, name, '', opts, undefined, obj);
    await this.admission.admit(a);
    await this.admission.validate(a);

    const finalizers = [...(meta.finalizers ?? [])];
    if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    const isNamespace = this.info.group === '' && this.info.resource === 'namespaces';
    const nsFinalizers = isNamespace && isPlainObject(obj['spec']) ? ((obj['spec']['finalizers'] as string[] | undefined) ?? []) : [];

    if (finalizers.length || nsFinalizers.length) {
      // graceful: mark for deletion; finalizers (and the namespace controller) finish the job
      if (meta.deletionTimestamp && jsonEqual(finalizers, meta.finalizers ?? [])) return { object: obj, deleted: false };
      const next = deepClone(obj);
      const nm = metaOf(next);
      nm.deletionTimestamp = nm.deletionTimestamp ?? nowTimestamp();
      nm.deletionGracePeriodSeconds = 0;
      if (finalizers.length) nm.finalizers = finalizers;
      if (isNamespace) next['status'] = { ...(isPlainObject(next['status']) ? next['status'] : {}), phase: 'Terminating' };
      if (opts.dryRun) return { object: next, deleted: false };
      try {
        const written = await this.store.update(kv.key, this.encode(next), kv.modRevision);
        nm.resourceVersion = String(written.modRevision);
      } catch (err) {
        this.storeError(err, name);
      }
      return { object: next, deleted: false };
    }
    if (opts.dryRun) return { object: obj, deleted: true };
    try {
      const deleted = await this.store.delete(kv.key, kv.modRevision);
      meta.resourceVersion = String(deleted.modRevision);
    } catch (err) {
      this.storeError(err, name);
    }
    await this.ipAllocator?.release(obj);
    return { object: obj, deleted: true };
  }

  async deleteCollection(namespace: string, listOpts: ListOptions, opts: DeleteOptions): Promise<KObject[]> {
    const { items } = await this.list(namespace, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector });
    const out: KObject[] = [];
    for (const item of items) {
      const m = metaOf(item);
      try {
        const r = await this.delete(m.namespace ?? namespace, m.name ?? '', opts);
        out.push(r.object);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) continue;
        throw err;
      }
    }
    return out;
  }
}

function applyPatch(current: KObject, patchType: PatchType, patch: unknown, definition: string): unknown {
  switch (patchType) {
    case 'json': {
      if (!Array.isArray(patch)) throw badRequest('a JSON patch must be a JSON array of operations');
      const validation = jsonPatch.validate(patch as jsonPatch.Operation[], current);
      if (validation) throw new StatusError(422, 'Invalid', `the JSON patch is invalid: ${validation.message.split('\n')[0]}`);
      return jsonPatch.applyPatch(deepClone(current), patch as jsonPatch.Operation[], false, true).newDocument;
    }
    case 'merge':
      if (!isPlainObject(patch)) throw badRequest('a merge patch must be a JSON object');
      return mergePatch(current, patch);
    case 'strategic':
      if (!isPlainObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
      return strategicMergePatch(current, patch, definition);
    default:
      throw unsupportedMediaType(`unsupported patch type ${String(patchType)}`);
  }
}
