// Builds auditing from the server options: the policy (the file or Bulwark's default) and the log
// and webhook backends, each in its own mode. A configuration that cannot be used refuses start.
import path from 'node:path';
import type { Registry } from 'prom-client';
import {
  AuditPolicyError,
  createAuditMetrics,
  createLogBackend,
  createWebhookBackend,
  defaultAuditPolicy,
  loadAuditPolicy,
  type AuditBackend,
  type AuditMetrics,
  type AuditPolicyEvaluator,
} from '../audit/index.js';
import { DEFAULT_AUDIT_OPTIONS, validateAuditOptions, type AuditOptions } from './options.js';

export const AUDIT_LOG_FILE = 'audit.log';

export interface AuditSetup {
  policy: AuditPolicyEvaluator;
  backends: AuditBackend[];
  metrics: AuditMetrics;
  /** Flushes and closes every backend. */
  shutdown(): Promise<void>;
}

export interface AuditLog {
  info(msg: string): void;
  warn(msg: string): void;
}

/** Undefined when every backend is off (then nothing is audited, which the log says loudly). */
export async function buildAudit(options: AuditOptions | undefined, dataDir: string, registry: Registry, log: AuditLog): Promise<AuditSetup | undefined> {
  const o = options ?? DEFAULT_AUDIT_OPTIONS;
  validateAuditOptions(o);
  let policy: AuditPolicyEvaluator;
  try {
    policy = o.policyFile ? await loadAuditPolicy(o.policyFile) : defaultAuditPolicy();
  } catch (err) {
    // the policy's own errors name the rule and field; say which flag brought the file in
    if (err instanceof AuditPolicyError) throw new Error(`--audit-policy-file: ${err.message}`);
    throw err;
  }
  const metrics = createAuditMetrics(registry);
  const backends: AuditBackend[] = [];
  const serverLog = (msg: string) => log.warn(msg);
  try {
    const logPath = o.logPath === undefined ? path.join(dataDir, AUDIT_LOG_FILE) : o.logPath;
    if (logPath === '') {
      log.warn('INSECURE: --audit-log-path is empty: the audit log is off' + (o.webhookConfigFile ? ' (events go to the audit webhook only)' : '; no request is audited'));
    } else {
      backends.push(
        await createLogBackend({
          path: logPath === '-' ? '-' : path.resolve(logPath),
          maxAgeDays: o.logMaxAgeDays,
          maxBackups: o.logMaxBackups,
          maxSizeMB: o.logMaxSizeMB,
          compress: o.logCompress,
          format: o.logFormat,
          mode: o.logMode,
          batch: o.logBatch,
          metrics,
          log: serverLog,
        }),
      );
      log.info(
        `audit log: ${logPath === '-' ? 'standard output' : path.resolve(logPath)} (${o.logFormat}, ${o.logMode}; rotate at ${o.logMaxSizeMB || 100} MB, keep ${o.logMaxBackups || 'all'} backups${o.logMaxAgeDays ? ` up to ${o.logMaxAgeDays} days` : ''})`,
      );
    }
    if (o.webhookConfigFile) {
      backends.push(
        await createWebhookBackend({
          configFile: o.webhookConfigFile,
          mode: o.webhookMode,
          ...o.webhookBatch,
          initialBackoffMs: o.webhookInitialBackoffMs,
          metrics,
          log: serverLog,
        }),
      );
      log.info(`audit webhook: ${o.webhookConfigFile} (${o.webhookMode})`);
    }
  } catch (err) {
    await Promise.all(backends.map((b) => b.shutdown()));
    throw err;
  }
  if (backends.length === 0) return undefined;
  log.info(`audit policy: ${o.policyFile ?? 'built-in default'}`);
  return {
    policy,
    backends,
    metrics,
    async shutdown() {
      await Promise.all(backends.map((b) => b.shutdown().catch(() => undefined)));
    },
  };
}
