// Authorization: every request, the public health endpoints included, is decided by the authorizer
// before any handler runs (the bootstrap RBAC policy grants those to everyone).
import type { Filter } from '../context.js';
import type { Authorizer } from '../../authz/types.js';
import { forbiddenError } from '../../authz/types.js';

export const DECISION_ANNOTATION = 'authorization.k8s.io/decision';
export const REASON_ANNOTATION = 'authorization.k8s.io/reason';

export function authorizationFilter(authorizer: Authorizer): Filter {
  return async (ctx, next) => {
    const user = ctx.user!;
    const result = await authorizer.authorize(user, ctx.info);
    const allowed = result.decision === 'allow';
    // the audit event says why a request was let through or refused, as kube-apiserver's does
    ctx.auditAnnotations[DECISION_ANNOTATION] = allowed ? 'allow' : 'forbid';
    if (result.reason) ctx.auditAnnotations[REASON_ANNOTATION] = result.reason;
    if (!allowed) throw forbiddenError(user, ctx.info, result.reason);
    await next(ctx);
  };
}
