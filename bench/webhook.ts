// Latency a local admission webhook adds: 1,000 sequential pod admissions through the validating
// webhook plugin to an HTTPS webhook on 127.0.0.1 (certificate from a fresh src/pki CA).
import { percentile } from './load.js';
import { performance } from 'node:perf_hooks';
import { findResource } from '../src/api/catalogue.js';
import type { AdmissionAttributes, AdmissionLookup } from '../src/admission/types.js';
import { ValidatingWebhookPlugin, closeWebhookConnections } from '../src/admission/webhook/index.js';
import { startTestWebhookServer } from '../src/admission/webhook/test-webhook-server.js';


export async function measureWebhookLatency(opts: { calls?: number } = {}): Promise<{ p50Ms: number; p99Ms: number }> {
  const calls = opts.calls ?? 1000;
  const server = await startTestWebhookServer();
  try {
    server.handle('/validate', () => ({ allowed: true }));
    const configuration = {
      metadata: { name: 'bench' },
      webhooks: [
        {
          name: 'bench.webhook.bulwark.dev',
          clientConfig: { url: `${server.baseURL}/validate`, caBundle: server.caBundle },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
        },
      ],
    };
    const lookup: AdmissionLookup = { get: async () => undefined, list: async () => [] };
    const plugin = new ValidatingWebhookPlugin({ source: { mutating: () => [], validating: () => [configuration] }, lookup });
    const pods = findResource('', 'v1', 'pods')!;
    const attrs = (i: number): AdmissionAttributes => ({
      operation: 'CREATE',
      resource: pods,
      subresource: '',
      namespace: 'default',
      name: `pod-${i}`,
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: 'bench' } },
        spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
      },
      user: { username: 'bench', groups: ['system:authenticated'] },
      dryRun: false,
      warnings: [],
      auditAnnotations: {},
    });
    for (let i = 0; i < 50; i++) await plugin.validate(attrs(i)); // warm-up: TLS handshake, JIT
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      const a = attrs(i);
      const started = performance.now();
      await plugin.validate(a);
      samples.push(performance.now() - started);
    }
    const received = server.received.get('/validate')?.length ?? 0;
    if (received !== calls + 50) throw new Error(`webhook saw ${received} requests, expected ${calls + 50}`);
    samples.sort((x, y) => x - y);
    return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) };
  } finally {
    closeWebhookConnections();
    await server.close();
  }
}
