// Auditing on the request path: the policy decides each request's level once, when the caller is
// known, and every stage of the request (RequestReceived, ResponseStarted, ResponseComplete, Panic)
// becomes an audit.k8s.io/v1 Event handed to the backends.
import { StatusError, internalError, type StatusBody } from '../../api/status.js';
import type { Filter, RequestAudit, RequestContext } from '../context.js';
import { writeError } from '../responses.js';
import type {
  AuditBackend,
  AuditEvent,
  AuditLevel,
  AuditObjectReference,
  AuditPolicyEvaluator,
  AuditResponseStatus,
  AuditStage,
  AuditUserInfo,
} from '../../audit/types.js';
import { auditNowMicros, formatAuditMicros, omitManagedFieldsOf, type AuditMetrics } from '../../audit/index.js';
import { PATCH_ANNOTATION_PREFIX } from '../../admission/webhook/mutating.js';

export interface AuditFilterOptions {
  policy: AuditPolicyEvaluator;
  /** Each backend in its own mode: batch ones are not waited for, blocking ones are, blocking-strict ones can refuse a request. */
  backends: readonly AuditBackend[];
  metrics?: AuditMetrics;
}

/** The two places of auditing on the chain (see handler-chain.ts). */
export interface AuditFilters {
  /** Wraps authentication and everything after it, so that a request refused anywhere is audited with its status. */
  outer: Filter;
  /** Right after authentication: decides the level for the authenticated caller and records RequestReceived. */
  afterAuthentication: Filter;
}

const RANK: Record<AuditLevel, number> = { None: 0, Metadata: 1, Request: 2, RequestResponse: 3 };
const NO_USER: AuditUserInfo = Object.freeze({ username: '' }) as AuditUserInfo;
/** Webhook patches can carry object contents, so like the objects themselves they need level Request. */
const PATCH_ANNOTATION = `${PATCH_ANNOTATION_PREFIX}/`;
const noop = () => undefined;

/**
 * Hands events to the backends: batch ones are not waited for; blocking ones are; a blocking-strict
 * one that could not record the event makes `record` resolve false.
 */
class Sink {
  private readonly unwaited: AuditBackend[];
  private readonly waited: AuditBackend[];
  private readonly strictCount: number;

  constructor(
    backends: readonly AuditBackend[],
    readonly metrics: AuditMetrics | undefined,
  ) {
    this.unwaited = backends.filter((b) => b.mode === 'batch');
    this.waited = backends.filter((b) => b.mode !== 'batch');
    this.strictCount = backends.filter((b) => b.mode === 'blocking-strict').length;
  }

  /** Undefined when there is nothing to wait for (the common, cheap case of batch backends). */
  record(ev: AuditEvent): Promise<boolean> | undefined {
    this.metrics?.eventProcessed(ev.level);
    for (const b of this.unwaited) b.process(ev).catch(noop);
    const waited = this.waited;
    if (waited.length === 0) return undefined;
    if (waited.length === 1) {
      const p = waited[0]!.process(ev);
      // a blocking (not strict) backend that dropped the event does not fail the request
      return this.strictCount === 0 ? p.then(() => true, () => true) : p.catch(() => false);
    }
    return Promise.all(waited.map((b) => b.process(ev).then((ok) => ok || b.mode !== 'blocking-strict', () => b.mode !== 'blocking-strict'))).then((oks) =>
      oks.every(Boolean),
    );
  }
}

function sourceIPs(ctx: RequestContext): string[] {
  // only the peer of the connection: X-Forwarded-For and X-Real-Ip are set by whoever sends the
  // request and would let a caller put any address into the audit log
  const a = ctx.req.socket.remoteAddress;
  if (!a) return [];
  return [a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a];
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

// Every objectRef has the same fields in kube's order (absent ones undefined, which JSON leaves out):
// one object shape is cheaper to build and to serialize.
function objectRefOf(ctx: RequestContext): AuditObjectReference | undefined {
  const i = ctx.info;
  if (!i.isResourceRequest) return undefined;
  return {
    resource: i.resource || undefined,
    namespace: i.namespace || undefined,
    name: i.name || undefined,
    uid: undefined,
    apiGroup: i.apiGroup || undefined,
    apiVersion: i.apiVersion || undefined,
    resourceVersion: undefined,
    subresource: i.subresource || undefined,
  };
}

function metadataOf(obj: unknown): Record<string, unknown> | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const m = (obj as Record<string, unknown>)['metadata'];
  return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Record<string, unknown>) : undefined;
}

/** Kube-apiserver's wording for the event of a request whose credentials were refused. */
function authenticationFailure(ctx: RequestContext): string {
  const methods: string[] = [];
  const auth = String(ctx.req.headers.authorization ?? '').trim();
  const scheme = auth.split(' ')[0]!.toLowerCase();
  if (scheme === 'basic') methods.push('basic');
  if (scheme === 'bearer' && auth.includes(' ')) methods.push('bearer');
  const socket = ctx.req.socket as Partial<RequestContext['socket']>;
  const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  if (peer && Object.keys(peer).length > 0) methods.push('x509');
  return methods.length ? `Authentication failed, attempted: ${methods.join(', ')}` : 'Authentication failed, no credentials provided';
}

class AuditRecord implements RequestAudit {
  level: AuditLevel = 'None';
  private rank = 0;
  private decided = false;
  /** A blocking-strict backend refused RequestReceived: the request failed and nothing more is recorded. */
  private refused = false;
  private omitStages: readonly AuditStage[] = [];
  private omitManagedFields = false;
  private readonly receivedMicros = auditNowMicros();
  private receivedAt: string | undefined;
  private sources: string[] | undefined;
  private objectRef: AuditObjectReference | undefined;
  /** An event holds the current objectRef: completing it must make a new one. */
  private objectRefShared = false;
  private request: { body: unknown } | undefined;
  private response: { body: unknown } | undefined;
  private status: StatusBody | undefined;

  constructor(
    private readonly ctx: RequestContext,
    private readonly sink: Sink,
    private readonly policy: AuditPolicyEvaluator,
  ) {}

  /** Evaluates the policy, once, for the authenticated caller (or nobody when authentication failed). */
  decide(user: AuditUserInfo): void {
    if (this.decided) return;
    this.decided = true;
    const i = this.ctx.info;
    const d = this.policy.evaluate(
      i.isResourceRequest
        ? { user, verb: i.verb, isResourceRequest: true, path: i.path, namespace: i.namespace, apiGroup: i.apiGroup, resource: i.resource, subresource: i.subresource, name: i.name }
        : { user, verb: i.verb, isResourceRequest: false, path: i.path },
    );
    this.level = d.level;
    this.rank = RANK[d.level];
    if (this.rank === 0) return;
    this.omitStages = d.omitStages;
    this.omitManagedFields = d.omitManagedFields;
    this.objectRef = objectRefOf(this.ctx);
  }

  requestObject(body: unknown, patch = false): void {
    if (this.rank === 0 || !this.ctx.info.isResourceRequest) return;
    if (!patch) this.completeObjectRef(metadataOf(body), true);
    if (this.rank >= 2) this.request = { body };
  }

  responseObject(body: unknown): void {
    if (this.rank === 0 || !this.ctx.info.isResourceRequest) return;
    const meta = metadataOf(body);
    // a single object (lists and Status carry no uid): its uid and resourceVersion identify what was served
    if (meta && typeof meta['uid'] === 'string') this.completeObjectRef(meta, false);
    if (this.rank === 3) this.response = { body };
  }

  responseStatus(status: StatusBody): void {
    this.status = status;
  }

  responseStarted(): void {
    if (!this.active('ResponseStarted')) return;
    void this.sink.record(this.event('ResponseStarted', { metadata: {}, code: this.ctx.statusCode ?? this.ctx.res.statusCode }));
  }

  /** Undefined when nothing has to be waited for. */
  received(): Promise<void> | undefined {
    this.decide(this.ctx.user ?? NO_USER);
    if (!this.active('RequestReceived')) return undefined;
    const wait = this.sink.record(this.event('RequestReceived'));
    return wait?.then((ok) => {
      if (ok) return;
      this.refused = true;
      this.sink.metrics?.requestRejected?.();
      throw internalError('failed to store audit event: the audit backend runs in blocking-strict mode, so a request it cannot record is refused; see the server log for why it failed');
    });
  }

  async complete(): Promise<void> {
    if (!this.decided) {
      // the request ended before anyone was authenticated: one event, as kube-apiserver writes for failed authentication
      this.decide(NO_USER);
      if (!this.active('ResponseStarted')) return;
      const rs = this.responseStatusOf();
      if (rs.code === 401) rs.message = authenticationFailure(this.ctx);
      await this.sink.record(this.event('ResponseStarted', rs));
      return;
    }
    if (!this.active('ResponseComplete')) return;
    const wait = this.sink.record(this.event('ResponseComplete', this.responseStatusOf()));
    if (wait) await wait;
  }

  async panic(err: unknown): Promise<void> {
    this.decide(this.ctx.impersonator ?? this.ctx.user ?? NO_USER);
    if (!this.active('Panic')) return;
    const message = `APIServer panic'd: ${err instanceof Error ? err.message : String(err)}`;
    await this.sink.record(this.event('Panic', { metadata: {}, status: 'Failure', reason: 'InternalError', message, code: 500 }));
  }

  private active(stage: AuditStage): boolean {
    return this.rank > 0 && !this.refused && !this.omitStages.includes(stage);
  }

  private completeObjectRef(meta: Record<string, unknown> | undefined, names: boolean): void {
    const ref = this.objectRef;
    if (!meta || !ref) return;
    const namespace = names && !ref.namespace ? nonEmpty(meta['namespace']) : undefined;
    const name = names && !ref.name ? nonEmpty(meta['name']) : undefined;
    const uid = ref.uid ? undefined : nonEmpty(meta['uid']);
    const resourceVersion = ref.resourceVersion ? undefined : nonEmpty(meta['resourceVersion']);
    if (namespace === undefined && name === undefined && uid === undefined && resourceVersion === undefined) return;
    // an event already handed to a backend (a batch one may hold it a while) keeps what it had
    const out = this.objectRefShared ? { ...ref } : ref;
    if (namespace !== undefined) out.namespace = namespace;
    if (name !== undefined) out.name = name;
    if (uid !== undefined) out.uid = uid;
    if (resourceVersion !== undefined) out.resourceVersion = resourceVersion;
    this.objectRef = out;
    this.objectRefShared = false;
  }

  private responseStatusOf(): AuditResponseStatus {
    const code = this.ctx.statusCode ?? this.ctx.res.statusCode;
    const s = this.status;
    if (s && s.status === 'Failure') return { metadata: {}, status: s.status, message: s.message, reason: s.reason, code: s.code || code };
    return { metadata: {}, code };
  }

  private event(stage: AuditStage, responseStatus?: AuditResponseStatus): AuditEvent {
    const ctx = this.ctx;
    this.receivedAt ??= formatAuditMicros(this.receivedMicros);
    this.sources ??= sourceIPs(ctx);
    if (this.objectRef) this.objectRefShared = true;
    let requestObject: unknown;
    let responseObject: unknown;
    if (this.request) requestObject = this.omitManagedFields ? omitManagedFieldsOf(this.request.body) : this.request.body;
    if (this.response) responseObject = this.omitManagedFields ? omitManagedFieldsOf(this.response.body) : this.response.body;
    return {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: this.level,
      auditID: ctx.auditID,
      stage,
      requestURI: ctx.req.url ?? '/',
      verb: ctx.info.verb,
      // the authenticated caller; whom they act as goes to impersonatedUser
      user: ctx.impersonator ?? ctx.user ?? NO_USER,
      impersonatedUser: ctx.impersonator ? ctx.user : undefined,
      sourceIPs: this.sources,
      userAgent: ctx.req.headers['user-agent'],
      objectRef: this.objectRef,
      responseStatus,
      requestObject,
      responseObject,
      requestReceivedTimestamp: this.receivedAt,
      stageTimestamp: formatAuditMicros(auditNowMicros()),
      annotations: this.annotations(),
    };
  }

  /** A copy: plugins keep adding annotations after an earlier stage's event has been handed over. */
  private annotations(): Record<string, string> | undefined {
    const all = this.ctx.auditAnnotations;
    let out: Record<string, string> | undefined;
    for (const k in all) {
      if (this.rank < 2 && k.startsWith(PATCH_ANNOTATION)) continue;
      (out ??= {})[k] = all[k]!;
    }
    return out;
  }
}

export function auditFilters(opts: AuditFilterOptions): AuditFilters {
  const sink = new Sink(opts.backends, opts.metrics);
  const outer: Filter = async (ctx, next) => {
    const record = new AuditRecord(ctx, sink, opts.policy);
    ctx.audit = record;
    try {
      await next(ctx);
    } catch (err) {
      if (!(err instanceof StatusError)) {
        // the recovery filter outside answers 500 and logs; the event says the request panicked
        await record.panic(err);
        throw err;
      }
      // written here, not by the recovery filter, so that the event records the refused status
      writeError(ctx, err);
    }
    await record.complete();
  };
  const afterAuthentication: Filter = (ctx, next) => {
    const record = ctx.audit;
    if (record instanceof AuditRecord) {
      const wait = record.received();
      if (wait) return wait.then(() => next(ctx));
    }
    return next(ctx);
  };
  return { outer, afterAuthentication };
}
