// The admin endpoints behind `bulwark secrets-encrypt rotate`: POST /encryption/reload re-reads the
// encryption configuration now, POST /encryption/rewrite re-encrypts one page of a resource's stale values.
import { storedKinds, type StoredKind } from '../api/catalogue.js';
import { badRequest } from '../api/status.js';
import { splitResource } from '../encryption/index.js';
import type { RewriteStaleOptions, RewriteStaleResult } from '../storage/transforming-store.js';

export const DEFAULT_REWRITE_LIMIT = 500;
export const MAX_REWRITE_LIMIT = 10_000;

/** What the reload endpoint needs of the storage encryption. */
export interface ReloadableEncryption {
  /** Loads the file again; false (and the previous configuration kept) when it is invalid. */
  reload(): Promise<boolean>;
  /** Throws, naming the problem, while the file on disk could not be loaded. */
  check(): Promise<void>;
}

/** POST /encryption/reload: the new status, or 400 naming what is wrong with the file. */
export async function reloadEncryption<S>(encryption: ReloadableEncryption, status: () => Promise<S>): Promise<S> {
  if (!(await encryption.reload())) {
    let why = 'the encryption configuration could not be loaded';
    try {
      await encryption.check();
    } catch (err) {
      why = err instanceof Error ? err.message : String(err);
    }
    throw badRequest(`${why}; the previous configuration stays in force`);
  }
  return status();
}

export interface RewriteResponse {
  /** `secrets`, `deployments.apps`. */
  resource: string;
  scanned: number;
  rewritten: number;
  skipped: number;
  /** Objects after this page, when known. */
  remaining?: number;
  /** Pass back as `continue` for the next page; empty when the resource is done. */
  continue: string;
}

export interface RewriteRequest {
  resource: StoredKind;
  prefix: string;
  limit: number;
  startAfter?: string;
}

function qualified(r: StoredKind): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export function encodeRewriteContinue(lastKey: string): string {
  return Buffer.from(JSON.stringify({ start: lastKey })).toString('base64url');
}

/** Reads `?resource=<resource[.group]>&limit=N&continue=<token>`; 400 for anything malformed. */
export function parseRewriteRequest(query: URLSearchParams): RewriteRequest {
  const name = query.get('resource');
  if (!name) throw badRequest('the resource parameter is required, e.g. /encryption/rewrite?resource=secrets');
  const { resource, group } = splitResource(name);
  const info = storedKinds.find((r) => r.resource === resource && r.group === group);
  if (!info) throw badRequest(`resource "${name}" is not served by this server (give the plural and the group: "secrets", "deployments.apps")`);
  const prefix = info.prefix;

  let limit = DEFAULT_REWRITE_LIMIT;
  const rawLimit = query.get('limit');
  if (rawLimit !== null) {
    limit = Number(rawLimit);
    if (!/^\d+$/.test(rawLimit) || limit < 1 || limit > MAX_REWRITE_LIMIT) {
      throw badRequest(`limit must be a whole number from 1 to ${MAX_REWRITE_LIMIT}, got "${rawLimit}"`);
    }
  }

  let startAfter: string | undefined;
  const token = query.get('continue');
  if (token) {
    let start: unknown;
    try {
      start = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { start?: unknown }).start;
    } catch {
      start = undefined;
    }
    if (typeof start !== 'string' || !start.startsWith(prefix)) {
      throw badRequest(`invalid continue token for resource "${name}": start again without continue (rewriting is idempotent)`);
    }
    startAfter = start;
  }
  return { resource: info, prefix, limit, startAfter };
}

/** The store's side of a rewrite: TransformingStore.rewriteStale. */
export interface StaleRewriter {
  rewriteStale(prefix: string, opts: RewriteStaleOptions): Promise<RewriteStaleResult>;
}

/** POST /encryption/rewrite: one page of the resource, its stale values written again with the current writer. */
export async function rewriteStaleObjects(store: StaleRewriter, query: URLSearchParams): Promise<RewriteResponse> {
  const req = parseRewriteRequest(query);
  const r = await store.rewriteStale(req.prefix, { limit: req.limit, startAfter: req.startAfter });
  return {
    resource: qualified(req.resource),
    scanned: r.scanned,
    rewritten: r.rewritten,
    skipped: r.skipped,
    ...(r.remaining !== undefined ? { remaining: r.remaining } : {}),
    continue: r.more && r.lastKey !== undefined ? encodeRewriteContinue(r.lastKey) : '',
  };
}
