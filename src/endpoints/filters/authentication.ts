// Authentication: the union of authenticators decides who the caller is. Only the public health and
// version endpoints may be reached without credentials.
import type { Filter } from '../context.js';
import type { Authenticator } from '../../authn/types.js';
import { ANONYMOUS } from '../../authn/types.js';
import { unauthorized } from '../../api/status.js';

const PUBLIC_PATHS = ['/livez', '/readyz', '/healthz', '/version'];

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

export function authenticationFilter(authenticators: Authenticator[]): Filter {
  return async (ctx, next) => {
    for (const a of authenticators) {
      const user = await a.authenticate(ctx);
      if (user) {
        ctx.user = user;
        break;
      }
    }
    if (!ctx.user) {
      if (!isPublicPath(ctx.info.path)) throw unauthorized();
      ctx.user = ANONYMOUS;
    }
    await next(ctx);
  };
}
