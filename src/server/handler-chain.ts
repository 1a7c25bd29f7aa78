// The one request path. Every API request passes these stages in this order; no handler does its
// own authentication, authorization or admission (admission runs inside the registry's writes).
//
//   recovery → request info → metrics → audit → authentication → (audit: RequestReceived) → impersonation
//   → max-in-flight → authorization → router
//
// Audit wraps authentication so that refused credentials are audited too, but decides the level
// and records RequestReceived only once the caller is known, before impersonation (as kube-apiserver).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { randomUUID } from 'node:crypto';
import { compose, type Filter, type Handler, type RequestContext } from '../endpoints/context.js';
import { parseRequestInfo } from '../endpoints/request-info.js';
import { recoveryFilter } from '../endpoints/filters/recovery.js';
import { metricsFilter } from '../endpoints/filters/metrics.js';
import { authenticationFilter } from '../endpoints/filters/authentication.js';
import { authorizationFilter } from '../endpoints/filters/authorization.js';
import { impersonationFilter } from '../endpoints/filters/impersonation.js';
import { maxInFlightFilter, type InFlightLimits } from '../endpoints/filters/max-in-flight.js';
import { auditFilters, type AuditFilterOptions } from '../endpoints/filters/audit.js';
import type { Authenticator } from '../authn/types.js';
import type { AuthFailureLimiter } from '../authn/failure-limiter.js';
import type { Authorizer } from '../authz/types.js';
import type { ServerMetrics } from './metrics.js';

export interface ChainParts {
  authenticators: Authenticator[];
  anonymousAuth: boolean;
  limiter?: AuthFailureLimiter;
  authorizer: Authorizer;
  limits: InFlightLimits;
  metrics: ServerMetrics;
  router: Handler;
  log: (msg: string, err: unknown) => void;
  /** Absent when auditing is off (no backend). */
  audit?: AuditFilterOptions;
}

export function buildHandlerChain(parts: ChainParts): (req: IncomingMessage, res: ServerResponse) => void {
  const audit = parts.audit ? auditFilters(parts.audit) : undefined;
  const filters: Filter[] = [
    recoveryFilter(parts.log),
    metricsFilter(parts.metrics),
    ...(audit ? [audit.outer] : []),
    authenticationFilter({ authenticators: parts.authenticators, anonymousAuth: parts.anonymousAuth, limiter: parts.limiter }),
    ...(audit ? [audit.afterAuthentication] : []),
    impersonationFilter(parts.authorizer),
    maxInFlightFilter(parts.limits, parts.metrics),
    authorizationFilter(parts.authorizer),
  ];
  const handler = compose(filters, parts.router);
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'https://bulwark.invalid');
    const ctx: RequestContext = {
      req,
      res,
      url,
      info: parseRequestInfo(req.method ?? 'GET', req.url ?? '/'),
      auditID: randomUUID(),
      startedAt: process.hrtime.bigint(),
      warnings: [],
      auditAnnotations: {},
      longRunning: false,
      socket: req.socket as TLSSocket,
    };
    res.setHeader('Audit-Id', ctx.auditID);
    handler(ctx).catch((err: unknown) => {
      parts.log('unhandled error in the handler chain', err);
      if (!res.headersSent) {
        res.writeHead(500);
        res.end();
      } else res.destroy();
    });
  };
}
