// Routes an authenticated, authorized request to its handler: discovery, OpenAPI, health, metrics,
// version, encryption administration, or the generic resource handler.
import type { Handler, RequestContext } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { writeJSON } from '../endpoints/responses.js';
import type { Discovery } from '../endpoints/handlers/discovery.js';
import { serveHealth, type HealthCheck } from '../endpoints/handlers/health.js';
import { versionInfo } from '../endpoints/handlers/version.js';
import { openapiV2, openapiV2Hash, openapiV2Protobuf, openapiV3Document, openapiV3Index } from '../endpoints/handlers/openapi.js';
import type { ServerMetrics } from './metrics.js';

export interface RouterParts {
  discovery: Discovery;
  resources: Handler;
  metrics: ServerMetrics;
  livez: HealthCheck[];
  readyz: HealthCheck[];
  serverAddress: string;
  /** Service-account issuer discovery documents by path (/.well-known/openid-configuration, /openid/v1/jwks). */
  oidc: Record<string, () => unknown>;
  /** GET /encryption/status: which provider and key each encrypted resource's objects use. */
  encryptionStatus: () => Promise<unknown>;
  /** POST /encryption/reload: re-reads the encryption configuration file; the new status. */
  encryptionReload: () => Promise<unknown>;
  /** POST /encryption/rewrite?resource=&limit=&continue=: re-encrypts one page of stale values. */
  encryptionRewrite: (query: URLSearchParams) => Promise<unknown>;
}

const notFoundError = () => new StatusError(404, 'NotFound', 'the server could not find the requested resource');

function onlyPost(ctx: RequestContext): void {
  const m = ctx.req.method;
  if (m !== 'POST') throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${m} ${ctx.url.pathname}); use POST`);
}

function onlyGet(ctx: RequestContext): void {
  const m = ctx.req.method;
  if (m !== 'GET' && m !== 'HEAD') throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${m} ${ctx.url.pathname})`);
}

export function buildRouter(parts: RouterParts): Handler {
  return async (ctx) => {
    const info = ctx.info;
    if (info.isResourceRequest) return parts.resources(ctx);
    const path = info.path.replace(/\/+$/, '') || '/';
    const segs = path.split('/').filter(Boolean);
    if (segs[0] === 'api' || segs[0] === 'apis') onlyGet(ctx);
    if (path === '/api') return writeJSON(ctx, 200, parts.discovery.apiVersions(parts.serverAddress));
    if (path === '/apis') return writeJSON(ctx, 200, parts.discovery.apiGroupList());
    if (segs[0] === 'api' && segs.length === 2) {
      const list = parts.discovery.resourceList('', segs[1]!);
      if (!list) throw notFoundError();
      return writeJSON(ctx, 200, list);
    }
    if (segs[0] === 'apis' && segs.length === 2) {
      const group = parts.discovery.apiGroup(segs[1]!);
      if (!group) throw notFoundError();
      return writeJSON(ctx, 200, group);
    }
    if (segs[0] === 'apis' && segs.length === 3) {
      const list = parts.discovery.resourceList(segs[1]!, segs[2]!);
      if (!list) throw notFoundError();
      return writeJSON(ctx, 200, list);
    }
    if (path === '/version') {
      onlyGet(ctx);
      return writeJSON(ctx, 200, versionInfo());
    }
    if (segs[0] === 'livez' || segs[0] === 'healthz') return serveHealth(ctx, segs[0], parts.livez);
    if (segs[0] === 'readyz') return serveHealth(ctx, 'readyz', parts.readyz);
    if (path === '/metrics') {
      onlyGet(ctx);
      const text = await parts.metrics.registry.metrics();
      ctx.statusCode = 200;
      ctx.res.writeHead(200, { 'Content-Type': parts.metrics.registry.contentType });
      ctx.res.end(text);
      return;
    }
    if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
      onlyGet(ctx);
      // kubectl 1.27/1.28 ask for the protobuf form (gnostic's OpenAPI v2 message) for validation and explain
      const accept = String(ctx.req.headers['accept'] ?? '');
      if (accept.includes('protobuf') || path === '/swagger-2.0.0.pb-v1') {
        const body = Buffer.from(openapiV2Protobuf());
        ctx.statusCode = 200;
        ctx.res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': body.length, ETag: `"${openapiV2Hash()}"` });
        ctx.res.end(body);
        return;
      }
      return writeJSON(ctx, 200, openapiV2());
    }
    if (path === '/openapi/v3') {
      onlyGet(ctx);
      return writeJSON(ctx, 200, openapiV3Index());
    }
    if (segs[0] === 'openapi' && segs[1] === 'v3' && segs.length > 2) {
      onlyGet(ctx);
      const doc = openapiV3Document(segs.slice(2).join('/'));
      if (!doc) throw notFoundError();
      return writeJSON(ctx, 200, doc);
    }
    const oidc = parts.oidc[path];
    if (oidc) {
      onlyGet(ctx);
      return writeJSON(ctx, 200, oidc(), path.endsWith('jwks') ? 'application/jwk-set+json' : 'application/json');
    }
    if (path === '/encryption/status') {
      onlyGet(ctx);
      return writeJSON(ctx, 200, await parts.encryptionStatus());
    }
    if (path === '/encryption/reload') {
      onlyPost(ctx);
      return writeJSON(ctx, 200, await parts.encryptionReload());
    }
    if (path === '/encryption/rewrite') {
      onlyPost(ctx);
      return writeJSON(ctx, 200, await parts.encryptionRewrite(ctx.url.searchParams));
    }
    if (path === '/') {
      onlyGet(ctx);
      const paths = ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/metrics', '/openapi/v2', '/openapi/v3', '/readyz', '/version'];
      return writeJSON(ctx, 200, { paths });
    }
    throw notFoundError();
  };
}
