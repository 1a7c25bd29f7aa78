// Service-account token verification throughput on one core: authenticate() on a valid bound
// token against an in-memory lookup, with the verification cache and with it turned off.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RequestContext } from '../src/endpoints/context.js';
import { InMemoryObjectLookup } from '../src/authn/lookup.js';
import { ServiceAccountTokenAuthenticator, ServiceAccountTokenIssuer } from '../src/authn/service-account-token.js';

function contextWithToken(token: string): RequestContext {
  const authorization = `Bearer ${token}`;
  return { req: { headers: { authorization }, rawHeaders: ['Authorization', authorization] } } as unknown as RequestContext;
}

async function rate(auth: ServiceAccountTokenAuthenticator, ctx: RequestContext, minMs: number): Promise<number> {
  for (let i = 0; i < 200; i++) await auth.authenticate(ctx); // warm-up
  let n = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 500; i++) {
      const user = await auth.authenticate(ctx);
      if (!user) throw new Error('benchmark token was not accepted');
    }
    n += 500;
    elapsed = performance.now() - started;
  }
  return (n * 1000) / elapsed;
}

export async function measureTokenVerification(opts: { durationMs?: number } = {}): Promise<{ perSec: number; uncachedPerSec: number }> {
  const durationMs = opts.durationMs ?? 1500;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-token-bench-'));
  try {
    const issuer = await ServiceAccountTokenIssuer.load({
      signingKeyFile: path.join(dir, 'sa.key'),
      issuer: 'https://kubernetes.default.svc.cluster.local',
      apiAudiences: ['https://kubernetes.default.svc.cluster.local'],
    });
    const lookup = new InMemoryObjectLookup();
    lookup.set('', 'serviceaccounts', 'bench', 'runner', { metadata: { name: 'runner', namespace: 'bench', uid: 'sa-uid-1' } });
    lookup.set('', 'pods', 'bench', 'runner-0', { metadata: { name: 'runner-0', namespace: 'bench', uid: 'pod-uid-1' } });
    const { token } = await issuer.issue({
      namespace: 'bench',
      serviceAccountName: 'runner',
      serviceAccountUid: 'sa-uid-1',
      boundObject: { kind: 'Pod', name: 'runner-0', uid: 'pod-uid-1' },
    });
    const ctx = contextWithToken(token);
    const perSec = await rate(new ServiceAccountTokenAuthenticator(issuer, lookup), ctx, durationMs);
    const uncachedPerSec = await rate(new ServiceAccountTokenAuthenticator(issuer, lookup, { cacheTtlMs: 0 }), ctx, durationMs);
    return { perSec, uncachedPerSec };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
