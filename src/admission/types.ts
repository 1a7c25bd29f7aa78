// The admission interface: what every plugin (built-in, in-process or webhook) sees and returns.
// Mutating plugins (`admit`) may change `object` in place; validating plugins (`validate`) may only
// refuse by throwing a StatusError. Both may add client warnings and audit annotations.
import type { ResourceInfo } from '../api/catalogue.js';
import type { UserInfo } from '../endpoints/context.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  operation: AdmissionOperation;
  resource: ResourceInfo;
  subresource: string;
  namespace: string;
  name: string;
  /** The object being admitted (mutating plugins may change it in place). Undefined for DELETE. */
  object?: Record<string, unknown>;
  /** The stored object for UPDATE and DELETE. */
  oldObject?: Record<string, unknown>;
  user: UserInfo;
  dryRun: boolean;
  /** Warnings for the client (`Warning:` headers); plugins push to it. */
  warnings: string[];
  /** Audit annotations (key → value) for the request's audit event; plugins set them. */
  auditAnnotations: Record<string, string>;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Mutating phase; runs before validation. */
  admit?(attrs: AdmissionAttributes): Promise<void>;
  /** Validating phase; runs after object validation. Throw a StatusError to deny. */
  validate?(attrs: AdmissionAttributes): Promise<void>;
}

/** Read access to stored objects for plugins (the registry's view, after authorization). */
export interface AdmissionLookup {
  get(group: string, resource: string, namespace: string, name: string): Promise<Record<string, unknown> | undefined>;
  /** Every object of a resource in a namespace ('' = all namespaces, or cluster-scoped). */
  list(group: string, resource: string, namespace: string): Promise<Record<string, unknown>[]>;
}
