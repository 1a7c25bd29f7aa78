// x509 client-certificate authentication: the TLS layer has already verified the chain against the
// cluster CA; the certificate's CN is the user name and its O values are the groups.
import type { TLSSocket } from 'node:tls';
import type { RequestContext, UserInfo } from '../endpoints/context.js';
import type { Authenticator } from './types.js';

const userBySocket = new WeakMap<TLSSocket, UserInfo | null>();

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export class X509Authenticator implements Authenticator {
  readonly name = 'x509';

  async authenticate(ctx: RequestContext): Promise<UserInfo | undefined> {
    const socket = ctx.socket;
    const cached = userBySocket.get(socket);
    if (cached !== undefined) return cached ?? undefined;
    let user: UserInfo | null = null;
    // an unverified certificate never reaches here: the listener closes such connections
    if (socket.authorized) {
      const cert = socket.getPeerCertificate(false);
      const cn = cert?.subject?.CN;
      const username = Array.isArray(cn) ? cn[0] : cn;
      if (username) {
        const groups = asList(cert.subject.O);
        user = { username, groups: [...groups.filter((g) => g !== 'system:authenticated'), 'system:authenticated'] };
      }
    }
    userBySocket.set(socket, user);
    return user ?? undefined;
  }
}
