// A union of authorizers: the first allow or deny wins; no opinion from all of them is a deny (fail closed).
import type { Authorizer, AuthorizationResult } from './types.js';
import type { UserInfo } from '../endpoints/context.js';
import type { RequestInfo } from '../endpoints/request-info.js';

export class UnionAuthorizer implements Authorizer {
  readonly name = 'union';
  constructor(private readonly authorizers: Authorizer[]) {}

  async authorize(user: UserInfo, info: RequestInfo): Promise<AuthorizationResult> {
    const reasons: string[] = [];
    for (const a of this.authorizers) {
      let r: AuthorizationResult;
      try {
        r = await a.authorize(user, info);
      } catch (err) {
        // an authorizer that fails denies: never fall through to a weaker decision
        return { decision: 'deny', reason: `${a.name} authorizer error: ${err instanceof Error ? err.message : String(err)}` };
      }
      if (r.decision !== 'noOpinion') return r;
      if (r.reason) reasons.push(r.reason);
    }
    return { decision: 'deny', reason: reasons.join(', ') };
  }
}
