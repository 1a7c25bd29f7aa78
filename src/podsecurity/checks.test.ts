// Tests for every Pod Security Standards check, its versions and upstream's message wording and order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPod, compareLevels, formatViolations, LATEST_MINOR, parseLevel, parseVersion, policyFromLabels, type Level } from './index.js';

type Obj = Record<string, unknown>;

/** A pod that passes restricted at every version. */
function compliantSpec(): Obj {
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'app', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  };
}

function withContainer(patch: Obj, spec: Obj = compliantSpec()): Obj {
  const c = (spec['containers'] as Obj[])[0]!;
  c['securityContext'] = { ...(c['securityContext'] as Obj), ...patch };
  return spec;
}

const only = (level: Level, version: string, spec: Obj, meta?: Obj) => checkPod(level, version, meta, spec);

test('a compliant pod passes restricted and baseline at latest and old versions', () => {
  for (const v of ['latest', 'v1.0', 'v1.19', 'v1.22', 'v1.25', 'v1.30', `v1.${LATEST_MINOR}`]) {
    assert.deepEqual(only('restricted', v, compliantSpec()), [], v);
    assert.deepEqual(only('baseline', v, compliantSpec()), [], v);
  }
});

test('privileged level never reports', () => {
  assert.deepEqual(checkPod('privileged', 'latest', undefined, { hostNetwork: true, containers: [{ name: 'a', securityContext: { privileged: true } }] }), []);
});

test('a bare pod under restricted: every violation in upstream order', () => {
  const v = only('restricted', 'latest', { containers: [{ name: 'c', image: 'busybox' }] });
  assert.equal(
    formatViolations(v),
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
});

test('a privileged pod under restricted: baseline reasons first, then restricted, overridden baseline checks dropped', () => {
  const spec = {
    hostNetwork: true,
    hostPID: true,
    volumes: [{ name: 'root', hostPath: { path: '/' } }],
    containers: [
      {
        name: 'c',
        image: 'busybox',
        ports: [{ containerPort: 80, hostPort: 80 }],
        securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ['SYS_ADMIN'] } },
      },
    ],
  };
  assert.equal(
    formatViolations(only('restricted', 'latest', spec)),
    'host namespaces (hostNetwork=true, hostPID=true), ' +
      'hostPort (container "c" uses hostPort 80), ' +
      'privileged (container "c" must not set securityContext.privileged=true), ' +
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]; container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add), ' +
      'restricted volume types (volume "root" uses restricted volume type "hostPath"), ' +
      'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
      'runAsUser=0 (container "c" must not set runAsUser=0), ' +
      'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  // Under baseline the baseline counterparts appear instead.
  assert.equal(
    formatViolations(only('baseline', 'latest', spec)),
    'non-default capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add), ' +
      'host namespaces (hostNetwork=true, hostPID=true), ' +
      'hostPath volumes (volume "root"), ' +
      'hostPort (container "c" uses hostPort 80), ' +
      'privileged (container "c" must not set securityContext.privileged=true)',
  );
});

test('hostProcess', () => {
  const spec = withContainer({ windowsOptions: { hostProcess: true } });
  spec['securityContext'] = { ...(spec['securityContext'] as Obj), windowsOptions: { hostProcess: true } };
  assert.deepEqual(only('baseline', 'latest', spec), [
    { reason: 'hostProcess', detail: 'pod and container "app" must not set securityContext.windowsOptions.hostProcess=true' },
  ]);
  assert.deepEqual(only('baseline', 'latest', withContainer({ windowsOptions: { hostProcess: false } })), []);
});

test('host namespaces: only true values count', () => {
  assert.deepEqual(only('baseline', 'latest', { ...compliantSpec(), hostIPC: true, hostNetwork: false }), [{ reason: 'host namespaces', detail: 'hostIPC=true' }]);
});

test('privileged lists every container across init, regular and ephemeral containers', () => {
  const spec = {
    initContainers: [{ name: 'i', securityContext: { privileged: true } }],
    containers: [{ name: 'a', securityContext: { privileged: true } }, { name: 'b', securityContext: { privileged: false } }],
    ephemeralContainers: [{ name: 'e', securityContext: { privileged: true } }],
  };
  assert.deepEqual(only('baseline', 'latest', spec), [{ reason: 'privileged', detail: 'containers "i", "a", "e" must not set securityContext.privileged=true' }]);
});

test('capabilities_baseline allows the default set and aggregates the rest, sorted', () => {
  const spec = {
    containers: [
      { name: 'a', securityContext: { capabilities: { add: ['NET_ADMIN', 'CHOWN', 'SYS_ADMIN'] } } },
      { name: 'b', securityContext: { capabilities: { add: ['SYS_ADMIN', 'KILL'] } } },
      { name: 'c', securityContext: { capabilities: { add: ['NET_BIND_SERVICE', 'SETUID'] } } },
    ],
  };
  assert.deepEqual(only('baseline', 'latest', spec), [
    { reason: 'non-default capabilities', detail: 'containers "a", "b" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add' },
  ]);
});

test('hostPath volumes and host ports (sorted as strings, pluralized)', () => {
  const spec = {
    volumes: [{ name: 'a', hostPath: { path: '/a' } }, { name: 'e', emptyDir: {} }, { name: 'b', hostPath: { path: '/b' } }],
    containers: [
      { name: 'x', ports: [{ hostPort: 8080 }, { hostPort: 0 }, { hostPort: 443 }] },
      { name: 'y', ports: [{ containerPort: 9000 }] },
      { name: 'z', ports: [{ hostPort: 9090 }] },
    ],
  };
  assert.deepEqual(only('baseline', 'latest', spec), [
    { reason: 'hostPath volumes', detail: 'volumes "a", "b"' },
    { reason: 'hostPort', detail: 'containers "x", "z" use hostPorts 443, 8080, 9090' },
  ]);
});

test('probe or lifecycle host: from v1.34 only', () => {
  const spec = withContainer({});
  const c = (spec['containers'] as Obj[])[0]!;
  c['livenessProbe'] = { httpGet: { host: 'evil.example', port: 80 } };
  c['lifecycle'] = { preStop: { tcpSocket: { host: '10.0.0.1', port: 22 } } };
  const expected = [{ reason: 'probe or lifecycle host', detail: 'container "app" uses probe or lifecycle hosts "10.0.0.1", "evil.example"' }];
  assert.deepEqual(only('baseline', 'latest', spec), expected);
  assert.deepEqual(only('baseline', 'v1.34', spec), expected);
  assert.deepEqual(only('baseline', 'v1.33', spec), []);
});

test('AppArmor: fields and annotations', () => {
  const spec = withContainer({ appArmorProfile: { type: 'Unconfined' } });
  assert.deepEqual(only('baseline', 'latest', spec), [{ reason: 'forbidden AppArmor profile', detail: 'container "app" must not set AppArmor profile type to "Unconfined"' }]);
  const meta = { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined', 'container.apparmor.security.beta.kubernetes.io/ok': 'localhost/prof' } };
  const podLevel = compliantSpec();
  (podLevel['securityContext'] as Obj)['appArmorProfile'] = { type: 'Unconfined' };
  assert.deepEqual(only('baseline', 'latest', podLevel, meta), [
    {
      reason: 'forbidden AppArmor profiles',
      detail: 'pod and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/app="unconfined""',
    },
  ]);
  assert.deepEqual(only('baseline', 'latest', withContainer({ appArmorProfile: { type: 'RuntimeDefault' } }), { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'runtime/default' } }), []);
});

test('seLinuxOptions: types by version, user and role', () => {
  const spec = withContainer({ seLinuxOptions: { type: 'container_engine_t' } });
  assert.deepEqual(only('baseline', 'v1.31', spec), []);
  assert.deepEqual(only('baseline', 'v1.30', spec), [
    { reason: 'seLinuxOptions', detail: 'container "app" set forbidden securityContext.seLinuxOptions: type "container_engine_t"' },
  ]);
  const both = withContainer({ seLinuxOptions: { type: 'spc_t', user: 'root' } });
  (both['securityContext'] as Obj)['seLinuxOptions'] = { role: 'sysadm_r' };
  assert.deepEqual(only('baseline', 'latest', both), [
    { reason: 'seLinuxOptions', detail: 'pod and container "app" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set' },
  ]);
});

test('procMount: strict before v1.35; baseline relaxes for user-namespaced pods from v1.35, restricted does not', () => {
  const spec = withContainer({ procMount: 'Unmasked' });
  const violation = { reason: 'procMount', detail: 'container "app" must not set securityContext.procMount to "Unmasked"' };
  assert.deepEqual(only('baseline', 'latest', spec), [violation]);
  const userns = { ...withContainer({ procMount: 'Unmasked' }), hostUsers: false };
  assert.deepEqual(only('baseline', 'v1.35', userns), []);
  assert.deepEqual(only('baseline', 'v1.34', userns), [violation]);
  assert.deepEqual(only('restricted', 'v1.35', userns), [violation]);
  // In restricted from v1.35 the check moves to the restricted section (procMount_restricted).
  const bare = { hostUsers: true, containers: [{ name: 'c', securityContext: { procMount: 'Unmasked', allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } }], volumes: [{ name: 'n', nfs: { server: 's', path: '/' } }] };
  assert.deepEqual(only('restricted', 'v1.35', bare).map((v) => v.reason), ['procMount', 'restricted volume types']);
  assert.deepEqual(only('restricted', 'v1.34', bare).map((v) => v.reason), ['procMount', 'restricted volume types']);
  bare.containers[0]!.securityContext.allowPrivilegeEscalation = true;
  assert.deepEqual(only('restricted', 'v1.34', bare).map((v) => v.reason), ['procMount', 'allowPrivilegeEscalation != false', 'restricted volume types']);
  assert.deepEqual(only('restricted', 'v1.35', bare).map((v) => v.reason), ['allowPrivilegeEscalation != false', 'procMount', 'restricted volume types']);
});

test('seccompProfile baseline: annotations before v1.19, fields from v1.19', () => {
  const meta = { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined', 'container.seccomp.security.alpha.kubernetes.io/app': 'docker/default' } };
  assert.deepEqual(only('baseline', 'v1.18', compliantSpec(), meta), [
    { reason: 'seccompProfile', detail: 'forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"' },
  ]);
  assert.deepEqual(only('baseline', 'v1.19', compliantSpec(), meta), []);
  const spec = withContainer({ seccompProfile: { type: 'Unconfined' } });
  assert.deepEqual(only('baseline', 'v1.19', spec), [{ reason: 'seccompProfile', detail: 'container "app" must not set securityContext.seccompProfile.type to "Unconfined"' }]);
  assert.deepEqual(only('baseline', 'v1.18', spec), []);
});

test('seccompProfile restricted from v1.19: explicit bad values beat missing ones; before v1.19 restricted uses the baseline annotation check', () => {
  const spec = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'a', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] };
  assert.deepEqual(only('restricted', 'latest', spec), [{ reason: 'seccompProfile', detail: 'pod must not set securityContext.seccompProfile.type to "Unconfined"' }]);
  const noProfile = { securityContext: { runAsNonRoot: true }, containers: [{ name: 'a', securityContext: { allowPrivilegeEscalation: false } }] };
  assert.deepEqual(only('restricted', 'v1.18', noProfile), []);
  assert.deepEqual(only('restricted', 'v1.19', noProfile), [
    { reason: 'seccompProfile', detail: 'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"' },
  ]);
  const containerLevel = { securityContext: { runAsNonRoot: true }, containers: [{ name: 'a', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } } }] };
  assert.deepEqual(only('restricted', 'latest', containerLevel), []);
});

test('sysctls: the safe set grows with the version', () => {
  const spec = compliantSpec();
  (spec['securityContext'] as Obj)['sysctls'] = [
    { name: 'net.ipv4.ip_local_reserved_ports', value: '1' },
    { name: 'net.ipv4.tcp_keepalive_time', value: '1' },
    { name: 'net.ipv4.tcp_rmem', value: '1' },
    { name: 'kernel.msgmax', value: '1' },
    { name: 'kernel.shm_rmid_forced', value: '1' },
  ];
  const detail = (v: string) => only('baseline', v, spec).map((x) => `${x.reason}: ${x.detail}`);
  assert.deepEqual(detail('v1.26'), ['forbidden sysctls: net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_rmem, kernel.msgmax']);
  assert.deepEqual(detail('v1.27'), ['forbidden sysctls: net.ipv4.tcp_keepalive_time, net.ipv4.tcp_rmem, kernel.msgmax']);
  assert.deepEqual(detail('v1.29'), ['forbidden sysctls: net.ipv4.tcp_rmem, kernel.msgmax']);
  assert.deepEqual(detail('v1.32'), ['forbidden sysctls: kernel.msgmax']);
  assert.deepEqual(detail('latest'), ['forbidden sysctls: kernel.msgmax']);
});

test('restricted volume types: allowed sources pass, others are named, sourceless volumes are emptyDir', () => {
  const spec = compliantSpec();
  spec['volumes'] = [
    { name: 'cm', configMap: { name: 'x' } },
    { name: 'img', image: { reference: 'r' } },
    { name: 'pvc', persistentVolumeClaim: { claimName: 'c' } },
    { name: 'bare' },
    { name: 'n', nfs: { server: 's', path: '/' } },
    { name: 'g', gitRepo: { repository: 'r' } },
    { name: 'w', weirdSource: {} },
  ];
  assert.deepEqual(only('restricted', 'latest', spec), [
    { reason: 'restricted volume types', detail: 'volumes "n", "g", "w" use restricted volume types "gitRepo", "nfs", "unknown"' },
  ]);
  assert.deepEqual(only('baseline', 'latest', spec), []);
});

test('allowPrivilegeEscalation: unset and true fail; only from v1.8; windows pods skipped from v1.25', () => {
  const spec = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [
    { name: 'a', securityContext: { capabilities: { drop: ['ALL'] } } },
    { name: 'b', securityContext: { allowPrivilegeEscalation: true, capabilities: { drop: ['ALL'] } } },
  ] };
  const expected = [{ reason: 'allowPrivilegeEscalation != false', detail: 'containers "a", "b" must set securityContext.allowPrivilegeEscalation=false' }];
  assert.deepEqual(only('restricted', 'latest', spec), expected);
  assert.deepEqual(only('restricted', 'v1.7', spec).filter((v) => v.reason.startsWith('allowPriv')), []);
  const windows = { ...spec, os: { name: 'windows' } };
  assert.deepEqual(only('restricted', 'v1.25', windows), []);
  assert.deepEqual(only('restricted', 'v1.24', windows), expected);
});

test('capabilities_restricted from v1.22 (case-sensitive ALL), before that the baseline check applies', () => {
  const spec = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [
    { name: 'a', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['all'], add: ['NET_BIND_SERVICE'] } } },
    { name: 'b', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['CHOWN', 'NET_RAW'] } } },
  ] };
  assert.deepEqual(only('restricted', 'v1.22', spec), [
    { reason: 'unrestricted capabilities', detail: 'container "a" must set securityContext.capabilities.drop=["ALL"]; container "b" must not include "CHOWN", "NET_RAW" in securityContext.capabilities.add' },
  ]);
  assert.deepEqual(only('restricted', 'v1.21', spec), [
    { reason: 'non-default capabilities', detail: 'container "b" must not include "NET_RAW" in securityContext.capabilities.add' },
  ]);
  // Windows pods: skipped from v1.25.
  const windows = { ...spec, os: { name: 'windows' } };
  assert.deepEqual(only('restricted', 'v1.25', windows), []);
});

test('runAsNonRoot: pod-level true covers containers; explicit false anywhere fails; hostUsers:false relaxes from v1.35', () => {
  const base = (podValue: unknown, containers: Obj[]) => ({
    securityContext: { runAsNonRoot: podValue, seccompProfile: { type: 'RuntimeDefault' } },
    containers: containers.map((c) => ({ ...c, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...(c['securityContext'] as Obj) } })),
  });
  assert.deepEqual(only('restricted', 'latest', base(true, [{ name: 'a' }])), []);
  assert.deepEqual(only('restricted', 'latest', base(true, [{ name: 'a', securityContext: { runAsNonRoot: false } }])), [
    { reason: 'runAsNonRoot != true', detail: 'container "a" must not set securityContext.runAsNonRoot=false' },
  ]);
  assert.deepEqual(only('restricted', 'latest', base(false, [{ name: 'a', securityContext: { runAsNonRoot: true } }, { name: 'b' }])), [
    { reason: 'runAsNonRoot != true', detail: 'pod must not set securityContext.runAsNonRoot=false' },
  ]);
  assert.deepEqual(only('restricted', 'latest', base(undefined, [{ name: 'a', securityContext: { runAsNonRoot: true } }, { name: 'b' }, { name: 'c' }])), [
    { reason: 'runAsNonRoot != true', detail: 'pod or containers "b", "c" must set securityContext.runAsNonRoot=true' },
  ]);
  const userns = { ...base(undefined, [{ name: 'a' }]), hostUsers: false };
  assert.deepEqual(only('restricted', 'v1.35', userns), []);
  assert.deepEqual(only('restricted', 'v1.34', userns).map((v) => v.reason), ['runAsNonRoot != true']);
});

test('runAsUser=0: from v1.23; relaxed for user namespaces from v1.35', () => {
  const spec = compliantSpec();
  (spec['securityContext'] as Obj)['runAsUser'] = 0;
  withContainer({ runAsUser: 0 }, spec);
  const expected = [{ reason: 'runAsUser=0', detail: 'pod and container "app" must not set runAsUser=0' }];
  assert.deepEqual(only('restricted', 'v1.23', spec), expected);
  assert.deepEqual(only('restricted', 'v1.22', spec), []);
  assert.deepEqual(only('restricted', 'v1.35', { ...spec, hostUsers: false }), []);
  assert.deepEqual(only('restricted', 'v1.34', { ...spec, hostUsers: false }), expected);
  assert.deepEqual(only('restricted', 'latest', withContainer({ runAsUser: 1000 })), []);
});

test('versions newer than known evaluate as latest; unparseable versions as latest', () => {
  const spec = { containers: [{ name: 'c', livenessProbe: { httpGet: { host: 'h', port: 1 } } }] };
  assert.deepEqual(checkPod('baseline', 'v1.99', undefined, spec), checkPod('baseline', 'latest', undefined, spec));
  assert.equal(checkPod('baseline', 'v1.99', undefined, spec).length, 1);
  assert.deepEqual(checkPod('baseline', 'garbage', undefined, spec), checkPod('baseline', 'latest', undefined, spec));
});

test('parseLevel / parseVersion fallback rules', () => {
  assert.deepEqual(parseLevel('baseline'), { level: 'baseline' });
  assert.deepEqual(parseLevel('strict', 'enforce'), { level: 'restricted', error: 'must be one of privileged, baseline, restricted' });
  assert.equal(parseLevel('strict', 'audit').level, 'privileged');
  assert.equal(parseLevel('Restricted', 'warn').level, 'privileged');
  assert.deepEqual(parseVersion('latest'), { version: 'latest', minor: LATEST_MINOR });
  assert.deepEqual(parseVersion('v1.24'), { version: 'v1.24', minor: 24 });
  assert.deepEqual(parseVersion('v1.99'), { version: 'v1.99', minor: LATEST_MINOR });
  for (const bad of ['1.24', 'v1.024', 'v2.0', 'v1.', 'Latest']) {
    assert.deepEqual(parseVersion(bad), { version: 'latest', minor: LATEST_MINOR, error: 'must be "latest" or "v1.x"' }, bad);
  }
});

test('policyFromLabels: defaults, overrides and errors in label order', () => {
  const { policy, errors } = policyFromLabels({
    'pod-security.kubernetes.io/enforce': 'bogus',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/warn-version': 'v1.25',
    'pod-security.kubernetes.io/audit': 'nope',
  });
  assert.deepEqual(policy, {
    enforce: { level: 'restricted', version: 'latest' },
    audit: { level: 'privileged', version: 'latest' },
    warn: { level: 'restricted', version: 'v1.25' },
  });
  assert.deepEqual(errors.map((e) => e.field), ['metadata.labels[pod-security.kubernetes.io/enforce]', 'metadata.labels[pod-security.kubernetes.io/audit]']);
  assert.equal(compareLevels('restricted', 'baseline'), 1);
  assert.equal(compareLevels('privileged', 'baseline'), -1);
  assert.equal(compareLevels('baseline', 'baseline'), 0);
});
