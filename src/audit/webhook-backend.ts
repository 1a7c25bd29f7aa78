// The audit webhook backend (--audit-webhook-*): POSTs audit.k8s.io/v1 EventList batches to the
// receiver named in a kubeconfig file, with retries, throttling and a hard bound on memory.
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { parse as parseYaml } from 'yaml';
import { pemDecodeAll } from '../pki/certs.js';
import { BatchQueue, DEFAULT_BATCH_OPTIONS, type BatchOptions, type QueuedEvent, RateLimitedReporter, resolveBatchOptions } from './batch.js';
import type { AuditMetrics } from './metrics.js';
import type { AuditBackend, AuditBackendStats, AuditEvent, AuditMode } from './types.js';

export interface WebhookBackendOptions extends Partial<BatchOptions> {
  /** kubeconfig naming the receiver: cluster server URL and CA, user client certificate or token. */
  configFile: string;
  /** Default `batch`, kube's default for the webhook backend. */
  mode?: AuditMode;
  /** Wait before the first retry of a failed POST; later waits grow 1.5 times. Default 10 s. */
  initialBackoffMs?: number;
  /** POST attempts per batch before its events are dropped. Default 5. */
  maxAttempts?: number;
  /** Deadline of one POST, so a receiver that hangs cannot hold a batch forever. Default 30 s. */
  requestTimeoutMs?: number;
  /** How long shutdown waits for buffered events to be delivered. Default 10 s. */
  shutdownTimeoutMs?: number;
  metrics?: AuditMetrics;
  /** Server log: configuration warnings, delivery failures, drops. */
  log: (msg: string) => void;
}

/** The receiver, as read from the kubeconfig. */
export interface WebhookClientConfig {
  url: URL;
  /** PEM CA bundle; absent = the system's roots. */
  ca?: string;
  /** PEM client certificate and key. */
  cert?: string;
  key?: string;
  token?: string;
  /** tls-server-name: the name the receiver's certificate must carry, if not the URL's host. */
  servername?: string;
}

const PLUGIN = 'webhook';
const REPORT_INTERVAL_MS = 10_000;
const MAX_ERROR_BODY = 4096;
const EVENT_LIST_HEAD = '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[';
const EVENT_LIST_TAIL = ']}';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function named(list: unknown, field: string, name: string | undefined, what: string, fail: (m: string) => never): { value: Obj; path: string } | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) fail(`${field}: must be a list`);
  const entries = list as unknown[];
  const index =
    name === undefined ? (entries.length === 1 ? 0 : -1) : entries.findIndex((e) => isObject(e) && e['name'] === name);
  if (index < 0) {
    if (name === undefined) {
      if (entries.length === 0) return undefined;
      fail(`${field}: ${entries.length} entries and no current-context to choose one`);
    }
    fail(`${field}: no ${what} named ${JSON.stringify(name)}`);
  }
  const entry = entries[index];
  if (!isObject(entry) || !isObject(entry[what])) fail(`${field}[${index}].${what}: must be a mapping`);
  return { value: (entry as Obj)[what] as Obj, path: `${field}[${index}].${what}` };
}

/**
 * Reads the receiver from a kubeconfig (kube's --audit-webhook-config-file format): the cluster
 * and user of current-context (or the only ones), files relative to the kubeconfig's folder.
 * Settings that would weaken or bypass TLS, or credentials we cannot use, are refused.
 */
export async function loadWebhookKubeconfig(configFile: string): Promise<WebhookClientConfig> {
  const fail = (msg: string): never => {
    throw new Error(`audit webhook config ${configFile}: ${msg}`);
  };
  let text: string;
  try {
    text = await fs.readFile(configFile, 'utf8');
  } catch (err) {
    return fail(`cannot read: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    return fail(`not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) return fail('must be a kubeconfig (a mapping with clusters, users and contexts)');
  const baseDir = path.dirname(path.resolve(configFile));

  let clusterName: string | undefined;
  let userName: string | undefined;
  const current = doc['current-context'];
  if (typeof current === 'string' && current !== '') {
    const ctx = named(doc['contexts'], 'contexts', current, 'context', fail);
    if (!ctx) return fail(`current-context ${JSON.stringify(current)} is not among contexts`);
    clusterName = typeof ctx.value['cluster'] === 'string' ? ctx.value['cluster'] : undefined;
    userName = typeof ctx.value['user'] === 'string' ? ctx.value['user'] : undefined;
    if (!clusterName) fail(`${ctx.path}.cluster: Required value`);
  } else {
    const ctx = named(doc['contexts'], 'contexts', undefined, 'context', fail);
    if (ctx) {
      clusterName = typeof ctx.value['cluster'] === 'string' ? ctx.value['cluster'] : undefined;
      userName = typeof ctx.value['user'] === 'string' ? ctx.value['user'] : undefined;
    }
  }
  const cluster = named(doc['clusters'], 'clusters', clusterName, 'cluster', fail);
  if (!cluster) return fail('clusters: Required value: a cluster with the receiver\'s server URL');
  const c = cluster.value;
  const server = c['server'];
  if (typeof server !== 'string' || server === '') return fail(`${cluster.path}.server: Required value: the receiver's URL`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return fail(`${cluster.path}.server: Invalid value: ${JSON.stringify(server)}: not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return fail(`${cluster.path}.server: Invalid value: ${JSON.stringify(server)}: must be an https:// URL`);
  }
  if (c['insecure-skip-tls-verify'] === true) {
    fail(`${cluster.path}.insecure-skip-tls-verify: Forbidden: audit events would go to whoever answers; give certificate-authority or certificate-authority-data instead`);
  }
  if (c['proxy-url'] !== undefined) fail(`${cluster.path}.proxy-url: Forbidden: proxies are not supported for the audit webhook`);

  const readRef = async (p: string, dataKey: string, fileKey: string, obj: Obj): Promise<string | undefined> => {
    const data = obj[dataKey];
    const file = obj[fileKey];
    if (data !== undefined && file !== undefined) fail(`${p}: ${dataKey} and ${fileKey} are both set; give one`);
    if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64').toString('utf8');
    if (typeof file === 'string' && file !== '') {
      try {
        return await fs.readFile(path.resolve(baseDir, file), 'utf8');
      } catch (err) {
        return fail(`${p}.${fileKey}: cannot read ${file}: ${(err as Error).message}`);
      }
    }
    return undefined;
  };

  const config: WebhookClientConfig = { url };
  config.ca = await readRef(cluster.path, 'certificate-authority-data', 'certificate-authority', c);
  if (typeof c['tls-server-name'] === 'string' && c['tls-server-name'] !== '') config.servername = c['tls-server-name'];

  const user = named(doc['users'], 'users', userName, 'user', fail);
  if (user) {
    const u = user.value;
    for (const k of ['exec', 'auth-provider', 'username', 'password', 'as', 'as-groups', 'impersonate', 'impersonate-groups']) {
      if (u[k] !== undefined) fail(`${user.path}.${k}: Forbidden: not supported for the audit webhook; use a client certificate or a token`);
    }
    config.cert = await readRef(user.path, 'client-certificate-data', 'client-certificate', u);
    config.key = await readRef(user.path, 'client-key-data', 'client-key', u);
    if ((config.cert === undefined) !== (config.key === undefined)) {
      fail(`${user.path}: a client certificate needs its key and a key its certificate`);
    }
    const token = u['token'];
    const tokenFile = u['tokenFile'];
    if (typeof token === 'string' && token !== '') config.token = token;
    else if (typeof tokenFile === 'string' && tokenFile !== '') {
      try {
        config.token = (await fs.readFile(path.resolve(baseDir, tokenFile), 'utf8')).trim();
      } catch (err) {
        fail(`${user.path}.tokenFile: cannot read ${tokenFile}: ${(err as Error).message}`);
      }
    }
  }
  // Refuse now what every POST would fail on later (in blocking-strict mode, every request).
  if (config.ca !== undefined) {
    const certs = pemDecodeAll(config.ca, 'CERTIFICATE');
    try {
      if (certs.length === 0) throw new Error('no PEM certificate found');
      for (const der of certs) new X509Certificate(der);
    } catch (err) {
      fail(`${cluster.path}.certificate-authority: not a PEM CA bundle (${(err as Error).message})`);
    }
  }
  if (config.cert !== undefined && config.key !== undefined) {
    try {
      createSecureContext({ cert: config.cert, key: config.key });
    } catch (err) {
      fail(`${user?.path ?? 'users'}: the client certificate and key cannot be used together (${(err as Error).message})`);
    }
  }
  return config;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

interface PostResult {
  ok: boolean;
  retryable: boolean;
  detail: string;
}

/** Loads the kubeconfig and returns the backend; nothing is sent until events arrive. */
export async function createWebhookBackend(opts: WebhookBackendOptions): Promise<AuditBackend> {
  const client = await loadWebhookKubeconfig(opts.configFile);
  if (client.url.protocol === 'http:') {
    opts.log(
      `audit webhook ${client.url.origin} uses plain http: audit events (users, resources, request bodies` +
        `${client.token ? ', and the bearer token' : ''}) travel unencrypted${isLoopback(client.url.hostname) ? ' over loopback' : ' over the network'}; ` +
        'use an https:// server URL',
    );
  }
  return new WebhookBackend(opts, client);
}

class WebhookBackend implements AuditBackend {
  readonly name = PLUGIN;
  readonly mode: AuditMode;
  readonly #queue: BatchQueue;
  readonly #agent: http.Agent;
  readonly #failures: RateLimitedReporter;
  readonly #drops: RateLimitedReporter;
  readonly #initialBackoffMs: number;
  readonly #maxAttempts: number;
  readonly #timeoutMs: number;
  #lastError = '';

  constructor(
    private readonly opts: WebhookBackendOptions,
    private readonly client: WebhookClientConfig,
  ) {
    this.mode = opts.mode ?? 'batch';
    const batch = resolveBatchOptions(opts, DEFAULT_BATCH_OPTIONS);
    this.#initialBackoffMs = opts.initialBackoffMs ?? 10_000;
    this.#maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.#timeoutMs = opts.requestTimeoutMs ?? 30_000;
    // One batch is in flight at a time; a second socket only covers a reconnect.
    this.#agent =
      client.url.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 2, ca: client.ca, cert: client.cert, key: client.key, servername: client.servername, minVersion: 'TLSv1.2' })
        : new http.Agent({ keepAlive: true, maxSockets: 2 });
    const where = client.url.origin;
    this.#failures = new RateLimitedReporter(
      opts.log,
      REPORT_INTERVAL_MS,
      (n, s) => `audit webhook ${where}: ${n} more events could not be delivered in the last ${s}s (last error: ${this.#lastError})`,
    );
    this.#drops = new RateLimitedReporter(opts.log, REPORT_INTERVAL_MS, (n, s) => `audit webhook buffer full: dropped ${n} events in the last ${s}s`);
    this.#queue = new BatchQueue({
      mode: this.mode,
      bufferSize: batch.bufferSize,
      maxBatchSize: batch.maxBatchSize,
      maxBatchWaitMs: batch.maxBatchWaitMs,
      throttle: batch.throttleEnabled ? { qps: batch.throttleQPS, burst: batch.throttleBurst } : undefined,
      send: (events, signal) => this.#deliver(events, signal),
      onDrop: (n, reason) => {
        opts.metrics?.eventsFailed(PLUGIN, n);
        if (reason === 'buffer-full') {
          this.#drops.report(n, () => `audit webhook buffer full (${batch.bufferSize} events, ${where} is not keeping up): dropping events`);
        }
      },
    });
  }

  process(event: AuditEvent): Promise<boolean> {
    return this.#queue.offerEvent(event, JSON.stringify, (why) => {
      this.#lastError = why;
      this.#failures.report(1, () => `audit webhook: ${why}`);
    });
  }

  async #deliver(events: QueuedEvent[], signal: AbortSignal): Promise<boolean> {
    let body = EVENT_LIST_HEAD;
    for (let i = 0; i < events.length; i++) body += i === 0 ? events[i]!.line : `,${events[i]!.line}`;
    body += EVENT_LIST_TAIL;
    let delay = this.#initialBackoffMs;
    let result: PostResult = { ok: false, retryable: false, detail: 'not sent' };
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      result = await this.#post(body, signal);
      if (result.ok) return true;
      if (signal.aborted || !result.retryable || attempt === this.#maxAttempts) break;
      // ±20% jitter so that several servers do not retry in step.
      await sleep(delay * (0.8 + Math.random() * 0.4), signal);
      if (signal.aborted) break;
      delay *= 1.5;
    }
    this.#lastError = result.detail;
    this.#failures.report(events.length, () => `audit webhook ${this.client.url.origin}: ${events.length} events dropped: ${result.detail}`);
    return false;
  }

  #post(body: string, signal: AbortSignal): Promise<PostResult> {
    const url = this.client.url;
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'Content-Length': Buffer.byteLength(body),
    };
    if (this.client.token) headers['Authorization'] = `Bearer ${this.client.token}`;
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<PostResult>((resolve) => {
      let settled = false;
      const finish = (r: PostResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const req = mod.request(url, { method: 'POST', agent: this.#agent, headers }, (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          // Only the start of an error answer is kept, for the log.
          if (size < MAX_ERROR_BODY) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          if (status >= 200 && status < 300) return finish({ ok: true, retryable: false, detail: '' });
          const text = Buffer.concat(chunks).toString('utf8').slice(0, 200).replace(/\s+/g, ' ').trim();
          finish({ ok: false, retryable: status === 429 || status >= 500, detail: `HTTP ${status}${text ? `: ${text}` : ''}` });
        });
        res.on('error', (err) => finish({ ok: false, retryable: true, detail: err.message }));
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      const onAbort = (): void => {
        req.destroy(new Error('audit backend shutting down'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) => finish({ ok: false, retryable: true, detail: err.message }));
      if (signal.aborted) onAbort();
      req.end(body);
    });
  }

  stats(): AuditBackendStats {
    return this.#queue.stats();
  }

  async shutdown(): Promise<void> {
    await this.#queue.close(this.opts.shutdownTimeoutMs ?? 10_000);
    this.#failures.stop();
    this.#drops.stop();
    this.#agent.destroy();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
