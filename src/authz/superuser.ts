// system:masters is the superuser group: allowed everything, before any other authorizer is asked.
import type { Authorizer, AuthorizationResult } from './types.js';
import type { UserInfo } from '../endpoints/context.js';

export const SUPERUSER_GROUP = 'system:masters';

export class SuperuserAuthorizer implements Authorizer {
  readonly name = 'superuser';
  async authorize(user: UserInfo): Promise<AuthorizationResult> {
    return user.groups.includes(SUPERUSER_GROUP) ? { decision: 'allow', reason: `member of ${SUPERUSER_GROUP}` } : { decision: 'noOpinion', reason: '' };
  }
}
