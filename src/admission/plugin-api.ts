// The public interface for in-process admission plugins (TypeScript/JavaScript modules named in the
// AdmissionConfiguration file) and the adapter that runs one inside the admission chain, fail closed.
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { AdmissionAttributes, AdmissionOperation, AdmissionPlugin } from './types.js';
import type { UserInfo } from '../endpoints/context.js';
import { StatusError, forbidden, internalError } from '../api/status.js';

/** An RFC 6902 JSON Patch operation (applied with fast-json-patch). */
export type JSONPatchOperation = Operation;

export type InProcessOperation = AdmissionOperation | '*';

export interface InProcessAdmissionRequest {
  operation: AdmissionOperation;
  resource: { group: string; version: string; resource: string };
  /** '' for the main resource, e.g. 'status' or 'scale' otherwise. */
  subResource: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** A private copy of the incoming object (undefined for DELETE); change it through `patch`, not in place. */
  object?: Record<string, unknown>;
  /** A private copy of the stored object for UPDATE and DELETE. */
  oldObject?: Record<string, unknown>;
  userInfo: UserInfo;
  dryRun: boolean;
}

export type InProcessAdmissionResult =
  | {
      allowed: true;
      /** JSON Patch (RFC 6902) against `request.object`; only honoured in the mutating phase. */
      patch?: JSONPatchOperation[];
      warnings?: string[];
      /** Added to the request's audit event as `<plugin name>/<key>`. */
      auditAnnotations?: Record<string, string>;
    }
  | {
      allowed: false;
      reason: string;
      /** HTTP status for the denial (400-599); 403 when unset. */
      code?: number;
      warnings?: string[];
    };

export interface InProcessAdmissionPlugin {
  name: string;
  /** Operations the plugin is called for; '*' means all. */
  operations: InProcessOperation[];
  /**
   * Resources the plugin is called for: `pods` (core group), `deployments.apps` (named group),
   * `pods/status` (a subresource), `pods/*` (every subresource of pods), `*` (every resource of
   * every group, main resource only), `*\/*` (everything).
   */
  resources: string[];
  /** Run in the mutating phase (needed to return patches). Default: validating. The config file's `phase` overrides it. */
  mutating?: boolean;
  admit(request: InProcessAdmissionRequest): Promise<InProcessAdmissionResult> | InProcessAdmissionResult;
}

/** What a plugin module may export as `default` or `plugin`: the plugin, or a factory given the entry's configuration. */
export type InProcessAdmissionPluginFactory = (config: unknown) => InProcessAdmissionPlugin | Promise<InProcessAdmissionPlugin>;

const OPERATIONS = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*']);

/** Throws an Error naming the first problem when `p` is not a usable InProcessAdmissionPlugin. */
export function checkInProcessPlugin(p: unknown): asserts p is InProcessAdmissionPlugin {
  if (typeof p !== 'object' || p === null) throw new Error('the plugin is not an object');
  const o = p as Record<string, unknown>;
  if (typeof o['name'] !== 'string' || o['name'] === '') throw new Error('the plugin has no name');
  if (!Array.isArray(o['operations']) || o['operations'].length === 0 || !o['operations'].every((x) => typeof x === 'string' && OPERATIONS.has(x))) {
    throw new Error(`plugin "${o['name']}": operations must be a non-empty list of CREATE, UPDATE, DELETE, CONNECT or *`);
  }
  if (!Array.isArray(o['resources']) || o['resources'].length === 0 || !o['resources'].every((x) => typeof x === 'string' && x !== '')) {
    throw new Error(`plugin "${o['name']}": resources must be a non-empty list of resource names`);
  }
  if (typeof o['admit'] !== 'function') throw new Error(`plugin "${o['name']}": admit must be a function`);
  if (o['mutating'] !== undefined && typeof o['mutating'] !== 'boolean') throw new Error(`plugin "${o['name']}": mutating must be a boolean`);
}

/** Whether one `resources` entry covers a request for group/resource/subresource. */
export function resourceRuleMatches(rule: string, group: string, resource: string, subresource: string): boolean {
  const slash = rule.indexOf('/');
  const main = slash < 0 ? rule : rule.slice(0, slash);
  const sub = slash < 0 ? '' : rule.slice(slash + 1);
  if (sub === '*') {
    // `pods/*` names subresources only, as in webhook rules; `*/*` also covers main resources.
    if (main !== '*' && subresource === '') return false;
  } else if (sub !== subresource) {
    return false;
  }
  if (main === '*') return true;
  const dot = main.indexOf('.');
  const ruleResource = dot < 0 ? main : main.slice(0, dot);
  const ruleGroup = dot < 0 ? '' : main.slice(dot + 1);
  return ruleResource === resource && ruleGroup === group;
}

function handles(p: InProcessAdmissionPlugin, a: AdmissionAttributes): boolean {
  if (!p.operations.includes('*') && !p.operations.includes(a.operation)) return false;
  return p.resources.some((r) => resourceRuleMatches(r, a.resource.group, a.resource.resource, a.subresource));
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

function pluginFailed(name: string, why: string): StatusError {
  return internalError(`admission plugin "${name}" failed: ${why}`);
}

/**
 * `pods "p" is forbidden: <why>`, kube-apiserver's wording for an admission denial. The name falls
 * back to metadata.name, then generateName, then "Unknown", as upstream does before names are generated.
 */
export function admissionForbidden(a: AdmissionAttributes, why: string): StatusError {
  let name = a.name;
  if (!name) {
    const meta = (a.object?.['metadata'] ?? {}) as Record<string, unknown>;
    name = typeof meta['name'] === 'string' && meta['name'] ? meta['name'] : typeof meta['generateName'] === 'string' && meta['generateName'] ? meta['generateName'] : 'Unknown';
  }
  const what = a.resource.group ? `${a.resource.resource}.${a.resource.group}` : a.resource.resource;
  return forbidden(`${what} "${name}" is forbidden: ${why}`, { name, group: a.resource.group || undefined, kind: a.resource.resource });
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Replaces the contents of `target` with those of `source`, keeping `target`'s identity (the chain shares it). */
function replaceInPlace(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, source);
}

/**
 * Wraps an in-process plugin as an AdmissionPlugin for one phase. Patches are applied only in the
 * mutating phase and atomically (all or nothing); a denial is a 403 (or the plugin's code) naming the
 * plugin; a thrown error, a malformed result or a patch that does not apply is a 500 naming the
 * plugin: the request is refused, never admitted by default.
 */
export function adaptInProcessPlugin(p: InProcessAdmissionPlugin, phase: 'mutating' | 'validating'): AdmissionPlugin {
  checkInProcessPlugin(p);
  const run = async (a: AdmissionAttributes): Promise<void> => {
    if (!handles(p, a)) return;
    const request: InProcessAdmissionRequest = {
      operation: a.operation,
      resource: { group: a.resource.group, version: a.resource.version, resource: a.resource.resource },
      subResource: a.subresource,
      namespace: a.namespace,
      name: a.name,
      object: a.object === undefined ? undefined : structuredClone(a.object),
      oldObject: a.oldObject === undefined ? undefined : structuredClone(a.oldObject),
      userInfo: structuredClone(a.user),
      dryRun: a.dryRun,
    };
    let result: InProcessAdmissionResult;
    try {
      result = await p.admit(request);
    } catch (err) {
      if (err instanceof StatusError && err.code >= 400) throw err;
      throw pluginFailed(p.name, err instanceof Error ? err.message : String(err));
    }
    if (typeof result !== 'object' || result === null || typeof result.allowed !== 'boolean') {
      throw pluginFailed(p.name, 'it returned no result with a boolean "allowed"');
    }
    if (result.warnings !== undefined) {
      if (!isStringArray(result.warnings)) throw pluginFailed(p.name, 'warnings must be a list of strings');
      a.warnings.push(...result.warnings);
    }
    if (!result.allowed) {
      const reason = typeof result.reason === 'string' && result.reason ? result.reason : 'no reason given';
      const code = typeof result.code === 'number' && Number.isInteger(result.code) && result.code >= 400 && result.code <= 599 ? result.code : 403;
      throw new StatusError(code, REASONS[code] ?? 'Forbidden', `admission plugin "${p.name}" denied the request: ${reason}`, {
        name: a.name || undefined,
        group: a.resource.group || undefined,
        kind: a.resource.resource,
      });
    }
    if (result.auditAnnotations !== undefined) {
      const ann = result.auditAnnotations;
      if (typeof ann !== 'object' || ann === null || !Object.values(ann).every((v) => typeof v === 'string')) {
        throw pluginFailed(p.name, 'auditAnnotations must map strings to strings');
      }
      for (const [k, v] of Object.entries(ann)) a.auditAnnotations[`${p.name}/${k}`] = v;
    }
    const patch = result.patch;
    if (patch === undefined || (Array.isArray(patch) && patch.length === 0)) return;
    if (phase !== 'mutating') throw pluginFailed(p.name, 'it returned a patch in the validating phase; run it in the mutating phase to change objects');
    if (!Array.isArray(patch)) throw pluginFailed(p.name, 'patch must be a list of JSON Patch operations');
    if (a.object === undefined) throw pluginFailed(p.name, `it returned a patch for a ${a.operation} request, which has no object`);
    let patched: unknown;
    try {
      // Applied to a copy first so that a patch failing half-way leaves the object untouched.
      patched = jsonPatch.applyPatch(structuredClone(a.object), patch, true, true, true).newDocument;
    } catch (err) {
      throw pluginFailed(p.name, `its patch does not apply: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
    if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) throw pluginFailed(p.name, 'its patch does not leave an object');
    replaceInPlace(a.object, patched as Record<string, unknown>);
  };
  return phase === 'mutating' ? { name: p.name, admit: run } : { name: p.name, validate: run };
}
