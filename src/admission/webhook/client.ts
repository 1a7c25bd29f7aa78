// AdmissionReview v1 over HTTPS: builds the request for one webhook, posts it with the webhook's
// CA bundle and deadline, and checks the answer before anyone acts on it.
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import type { AdmissionAttributes } from '../types.js';
import type { Webhook } from './config.js';

export const ADMISSION_REVIEW_API_VERSION = 'admission.k8s.io/v1';
/** Larger answers are refused: a webhook must not be able to make the server buffer without bound. */
export const MAX_RESPONSE_BYTES = 3 * 1024 * 1024;

/** Maps a service reference to the URL to call; undefined means the service cannot be reached. */
export type ServiceURLResolver = (namespace: string, name: string, port: number, path: string) => string | undefined;

/** A webhook could not be called or answered garbage: subject to the webhook's failurePolicy. */
export class WebhookCallError extends Error {
  constructor(
    readonly webhook: string,
    readonly reason: string,
  ) {
    super(`failed calling webhook "${webhook}": ${reason}`);
    this.name = 'WebhookCallError';
  }
}

export interface AdmissionResponseStatus {
  code?: number;
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

/** The parts of a webhook's AdmissionResponse that the dispatcher acts on, already checked. */
export interface WebhookResponse {
  allowed: boolean;
  status?: AdmissionResponseStatus;
  /** Base64 JSONPatch (mutating webhooks only; patchType was JSONPatch). */
  patch?: string;
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

const OPTIONS_KIND: Record<string, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' };

/** The AdmissionReview v1 request for one call; `uid` is fresh for every call, as upstream does. */
export function buildAdmissionReview(attrs: AdmissionAttributes, uid: string = randomUUID()): Record<string, unknown> {
  const r = attrs.resource;
  const kind = { group: r.group, version: r.version, kind: r.kind };
  const resource = { group: r.group, version: r.version, resource: r.resource };
  const userInfo: Record<string, unknown> = { username: attrs.user.username };
  if (attrs.user.uid) userInfo['uid'] = attrs.user.uid;
  if (attrs.user.groups.length) userInfo['groups'] = attrs.user.groups;
  if (attrs.user.extra && Object.keys(attrs.user.extra).length) userInfo['extra'] = attrs.user.extra;
  const request: Record<string, unknown> = {
    uid,
    kind,
    resource,
    requestKind: kind,
    requestResource: resource,
    name: attrs.name,
    operation: attrs.operation,
    userInfo,
    object: attrs.object ?? null,
    oldObject: attrs.oldObject ?? null,
    dryRun: attrs.dryRun,
  };
  if (attrs.subresource) {
    request['subResource'] = attrs.subresource;
    request['requestSubResource'] = attrs.subresource;
  }
  if (attrs.namespace) request['namespace'] = attrs.namespace;
  const optionsKind = OPTIONS_KIND[attrs.operation];
  if (optionsKind) {
    const options: Record<string, unknown> = { kind: optionsKind, apiVersion: 'meta.k8s.io/v1' };
    if (attrs.dryRun) options['dryRun'] = ['All'];
    request['options'] = options;
  }
  return { kind: 'AdmissionReview', apiVersion: ADMISSION_REVIEW_API_VERSION, request };
}

/** Where to send a webhook's requests and which name its certificate must carry. */
export interface WebhookTarget {
  url: URL;
  /** For service references: `<name>.<namespace>.svc`, whatever address the resolver returned. */
  servername?: string;
}

export function webhookTarget(hook: Webhook, resolve: ServiceURLResolver | undefined): WebhookTarget {
  const cc = hook.clientConfig;
  let raw: string;
  let servername: string | undefined;
  if (cc.url !== undefined) {
    raw = cc.url;
  } else if (cc.service) {
    const { namespace, name } = cc.service;
    const port = cc.service.port ?? 443;
    const path = cc.service.path ?? '/';
    const resolved = resolve ? resolve(namespace, name, port, path) : `https://${name}.${namespace}.svc:${port}${path}`;
    if (resolved === undefined) throw new WebhookCallError(hook.name, `unable to resolve service "${namespace}/${name}" port ${port}`);
    raw = resolved;
    servername = `${name}.${namespace}.svc`;
  } else {
    throw new WebhookCallError(hook.name, 'clientConfig has neither url nor service');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookCallError(hook.name, `invalid webhook URL ${JSON.stringify(raw)}`);
  }
  // Admission data (objects, user identities) never travels in clear text.
  if (url.protocol !== 'https:') throw new WebhookCallError(hook.name, `webhook URL ${JSON.stringify(raw)} must use https`);
  return { url, servername };
}

// Keep-alive agents per CA bundle, so that a busy webhook does not pay a TLS handshake per request.
const MAX_AGENTS = 64;
const agents = new Map<string, https.Agent>();

function agentFor(hook: Webhook): https.Agent {
  const bundle = hook.clientConfig.caBundle ?? '';
  let agent = agents.get(bundle);
  if (agent) return agent;
  let ca: string | undefined;
  if (bundle) {
    ca = Buffer.from(bundle, 'base64').toString('utf8');
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new WebhookCallError(hook.name, 'caBundle does not hold a PEM certificate');
    }
  }
  // Without a caBundle the system roots apply (Node's default trust store).
  agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca, minVersion: 'TLSv1.2' });
  if (agents.size >= MAX_AGENTS) {
    const [oldestKey, oldest] = agents.entries().next().value as [string, https.Agent];
    agents.delete(oldestKey);
    oldest.destroy();
  }
  agents.set(bundle, agent);
  return agent;
}

/** Closes idle keep-alive connections to webhooks (tests and shutdown). */
export function closeWebhookConnections(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'INVALID_CA',
]);

function describeNetworkError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const message = err instanceof Error ? err.message : String(e);
  if (err && typeof err.code === 'string' && TLS_VERIFY_CODES.has(err.code)) return `tls: failed to verify certificate: ${message}`;
  return message;
}

function post(hook: Webhook, target: WebhookTarget, body: string): Promise<{ status: number; text: string }> {
  const agent = agentFor(hook);
  const url = new URL(target.url);
  // kube-apiserver tells the webhook its deadline the same way.
  url.searchParams.set('timeout', `${hook.timeoutSeconds}s`);
  const shown = `Post "${url.href}"`;
  return new Promise((resolve, reject) => {
    let settled = false;
    let current: ReturnType<typeof https.request> | undefined;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new WebhookCallError(hook.name, `failed to call webhook: ${shown}: ${reason}`));
    };
    // One deadline for the whole call, retries included.
    const timer = setTimeout(() => {
      fail(`context deadline exceeded (no answer within timeoutSeconds=${hook.timeoutSeconds})`);
      current?.destroy();
    }, hook.timeoutSeconds * 1000);

    const attempt = (retried: boolean) => {
      let answered = false;
      const req = https.request(url, {
        method: 'POST',
        agent,
        servername: target.servername,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'Content-Length': Buffer.byteLength(body),
          'User-Agent': 'bulwark-admission',
        },
      });
      current = req;
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A kept-alive connection the webhook closed while idle: the request never reached it, so
        // sending it once more on a fresh connection is safe.
        if (!retried && !answered && !settled && req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
          attempt(true);
          return;
        }
        fail(describeNetworkError(e));
      });
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            fail(`response larger than ${MAX_RESPONSE_BYTES} bytes`);
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => fail(describeNetworkError(e)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(body);
    };
    attempt(false);
  });
}

function invalid(hook: Webhook, why: string): WebhookCallError {
  return new WebhookCallError(hook.name, `received invalid webhook response: ${why}`);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks an AdmissionReview answer the way kube-apiserver does before trusting any of it. */
export function parseAdmissionResponse(hook: Webhook, text: string, uid: string, mutating: boolean): WebhookResponse {
  let review: unknown;
  try {
    review = JSON.parse(text);
  } catch (e) {
    throw invalid(hook, `response is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(review)) throw invalid(hook, 'response is not a JSON object');
  if (review['apiVersion'] !== ADMISSION_REVIEW_API_VERSION || review['kind'] !== 'AdmissionReview') {
    throw invalid(
      hook,
      `expected webhook response of ${ADMISSION_REVIEW_API_VERSION}, Kind=AdmissionReview, got ${String(review['apiVersion'] ?? '')}, Kind=${String(review['kind'] ?? '')}`,
    );
  }
  const r = review['response'];
  if (!isRecord(r)) throw invalid(hook, 'webhook response was absent');
  if (r['uid'] !== uid) throw invalid(hook, `expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(r['uid'] ?? '')}`);
  if (r['allowed'] !== undefined && typeof r['allowed'] !== 'boolean') throw invalid(hook, 'response.allowed is not a boolean');
  const patch = r['patch'];
  const patchType = r['patchType'];
  if (patch !== undefined && patch !== null && typeof patch !== 'string') throw invalid(hook, 'response.patch is not a base64 string');
  if (!mutating) {
    if (patch) throw invalid(hook, 'validating webhook may not return response.patch');
    if (patchType !== undefined && patchType !== null) throw invalid(hook, 'validating webhook may not return response.patchType');
  } else if (patch) {
    if (patchType === undefined || patchType === null) throw invalid(hook, 'webhook returned response.patch but not response.patchType');
    if (patchType !== 'JSONPatch') throw invalid(hook, `webhook returned invalid response.patchType of ${JSON.stringify(patchType)}`);
  }
  const warnings = r['warnings'];
  if (warnings !== undefined && warnings !== null && !(Array.isArray(warnings) && warnings.every((w) => typeof w === 'string'))) {
    throw invalid(hook, 'response.warnings is not a list of strings');
  }
  const annotations = r['auditAnnotations'];
  if (annotations !== undefined && annotations !== null && !(isRecord(annotations) && Object.values(annotations).every((v) => typeof v === 'string'))) {
    throw invalid(hook, 'response.auditAnnotations is not a map of strings');
  }
  const status = r['status'];
  return {
    allowed: r['allowed'] === true,
    status: isRecord(status) ? (status as AdmissionResponseStatus) : undefined,
    patch: typeof patch === 'string' && patch !== '' ? patch : undefined,
    warnings: (warnings as string[] | undefined | null) ?? [],
    auditAnnotations: (annotations as Record<string, string> | undefined | null) ?? {},
  };
}

/** Sends the request to one webhook and returns its checked answer; throws WebhookCallError on any failure. */
export async function callWebhook(
  hook: Webhook,
  attrs: AdmissionAttributes,
  mutating: boolean,
  resolve: ServiceURLResolver | undefined,
): Promise<WebhookResponse> {
  if (!hook.admissionReviewVersions.includes('v1')) {
    throw new WebhookCallError(hook.name, `webhook does not accept AdmissionReview v1 (admissionReviewVersions: ${JSON.stringify(hook.admissionReviewVersions)})`);
  }
  const target = webhookTarget(hook, resolve);
  const uid = randomUUID();
  const body = JSON.stringify(buildAdmissionReview(attrs, uid));
  let answer: { status: number; text: string };
  try {
    answer = await post(hook, target, body);
  } catch (e) {
    if (e instanceof WebhookCallError) throw e;
    throw new WebhookCallError(hook.name, `failed to call webhook: ${describeNetworkError(e)}`);
  }
  if (answer.status < 200 || answer.status > 299) {
    const snippet = answer.text.length > 256 ? `${answer.text.slice(0, 256)}…` : answer.text;
    throw new WebhookCallError(hook.name, `the webhook answered HTTP ${answer.status}: ${snippet.trim() || '(empty body)'}`);
  }
  return parseAdmissionResponse(hook, answer.text, uid, mutating);
}
