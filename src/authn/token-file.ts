// Static tokens from kube-apiserver's --token-auth-file: CSV rows `token,user,uid,"group1,group2"`.
// Tokens are held and compared by SHA-256 digest, so a lookup takes the same time whatever matches.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { RequestContext, UserInfo } from '../endpoints/context.js';
import { assertPrivateFileMode } from '../pki/index.js';
import type { Authenticator } from './types.js';
import { MAX_BEARER_TOKEN_LENGTH, bearerToken } from './bearer.js';

export interface CsvRecord {
  /** 1-based line on which the record starts. */
  line: number;
  fields: string[];
}

/**
 * Parses CSV as Go's encoding/csv does for kube-apiserver (RFC 4180 quoting, `""` inside quotes,
 * quoted fields may span lines, blank lines skipped, no comment syntax, variable field counts).
 * Errors name the line, since they are shown to the operator who wrote the file.
 */
export function parseCsv(text: string): CsvRecord[] {
  const src = text.replace(/^\uFEFF/, '');
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  const atEol = (j: number) => j >= n || src[j] === '\n' || (src[j] === '\r' && src[j + 1] === '\n');
  const skipEol = () => {
    if (src[i] === '\r') i++;
    if (src[i] === '\n') i++;
    line++;
  };
  while (i < n) {
    if (atEol(i)) {
      skipEol(); // blank line
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (src[i] === '"') {
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= n) throw new Error(`line ${quoteLine}: quoted field is not closed (missing ")`);
          const c = src[i]!;
          if (c === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          if (c === '\r' && src[i + 1] === '\n') {
            i++;
            continue;
          }
          field += c;
          i++;
        }
        if (!atEol(i) && src[i] !== ',') throw new Error(`line ${line}: extraneous or missing " in quoted field`);
      } else {
        while (!atEol(i) && src[i] !== ',') {
          if (src[i] === '"') throw new Error(`line ${line}: bare " in a field that is not quoted (quote the whole field and write "" for a quote)`);
          field += src[i];
          i++;
        }
      }
      fields.push(field);
      if (src[i] === ',') {
        i++;
        continue;
      }
      if (i < n) skipEol();
      break;
    }
    records.push({ line: start, fields });
  }
  return records;
}

export interface StaticToken {
  token: string;
  user: UserInfo;
}

interface Entry {
  token: Buffer;
  user: UserInfo;
}

function digestKey(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64');
}

export class StaticTokenAuthenticator implements Authenticator {
  readonly name = 'token-file';
  private readonly byDigest = new Map<string, Entry>();

  constructor(tokens: readonly StaticToken[]) {
    for (const t of tokens) {
      const key = digestKey(t.token);
      if (this.byDigest.has(key)) throw new Error(`duplicate static token for user ${JSON.stringify(t.user.username)}`);
      this.byDigest.set(key, { token: Buffer.from(t.token, 'utf8'), user: t.user });
    }
  }

  get size(): number {
    return this.byDigest.size;
  }

  async authenticate(ctx: RequestContext): Promise<UserInfo | undefined> {
    const token = bearerToken(ctx);
    if (token === undefined) return undefined;
    return this.authenticateToken(token);
  }

  /** The token's user, or undefined (not a static token: the union may try other authenticators, then refuses). */
  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    const entry = this.byDigest.get(digestKey(token));
    if (!entry) return undefined;
    const presented = Buffer.from(token, 'utf8');
    if (presented.length !== entry.token.length || !timingSafeEqual(presented, entry.token)) return undefined;
    return cloneUser(entry.user);
  }
}

function cloneUser(u: UserInfo): UserInfo {
  const out: UserInfo = { username: u.username, groups: [...u.groups] };
  if (u.uid !== undefined) out.uid = u.uid;
  if (u.extra) out.extra = Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]]));
  return out;
}

export interface TokenFileOptions {
  /** Receives warnings about rows that are skipped (never the token). */
  logger?: (message: string) => void;
}

/**
 * Reads a token file. The file holds credentials, so group/other access is refused; a row with
 * fewer than 3 columns, an empty user name, a token that no Authorization header could carry, or
 * a token listed twice is an error naming the line. Rows with an empty token are skipped, as upstream.
 */
export async function loadTokenFile(path: string, opts: TokenFileOptions = {}): Promise<StaticTokenAuthenticator> {
  await assertPrivateFileMode(path);
  const text = await readFile(path, 'utf8');
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (err) {
    throw new Error(`token file ${path}: ${(err as Error).message}`);
  }
  const fail = (line: number, why: string) => new Error(`token file ${path} line ${line}: ${why}`);
  const firstLine = new Map<string, number>();
  const tokens: StaticToken[] = [];
  for (const { line, fields } of records) {
    if (fields.length < 3) throw fail(line, `must have at least 3 columns (token, user name, user uid), found ${fields.length}`);
    const [token, username, uid, groupColumn] = fields as [string, string, string, string | undefined];
    if (token === '') {
      opts.logger?.(`token file ${path} line ${line}: empty token, row skipped`);
      continue;
    }
    if (token.length > MAX_BEARER_TOKEN_LENGTH || !/^[!-~]+$/.test(token)) {
      throw fail(line, `the token must be at most ${MAX_BEARER_TOKEN_LENGTH} visible ASCII characters (no spaces), or no Authorization header can carry it`);
    }
    if (username === '') throw fail(line, 'the user name (column 2) is empty');
    const key = digestKey(token);
    const earlier = firstLine.get(key);
    if (earlier !== undefined) throw fail(line, `duplicate token (first defined on line ${earlier}); each token must map to exactly one user`);
    firstLine.set(key, line);
    const groups = (groupColumn ?? '').split(',').filter((g) => g !== '' && g !== 'system:authenticated');
    const user: UserInfo = { username, groups: [...new Set(groups), 'system:authenticated'] };
    if (uid !== '') user.uid = uid;
    tokens.push({ token, user });
  }
  return new StaticTokenAuthenticator(tokens);
}
