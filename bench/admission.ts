// Admission benchmarks: pod creates through the whole path with every built-in plugin enabled
// against the same server with admission disabled (one run, alternated), Pod Security evaluation
// per pod, and the added latency of a local webhook.
import https from 'node:https';
import { readCreds, startBulwark } from '../test/e2e/harness.js';
import { DEFAULT_ENABLED_PLUGINS } from '../src/admission/config.js';
import { call, load, mean, median } from './load.js';
import { measurePodSecurity } from './podsecurity.js';
import { measureWebhookLatency } from './webhook.js';

const pod = (name: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example/app:1.0',
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
        },
      ],
    },
  });

type Setup = 'plain' | 'policy' | 'quota';

async function podCreates(args: string[], prefix: string, count: number, setup: Setup): Promise<number> {
  const b = await startBulwark({ args });
  try {
    const c = await readCreds(b.kubeconfig);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 32, ...c });
    // plain: a namespace with no policy; policy: the restricted level in every mode and a
    // LimitRange; quota: policy plus a ResourceQuota on pods
    const ns = `${b.url}/api/v1/namespaces`;
    const labels = setup === 'plain' ? {} : { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' };
    await call(agent, ns, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench', labels } }));
    if (setup !== 'plain') await call(agent, `${ns}/bench/limitranges`, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', max: { memory: '1Gi' }, default: { cpu: '100m' } }] } }));
    if (setup === 'quota') await call(agent, `${ns}/bench/resourcequotas`, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '100000' } } }));
    for (let i = 0; i < 50 && (await call(agent, `${ns}/bench/serviceaccounts/default`, 'GET')).status !== 200; i++) await new Promise((r) => setTimeout(r, 20));
    const create = (name: string) => async () => {
      const res = await call(agent, `${ns}/bench/pods`, 'POST', pod(name));
      if (res.status !== 201) throw new Error(`pod create: ${res.status} ${res.text}`);
    };
    // warm up first: a fresh server spends its first thousands of requests compiling (JIT) the code
    // they run, which would otherwise weigh on whichever server runs more code
    await load(32, 2000, (i) => create(`warmup-${prefix}-${i}`)());
    const r = await load(32, count, (i) => create(`${prefix}-${i}`)());
    agent.destroy();
    return r.opsPerSec;
  } finally {
    await b.cleanup();
  }
}

export interface AdmissionBenchResult {
  /** A namespace without policy objects: the plugins run but find nothing to apply. */
  plainRatio: number;
  withAdmission: number;
  withoutAdmission: number;
  /** Median over the rounds of (with / without), each round measured back to back. */
  ratio: number;
  /** The same with a ResourceQuota in the namespace (every create also commits the quota's usage). */
  withQuota: number;
  withoutQuota: number;
  quotaRatio: number;
  podSecurity: { restrictedCompliantUs: number; privilegedViolatingUs: number };
  webhook: { p50Ms: number; p99Ms: number };
}


export async function measureAdmission(rounds = 5, podsPerRun = 2000): Promise<AdmissionBenchResult> {
  const disableAll = ['--disable-admission-plugins', DEFAULT_ENABLED_PLUGINS.join(',')];
  const runs = { plainWith: [] as number[], plainWithout: [] as number[], withAdmission: [] as number[], withoutAdmission: [] as number[], withQuota: [] as number[], withoutQuota: [] as number[] };
  // each round measures the pairs back to back, so that the machine's drift falls on both alike
  for (let round = 0; round < rounds; round++) {
    runs.plainWith.push(await podCreates([], `pa${round}`, podsPerRun, 'plain'));
    runs.plainWithout.push(await podCreates(disableAll, `pn${round}`, podsPerRun, 'plain'));
    runs.withAdmission.push(await podCreates([], `a${round}`, podsPerRun, 'policy'));
    runs.withoutAdmission.push(await podCreates(disableAll, `n${round}`, podsPerRun, 'policy'));
    runs.withQuota.push(await podCreates([], `q${round}`, podsPerRun, 'quota'));
    runs.withoutQuota.push(await podCreates(disableAll, `m${round}`, podsPerRun, 'quota'));
  }
  return {
    plainRatio: median(runs.plainWith.map((x, i) => x / runs.plainWithout[i]!)),
    withAdmission: mean(runs.withAdmission),
    withoutAdmission: mean(runs.withoutAdmission),
    ratio: median(runs.withAdmission.map((x, i) => x / runs.withoutAdmission[i]!)),
    withQuota: mean(runs.withQuota),
    withoutQuota: mean(runs.withoutQuota),
    quotaRatio: median(runs.withQuota.map((x, i) => x / runs.withoutQuota[i]!)),
    podSecurity: measurePodSecurity(),
    webhook: await measureWebhookLatency(),
  };
}
