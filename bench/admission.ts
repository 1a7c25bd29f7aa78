// Admission benchmarks: pod creates through the whole path with every built-in plugin enabled
// against a server with admission disabled (both in one run, loaded in alternating bursts), Pod
// Security evaluation per pod, and the added latency of a local webhook.
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

type Setup = 'plain' | 'policy' | 'quota';

interface PodServer {
  /** Creates `count` pods with 32 clients; the seconds it took. */
  burst(count: number): Promise<number>;
  close(): Promise<void>;
}

async function podServer(args: string[], prefix: string, setup: Setup): Promise<PodServer> {
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
    let n = 0;
    const burst = async (count: number) => {
      const r = await load(32, count, async () => {
        const res = await call(agent, `${ns}/bench/pods`, 'POST', pod(`${prefix}-${n++}`));
        if (res.status !== 201) throw new Error(`pod create: ${res.status} ${res.text}`);
      });
      return count / r.opsPerSec;
    };
    return {
      burst,
      close: async () => {
        agent.destroy();
        await b.cleanup();
      },
    };
  } catch (err) {
    await b.cleanup();
    throw err;
  }
}

/**
 * Pod creates on two servers, one with every default plugin and one with all of them disabled,
 * both running at once and loaded in turn: after 2,000 warm-up creates each (a fresh server
 * spends its first thousands of requests compiling the code they run), `rounds` bursts of
 * `burstSize` creates on each, alternating which goes first. The machine's drift then falls on
 * both alike; the ratio is of the total times.
 */
async function compare(setup: Setup, rounds: number, burstSize: number): Promise<{ withAdmission: number; withoutAdmission: number; ratio: number }> {
  const disableAll = ['--disable-admission-plugins', DEFAULT_ENABLED_PLUGINS.join(',')];
  const on = await podServer([], 'a', setup);
  try {
    const off = await podServer(disableAll, 'n', setup);
    try {
      await on.burst(2000);
      await off.burst(2000);
      let tOn = 0;
      let tOff = 0;
      for (let round = 0; round < rounds; round++) {
        if (round % 2 === 0) {
          tOn += await on.burst(burstSize);
          tOff += await off.burst(burstSize);
        } else {
          tOff += await off.burst(burstSize);
          tOn += await on.burst(burstSize);
        }
      }
      const total = rounds * burstSize;
      return { withAdmission: total / tOn, withoutAdmission: total / tOff, ratio: tOff / tOn };
    } finally {
      await off.close();
    }
  } finally {
    await on.close();
  }
}

export interface AdmissionBenchResult {
  /** A namespace without policy objects: the plugins run but find nothing to apply. */
  plainRatio: number;
  withAdmission: number;
  withoutAdmission: number;
  /** Creates per second with every plugin over creates per second with none, in one run. */
  ratio: number;
  /** The same with a ResourceQuota in the namespace (every create also commits the quota's usage). */
  withQuota: number;
  withoutQuota: number;
  quotaRatio: number;
  podSecurity: { restrictedCompliantUs: number; privilegedViolatingUs: number };
  webhook: { p50Ms: number; p99Ms: number };
}

export async function measureAdmission(rounds = 10, burstSize = 1000): Promise<AdmissionBenchResult> {
  const plain = await compare('plain', rounds, burstSize);
  const policy = await compare('policy', rounds, burstSize);
  const quota = await compare('quota', rounds, burstSize);
  return {
    plainRatio: plain.ratio,
    withAdmission: policy.withAdmission,
    withoutAdmission: policy.withoutAdmission,
    ratio: policy.ratio,
    withQuota: quota.withAdmission,
    withoutQuota: quota.withoutAdmission,
    quotaRatio: quota.ratio,
    podSecurity: measurePodSecurity(),
    webhook: await measureWebhookLatency(),
  };
}
