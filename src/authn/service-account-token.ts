// Bound service-account tokens: the issuer signs TokenRequest JWTs with the cluster's signing key
// and publishes its public keys (JWKS); the authenticator verifies them and checks that the
// service account and any bound object still exist with the same UID, as kube-apiserver does.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomUUID, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { SignJWT, exportJWK, type JWK, type JWTPayload } from 'jose';
import type { RequestContext, UserInfo } from '../endpoints/context.js';
import { badRequest, invalid, unauthorized } from '../api/status.js';
import { assertPrivateFileMode, readFileIfExists, writeFileAtomic } from '../pki/index.js';
import type { Authenticator } from './types.js';
import type { ObjectLookup } from './lookup.js';
import { metadataString } from './lookup.js';
import { MAX_BEARER_TOKEN_LENGTH, bearerToken } from './bearer.js';

export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** kube-apiserver refuses TokenRequests shorter than 10 minutes… */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
/** …or longer than 2^32 seconds. */
export const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;
/** Clock skew tolerated on exp/nbf/iat, and grace after a deletionTimestamp: go-jose's DefaultLeeway that upstream uses. */
export const TOKEN_LEEWAY_SECONDS = 60;

export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';
export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';
export const EXTRA_NODE_UID = 'authentication.kubernetes.io/node-uid';

export type ServiceAccountSigningAlgorithm = 'RS256' | 'ES256';
const ALGORITHMS: ServiceAccountSigningAlgorithm[] = ['RS256', 'ES256'];
const MIN_RSA_BITS = 2048;

export interface ServiceAccountTokenIssuerOptions {
  /** PEM private key (RSA ≥ 2048 bits or EC P-256). Created as RSA-2048, mode 0600, when missing. */
  signingKeyFile: string;
  /** PEM files of further public keys (or certificates, or private keys) whose tokens stay valid: keys being rotated out. */
  extraVerificationKeyFiles?: string[];
  /** The `iss` of every token, e.g. https://kubernetes.default.svc.cluster.local. */
  issuer: string;
  /** Audiences this API server accepts; tokens requested without audiences get all of them. */
  apiAudiences: string[];
}

export interface BoundObjectReference {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
  /** For a Pod: the node it is scheduled to, recorded in the token (kube 1.32+) and reported as user extras. */
  node?: { name: string; uid?: string };
}

export interface ServiceAccountTokenRequest {
  namespace: string;
  serviceAccountName: string;
  serviceAccountUid: string;
  /** Defaults to the API server's audiences. */
  audiences?: string[];
  /** Defaults to 3600; must lie in [600, 2^32]. */
  expirationSeconds?: number;
  boundObject?: BoundObjectReference;
}

export interface IssuedServiceAccountToken {
  token: string;
  /** RFC 3339, whole seconds, as TokenRequest's status.expirationTimestamp. */
  expirationTimestamp: string;
}

/** A public key tokens may be signed with. */
export interface ServiceAccountVerificationKey {
  kid: string;
  alg: ServiceAccountSigningAlgorithm;
  key: KeyObject;
}

interface ObjectRef {
  name: string;
  uid: string;
}

interface KubernetesClaims {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: { name: string; uid?: string };
}

/** upstream's key id: unpadded base64url of SHA-256 over the DER SubjectPublicKeyInfo. */
export function keyIdFromPublicKey(key: KeyObject): string {
  const spki = key.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64url');
}

function algorithmFor(key: KeyObject, source: string): ServiceAccountSigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new Error(`${source}: RSA key of ${bits} bits is too small for service-account tokens; use at least ${MIN_RSA_BITS} bits`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  const what = key.asymmetricKeyType === 'ec' ? `EC key on curve ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'}` : `${key.asymmetricKeyType ?? 'unknown'} key`;
  throw new Error(`${source}: ${what} is not supported for service-account tokens; use RSA (2048 bits or more) or EC P-256`);
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;
const PRIVATE_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);

function pemBlocks(text: string): Array<{ label: string; pem: string }> {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] }));
}

async function loadOrCreateSigningKey(file: string): Promise<KeyObject> {
  let text = await readFileIfExists(file);
  if (text === undefined) {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    text = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    await writeFileAtomic(file, text, 0o600);
    return privateKey;
  }
  await assertPrivateFileMode(file);
  const blocks = pemBlocks(text);
  if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY')) {
    throw new Error(`${file}: encrypted private keys are not supported for service-account signing; store the key unencrypted with mode 0600`);
  }
  const keys = blocks.filter((b) => PRIVATE_LABELS.has(b.label));
  if (keys.length !== 1) {
    throw new Error(`${file} holds ${keys.length} private keys; the service-account signing key file must hold exactly one PEM private key (RSA or EC P-256)`);
  }
  try {
    return createPrivateKey({ key: keys[0]!.pem, format: 'pem' });
  } catch (err) {
    throw new Error(`${file}: cannot parse the private key: ${(err as Error).message}`);
  }
}

async function loadVerificationKeys(file: string): Promise<KeyObject[]> {
  const text = await readFile(file, 'utf8');
  const out: KeyObject[] = [];
  let checkedMode = false;
  for (const block of pemBlocks(text)) {
    try {
      if (block.label === 'PUBLIC KEY' || block.label === 'RSA PUBLIC KEY') {
        out.push(createPublicKey({ key: block.pem, format: 'pem' }));
      } else if (block.label === 'CERTIFICATE') {
        out.push(new X509Certificate(block.pem).publicKey);
      } else if (PRIVATE_LABELS.has(block.label)) {
        if (!checkedMode) await assertPrivateFileMode(file);
        checkedMode = true;
        out.push(createPublicKey(createPrivateKey({ key: block.pem, format: 'pem' })));
      }
    } catch (err) {
      if (err instanceof Error && /mode/.test(err.message)) throw err;
      throw new Error(`${file}: cannot parse PEM block "${block.label}": ${(err as Error).message}`);
    }
  }
  if (out.length === 0) throw new Error(`${file} holds no PEM public key, certificate or private key to verify service-account tokens with`);
  return out;
}

async function verificationKey(key: KeyObject, alg: ServiceAccountSigningAlgorithm): Promise<ServiceAccountVerificationKey> {
  return { kid: keyIdFromPublicKey(key), alg, key };
}

function rfc3339Seconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function tokenRequestInvalid(field: string, value: unknown, why: string) {
  return invalid('authentication.k8s.io', 'TokenRequest', '', [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` }]);
}

export class ServiceAccountTokenIssuer {
  private constructor(
    readonly issuer: string,
    readonly apiAudiences: readonly string[],
    private readonly signingKey: KeyObject,
    private readonly signing: ServiceAccountVerificationKey,
    /** The signing key's public half first, then the extra verification keys. */
    readonly verificationKeys: readonly ServiceAccountVerificationKey[],
    private readonly publicJwks: readonly JWK[],
  ) {}

  static async load(opts: ServiceAccountTokenIssuerOptions): Promise<ServiceAccountTokenIssuer> {
    if (!opts.issuer) throw new Error('the service-account token issuer must not be empty');
    const audiences = opts.apiAudiences.filter((a) => a !== '');
    if (audiences.length === 0) throw new Error('at least one API audience is required for service-account tokens (usually the issuer)');
    const signingKey = await loadOrCreateSigningKey(opts.signingKeyFile);
    const signingPublic = createPublicKey(signingKey);
    const signing = await verificationKey(signingPublic, algorithmFor(signingKey, opts.signingKeyFile));
    const keys: ServiceAccountVerificationKey[] = [signing];
    for (const file of opts.extraVerificationKeyFiles ?? []) {
      for (const key of await loadVerificationKeys(file)) {
        const kid = keyIdFromPublicKey(key);
        if (keys.some((k) => k.kid === kid)) continue;
        keys.push(await verificationKey(key, algorithmFor(key, file)));
      }
    }
    const jwks: JWK[] = [];
    for (const k of keys) jwks.push({ ...(await exportJWK(k.key)), kid: k.kid, use: 'sig', alg: k.alg });
    return new ServiceAccountTokenIssuer(opts.issuer, Object.freeze([...new Set(audiences)]), signingKey, signing, Object.freeze(keys), Object.freeze(jwks));
  }

  /** The kid of the key new tokens are signed with. */
  get keyId(): string {
    return this.signing.kid;
  }

  /** Distinct algorithms of all verification keys, sorted: discovery's id_token_signing_alg_values_supported. */
  signingAlgorithms(): ServiceAccountSigningAlgorithm[] {
    return [...new Set(this.verificationKeys.map((k) => k.alg))].sort();
  }

  /** The public keys as served at /openid/v1/jwks. */
  jwks(): { keys: JWK[] } {
    return { keys: this.publicJwks.map((k) => ({ ...k })) };
  }

  async issue(req: ServiceAccountTokenRequest): Promise<IssuedServiceAccountToken> {
    const expirationSeconds = req.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    if (!Number.isInteger(expirationSeconds)) {
      throw tokenRequestInvalid('spec.expirationSeconds', expirationSeconds, 'must be a whole number of seconds');
    }
    if (expirationSeconds < MIN_TOKEN_EXPIRATION_SECONDS) {
      throw tokenRequestInvalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes');
    }
    if (expirationSeconds > MAX_TOKEN_EXPIRATION_SECONDS) {
      throw tokenRequestInvalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds');
    }
    if (!req.namespace || !req.serviceAccountName || !req.serviceAccountUid) {
      throw badRequest('a service-account token needs the namespace, name and uid of the service account');
    }
    const audiences = req.audiences && req.audiences.length > 0 ? [...new Set(req.audiences)] : [...this.apiAudiences];
    if (audiences.some((a) => typeof a !== 'string' || a === '')) throw tokenRequestInvalid('spec.audiences', audiences, 'audiences must be non-empty strings');

    const k8s: KubernetesClaims = { namespace: req.namespace, serviceaccount: { name: req.serviceAccountName, uid: req.serviceAccountUid } };
    const bound = req.boundObject;
    if (bound) {
      if (!bound.name || !bound.uid) throw badRequest(`a token bound to a ${bound.kind} needs the object's name and uid`);
      const ref = { name: bound.name, uid: bound.uid };
      if (bound.kind === 'Pod') {
        k8s.pod = ref;
        if (bound.node?.name) k8s.node = bound.node.uid ? { name: bound.node.name, uid: bound.node.uid } : { name: bound.node.name };
      } else if (bound.kind === 'Secret') {
        k8s.secret = ref;
      } else if (bound.kind === 'Node') {
        k8s.node = ref;
      } else {
        throw badRequest(`cannot bind token to object of kind ${String((bound as { kind: unknown }).kind)}`);
      }
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = now + expirationSeconds;
    const token = await new SignJWT({ 'kubernetes.io': k8s } as unknown as JWTPayload)
      .setProtectedHeader({ alg: this.signing.alg, kid: this.signing.kid })
      .setIssuer(this.issuer)
      .setSubject(`${SERVICE_ACCOUNT_USERNAME_PREFIX}${req.namespace}:${req.serviceAccountName}`)
      .setAudience(audiences)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.signingKey);
    return { token, expirationTimestamp: rfc3339Seconds(exp) };
  }
}

// ---------------------------------------------------------------------------------------------
// authentication

export interface ServiceAccountTokenAuthenticatorOptions {
  /** Receives why a token was refused (never the token); the client only ever sees "Unauthorized". */
  logger?: (message: string) => void;
  /** How long a verified signature and claim set is remembered; 0 turns the cache off. Default 10 s. */
  cacheTtlMs?: number;
  /** Bound on remembered tokens. Default 10,000. */
  maxCacheEntries?: number;
  /** Clock in milliseconds since the epoch, for tests. */
  now?: () => number;
}

interface VerifiedClaims {
  jti?: string;
  aud: string[];
  k8s: KubernetesClaims;
}

interface CacheEntry {
  claims: VerifiedClaims;
  expiresAtMs: number;
}

class Refused extends Error {}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function parseRef(v: unknown, what: string, uidRequired: boolean): ObjectRef | undefined {
  if (v === undefined) return undefined;
  const r = asRecord(v);
  const name = r?.['name'];
  const uid = r?.['uid'];
  if (typeof name !== 'string' || name === '') throw new Refused(`token's ${what} reference has no name`);
  if (uid !== undefined && typeof uid !== 'string') throw new Refused(`token's ${what} reference has a malformed uid`);
  if (uidRequired && !uid) throw new Refused(`token's ${what} reference has no uid`);
  return { name, uid: uid ?? '' };
}

function parseKubernetesClaims(payload: JWTPayload): KubernetesClaims {
  const k = asRecord(payload['kubernetes.io']);
  if (!k) throw new Refused('token has no kubernetes.io claims');
  const namespace = k['namespace'];
  if (typeof namespace !== 'string' || namespace === '') throw new Refused('token names no namespace');
  const sa = parseRef(k['serviceaccount'], 'serviceaccount', true);
  if (!sa) throw new Refused('token names no service account');
  const claims: KubernetesClaims = { namespace, serviceaccount: sa };
  const pod = parseRef(k['pod'], 'pod', true);
  const secret = parseRef(k['secret'], 'secret', true);
  const node = parseRef(k['node'], 'node', !pod);
  if (secret && (pod || node)) throw new Refused('token is bound to more than one object');
  if (pod) claims.pod = pod;
  if (secret) claims.secret = secret;
  if (node) claims.node = node.uid ? node : { name: node.name };
  if (payload.sub !== `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${sa.name}`) throw new Refused('token subject does not match its service-account claims');
  return claims;
}

/** iss of a compact JWS, read without verifying anything: only to tell whether the token is ours. */
function unverifiedIssuer(token: string): string | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  try {
    const payload = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8')) as unknown;
    const iss = asRecord(payload)?.['iss'];
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

function isCompactJws(token: string): boolean {
  if (token.length > MAX_BEARER_TOKEN_LENGTH) return false;
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => p.length > 0);
}

export class ServiceAccountTokenAuthenticator implements Authenticator {
  readonly name = 'serviceaccount';
  private readonly cache = new Map<string, CacheEntry>();
  private readonly log: (message: string) => void;
  private readonly cacheTtlMs: number;
  private readonly maxCacheEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly issuer: ServiceAccountTokenIssuer,
    private readonly lookup: ObjectLookup,
    opts: ServiceAccountTokenAuthenticatorOptions = {},
  ) {
    this.log = opts.logger ?? (() => {});
    this.cacheTtlMs = opts.cacheTtlMs ?? 10_000;
    this.maxCacheEntries = opts.maxCacheEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  async authenticate(ctx: RequestContext): Promise<UserInfo | undefined> {
    const token = bearerToken(ctx);
    if (token === undefined) return undefined;
    return (await this.authenticateToken(token))?.user;
  }

  /**
   * Authenticates a bare token (the request path and TokenReview). `audiences` are the ones the
   * caller accepts, the API server's by default; the answer carries those the token was issued for.
   * Undefined when the token is not a JWT from our issuer; a 401 when it is ours but not valid.
   */
  async authenticateToken(token: string, audiences?: readonly string[]): Promise<{ user: UserInfo; audiences: string[] } | undefined> {
    if (!isCompactJws(token)) return undefined;
    const nowMs = this.now();
    try {
      const cacheKey = this.cacheTtlMs > 0 ? createHash('sha256').update(token).digest('base64') : '';
      let claims = this.cacheTtlMs > 0 ? this.cached(cacheKey, nowMs) : undefined;
      if (!claims) {
        if (unverifiedIssuer(token) !== this.issuer.issuer) return undefined;
        const verified = await this.verify(token, nowMs);
        claims = verified.claims;
        if (this.cacheTtlMs > 0) this.remember(cacheKey, claims, Math.min(nowMs + this.cacheTtlMs, verified.exp * 1000));
      }
      const accepted = audiences && audiences.length > 0 ? audiences : this.issuer.apiAudiences;
      const matching = claims.aud.filter((a) => accepted.includes(a));
      if (matching.length === 0) throw new Refused(`token audiences ${JSON.stringify(claims.aud)} do not include any of ${JSON.stringify(accepted)}`);
      await this.checkObjects(claims.k8s, nowMs);
      return { user: userFor(claims), audiences: matching };
    } catch (err) {
      if (err instanceof Refused) {
        this.log(`service-account token refused: ${err.message}`);
        throw unauthorized();
      }
      throw err;
    }
  }

  private cached(key: string, nowMs: number): VerifiedClaims | undefined {
    const entry = this.cache.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs > nowMs) return entry.claims;
    this.cache.delete(key);
    return undefined;
  }

  private remember(key: string, claims: VerifiedClaims, expiresAtMs: number): void {
    if (this.cache.size >= this.maxCacheEntries) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(key, { claims, expiresAtMs });
  }

  private async verify(token: string, nowMs: number): Promise<{ claims: VerifiedClaims; exp: number }> {
    const header = decodeHeader(token);
    if (!ALGORITHMS.includes(header.alg as ServiceAccountSigningAlgorithm)) throw new Refused(`token algorithm ${JSON.stringify(header.alg)} is not accepted`);
    // upstream tries every key; the kid only lets us start with the right one
    const keys = this.issuer.verificationKeys.filter((k) => k.alg === header.alg);
    const byKid = keys.find((k) => k.kid === header.kid);
    const candidates = byKid ? [byKid] : keys;
    // The signature is checked with node:crypto rather than jose: on Node 20 jose verifies through
    // WebCrypto at a few thousand tokens a second, node:crypto.verify several times faster.
    if (header.crit !== undefined) throw new Refused('token header has critical extensions, which are not supported');
    const [h, p, sig] = token.split('.') as [string, string, string];
    const signed = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(sig, 'base64url');
    const verifies = candidates.some((k) => cryptoVerify('sha256', signed, k.alg === 'ES256' ? { key: k.key, dsaEncoding: 'ieee-p1363' } : k.key, signature));
    if (!verifies) throw new Refused('token signature does not verify with any service-account key');
    let payload: JWTPayload;
    try {
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as JWTPayload;
    } catch {
      throw new Refused('token payload is not valid JSON');
    }
    if (!asRecord(payload)) throw new Refused('token payload is not a JSON object');
    if (payload.iss !== this.issuer.issuer) throw new Refused('token issuer is not ours');
    if (typeof payload.exp !== 'number') throw new Refused('token has no exp claim');
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new Refused('token has no sub claim');
    if (payload.exp + TOKEN_LEEWAY_SECONDS <= nowMs / 1000) throw new Refused('token has expired');
    if (typeof payload.nbf === 'number' && payload.nbf - TOKEN_LEEWAY_SECONDS > nowMs / 1000) throw new Refused('token is not valid yet (nbf)');
    const nowSec = nowMs / 1000;
    if (typeof payload.iat === 'number' && payload.iat > nowSec + TOKEN_LEEWAY_SECONDS) throw new Refused('token is issued in the future');
    const aud = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud.filter((a) => typeof a === 'string') : [];
    const claims: VerifiedClaims = { aud, k8s: parseKubernetesClaims(payload) };
    if (typeof payload.jti === 'string' && payload.jti !== '') claims.jti = payload.jti;
    return { claims, exp: payload.exp! };
  }

  /** The objects a token stands for must still exist as the same objects; looked up on every request. */
  private async checkObjects(k8s: KubernetesClaims, nowMs: number): Promise<void> {
    const deletedBefore = nowMs - TOKEN_LEEWAY_SECONDS * 1000;
    const ns = k8s.namespace;
    await this.checkObject('serviceaccounts', ns, k8s.serviceaccount, deletedBefore, `service account ${ns}/${k8s.serviceaccount.name}`);
    if (k8s.secret) await this.checkObject('secrets', ns, k8s.secret, deletedBefore, `bound secret ${ns}/${k8s.secret.name}`);
    if (k8s.pod) await this.checkObject('pods', ns, k8s.pod, deletedBefore, `bound pod ${ns}/${k8s.pod.name}`);
    // a pod-bound token's node is informational (upstream does not look it up); a node-bound token's is the binding
    else if (k8s.node) await this.checkObject('nodes', '', { name: k8s.node.name, uid: k8s.node.uid ?? '' }, deletedBefore, `bound node ${k8s.node.name}`);
  }

  private async checkObject(resource: string, namespace: string, ref: ObjectRef, deletedBefore: number, what: string): Promise<void> {
    let obj: Record<string, unknown> | undefined;
    try {
      obj = await this.lookup.get('', resource, namespace, ref.name);
    } catch (err) {
      throw new Refused(`${what} could not be read: ${(err as Error).message}`);
    }
    if (!obj) throw new Refused(`${what} no longer exists`);
    const uid = metadataString(obj, 'uid');
    if (uid !== ref.uid) throw new Refused(`${what} has UID ${JSON.stringify(uid ?? '')}, the token was issued for ${JSON.stringify(ref.uid)}`);
    const deletion = metadataString(obj, 'deletionTimestamp');
    if (deletion !== undefined) {
      const at = Date.parse(deletion);
      // the deletion grace (plus leeway) lets a terminating pod finish its work, as upstream
      if (Number.isNaN(at) || at < deletedBefore) throw new Refused(`${what} is being deleted`);
    }
  }
}

function decodeHeader(token: string): { alg?: unknown; kid?: unknown; crit?: unknown } {
  try {
    const h = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as unknown;
    const rec = asRecord(h);
    if (!rec) throw new Error('not an object');
    return rec;
  } catch {
    throw new Refused('token header is not valid JSON');
  }
}

function userFor(claims: VerifiedClaims): UserInfo {
  const { namespace, serviceaccount, pod, node } = claims.k8s;
  const extra: Record<string, string[]> = {};
  if (claims.jti) extra[EXTRA_CREDENTIAL_ID] = [`JTI=${claims.jti}`];
  if (pod) {
    extra[EXTRA_POD_NAME] = [pod.name];
    extra[EXTRA_POD_UID] = [pod.uid];
  }
  if (node) {
    extra[EXTRA_NODE_NAME] = [node.name];
    if (node.uid) extra[EXTRA_NODE_UID] = [node.uid];
  }
  const user: UserInfo = {
    username: `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${serviceaccount.name}`,
    uid: serviceaccount.uid,
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`, 'system:authenticated'],
  };
  if (Object.keys(extra).length > 0) user.extra = extra;
  return user;
}
