// The admission interface: what every plugin (built-in, in-process or webhook) sees and returns.
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
  oldObject?: Record<string, unknown>;
  user: UserInfo;
  dryRun: boolean;
  /** Warnings for the client; plugins push to it. */
  warnings: string[];
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Mutating phase; runs before validation. */
  admit?(attrs: AdmissionAttributes): Promise<void>;
  /** Validating phase; runs after object validation. Throw a StatusError to deny. */
  validate?(attrs: AdmissionAttributes): Promise<void>;
}
