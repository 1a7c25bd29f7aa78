import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createAuditMetrics } from './metrics.js';

test('audit metrics use kube-apiserver names and labels', async () => {
  const registry = new Registry();
  const m = createAuditMetrics(registry);
  m.eventProcessed('Metadata');
  m.eventProcessed('Metadata');
  m.eventProcessed('Request');
  m.eventsFailed('webhook', 5);
  m.eventsFailed('log', 1);
  m.eventsFailed('log', 0);
  m.requestRejected?.();
  const text = await registry.metrics();
  assert.match(text, /^apiserver_audit_event_total 3$/m);
  assert.match(text, /^apiserver_audit_level_total\{level="Metadata"\} 2$/m);
  assert.match(text, /^apiserver_audit_level_total\{level="Request"\} 1$/m);
  assert.match(text, /^apiserver_audit_error_total\{plugin="webhook"\} 5$/m);
  assert.match(text, /^apiserver_audit_error_total\{plugin="log"\} 1$/m);
  assert.match(text, /^apiserver_audit_requests_rejected_total 1$/m);
  // A second set on the same registry (a second server in one process) shares the counters.
  createAuditMetrics(registry).eventProcessed('None');
  assert.match(await registry.metrics(), /^apiserver_audit_event_total 4$/m);
});
