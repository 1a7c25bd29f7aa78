// Writing responses: JSON bodies, Status errors and warning headers, the same way for every handler.
import type { RequestContext } from './context.js';
import { StatusError, internalError } from '../api/status.js';

/** `Warning: 299 - "…"` header values for the context's warnings (quotes and backslashes escaped). */
export function warningHeaders(ctx: RequestContext): string[] {
  return ctx.warnings.map((w) => `299 - "${w.replace(/["\\]/g, (c) => `\\${c}`)}"`);
}

export function writeJSON(ctx: RequestContext, code: number, body: unknown, contentType = 'application/json'): void {
  const { res } = ctx;
  if (res.headersSent) return;
  const data = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | string[] | number> = {
    'Content-Type': contentType,
    'Content-Length': data.length,
    'Cache-Control': 'no-cache, private',
  };
  if (ctx.warnings.length) headers['Warning'] = warningHeaders(ctx);
  ctx.statusCode = code;
  res.writeHead(code, headers);
  res.end(ctx.req.method === 'HEAD' ? undefined : data);
  ctx.audit?.responseObject(body);
}

export function writeText(ctx: RequestContext, code: number, text: string): void {
  if (ctx.res.headersSent) return;
  ctx.statusCode = code;
  ctx.res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache, private' });
  ctx.res.end(text);
}

export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  return internalError(err instanceof Error ? err.message : String(err));
}

export function writeError(ctx: RequestContext, err: unknown): void {
  const status = toStatusError(err);
  if (status.code === 429 && status.details?.retryAfterSeconds) ctx.res.setHeader('Retry-After', String(status.details.retryAfterSeconds));
  const body = status.toStatus();
  ctx.audit?.responseStatus(body);
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  writeJSON(ctx, status.code, body);
}

export function statusSuccess(details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}) };
}
