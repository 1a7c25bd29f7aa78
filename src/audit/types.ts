// The audit.k8s.io/v1 shapes Bulwark writes, and the contract between the request path (which
// builds events) and the backends (which write them): a policy evaluator and an event sink.

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const AUDIT_LEVELS: readonly AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
export const AUDIT_STAGES: readonly AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

export interface AuditUserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AuditObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface AuditResponseStatus {
  metadata: Record<string, never>;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

/** One `audit.k8s.io/v1` Event. Timestamps are RFC 3339 with microseconds. */
export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: AuditLevel;
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: AuditUserInfo;
  impersonatedUser?: AuditUserInfo;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: AuditObjectReference;
  responseStatus?: AuditResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** What a policy rule can match on, taken from the request after authentication. */
export interface AuditAttributes {
  user: AuditUserInfo;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection; for non-resource requests the lower-case HTTP method verb kube uses (get, post, put, …). */
  verb: string;
  isResourceRequest: boolean;
  /** The URL path, for nonResourceURLs. */
  path: string;
  namespace?: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface AuditPolicyDecision {
  level: AuditLevel;
  /** Stages not to record (policy-level omitStages merged with the rule's). */
  omitStages: readonly AuditStage[];
  omitManagedFields: boolean;
}

/** A loaded policy: the first matching rule decides; no match means level None. */
export interface AuditPolicyEvaluator {
  evaluate(attrs: AuditAttributes): AuditPolicyDecision;
}

export type AuditMode = 'blocking' | 'blocking-strict' | 'batch';

/**
 * Where events go. `process` resolves true once the event is accepted by the backend's rules:
 * in blocking modes once it is written (or handed to the receiver), in batch mode once it is
 * queued. It resolves false when the event was dropped (buffer full, write failed); it never
 * rejects. In blocking-strict mode the request path fails a request whose RequestReceived event
 * resolved false.
 */
export interface AuditBackend {
  readonly name: string;
  readonly mode: AuditMode;
  process(event: AuditEvent): Promise<boolean>;
  /** Flushes what is buffered (bounded wait) and stops timers. */
  shutdown(): Promise<void>;
  /** Counters for tests, benchmarks and health checks; cheap to call. */
  stats?(): AuditBackendStats;
}

export interface AuditBackendStats {
  /** Events accepted but not yet written or delivered (buffered, or waiting for a write). */
  queued: number;
  /** Events given up on: buffer full, failed writes, failed deliveries after retries. */
  dropped: number;
  /** Events written to the file or accepted by the webhook receiver. */
  written: number;
}
