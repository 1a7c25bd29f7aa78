// /livez, /readyz and /healthz with named checks and ?verbose output, as kube-apiserver reports them.
import type { RequestContext } from '../context.js';
import { writeText } from '../responses.js';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export async function serveHealth(ctx: RequestContext, kind: 'livez' | 'readyz' | 'healthz', checks: HealthCheck[]): Promise<void> {
  const q = ctx.url.searchParams;
  const excluded = new Set(q.getAll('exclude'));
  const sub = ctx.info.path.split('/').filter(Boolean)[1];
  const selected = sub ? checks.filter((c) => c.name === sub) : checks.filter((c) => !excluded.has(c.name));
  if (sub && selected.length === 0) {
    writeText(ctx, 404, `404 page not found\n`);
    return;
  }
  const results = await Promise.all(
    selected.map(async (c) => {
      try {
        await c.check();
        return { name: c.name, ok: true, reason: '' };
      } catch (err) {
        return { name: c.name, ok: false, reason: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  const failed = results.filter((r) => !r.ok);
  if (sub) {
    writeText(ctx, failed.length ? 500 : 200, failed.length ? `internal server error: ${failed[0]!.reason}\n` : 'ok');
    return;
  }
  if (!q.has('verbose') && failed.length === 0) {
    writeText(ctx, 200, 'ok');
    return;
  }
  const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: ${q.has('verbose') ? r.reason : 'reason withheld'}`));
  for (const name of excluded) lines.push(`[+]${name} excluded: ok`);
  lines.push(failed.length ? `${kind} check failed` : `${kind} check passed`);
  writeText(ctx, failed.length ? 500 : 200, lines.join('\n') + '\n');
}
