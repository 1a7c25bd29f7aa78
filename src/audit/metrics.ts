// Audit metrics in kube-apiserver's names, behind a small interface so that the backends and the
// request path count events without depending on prom-client.
import { Counter, type Registry } from 'prom-client';
import type { AuditLevel } from './types.js';

export interface AuditMetrics {
  /**
   * One event handed to the backends (the request path calls this once per event, i.e. per
   * stage): counts `apiserver_audit_event_total` and `apiserver_audit_level_total{level}`.
   */
  eventProcessed(level: AuditLevel): void;
  /** `n` events a backend dropped or failed to write (`plugin` is "log" or "webhook"). */
  eventsFailed(plugin: string, n: number): void;
  /** A request refused because its audit event could not be recorded (blocking-strict). */
  requestRejected?(): void;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  // A second server built in the same process (tests) reuses the registered counter.
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createAuditMetrics(registry: Registry): AuditMetrics {
  const events = counter(registry, 'apiserver_audit_event_total', 'Counter of audit events generated and sent to the audit backend.', []);
  const errors = counter(
    registry,
    'apiserver_audit_error_total',
    'Counter of audit events that failed to be audited properly. Plugin identifies the plugin affected by the error.',
    ['plugin'],
  );
  const levels = counter(registry, 'apiserver_audit_level_total', 'Counter of policy levels for audit events.', ['level']);
  const rejected = counter(
    registry,
    'apiserver_audit_requests_rejected_total',
    'Counter of apiserver requests rejected due to an error in audit logging backend.',
    [],
  );
  // Label lookups are the costly part of a prom-client increment; these run for every event.
  const byLevel = new Map<string, Counter.Internal>();
  const byPlugin = new Map<string, Counter.Internal>();
  return {
    eventProcessed(level) {
      events.inc();
      let c = byLevel.get(level);
      if (!c) {
        c = levels.labels({ level });
        byLevel.set(level, c);
      }
      c.inc();
    },
    eventsFailed(plugin, n) {
      if (!(n > 0)) return;
      let c = byPlugin.get(plugin);
      if (!c) {
        c = errors.labels({ plugin });
        byPlugin.set(plugin, c);
      }
      c.inc(n);
    },
    requestRejected() {
      rejected.inc();
    },
  };
}
