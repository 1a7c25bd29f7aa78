// Impersonation: Impersonate-User, -Group, -Uid and -Extra-<key> headers switch the effective user
// after each requested attribute has been authorized with verb "impersonate". The authenticated
// caller is kept as ctx.impersonator for audit.
import type { Filter, RequestContext, UserInfo } from '../context.js';
import type { RequestInfo } from '../request-info.js';
import type { Authorizer } from '../../authz/types.js';
import { forbiddenError } from '../../authz/types.js';
import { badRequest } from '../../api/status.js';

const SA_PREFIX = 'system:serviceaccount:';

function headerValues(ctx: RequestContext, name: string): string[] {
  const v = ctx.req.headers[name.toLowerCase()];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
}

function impersonateInfo(resource: string, name: string, apiGroup = '', namespace = ''): RequestInfo {
  return { isResourceRequest: true, path: '', verb: 'impersonate', apiPrefix: 'api', apiGroup, apiVersion: 'v1', namespace, resource, subresource: '', name, parts: [] };
}

export function impersonationFilter(authorizer: Authorizer): Filter {
  return async (ctx, next) => {
    const headers = ctx.req.headers;
    const userHeader = headers['impersonate-user'];
    const groups = headerValues(ctx, 'impersonate-group');
    const uidHeader = headers['impersonate-uid'];
    const extraKeys = Object.keys(headers).filter((h) => h.startsWith('impersonate-extra-'));
    if (userHeader === undefined && groups.length === 0 && uidHeader === undefined && extraKeys.length === 0) return next(ctx);
    const username = Array.isArray(userHeader) ? userHeader[0] : userHeader;
    if (!username) throw badRequest('requested impersonation of groups, uid or extra fields without impersonating a user (Impersonate-User)');
    const caller = ctx.user!;
    const checks: RequestInfo[] = [];
    // Only a well-formed system:serviceaccount:<ns>:<name> is a service account; anything else
    // (say with a third part) is an ordinary user name and needs `impersonate users`, as upstream.
    const sa = username.startsWith(SA_PREFIX) ? username.slice(SA_PREFIX.length).split(':') : [];
    const serviceAccount = sa.length === 2 && sa[0] && sa[1] ? { namespace: sa[0], name: sa[1] } : undefined;
    if (serviceAccount) {
      checks.push(impersonateInfo('serviceaccounts', serviceAccount.name, '', serviceAccount.namespace));
    } else {
      checks.push(impersonateInfo('users', username));
    }
    for (const g of groups) checks.push(impersonateInfo('groups', g));
    const uid = Array.isArray(uidHeader) ? uidHeader[0] : uidHeader;
    if (uid) checks.push(impersonateInfo('uids', uid, 'authentication.k8s.io'));
    const extra: Record<string, string[]> = {};
    for (const h of extraKeys) {
      let key: string;
      try {
        key = decodeURIComponent(h.slice('impersonate-extra-'.length));
      } catch {
        throw badRequest(`invalid header ${h}: the key after Impersonate-Extra- must be percent-encoded`);
      }
      const values = headerValues(ctx, h);
      extra[key] = values;
      for (const v of values) checks.push({ ...impersonateInfo('userextras', v, 'authentication.k8s.io'), subresource: key });
    }
    for (const info of checks) {
      const r = await authorizer.authorize(caller, info);
      if (r.decision !== 'allow') throw forbiddenError(caller, info, r.reason);
    }
    const effectiveGroups = [...groups];
    if (serviceAccount) {
      for (const g of ['system:serviceaccounts', `system:serviceaccounts:${serviceAccount.namespace}`]) if (!effectiveGroups.includes(g)) effectiveGroups.push(g);
    }
    if (username !== 'system:anonymous' && !effectiveGroups.includes('system:authenticated')) effectiveGroups.push('system:authenticated');
    const impersonated: UserInfo = { username, groups: effectiveGroups };
    if (uid) impersonated.uid = uid;
    if (Object.keys(extra).length) impersonated.extra = extra;
    ctx.impersonator = caller;
    ctx.user = impersonated;
    await next(ctx);
  };
}
