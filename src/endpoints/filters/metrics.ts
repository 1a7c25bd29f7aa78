// Records every request's verb, resource, code and latency.
import type { Filter } from '../context.js';
import type { ServerMetrics } from '../../server/metrics.js';

export function metricsFilter(metrics: ServerMetrics): Filter {
  return async (ctx, next) => {
    try {
      await next(ctx);
    } finally {
      const i = ctx.info;
      const verb = i.isResourceRequest ? i.verb.toUpperCase() : ctx.req.method ?? '';
      const labels = { verb, group: i.apiGroup, resource: i.resource, subresource: i.subresource };
      metrics.requests.inc({ ...labels, code: String(ctx.statusCode ?? ctx.res.statusCode) });
      if (!ctx.longRunning) metrics.latency.observe(labels, Number(process.hrtime.bigint() - ctx.startedAt) / 1e9);
    }
  };
}
