// The authorizer interface and kube-apiserver's wording for a denial.
import type { RequestInfo } from '../endpoints/request-info.js';
import type { UserInfo } from '../endpoints/context.js';
import { forbidden, qualifiedResource, type StatusError } from '../api/status.js';

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizationResult {
  decision: Decision;
  reason: string;
}

export interface Authorizer {
  readonly name: string;
  authorize(user: UserInfo, info: RequestInfo): Promise<AuthorizationResult>;
}

/** `pods "x" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "demo"` */
export function forbiddenError(user: UserInfo, info: RequestInfo, reason: string): StatusError {
  const suffix = reason ? `: ${reason}` : '';
  if (!info.isResourceRequest) {
    return forbidden(`forbidden: User "${user.username}" cannot ${info.verb} path "${info.path}"${suffix}`);
  }
  const res = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const scope = info.namespace && info.resource !== 'namespaces' ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  const subject = info.name ? `${qualifiedResource(info.apiGroup, info.resource)} "${info.name}"` : qualifiedResource(info.apiGroup, info.resource);
  return forbidden(`${subject} is forbidden: User "${user.username}" cannot ${info.verb} resource "${res}" in API group "${info.apiGroup}" ${scope}${suffix}`, {
    name: info.name || undefined,
    group: info.apiGroup || undefined,
    kind: info.resource,
  });
}
