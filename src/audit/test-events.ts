// Audit events for the backend tests and benchmarks: a typical Metadata event, numbered.
import type { AuditEvent } from './types.js';

export function sampleEvent(n: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/pods/pod-${n}`,
    verb: 'get',
    user: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
    sourceIPs: ['127.0.0.1'],
    userAgent: 'kubectl/v1.30.0 (linux/amd64) kubernetes/abcdef',
    objectRef: { resource: 'pods', namespace: 'default', name: `pod-${n}`, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2026-11-22T10:00:00.123456Z',
    stageTimestamp: '2026-11-22T10:00:00.124567Z',
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
    ...over,
  };
}
