// Admission benchmarks: pod creates through the whole path with every built-in plugin enabled
// against the same server with admission disabled (one run, alternated), Pod Security evaluation
// per pod, and the added latency of a local webhook.
import https from 'node:https';
import { readCreds, startBulwark } from '../test/e2e/harness.js';
import { DEFAULT_ENABLED_PLUGINS } from '../src/admission/config.js';
import { call, load } from './load.js';
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

async function podCreates(args: string[], prefix: string, count: number, withQuota: boolean): Promise<number> {
  const b = await startBulwark({ args });
  try {
    const c = await readCreds(b.kubeconfig);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 32, ...c });
    // a namespace with the restricted level in every mode, a LimitRange and (if asked) a quota
    const ns = `${b.url}/api/v1/namespaces`;
    await call(agent, ns, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' } } }));
    await call(agent, `${ns}/bench/limitranges`, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', max: { memory: '1Gi' }, default: { cpu: '100m' } }] } }));
    if (withQuota) await call(agent, `${ns}/bench/resourcequotas`, 'POST', JSON.stringify({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '100000' } } }));
    for (let i = 0; i < 50 && (await call(agent, `${ns}/bench/serviceaccounts/default`, 'GET')).status !== 200; i++) await new Promise((r) => setTimeout(r, 20));
    const r = await load(32, count, async (i) => {
      const res = await call(agent, `${ns}/bench/pods`, 'POST', pod(`${prefix}-${i}`));
      if (res.status !== 201) throw new Error(`pod create: ${res.status} ${res.text}`);
    });
    agent.destroy();
    return r.opsPerSec;
  } finally {
    await b.cleanup();
  }
}

export interface AdmissionBenchResult {
  withAdmission: number;
  withoutAdmission: number;
  /** The same with a ResourceQuota in the namespace (every create also commits the quota's usage). */
  withQuota: number;
  withoutQuota: number;
  podSecurity: { restrictedCompliantUs: number; privilegedViolatingUs: number };
  webhook: { p50Ms: number; p99Ms: number };
}

export async function measureAdmission(): Promise<AdmissionBenchResult> {
  const disableAll = ['--disable-admission-plugins', DEFAULT_ENABLED_PLUGINS.join(',')];
  const sums = { withAdmission: 0, withoutAdmission: 0, withQuota: 0, withoutQuota: 0 };
  // alternate so that machine noise falls on all alike
  for (let round = 0; round < 2; round++) {
    sums.withAdmission += await podCreates([], `a${round}`, 3000, false);
    sums.withoutAdmission += await podCreates(disableAll, `n${round}`, 3000, false);
    sums.withQuota += await podCreates([], `q${round}`, 3000, true);
    sums.withoutQuota += await podCreates(disableAll, `m${round}`, 3000, true);
  }
  return {
    withAdmission: sums.withAdmission / 2,
    withoutAdmission: sums.withoutAdmission / 2,
    withQuota: sums.withQuota / 2,
    withoutQuota: sums.withoutQuota / 2,
    podSecurity: measurePodSecurity(),
    webhook: await measureWebhookLatency(),
  };
}
