// Bootstrap tokens (`<id>.<secret>`): short-lived join credentials stored as Secrets
// kube-system/bootstrap-token-<id>; they authenticate a new node as system:bootstrap:<id>.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestContext, UserInfo } from '../endpoints/context.js';
import { unauthorized } from '../api/status.js';
import type { Authenticator } from './types.js';
import type { ObjectLookup } from './lookup.js';
import { metadataString } from './lookup.js';
import { bearerToken } from './bearer.js';

export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAP_DEFAULT_GROUP = 'system:bootstrappers';

/** id.secret, as kubeadm generates and parses them. */
export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
/** What each auth-extra-groups entry must look like, so a token cannot claim system:masters. */
export const BOOTSTRAP_GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** data[key] of a Secret, base64-decoded; '' when absent. */
export function bootstrapSecretData(secret: Record<string, unknown>, key: string): string {
  const value = asRecord(secret['data'])?.[key];
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch of an RFC 3339 timestamp (Go's time.RFC3339 layout), or NaN. */
export function parseRfc3339(text: string): number {
  const m = RFC3339.exec(text);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return NaN;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  if (m[7]) ms += Math.floor(Number(`0${m[7]}`) * 1000);
  if (m[8] !== 'Z') {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 23 || offMinutes > 59) return NaN;
    const offset = (offHours * 60 + offMinutes) * 60_000;
    ms += m[9] === '+' ? -offset : offset;
  }
  return ms;
}

/**
 * True when the bootstrap-token Secret's `expiration` has passed, or cannot be parsed (an
 * unreadable expiry must not mean "forever"). A Secret without `expiration` never expires; a
 * Secret of another type is never "expired", so the cleaner cannot delete it by mistake.
 */
export function isExpiredBootstrapSecret(secret: Record<string, unknown>, now: Date = new Date()): boolean {
  if (secret['type'] !== BOOTSTRAP_TOKEN_SECRET_TYPE) return false;
  const expiration = bootstrapSecretData(secret, 'expiration');
  if (expiration === '') return false;
  const at = parseRfc3339(expiration);
  return Number.isNaN(at) || at <= now.getTime();
}

/** system:bootstrappers plus the Secret's auth-extra-groups; throws when an extra group is not a bootstrappers group. */
export function bootstrapGroups(secret: Record<string, unknown>): string[] {
  const groups = [BOOTSTRAP_DEFAULT_GROUP];
  const extra = bootstrapSecretData(secret, 'auth-extra-groups');
  if (extra === '') return groups;
  for (const g of extra.split(',')) {
    if (!BOOTSTRAP_GROUP_PATTERN.test(g)) {
      throw new Error(`auth-extra-groups entry ${JSON.stringify(g)} must match ${BOOTSTRAP_GROUP_PATTERN.source}`);
    }
    if (!groups.includes(g)) groups.push(g);
  }
  return groups;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export interface BootstrapTokenAuthenticatorOptions {
  /** Receives why a token was refused (never the secret part). */
  logger?: (message: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

class Refused extends Error {}

export class BootstrapTokenAuthenticator implements Authenticator {
  readonly name = 'bootstrap-token';
  private readonly log: (message: string) => void;
  private readonly now: () => Date;

  constructor(
    private readonly lookup: ObjectLookup,
    opts: BootstrapTokenAuthenticatorOptions = {},
  ) {
    this.log = opts.logger ?? (() => {});
    this.now = opts.now ?? (() => new Date());
  }

  async authenticate(ctx: RequestContext): Promise<UserInfo | undefined> {
    const token = bearerToken(ctx);
    if (token === undefined) return undefined;
    return this.authenticateToken(token);
  }

  /**
   * Undefined when the token does not look like a bootstrap token or no Secret exists for its id
   * (another authenticator may know it, as upstream); a 401 when the Secret exists but refuses it.
   */
  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    const m = BOOTSTRAP_TOKEN_PATTERN.exec(token);
    if (!m) return undefined;
    const id = m[1]!;
    const presented = m[2]!;
    const name = `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}`;
    try {
      let secret: Record<string, unknown> | undefined;
      try {
        secret = await this.lookup.get('', 'secrets', BOOTSTRAP_TOKEN_NAMESPACE, name);
      } catch (err) {
        throw new Refused(`could not be read: ${(err as Error).message}`);
      }
      if (!secret) {
        this.log(`bootstrap token ${id}: no Secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${name}`);
        return undefined;
      }
      if (metadataString(secret, 'deletionTimestamp') !== undefined) throw new Refused('is being deleted');
      if (secret['type'] !== BOOTSTRAP_TOKEN_SECRET_TYPE) throw new Refused(`has type ${JSON.stringify(secret['type'])}, expected ${BOOTSTRAP_TOKEN_SECRET_TYPE}`);
      // digests have equal length whatever the stored value is, so the comparison time says nothing about it
      if (!timingSafeEqual(digest(bootstrapSecretData(secret, 'token-secret')), digest(presented))) throw new Refused('has a different token-secret');
      if (bootstrapSecretData(secret, 'token-id') !== id) throw new Refused('has a different token-id');
      if (isExpiredBootstrapSecret(secret, this.now())) throw new Refused('has expired (or its expiration cannot be parsed)');
      if (bootstrapSecretData(secret, 'usage-bootstrap-authentication') !== 'true') throw new Refused('is not usable for authentication (usage-bootstrap-authentication is not "true")');
      let groups: string[];
      try {
        groups = bootstrapGroups(secret);
      } catch (err) {
        throw new Refused((err as Error).message);
      }
      return { username: `${BOOTSTRAP_USER_PREFIX}${id}`, groups: [...groups, 'system:authenticated'] };
    } catch (err) {
      if (err instanceof Refused) {
        this.log(`bootstrap token ${id} refused: Secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${name} ${err.message}`);
        throw unauthorized();
      }
      throw err;
    }
  }
}
