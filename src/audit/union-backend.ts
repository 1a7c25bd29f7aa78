// Several audit backends as one (log and webhook together), the way kube-apiserver unions them:
// every backend gets every event, and the event counts as recorded only if all of them took it.
import type { AuditBackend, AuditBackendStats, AuditEvent, AuditMode } from './types.js';

const STRICTNESS: Record<AuditMode, number> = { batch: 0, blocking: 1, 'blocking-strict': 2 };

/**
 * `process` resolves true only if every backend's did; `mode` is the strictest of theirs, so a
 * request path in blocking-strict mode for one backend fails requests that backend could not
 * record. A single backend is returned as it is.
 */
export function unionBackend(backends: AuditBackend[]): AuditBackend {
  if (backends.length === 1) return backends[0]!;
  const list = [...backends];
  const mode = list.reduce<AuditMode>((m, b) => (STRICTNESS[b.mode] > STRICTNESS[m] ? b.mode : m), 'batch');
  return {
    name: `union[${list.map((b) => b.name).join(',')}]`,
    mode,
    async process(event: AuditEvent): Promise<boolean> {
      const results = await Promise.all(list.map((b) => b.process(event).catch(() => false)));
      return results.every(Boolean);
    },
    async shutdown(): Promise<void> {
      await Promise.all(list.map((b) => b.shutdown().catch(() => undefined)));
    },
    stats(): AuditBackendStats {
      const total = { queued: 0, dropped: 0, written: 0 };
      for (const b of list) {
        const s = b.stats?.();
        if (!s) continue;
        total.queued += s.queued;
        total.dropped += s.dropped;
        total.written += s.written;
      }
      return total;
    },
  };
}
