// Prometheus metrics in kube-apiserver's names: request counts by verb/resource/code, latency
// histograms and requests in flight.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, group, resource, subresource and HTTP response code.',
    labelNames: ['verb', 'group', 'resource', 'subresource', 'code'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, group, resource and subresource.',
    labelNames: ['verb', 'group', 'resource', 'subresource'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
    registers: [this.registry],
  });
  readonly inflight = new Gauge({
    name: 'apiserver_current_inflight_requests',
    help: 'Maximal number of currently used inflight request limit of this apiserver per request kind.',
    labelNames: ['request_kind'] as const,
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'apiserver_dropped_requests_total',
    help: 'Number of requests dropped with a 429 because too many were in flight.',
    labelNames: ['request_kind'] as const,
    registers: [this.registry],
  });
  readonly encryptionConfigReloads = new Counter({
    name: 'apiserver_encryption_config_controller_automatic_reloads_total',
    help: 'Total number of reload attempts of the encryption configuration, by status (success or failure).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly watchers = new Gauge({
    name: 'apiserver_longrunning_requests',
    help: 'Gauge of all active long-running apiserver requests (watches).',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
