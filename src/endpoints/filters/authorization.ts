// Authorization: every request is decided by the authorizer before any handler runs. Public paths
// are allowed for everyone (as the system:public-info-viewer role does upstream).
import type { Filter } from '../context.js';
import type { Authorizer } from '../../authz/types.js';
import { forbiddenError } from '../../authz/types.js';
import { isPublicPath } from './authentication.js';

export function authorizationFilter(authorizer: Authorizer): Filter {
  return async (ctx, next) => {
    if (!ctx.info.isResourceRequest && isPublicPath(ctx.info.path)) return next(ctx);
    const user = ctx.user!;
    const result = await authorizer.authorize(user, ctx.info);
    if (result.decision !== 'allow') throw forbiddenError(user, ctx.info, result.reason);
    await next(ctx);
  };
}
