// Extracts the bearer token from `Authorization: Bearer <token>` for the token authenticators.
// Tokens are credentials: no message or log line built here ever contains one.
import type { RequestContext } from '../endpoints/context.js';
import { unauthorized } from '../api/status.js';

/** Longest token accepted: far above any JWT we issue, small enough that a huge header costs nothing to reject. */
export const MAX_BEARER_TOKEN_LENGTH = 8192;

const SCHEME = /^bearer(?![!-~])/i;
const VISIBLE_ASCII = /^[!-~]+$/;

function authorizationHeaderCount(rawHeaders: readonly string[] | undefined): number {
  if (!rawHeaders) return 0;
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'authorization') n++;
  }
  return n;
}

/**
 * The bearer token of the request, or undefined when it sends no Authorization header or one with
 * another scheme (Basic, Negotiate…): those are not ours to judge, and a request nobody
 * authenticates is refused by the union anyway. A header that uses the Bearer scheme but is
 * malformed is a 401 here, so the caller learns what is wrong with it.
 */
export function bearerToken(ctx: RequestContext): string | undefined {
  const header = ctx.req.headers.authorization;
  if (header === undefined) return undefined;
  const value = header.trim();
  if (!SCHEME.test(value)) return undefined;
  // Node keeps only the first of repeated Authorization headers; a second one would be silently
  // ignored here but perhaps honoured by a proxy in front of us, so refuse the ambiguity.
  if (authorizationHeaderCount(ctx.req.rawHeaders) > 1) {
    throw unauthorized('more than one Authorization header was sent; send exactly one "Authorization: Bearer <token>"');
  }
  const rest = value.slice('bearer'.length);
  if (rest === '') {
    throw unauthorized('the Authorization header names the Bearer scheme but carries no token; send "Authorization: Bearer <token>"');
  }
  if (rest[0] !== ' ') {
    throw unauthorized('the Authorization header must be "Bearer", one space, then the token');
  }
  const token = rest.slice(1);
  if (token.length > MAX_BEARER_TOKEN_LENGTH) {
    throw unauthorized(`invalid bearer token: it is longer than ${MAX_BEARER_TOKEN_LENGTH} bytes`);
  }
  if (token === '' || token[0] === ' ' || token[0] === '\t') {
    throw unauthorized('the Authorization header must be "Bearer", one space, then the token (found extra whitespace before the token)');
  }
  if (/[ \t]/.test(token)) {
    throw unauthorized('the Authorization header must carry exactly one token after "Bearer" (found more than one space-separated part)');
  }
  if (!VISIBLE_ASCII.test(token)) {
    throw unauthorized('invalid bearer token: it contains characters outside visible ASCII');
  }
  return token;
}
