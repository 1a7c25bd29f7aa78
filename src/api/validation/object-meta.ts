// Validation of metadata common to every object: name and generateName per the resource's name
// rule, namespace, labels, annotations, finalizers, ownerReferences, and what may not change on
// update. managedFields are left alone.

import type { ResourceInfo } from '../catalogue.js';
import { type Obj, obj, objEntries, optStr, str, strArr, strMap, num } from './access.js';
import { type Causes, FieldPath, FIELD_IMMUTABLE, IS_NEGATIVE, forbidden, goStringSlice, invalid, required, GoValue, goQuote } from './field.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, nameRuleFor, validateName } from './names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** Labels are validated per key and value but reported at the map's path, as upstream does. */
export function validateLabels(labels: unknown, p: FieldPath): Causes {
  const m = strMap(labels);
  if (!m) return [];
  const causes: Causes = [];
  for (const k of Object.keys(m).sort()) {
    for (const msg of isQualifiedName(k)) causes.push(invalid(p, k, msg));
    for (const msg of isValidLabelValue(m[k] ?? '')) causes.push(invalid(p, m[k], msg));
  }
  return causes;
}

export function validateAnnotations(annotations: unknown, p: FieldPath): Causes {
  const m = strMap(annotations);
  if (!m) return [];
  const causes: Causes = [];
  let total = 0;
  for (const k of Object.keys(m).sort()) {
    // Annotation keys follow the qualified-name rule case-insensitively.
    for (const msg of isQualifiedName(k.toLowerCase())) causes.push(invalid(p, k, msg));
    total += Buffer.byteLength(k) + Buffer.byteLength(m[k] ?? '');
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    causes.push({ reason: 'FieldValueTooLong', field: p.toString(), message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
  }
  return causes;
}

/** A finalizer or namespace spec finalizer: qualified, and unprefixed only for the built-in ones. */
export function validateFinalizerName(name: string, p: FieldPath): Causes {
  const causes: Causes = isQualifiedName(name).map((msg) => invalid(p, name, msg));
  if (!name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    causes.push(invalid(p, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return causes;
}

function validateFinalizers(finalizers: unknown, p: FieldPath): Causes {
  const list = strArr(finalizers);
  const causes: Causes = [];
  list.forEach((f) => causes.push(...isQualifiedName(f).map((msg) => invalid(p, f, msg))));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    causes.push(invalid(p, goStringSlice(list), 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  list.forEach((f, i) => {
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      causes.push(invalid(p.index(i), f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return causes;
}

function goOwnerReference(ref: Obj): string {
  const ptr = (v: unknown) => (typeof v === 'boolean' ? `(*bool)(${v})` : '(*bool)(nil)');
  return `v1.OwnerReference{APIVersion:${goQuote(str(ref.apiVersion))}, Kind:${goQuote(str(ref.kind))}, Name:${goQuote(str(ref.name))}, UID:${goQuote(str(ref.uid))}, Controller:${ptr(ref.controller)}, BlockOwnerDeletion:${ptr(ref.blockOwnerDeletion)}}`;
}

function validateOwnerReferences(refs: unknown, p: FieldPath): Causes {
  const causes: Causes = [];
  let firstController = '';
  for (const [, ref] of objEntries(refs)) {
    const apiVersion = str(ref.apiVersion);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    if (version === '') causes.push(invalid(p.child('apiVersion'), apiVersion, 'version must not be empty'));
    if (str(ref.kind) === '') causes.push(invalid(p.child('kind'), str(ref.kind), 'must not be empty'));
    if (str(ref.name) === '') causes.push(invalid(p.child('name'), str(ref.name), 'must not be empty'));
    if (str(ref.uid) === '') causes.push(invalid(p.child('uid'), str(ref.uid), 'must not be empty'));
    // An Event may not own anything: events are garbage themselves and expire.
    if (group === '' && version === 'v1' && ref.kind === 'Event') {
      causes.push(invalid(p, new GoValue(goOwnerReference(ref)), '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const current = `${str(ref.kind)}/${str(ref.name)}`;
      if (firstController) {
        const all = objEntries(refs).map(([, r]) => goOwnerReference(r));
        causes.push(
          invalid(
            p,
            new GoValue(`[]v1.OwnerReference{${all.join(', ')}}`),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return causes;
}

/** Checks shared by create and update: everything but the name rules and immutability. */
function validateMetaCommon(r: ResourceInfo, meta: Obj, p: FieldPath): Causes {
  const causes: Causes = [];
  const namespace = str(meta.namespace);
  if (r.namespaced) {
    if (namespace === '') causes.push(required(p.child('namespace')));
    else for (const msg of isDNS1123Label(namespace)) causes.push(invalid(p.child('namespace'), namespace, msg));
  } else if (namespace !== '') {
    causes.push(forbidden(p.child('namespace'), 'not allowed on this type'));
  }
  const generation = num(meta.generation);
  if (generation !== undefined && generation < 0) causes.push(invalid(p.child('generation'), generation, IS_NEGATIVE));
  causes.push(...validateLabels(meta.labels, p.child('labels')));
  causes.push(...validateAnnotations(meta.annotations, p.child('annotations')));
  causes.push(...validateOwnerReferences(meta.ownerReferences, p.child('ownerReferences')));
  causes.push(...validateFinalizers(meta.finalizers, p.child('finalizers')));
  return causes;
}

/** Metadata of an object being created (the registry has already turned generateName into a name). */
export function validateObjectMetaCreate(r: ResourceInfo, object: Obj): Causes {
  const p = FieldPath.root('metadata');
  const meta = obj(object.metadata) ?? {};
  const rule = nameRuleFor(r);
  const causes: Causes = [];
  const generateName = str(meta.generateName);
  if (generateName !== '') {
    for (const msg of validateName(rule, generateName, true)) causes.push(invalid(p.child('generateName'), generateName, msg));
  }
  const name = str(meta.name);
  if (name === '') causes.push(required(p.child('name'), 'name or generateName is required'));
  else for (const msg of validateName(rule, name)) causes.push(invalid(p.child('name'), name, msg));
  causes.push(...validateMetaCommon(r, meta, p));
  return causes;
}

function immutable(p: FieldPath, next: unknown, prev: unknown): Causes {
  return next === prev ? [] : [invalid(p, next ?? '', FIELD_IMMUTABLE)];
}

/**
 * Metadata of an update. uid, creationTimestamp and deletion fields are compared only when the
 * client sent them: kube-apiserver copies them from the stored object when they are absent.
 */
export function validateObjectMetaUpdate(r: ResourceInfo, object: Obj, old: Obj): Causes {
  const p = FieldPath.root('metadata');
  const meta = obj(object.metadata) ?? {};
  const oldMeta = obj(old.metadata) ?? {};
  const causes: Causes = [];
  if (oldMeta.deletionTimestamp) {
    const before = new Set(strArr(oldMeta.finalizers));
    const added = [...new Set(strArr(meta.finalizers).filter((f) => !before.has(f)))].sort();
    if (added.length) {
      causes.push(forbidden(p.child('finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added).text}`));
    }
  }
  causes.push(...immutable(p.child('name'), str(meta.name), str(oldMeta.name)));
  const namespace = optStr(meta.namespace);
  if (namespace !== undefined && namespace !== '') causes.push(...immutable(p.child('namespace'), namespace, str(oldMeta.namespace)));
  for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp']) {
    const v = optStr(meta[f]);
    if (v !== undefined && v !== '') causes.push(...immutable(p.child(f), v, optStr(oldMeta[f]) ?? ''));
  }
  const grace = num(meta.deletionGracePeriodSeconds);
  if (grace !== undefined && grace !== num(oldMeta.deletionGracePeriodSeconds)) {
    causes.push(invalid(p.child('deletionGracePeriodSeconds'), grace, FIELD_IMMUTABLE));
  }
  causes.push(...validateMetaCommon(r, meta, p));
  return causes;
}

/** Both paths in one: create when there is no old object. */
export function validateObjectMeta(r: ResourceInfo, object: Obj, old?: Obj): Causes {
  return old ? validateObjectMetaUpdate(r, object, old) : validateObjectMetaCreate(r, object);
}
