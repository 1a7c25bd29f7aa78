// Builds the authorizer from --authorization-mode: system:masters first, then RBAC (fed by an
// in-memory cache the RBAC controllers keep current); AlwaysAllow only when asked for.
import type { Authorizer } from '../authz/types.js';
import { SuperuserAuthorizer } from '../authz/superuser.js';
import { UnionAuthorizer } from '../authz/union.js';
import { RBACAuthorizer, RBACCache, EscalationGuard } from '../authz/rbac/index.js';
import type { AuthorizationMode } from './options.js';

export interface Authorization {
  authorizer: Authorizer;
  rbac: RBACAuthorizer;
  rbacCache: RBACCache;
  escalationGuard: EscalationGuard;
}

const alwaysAllow: Authorizer = {
  name: 'AlwaysAllow',
  async authorize() {
    return { decision: 'allow', reason: 'AlwaysAllow authorization mode' };
  },
};

export function buildAuthorization(modes: AuthorizationMode[]): Authorization {
  const rbacCache = new RBACCache();
  const rbac = new RBACAuthorizer(rbacCache);
  const chain: Authorizer[] = [new SuperuserAuthorizer()];
  for (const m of modes) chain.push(m === 'RBAC' ? rbac : alwaysAllow);
  const authorizer = new UnionAuthorizer(chain);
  return { authorizer, rbac, rbacCache, escalationGuard: new EscalationGuard(rbac, authorizer) };
}
