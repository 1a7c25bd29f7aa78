// The authenticator interface: each answers "who is this?" or "not mine" (undefined).
import type { RequestContext, UserInfo } from '../endpoints/context.js';

export interface Authenticator {
  readonly name: string;
  /** Returns the user, undefined when this authenticator does not apply, or throws a 401 StatusError for bad credentials. */
  authenticate(ctx: RequestContext): Promise<UserInfo | undefined>;
}

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
