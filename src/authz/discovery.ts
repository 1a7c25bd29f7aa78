// Discovery for every authenticated user: GET on the API, group and OpenAPI documents, as the
// bootstrap system:discovery and system:public-info-viewer roles grant upstream. Without it a
// client cannot even learn which resources exist, so it could not show a useful 403.
import type { Authorizer, AuthorizationResult } from './types.js';
import type { UserInfo } from '../endpoints/context.js';
import type { RequestInfo } from '../endpoints/request-info.js';

const EXACT = new Set(['/api', '/apis', '/openapi/v2', '/openapi/v3', '/version', '/healthz', '/livez', '/readyz']);
const PREFIXES = ['/api/', '/apis/', '/openapi/v3/', '/healthz/', '/livez/', '/readyz/'];

export class DiscoveryAuthorizer implements Authorizer {
  readonly name = 'discovery';

  async authorize(user: UserInfo, info: RequestInfo): Promise<AuthorizationResult> {
    if (info.isResourceRequest || info.verb !== 'get' || !user.groups.includes('system:authenticated')) return { decision: 'noOpinion', reason: '' };
    const path = info.path.replace(/\/+$/, '') || '/';
    if (EXACT.has(path) || PREFIXES.some((p) => path.startsWith(p))) return { decision: 'allow', reason: 'discovery is allowed to authenticated users' };
    return { decision: 'noOpinion', reason: '' };
  }
}
