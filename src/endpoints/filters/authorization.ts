// Authorization: every request, the public health endpoints included, is decided by the authorizer
// before any handler runs (the bootstrap RBAC policy grants those to everyone).
import type { Filter } from '../context.js';
import type { Authorizer } from '../../authz/types.js';
import { forbiddenError } from '../../authz/types.js';

export function authorizationFilter(authorizer: Authorizer): Filter {
  return async (ctx, next) => {
    const user = ctx.user!;
    const result = await authorizer.authorize(user, ctx.info);
    if (result.decision !== 'allow') throw forbiddenError(user, ctx.info, result.reason);
    await next(ctx);
  };
}
