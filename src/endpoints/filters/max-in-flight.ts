// Bounded concurrency: beyond the limit a request gets 429 with Retry-After instead of queueing
// without bound. Watches are long-running and counted separately.
import type { Filter } from '../context.js';
import type { ServerMetrics } from '../../server/metrics.js';
import { tooManyRequests } from '../../api/status.js';

export interface InFlightLimits {
  maxRequestsInFlight: number;
  maxMutatingRequestsInFlight: number;
}

const MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export function maxInFlightFilter(limits: InFlightLimits, metrics: ServerMetrics): Filter {
  let readOnly = 0;
  let mutating = 0;
  return async (ctx, next) => {
    if (ctx.info.verb === 'watch') {
      metrics.watchers.inc();
      try {
        return await next(ctx);
      } finally {
        metrics.watchers.dec();
      }
    }
    const isMutating = ctx.info.isResourceRequest && MUTATING.has(ctx.info.verb);
    const kind = isMutating ? 'mutating' : 'readOnly';
    if (isMutating ? mutating >= limits.maxMutatingRequestsInFlight : readOnly >= limits.maxRequestsInFlight) {
      metrics.rejected.inc({ request_kind: kind });
      throw tooManyRequests('Too many requests, please try again later.', 1);
    }
    if (isMutating) mutating++;
    else readOnly++;
    metrics.inflight.set({ request_kind: kind }, isMutating ? mutating : readOnly);
    try {
      await next(ctx);
    } finally {
      if (isMutating) mutating--;
      else readOnly--;
      metrics.inflight.set({ request_kind: kind }, isMutating ? mutating : readOnly);
    }
  };
}
