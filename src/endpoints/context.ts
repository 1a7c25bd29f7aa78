// The state one request carries through the handler chain: who is calling, what they ask for,
// and what the later stages (audit, admission warnings) accumulate.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestInfo } from './request-info.js';
import type { AuditLevel } from '../audit/types.js';
import type { StatusBody } from '../api/status.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  info: RequestInfo;
  auditID: string;
  startedAt: bigint;
  user?: UserInfo;
  /** When the caller impersonates someone: the authenticated caller (user is then the impersonated one). */
  impersonator?: UserInfo;
  /** Warnings to return as `Warning: 299 - "…"` headers. */
  warnings: string[];
  /** Annotations for the request's audit event (authorization decision, admission plugins). */
  auditAnnotations: Record<string, string>;
  /** Long-running requests (watch) are exempt from in-flight limits and latency metrics. */
  longRunning: boolean;
  /** HTTP status actually written, for metrics/audit. */
  statusCode?: number;
  socket: TLSSocket;
  /** Set by the audit filter when auditing is on; handlers report bodies and statuses to it. */
  audit?: RequestAudit;
}

/**
 * What the request path tells the audit stage beyond the request line. Each call is cheap when the
 * policy's level does not need what it is given, so handlers call these unconditionally.
 */
export interface RequestAudit {
  /** The policy's level for this request; None until the user is known (and for unaudited requests). */
  readonly level: AuditLevel;
  /**
   * The decoded body of a resource write (or, with `patch`, the patch as sent). An object fills
   * objectRef's empty name, namespace, uid and resourceVersion; it is recorded at level Request and above.
   */
  requestObject(body: unknown, patch?: boolean): void;
  /** The object written as the response: fills objectRef's uid and resourceVersion; recorded at RequestResponse. */
  responseObject(body: unknown): void;
  /** The Status of a failed response (code, reason, message). */
  responseStatus(status: StatusBody): void;
  /** The headers of a long-running response (watch) have been sent: the ResponseStarted stage. */
  responseStarted(): void;
}

export type Handler = (ctx: RequestContext) => Promise<void>;
export type Filter = (ctx: RequestContext, next: Handler) => Promise<void>;

/** Builds the chain so that filters[0] runs first and `last` runs at the end. */
export function compose(filters: Filter[], last: Handler): Handler {
  return filters.reduceRight<Handler>((next, filter) => (ctx) => filter(ctx, next), last);
}
