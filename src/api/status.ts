// Kubernetes Status errors: every error that reaches a client is one of these.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): StatusBody {
    const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** "pods" in the core group, "deployments.apps" elsewhere: how kube-apiserver names a resource in messages. */
export function qualifiedResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const badRequest = (message: string, details?: StatusDetails) => new StatusError(400, 'BadRequest', message, details);
export const unauthorized = (message = 'Unauthorized') => new StatusError(401, 'Unauthorized', message);
export const forbidden = (message: string, details?: StatusDetails) => new StatusError(403, 'Forbidden', message, details);
export const notFound = (group: string, resource: string, name: string) =>
  new StatusError(404, 'NotFound', `${qualifiedResource(group, resource)} "${name}" not found`, { name, group: group || undefined, kind: resource });
export const alreadyExists = (group: string, resource: string, name: string) =>
  new StatusError(409, 'AlreadyExists', `${qualifiedResource(group, resource)} "${name}" already exists`, { name, group: group || undefined, kind: resource });
export const conflict = (group: string, resource: string, name: string, why: string) =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${why}`, { name, group: group || undefined, kind: resource });
export const gone = (message: string) => new StatusError(410, 'Expired', message);
export const tooLarge = (message: string) => new StatusError(413, 'RequestEntityTooLarge', message);
export const unsupportedMediaType = (message: string) => new StatusError(415, 'UnsupportedMediaType', message);
export const notAcceptable = (message: string) => new StatusError(406, 'NotAcceptable', message);
export const methodNotAllowed = (message: string) => new StatusError(405, 'MethodNotAllowed', message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new StatusError(429, 'TooManyRequests', message, { retryAfterSeconds });
export const internalError = (message: string) => new StatusError(500, 'InternalError', `Internal error occurred: ${message}`);
export const serviceUnavailable = (message: string) => new StatusError(503, 'ServiceUnavailable', message);

/** 422 Invalid: `Kind "name" is invalid: field: Invalid value: …`, as kube-apiserver words it. */
export function invalid(group: string, kind: string, name: string, causes: StatusCause[]): StatusError {
  const listed = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message ?? '')).join(', ');
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const message = causes.length === 1 ? `${qualifiedKind} "${name}" is invalid: ${listed}` : `${qualifiedKind} "${name}" is invalid: [${listed}]`;
  return new StatusError(422, 'Invalid', message, { name, group: group || undefined, kind, causes });
}
