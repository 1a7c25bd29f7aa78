// Helpers for building and writing audit events: microsecond timestamps, kube's one-line
// "legacy" log format, and removing managedFields from recorded objects.
import { performance } from 'node:perf_hooks';
import type { AuditEvent, AuditUserInfo } from './types.js';
import { goQuote } from '../api/go-quote.js';

export { goQuote };

/**
 * Now, in microseconds since the epoch: the wall clock's milliseconds (so a clock correction or a
 * resumed VM is followed at once) with the sub-millisecond digits of the monotonic clock.
 */
export function auditNowMicros(): number {
  return Date.now() * 1000 + (Math.floor(performance.now() * 1000) % 1000);
}

// Every request formats two or three timestamps: the date and time to the second changes once a
// second, so it is formatted once a second (toISOString is the costly part).
let cachedSecond = -1;
let cachedPrefix = '';

/** RFC 3339 UTC with microseconds, the precision of kube's MicroTime: `2026-11-22T10:00:00.123456Z`. */
export function formatAuditMicros(us: number): string {
  const second = Math.floor(us / 1e6);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const fraction = String(us - second * 1e6);
  return `${cachedPrefix}.${'000000'.slice(fraction.length)}${fraction}Z`;
}

// Go's RFC3339Nano drops trailing zeros of the fraction (and the dot when nothing is left).
function rfc3339Nano(ts: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return ts;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return `${m[1]}${frac ? `.${frac}` : ''}${m[3]}`;
}

function quotedList(list: readonly string[]): string {
  return list.map(goQuote).join(',');
}

function userFields(user: AuditUserInfo | undefined, impersonated: AuditUserInfo | undefined): string[] {
  let username = '<none>';
  let groups = '<none>';
  if (user && user.username) {
    username = user.username;
    if (user.groups && user.groups.length > 0) groups = quotedList(user.groups);
  }
  let as = '<self>';
  let asgroups = '<lookup>';
  if (impersonated) {
    as = impersonated.username;
    if (impersonated.groups) asgroups = quotedList(impersonated.groups);
  }
  return [username, groups, as, asgroups];
}

/**
 * kube-apiserver's `--audit-log-format legacy` line (without the newline): the request time,
 * then `AUDIT:` and the request's id, stage, first source IP, verb, user and groups,
 * impersonated user and groups, user agent, namespace, URI and response code (`<deferred>`
 * before the response is known).
 */
export function legacyFormat(event: AuditEvent): string {
  const [username, groups, as, asgroups] = userFields(event.user, event.impersonatedUser);
  const namespace = event.objectRef?.namespace ? event.objectRef.namespace : '<none>';
  const response = event.responseStatus ? String(event.responseStatus.code ?? 0) : '<deferred>';
  const ip = event.sourceIPs && event.sourceIPs.length > 0 ? event.sourceIPs[0]! : '<unknown>';
  return (
    `${rfc3339Nano(event.requestReceivedTimestamp)} AUDIT: id=${goQuote(event.auditID)} stage=${goQuote(event.stage)} ` +
    `ip=${goQuote(ip)} method=${goQuote(event.verb)} user=${goQuote(username!)} groups=${goQuote(groups!)} ` +
    `as=${goQuote(as!)} asgroups=${goQuote(asgroups!)} user-agent=${goQuote(event.userAgent ?? '')} ` +
    `namespace=${goQuote(namespace)} uri=${goQuote(event.requestURI)} response="${response}"`
  );
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withoutManagedFields(obj: Obj): Obj {
  const meta = obj['metadata'];
  if (!isObject(meta) || !('managedFields' in meta)) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...obj, metadata: rest };
}

/**
 * The object (or each item of a list) without `metadata.managedFields`, for rules with
 * omitManagedFields. The argument is never modified: only the objects on the changed path are
 * copied, and an object without managedFields is returned as it is.
 */
export function omitManagedFieldsOf<T>(obj: T): T {
  if (!isObject(obj)) return obj;
  let out = withoutManagedFields(obj);
  const items = obj['items'];
  if (Array.isArray(items)) {
    let changed = false;
    const copy = items.map((item: unknown) => {
      if (!isObject(item)) return item;
      const stripped = withoutManagedFields(item);
      if (stripped !== item) changed = true;
      return stripped;
    });
    if (changed) out = { ...out, items: copy };
  }
  return out as T;
}
