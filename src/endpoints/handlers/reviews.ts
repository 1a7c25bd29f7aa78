// The review APIs: TokenReview and SelfSubjectReview (authentication.k8s.io/v1), and
// SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview, SelfSubjectRulesReview
// (authorization.k8s.io/v1). They ask the same authenticators and authorizer the request path uses.
import type { RequestContext, UserInfo } from '../context.js';
import type { RequestInfo } from '../request-info.js';
import type { Authorizer } from '../../authz/types.js';
import type { VirtualResource } from './virtual.js';
import { badRequest, invalid } from '../../api/status.js';
import { isPlainObject, type KObject } from '../../registry/object.js';

export interface TokenReviewer {
  /** Authenticates a bare bearer token; undefined when no authenticator accepts it. */
  reviewToken(token: string, audiences: string[] | undefined): Promise<{ user: UserInfo; audiences: string[] } | undefined>;
}

export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): { resourceRules: unknown[]; nonResourceRules: unknown[]; incomplete: boolean; evaluationError?: string };
}

const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function userJSON(u: UserInfo): KObject {
  const out: KObject = { username: u.username, groups: u.groups };
  if (u.uid) out['uid'] = u.uid;
  if (u.extra && Object.keys(u.extra).length) out['extra'] = u.extra;
  return out;
}

/** The subject of a SubjectAccessReview or LocalSubjectAccessReview spec. */
function subjectOf(spec: KObject): UserInfo {
  return {
    username: str(spec['user']),
    uid: str(spec['uid']) || undefined,
    groups: Array.isArray(spec['groups']) ? (spec['groups'] as unknown[]).map(String) : [],
    extra: isPlainObject(spec['extra']) ? (spec['extra'] as Record<string, string[]>) : undefined,
  };
}

function specOf(body: KObject, kind: string): KObject {
  const spec = body['spec'];
  if (!isPlainObject(spec)) throw invalid(AUTHZ, kind, '', [{ reason: 'FieldValueRequired', field: 'spec', message: 'Required value' }]);
  return spec;
}

/** Turns access-review attributes into the RequestInfo an authorizer decides on. */
function attributesToInfo(spec: KObject, kind: string, group: string): RequestInfo {
  const res = spec['resourceAttributes'];
  const nonRes = spec['nonResourceAttributes'];
  if (isPlainObject(res) === isPlainObject(nonRes)) {
    throw invalid(group, kind, '', [
      { reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' },
    ]);
  }
  if (isPlainObject(res)) {
    return {
      isResourceRequest: true,
      path: '',
      verb: str(res['verb']),
      apiPrefix: str(res['group']) ? 'apis' : 'api',
      apiGroup: str(res['group']),
      apiVersion: str(res['version']),
      namespace: str(res['namespace']),
      resource: str(res['resource']),
      subresource: str(res['subresource']),
      name: str(res['name']),
      parts: [],
    };
  }
  const nr = nonRes as KObject;
  return { isResourceRequest: false, path: str(nr['path']), verb: str(nr['verb']), apiPrefix: '', apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', parts: [] };
}

async function decide(authorizer: Authorizer, user: UserInfo, info: RequestInfo): Promise<KObject> {
  const r = await authorizer.authorize(user, info);
  const status: KObject = { allowed: r.decision === 'allow' };
  if (r.decision === 'deny' && r.reason) status['denied'] = true;
  if (r.reason) status['reason'] = r.reason;
  return status;
}

function respond(body: KObject, kind: string, group: string, status: KObject): KObject {
  const metadata = isPlainObject(body['metadata']) ? { ...body['metadata'] } : {};
  metadata['creationTimestamp'] = null;
  return { kind, apiVersion: `${group}/v1`, metadata, spec: body['spec'] ?? {}, status };
}

export function reviewResources(authorizer: Authorizer, tokens: TokenReviewer, rules: RuleResolver): VirtualResource[] {
  return [
    {
      group: AUTHN,
      version: 'v1',
      resource: 'tokenreviews',
      kind: 'TokenReview',
      namespaced: false,
      async create(_ctx, _ns, body) {
        const spec = specOf(body, 'TokenReview');
        const token = str(spec['token']);
        if (!token) throw invalid(AUTHN, 'TokenReview', '', [{ reason: 'FieldValueRequired', field: 'spec.token', message: 'Required value' }]);
        const audiences = Array.isArray(spec['audiences']) ? (spec['audiences'] as unknown[]).map(String) : undefined;
        const result = await tokens.reviewToken(token, audiences);
        const status: KObject = result
          ? { authenticated: true, user: userJSON(result.user), audiences: result.audiences }
          : { authenticated: false, user: {}, error: 'the token could not be authenticated' };
        return respond({ ...body, spec: { ...spec, token: undefined } }, 'TokenReview', AUTHN, status);
      },
    },
    // kubectl 1.27 asks for the beta and alpha versions of SelfSubjectReview (GA in 1.28)
    ...['v1', 'v1beta1', 'v1alpha1'].map(
      (version): VirtualResource => ({
        group: AUTHN,
        version,
        resource: 'selfsubjectreviews',
        kind: 'SelfSubjectReview',
        namespaced: false,
        async create(ctx, _ns, body) {
          const metadata = isPlainObject(body['metadata']) ? { ...body['metadata'] } : {};
          metadata['creationTimestamp'] = null;
          return { kind: 'SelfSubjectReview', apiVersion: `${AUTHN}/${version}`, metadata, status: { userInfo: userJSON(ctx.user!) } };
        },
      }),
    ),
    {
      group: AUTHZ,
      version: 'v1',
      resource: 'subjectaccessreviews',
      kind: 'SubjectAccessReview',
      namespaced: false,
      async create(_ctx, _ns, body) {
        const spec = specOf(body, 'SubjectAccessReview');
        const subject = subjectOf(spec);
        if (!subject.username && subject.groups.length === 0) {
          throw invalid(AUTHZ, 'SubjectAccessReview', '', [{ reason: 'FieldValueRequired', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }]);
        }
        return respond(body, 'SubjectAccessReview', AUTHZ, await decide(authorizer, subject, attributesToInfo(spec, 'SubjectAccessReview', AUTHZ)));
      },
    },
    {
      group: AUTHZ,
      version: 'v1',
      resource: 'localsubjectaccessreviews',
      kind: 'LocalSubjectAccessReview',
      namespaced: true,
      async create(_ctx, ns, body) {
        const spec = specOf(body, 'LocalSubjectAccessReview');
        const info = attributesToInfo(spec, 'LocalSubjectAccessReview', AUTHZ);
        if (!info.isResourceRequest) throw badRequest('a LocalSubjectAccessReview may not use nonResourceAttributes');
        if (info.namespace && info.namespace !== ns) {
          throw badRequest(`spec.resourceAttributes.namespace must match the namespace of the request (${ns}), got "${info.namespace}"`);
        }
        info.namespace = ns;
        const subject = subjectOf(spec);
        const metadata = isPlainObject(body['metadata']) ? body['metadata'] : {};
        return respond({ ...body, metadata: { ...metadata, namespace: ns } }, 'LocalSubjectAccessReview', AUTHZ, await decide(authorizer, subject, info));
      },
    },
    {
      group: AUTHZ,
      version: 'v1',
      resource: 'selfsubjectaccessreviews',
      kind: 'SelfSubjectAccessReview',
      namespaced: false,
      async create(ctx, _ns, body) {
        const spec = specOf(body, 'SelfSubjectAccessReview');
        return respond(body, 'SelfSubjectAccessReview', AUTHZ, await decide(authorizer, ctx.user!, attributesToInfo(spec, 'SelfSubjectAccessReview', AUTHZ)));
      },
    },
    {
      group: AUTHZ,
      version: 'v1',
      resource: 'selfsubjectrulesreviews',
      kind: 'SelfSubjectRulesReview',
      namespaced: false,
      async create(ctx: RequestContext, _ns, body) {
        const spec = isPlainObject(body['spec']) ? body['spec'] : {};
        const namespace = str(spec['namespace']);
        const r = rules.rulesFor(ctx.user!, namespace);
        const status: KObject = { resourceRules: r.resourceRules, nonResourceRules: r.nonResourceRules, incomplete: r.incomplete };
        if (r.evaluationError) status['evaluationError'] = r.evaluationError;
        return respond(body, 'SelfSubjectRulesReview', AUTHZ, status);
      },
    },
  ];
}
