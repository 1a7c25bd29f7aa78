// Builds the authenticator union from options: client certificates first, then bearer tokens
// (static token file, service-account JWTs, bootstrap tokens), and the TokenReview view of it.
import path from 'node:path';
import type { Authenticator } from '../authn/types.js';
import type { UserInfo } from '../endpoints/context.js';
import type { ObjectLookup } from '../authn/lookup.js';
import { X509Authenticator } from '../authn/x509.js';
import { ServiceAccountTokenAuthenticator, ServiceAccountTokenIssuer } from '../authn/service-account-token.js';
import { BootstrapTokenAuthenticator } from '../authn/bootstrap-token.js';
import { loadTokenFile, type StaticTokenAuthenticator } from '../authn/token-file.js';
import type { TokenReviewer } from '../endpoints/handlers/reviews.js';
import type { ServerOptions } from './options.js';
import { StatusError } from '../api/status.js';

export const SERVICE_ACCOUNT_KEY_FILE = 'sa.key';

export interface Authentication {
  authenticators: Authenticator[];
  issuer: ServiceAccountTokenIssuer;
  tokenReviewer: TokenReviewer;
}

export async function buildAuthentication(opts: ServerOptions, dataDir: string, lookup: ObjectLookup, log: (msg: string) => void): Promise<Authentication> {
  const issuer = await ServiceAccountTokenIssuer.load({
    signingKeyFile: opts.serviceAccountSigningKeyFile ?? path.join(dataDir, SERVICE_ACCOUNT_KEY_FILE),
    extraVerificationKeyFiles: opts.serviceAccountKeyFiles,
    issuer: opts.serviceAccountIssuer,
    apiAudiences: opts.apiAudiences.length ? opts.apiAudiences : [opts.serviceAccountIssuer],
  });
  const serviceAccounts = new ServiceAccountTokenAuthenticator(issuer, lookup, { logger: log });
  const staticTokens: StaticTokenAuthenticator | undefined = opts.tokenAuthFile ? await loadTokenFile(opts.tokenAuthFile, { logger: log }) : undefined;
  const bootstrap = opts.enableBootstrapTokenAuth ? new BootstrapTokenAuthenticator(lookup, { logger: log }) : undefined;
  const authenticators: Authenticator[] = [new X509Authenticator()];
  if (staticTokens) authenticators.push(staticTokens);
  authenticators.push(serviceAccounts);
  if (bootstrap) authenticators.push(bootstrap);

  const tokenReviewer: TokenReviewer = {
    async reviewToken(token, audiences) {
      try {
        const sa = await serviceAccounts.authenticateToken(token, audiences);
        if (sa) return sa;
        // static and bootstrap tokens are valid for the API's own audiences only
        const wanted = audiences?.length ? audiences : [...issuer.apiAudiences];
        if (!wanted.some((a) => issuer.apiAudiences.includes(a))) return undefined;
        let user: UserInfo | undefined = await staticTokens?.authenticateToken(token);
        user ??= await bootstrap?.authenticateToken(token);
        return user ? { user, audiences: wanted.filter((a) => issuer.apiAudiences.includes(a)) } : undefined;
      } catch (err) {
        // a refused token is the review's answer, not the reviewer's own failure to authenticate
        if (err instanceof StatusError && err.code === 401) return undefined;
        throw err;
      }
    },
  };
  return { authenticators, issuer, tokenReviewer };
}
