// Authentication: the union of authenticators decides who the caller is (client certificate first,
// then bearer tokens). Without credentials a caller is anonymous only where that is allowed: the
// health and version endpoints and kube-public/cluster-info always, everything when
// --anonymous-auth is on (RBAC then decides). Repeated bearer-token failures from one address are
// slowed down.
import type { Filter, RequestContext } from '../context.js';
import type { Authenticator } from '../../authn/types.js';
import { ANONYMOUS } from '../../authn/types.js';
import { StatusError, unauthorized } from '../../api/status.js';
import type { AuthFailureLimiter } from '../../authn/failure-limiter.js';

const PUBLIC_PATHS = ['/livez', '/readyz', '/healthz', '/version'];
const CLUSTER_INFO = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

function anonymousAllowedWithoutFlag(ctx: RequestContext): boolean {
  const method = ctx.req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return false;
  return isPublicPath(ctx.info.path) || ctx.info.path === CLUSTER_INFO;
}

export interface AuthenticationOptions {
  authenticators: Authenticator[];
  anonymousAuth: boolean;
  limiter?: AuthFailureLimiter;
}

export function authenticationFilter(opts: AuthenticationOptions): Filter {
  return async (ctx, next) => {
    const source = ctx.req.socket.remoteAddress ?? 'unknown';
    const presentsToken = ctx.req.headers.authorization !== undefined;
    // A client certificate the handshake verified authenticates whatever else the request carries:
    // guessing tokens from the same address must not lock its holder out.
    if (presentsToken && !ctx.socket.authorized) opts.limiter?.check(source);
    try {
      for (const a of opts.authenticators) {
        const user = await a.authenticate(ctx);
        if (user) {
          ctx.user = user;
          break;
        }
      }
    } catch (err) {
      if (err instanceof StatusError && err.code === 401) opts.limiter?.recordFailure(source);
      throw err;
    }
    // a success deliberately does not clear the address's failures: one valid credential must not
    // let its holder reset the count while guessing others
    if (!ctx.user && presentsToken) {
      // a credential nobody accepts is a failed login, not an anonymous request
      opts.limiter?.recordFailure(source);
      throw unauthorized();
    }
    if (!ctx.user) {
      if (!opts.anonymousAuth && !anonymousAllowedWithoutFlag(ctx)) throw unauthorized();
      ctx.user = ANONYMOUS;
    }
    await next(ctx);
  };
}
