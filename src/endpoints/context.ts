// The state one request carries through the handler chain: who is calling, what they ask for,
// and what the later stages (audit, admission warnings) accumulate.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestInfo } from './request-info.js';

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
}

export type Handler = (ctx: RequestContext) => Promise<void>;
export type Filter = (ctx: RequestContext, next: Handler) => Promise<void>;

/** Builds the chain so that filters[0] runs first and `last` runs at the end. */
export function compose(filters: Filter[], last: Handler): Handler {
  return filters.reduceRight<Handler>((next, filter) => (ctx) => filter(ctx, next), last);
}
