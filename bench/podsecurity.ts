// Pod Security evaluation benchmark: average time of one checkPod() at restricted:latest for a
// typical compliant pod and for a privileged pod that violates nearly every check.
import { pathToFileURL } from 'node:url';
import { checkPod } from '../src/podsecurity/index.js';

const RUNS = 100_000;

/** A Deployment-style pod: two containers, an init container, projected and configMap volumes. */
export function restrictedCompliantPod(): { meta: Record<string, unknown>; spec: Record<string, unknown> } {
  const sc = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true };
  return {
    meta: { name: 'web-7d9f8c6b5-x2x9q', labels: { app: 'web' }, annotations: { 'prometheus.io/scrape': 'true' } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      initContainers: [{ name: 'migrate', image: 'registry.example/web:1.2', securityContext: sc }],
      containers: [
        { name: 'web', image: 'registry.example/web:1.2', ports: [{ containerPort: 8080 }], securityContext: sc, livenessProbe: { httpGet: { path: '/healthz', port: 8080 } } },
        { name: 'sidecar', image: 'registry.example/proxy:3', ports: [{ containerPort: 9090 }], securityContext: sc },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'web' } },
        { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
        { name: 'tmp', emptyDir: {} },
      ],
    },
  };
}

export function privilegedViolatingPod(): { meta: Record<string, unknown>; spec: Record<string, unknown> } {
  return {
    meta: { name: 'debug', annotations: { 'container.apparmor.security.beta.kubernetes.io/debug': 'unconfined' } },
    spec: {
      hostNetwork: true,
      hostPID: true,
      hostIPC: true,
      securityContext: { runAsUser: 0, sysctls: [{ name: 'kernel.msgmax', value: '65536' }] },
      containers: [
        {
          name: 'debug',
          image: 'busybox',
          ports: [{ containerPort: 22, hostPort: 22 }],
          securityContext: { privileged: true, allowPrivilegeEscalation: true, capabilities: { add: ['SYS_ADMIN', 'NET_ADMIN'] }, procMount: 'Unmasked', seLinuxOptions: { type: 'spc_t' }, seccompProfile: { type: 'Unconfined' } },
        },
      ],
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
    },
  };
}

function averageUs(pod: { meta: Record<string, unknown>; spec: Record<string, unknown> }): number {
  let sink = 0;
  for (let i = 0; i < 2_000; i++) sink += checkPod('restricted', 'latest', pod.meta, pod.spec).length; // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < RUNS; i++) sink += checkPod('restricted', 'latest', pod.meta, pod.spec).length;
  const us = Number(process.hrtime.bigint() - start) / 1000 / RUNS;
  if (sink < 0) console.log(sink); // keeps the work observable to the optimizer
  return us;
}

/** Average µs per checkPod() over 100,000 runs, for a compliant and a violating pod. */
export function measurePodSecurity(): { restrictedCompliantUs: number; privilegedViolatingUs: number } {
  return { restrictedCompliantUs: averageUs(restrictedCompliantPod()), privilegedViolatingUs: averageUs(privilegedViolatingPod()) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = measurePodSecurity();
  console.log(`| Pod Security restricted:latest, compliant pod | ${r.restrictedCompliantUs.toFixed(2)} µs |`);
  console.log(`| Pod Security restricted:latest, privileged pod | ${r.privilegedViolatingUs.toFixed(2)} µs |`);
}
