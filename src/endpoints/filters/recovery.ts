// Outermost filter: a thrown error becomes a Status response; an unexpected one is a 500 that is
// logged, and the server keeps serving.
import type { Filter } from '../context.js';
import { StatusError } from '../../api/status.js';
import { writeError } from '../responses.js';

export function recoveryFilter(log: (msg: string, err: unknown) => void): Filter {
  return async (ctx, next) => {
    try {
      await next(ctx);
    } catch (err) {
      if (!(err instanceof StatusError)) log(`request ${ctx.req.method} ${ctx.url.pathname} failed`, err);
      writeError(ctx, err);
    }
  };
}
