// The Pod Security Standards checks: one entry per upstream check ID, each with its versioned
// implementations. Every implementation is a pure function over a pre-digested view of the pod.

export interface Violation {
  /** Short reason, e.g. `allowPrivilegeEscalation != false`. */
  reason: string;
  /** What exactly is wrong, e.g. `container "app" must set securityContext.allowPrivilegeEscalation=false`. */
  detail: string;
}

type Obj = Record<string, unknown>;

/** A pod (or pod template) digested once per evaluation so that the checks stay cheap. */
export interface PodView {
  annotations: Obj | undefined;
  spec: Obj;
  /** spec.securityContext, if an object. */
  podSC: Obj | undefined;
  /** initContainers, containers, ephemeralContainers, in that order (upstream's visiting order). */
  containers: Obj[];
}

export type CheckFn = (pod: PodView) => Violation | undefined;

export interface VersionedCheck {
  /** First policy minor version (1.<min>) this implementation applies to. */
  min: number;
  fn: CheckFn;
  /** Baseline check IDs this restricted implementation replaces. */
  overrides?: string[];
}

export interface CheckDefinition {
  id: string;
  level: 'baseline' | 'restricted';
  versions: VersionedCheck[];
}

// ---- small helpers over plain JSON -------------------------------------------------------------

export function asObj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function asArr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function sc(c: Obj): Obj | undefined {
  return asObj(c['securityContext']);
}

function nameOf(c: Obj): string {
  const n = c['name'];
  return typeof n === 'string' ? n : '';
}

const pluralize = (one: string, many: string, n: number): string => (n === 1 ? one : many);

function joinQuote(items: string[]): string {
  return items.length === 0 ? '' : `"${items.join('", "')}"`;
}

/** Close to Go's %q for the strings that appear in pod specs. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function containersPhrase(names: string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

function isWindows(pod: PodView): boolean {
  return asObj(pod.spec['os'])?.['name'] === 'windows';
}

/** KEP-127: pods in a user namespace (`hostUsers: false`) get the relaxations of policy v1.35. */
function inUserNamespace(pod: PodView): boolean {
  return pod.spec['hostUsers'] === false;
}

// ---- baseline ----------------------------------------------------------------------------------

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function appArmorProfile(pod: PodView): Violation | undefined {
  const setters: string[] = [];
  const badTypes: string[] = [];
  const badType = (profile: unknown): string | undefined => {
    const p = asObj(profile);
    if (!p) return undefined;
    const t = typeof p['type'] === 'string' ? (p['type'] as string) : '';
    return t === 'RuntimeDefault' || t === 'Localhost' ? undefined : t;
  };
  const podBad = badType(pod.podSC?.['appArmorProfile']);
  if (podBad !== undefined) {
    setters.push('pod');
    badTypes.push(podBad);
  }
  const badContainers: string[] = [];
  for (const c of pod.containers) {
    const t = badType(sc(c)?.['appArmorProfile']);
    if (t !== undefined) {
      badContainers.push(nameOf(c));
      badTypes.push(t);
    }
  }
  if (badContainers.length) setters.push(containersPhrase(badContainers));
  const values = sortedUnique(badTypes);
  if (pod.annotations) {
    const forbidden: string[] = [];
    for (const [k, v] of Object.entries(pod.annotations)) {
      if (!k.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
      const value = typeof v === 'string' ? v : '';
      if (value === '' || value === 'runtime/default' || value.startsWith('localhost/')) continue;
      forbidden.push(`${k}=${goQuote(value)}`);
    }
    if (forbidden.length) {
      forbidden.sort();
      values.push(...forbidden);
      setters.push(pluralize('annotation', 'annotations', forbidden.length));
    }
  }
  if (!setters.length) return undefined;
  return {
    reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    detail: `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
  };
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

function capabilitiesBaseline(pod: PodView): Violation | undefined {
  const bad: string[] = [];
  const caps = new Set<string>();
  for (const c of pod.containers) {
    const capabilities = asObj(sc(c)?.['capabilities']);
    if (!capabilities) continue;
    let valid = true;
    for (const cap of asArr(capabilities['add'])) {
      const name = String(cap);
      if (!BASELINE_CAPABILITIES.has(name)) {
        valid = false;
        caps.add(name);
      }
    }
    if (!valid) bad.push(nameOf(c));
  }
  if (!bad.length) return undefined;
  return {
    reason: 'non-default capabilities',
    detail: `${containersPhrase(bad)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`,
  };
}

function hostNamespaces(pod: PodView): Violation | undefined {
  const set: string[] = [];
  if (pod.spec['hostNetwork'] === true) set.push('hostNetwork=true');
  if (pod.spec['hostPID'] === true) set.push('hostPID=true');
  if (pod.spec['hostIPC'] === true) set.push('hostIPC=true');
  return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
}

function hostPathVolumes(pod: PodView): Violation | undefined {
  const names: string[] = [];
  for (const v of asArr(pod.spec['volumes'])) {
    const vol = asObj(v);
    if (vol && vol['hostPath'] != null) names.push(typeof vol['name'] === 'string' ? vol['name'] : '');
  }
  if (!names.length) return undefined;
  return { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}` };
}

function hostPorts(pod: PodView): Violation | undefined {
  const bad: string[] = [];
  const ports = new Set<string>();
  for (const c of pod.containers) {
    let valid = true;
    for (const p of asArr(c['ports'])) {
      const hostPort = asObj(p)?.['hostPort'];
      if (typeof hostPort === 'number' && hostPort !== 0) {
        valid = false;
        ports.add(String(hostPort));
      }
    }
    if (!valid) bad.push(nameOf(c));
  }
  if (!bad.length) return undefined;
  return {
    reason: 'hostPort',
    detail: `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.size)} ${[...ports].sort().join(', ')}`,
  };
}

function hostProbesAndHostLifecycle(pod: PodView): Violation | undefined {
  const bad = new Set<string>();
  const hosts = new Set<string>();
  const inspect = (name: string, handler: unknown) => {
    const h = asObj(handler);
    if (!h) return;
    for (const kind of ['httpGet', 'tcpSocket']) {
      const host = asObj(h[kind])?.['host'];
      if (typeof host === 'string' && host !== '') {
        bad.add(name);
        hosts.add(host);
      }
    }
  };
  for (const c of pod.containers) {
    const name = nameOf(c);
    inspect(name, c['livenessProbe']);
    inspect(name, c['readinessProbe']);
    inspect(name, c['startupProbe']);
    const lifecycle = asObj(c['lifecycle']);
    if (lifecycle) {
      inspect(name, lifecycle['postStart']);
      inspect(name, lifecycle['preStop']);
    }
  }
  if (!bad.size) return undefined;
  return {
    reason: 'probe or lifecycle host',
    detail: `${containersPhrase([...bad].sort())} ${pluralize('uses', 'use', bad.size)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts.size)} ${joinQuote([...hosts].sort())}`,
  };
}

function privileged(pod: PodView): Violation | undefined {
  const bad: string[] = [];
  for (const c of pod.containers) if (sc(c)?.['privileged'] === true) bad.push(nameOf(c));
  if (!bad.length) return undefined;
  return { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` };
}

function procMountStrict(pod: PodView): Violation | undefined {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const c of pod.containers) {
    const pm = sc(c)?.['procMount'];
    if (typeof pm === 'string' && pm !== 'Default') {
      bad.push(nameOf(c));
      types.add(pm);
    }
  }
  if (!bad.length) return undefined;
  return { reason: 'procMount', detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote([...types].sort())}` };
}

function procMountRelaxed(pod: PodView): Violation | undefined {
  return inUserNamespace(pod) ? undefined : procMountStrict(pod);
}

const SELINUX_TYPES_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

function seLinuxOptions(allowed: Set<string>): CheckFn {
  return (pod) => {
    const setters: string[] = [];
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (opts: Obj): boolean => {
      let ok = true;
      const t = typeof opts['type'] === 'string' ? (opts['type'] as string) : '';
      if (!allowed.has(t)) {
        ok = false;
        badTypes.add(t);
      }
      if (typeof opts['user'] === 'string' && opts['user'] !== '') {
        ok = false;
        setUser = true;
      }
      if (typeof opts['role'] === 'string' && opts['role'] !== '') {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const podOpts = asObj(pod.podSC?.['seLinuxOptions']);
    if (podOpts && !valid(podOpts)) setters.push('pod');
    const bad: string[] = [];
    for (const c of pod.containers) {
      const opts = asObj(sc(c)?.['seLinuxOptions']);
      if (opts && !valid(opts)) bad.push(nameOf(c));
    }
    if (bad.length) setters.push(containersPhrase(bad));
    if (!setters.length) return undefined;
    const data: string[] = [];
    if (badTypes.size) data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote([...badTypes].sort())}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return { reason: 'seLinuxOptions', detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}` };
  };
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function validSeccompAnnotation(v: unknown): boolean {
  return typeof v === 'string' && (v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/'));
}

/** Before v1.19 seccomp was only expressible through the alpha annotations. */
function seccompProfileBaselineAnnotations(pod: PodView): Violation | undefined {
  const a = pod.annotations;
  if (!a) return undefined;
  const forbidden = new Set<string>();
  if (SECCOMP_POD_ANNOTATION in a && !validSeccompAnnotation(a[SECCOMP_POD_ANNOTATION])) {
    forbidden.add(`${SECCOMP_POD_ANNOTATION}=${goQuote(String(a[SECCOMP_POD_ANNOTATION]))}`);
  }
  for (const c of pod.containers) {
    const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + nameOf(c);
    if (key in a && !validSeccompAnnotation(a[key])) forbidden.add(`${key}=${goQuote(String(a[key]))}`);
  }
  if (!forbidden.size) return undefined;
  return { reason: 'seccompProfile', detail: `forbidden ${pluralize('annotation', 'annotations', forbidden.size)} ${[...forbidden].sort().join(', ')}` };
}

function seccompType(profile: unknown): string | undefined {
  const p = asObj(profile);
  if (!p) return undefined;
  return typeof p['type'] === 'string' ? (p['type'] as string) : '';
}

const validSeccomp = (t: string) => t === 'RuntimeDefault' || t === 'Localhost';

function seccompProfileBaseline(pod: PodView): Violation | undefined {
  const setters: string[] = [];
  const values = new Set<string>();
  const podType = seccompType(pod.podSC?.['seccompProfile']);
  if (podType !== undefined && !validSeccomp(podType)) {
    setters.push('pod');
    values.add(podType);
  }
  const bad: string[] = [];
  for (const c of pod.containers) {
    const t = seccompType(sc(c)?.['seccompProfile']);
    if (t !== undefined && !validSeccomp(t)) {
      bad.push(nameOf(c));
      values.add(t);
    }
  }
  if (bad.length) setters.push(containersPhrase(bad));
  if (!setters.length) return undefined;
  return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote([...values].sort())}` };
}

const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctls(allowedList: string[]): CheckFn {
  const allowed = new Set(allowedList);
  return (pod) => {
    const forbidden: string[] = [];
    for (const s of asArr(pod.podSC?.['sysctls'])) {
      const name = asObj(s)?.['name'];
      const n = typeof name === 'string' ? name : '';
      if (!allowed.has(n)) forbidden.push(n);
    }
    return forbidden.length ? { reason: 'forbidden sysctls', detail: forbidden.join(', ') } : undefined;
  };
}

function windowsHostProcess(pod: PodView): Violation | undefined {
  const bad: string[] = [];
  for (const c of pod.containers) if (asObj(sc(c)?.['windowsOptions'])?.['hostProcess'] === true) bad.push(nameOf(c));
  const setters: string[] = [];
  if (asObj(pod.podSC?.['windowsOptions'])?.['hostProcess'] === true) setters.push('pod');
  if (bad.length) setters.push(containersPhrase(bad));
  if (!setters.length) return undefined;
  return { reason: 'hostProcess', detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` };
}

// ---- restricted --------------------------------------------------------------------------------

function allowPrivilegeEscalation(pod: PodView): Violation | undefined {
  const bad: string[] = [];
  for (const c of pod.containers) if (sc(c)?.['allowPrivilegeEscalation'] !== false) bad.push(nameOf(c));
  if (!bad.length) return undefined;
  return { reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` };
}

function capabilitiesRestricted(pod: PodView): Violation | undefined {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbidden = new Set<string>();
  for (const c of pod.containers) {
    const capabilities = asObj(sc(c)?.['capabilities']);
    if (!capabilities) {
      missingDropAll.push(nameOf(c));
      continue;
    }
    // Upstream compares case-sensitively: "all" does not count as "ALL".
    if (!asArr(capabilities['drop']).some((d) => d === 'ALL')) missingDropAll.push(nameOf(c));
    let added = false;
    for (const cap of asArr(capabilities['add'])) {
      if (cap !== 'NET_BIND_SERVICE') {
        added = true;
        forbidden.add(String(cap));
      }
    }
    if (added) addingForbidden.push(nameOf(c));
  }
  const details: string[] = [];
  if (missingDropAll.length) details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden.length) details.push(`${containersPhrase(addingForbidden)} must not include ${joinQuote([...forbidden].sort())} in securityContext.capabilities.add`);
  return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
}

const ALLOWED_VOLUME_SOURCES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret']);
// In upstream's order of precedence, should a volume (invalidly) name several sources.
const RESTRICTED_VOLUME_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume',
  'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk',
  'portworxVolume', 'scaleIO', 'storageos',
];

function restrictedVolumes(pod: PodView): Violation | undefined {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of asArr(pod.spec['volumes'])) {
    const vol = asObj(v);
    if (!vol) continue;
    let sources = 0;
    let allowed = false;
    for (const [k, val] of Object.entries(vol)) {
      if (k === 'name' || val == null) continue;
      sources++;
      if (ALLOWED_VOLUME_SOURCES.has(k)) allowed = true;
    }
    // A volume without a source is defaulted to emptyDir by the API server before admission.
    if (allowed || sources === 0) continue;
    bad.push(typeof vol['name'] === 'string' ? vol['name'] : '');
    types.add(RESTRICTED_VOLUME_SOURCES.find((s) => vol[s] != null) ?? 'unknown');
  }
  if (!bad.length) return undefined;
  return {
    reason: 'restricted volume types',
    detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote([...types].sort())}`,
  };
}

function runAsNonRoot(pod: PodView): Violation | undefined {
  const setters: string[] = [];
  let podNonRoot = false;
  const podValue = pod.podSC?.['runAsNonRoot'];
  if (podValue === false) setters.push('pod');
  else if (podValue === true) podNonRoot = true;
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of pod.containers) {
    const v = sc(c)?.['runAsNonRoot'];
    if (typeof v === 'boolean') {
      if (!v) explicit.push(nameOf(c));
    } else if (!podNonRoot) {
      implicit.push(nameOf(c));
    }
  }
  if (explicit.length) setters.push(containersPhrase(explicit));
  if (setters.length) return { reason: 'runAsNonRoot != true', detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
  if (implicit.length) return { reason: 'runAsNonRoot != true', detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true` };
  return undefined;
}

function runAsUser(pod: PodView): Violation | undefined {
  const setters: string[] = [];
  if (pod.podSC?.['runAsUser'] === 0) setters.push('pod');
  const bad: string[] = [];
  for (const c of pod.containers) if (sc(c)?.['runAsUser'] === 0) bad.push(nameOf(c));
  if (bad.length) setters.push(containersPhrase(bad));
  return setters.length ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
}

function seccompProfileRestricted(pod: PodView): Violation | undefined {
  const setters: string[] = [];
  const values = new Set<string>();
  let podSet = false;
  const podType = seccompType(pod.podSC?.['seccompProfile']);
  if (podType !== undefined) {
    if (!validSeccomp(podType)) {
      setters.push('pod');
      values.add(podType);
    } else {
      podSet = true;
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of pod.containers) {
    const t = seccompType(sc(c)?.['seccompProfile']);
    if (t !== undefined) {
      if (!validSeccomp(t)) {
        explicit.push(nameOf(c));
        values.add(t);
      }
    } else if (!podSet) {
      implicit.push(nameOf(c));
    }
  }
  if (explicit.length) setters.push(containersPhrase(explicit));
  if (setters.length) {
    return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote([...values].sort())}` };
  }
  if (implicit.length) {
    return { reason: 'seccompProfile', detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
  }
  return undefined;
}

/** Windows pods cannot carry these Linux settings (validation refuses them), so v1.25+ skips them. */
function unlessWindows(fn: CheckFn): CheckFn {
  return (pod) => (isWindows(pod) ? undefined : fn(pod));
}

function unlessUserNamespace(fn: CheckFn): CheckFn {
  return (pod) => (inUserNamespace(pod) ? undefined : fn(pod));
}

// ---- the registry ------------------------------------------------------------------------------

export const CHECKS: CheckDefinition[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ min: 0, fn: appArmorProfile }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ min: 0, fn: capabilitiesBaseline }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ min: 0, fn: hostNamespaces }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ min: 0, fn: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ min: 0, fn: hostPorts }] },
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', versions: [{ min: 34, fn: hostProbesAndHostLifecycle }] },
  { id: 'privileged', level: 'baseline', versions: [{ min: 0, fn: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ min: 0, fn: procMountStrict }, { min: 35, fn: procMountRelaxed }] },
  { id: 'seLinuxOptions', level: 'baseline', versions: [{ min: 0, fn: seLinuxOptions(SELINUX_TYPES_1_0) }, { min: 31, fn: seLinuxOptions(SELINUX_TYPES_1_31) }] },
  { id: 'seccompProfile_baseline', level: 'baseline', versions: [{ min: 0, fn: seccompProfileBaselineAnnotations }, { min: 19, fn: seccompProfileBaseline }] },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { min: 0, fn: sysctls(SYSCTLS_1_0) },
      { min: 27, fn: sysctls(SYSCTLS_1_27) },
      { min: 29, fn: sysctls(SYSCTLS_1_29) },
      { min: 32, fn: sysctls(SYSCTLS_1_32) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ min: 0, fn: windowsHostProcess }] },

  { id: 'allowPrivilegeEscalation', level: 'restricted', versions: [{ min: 8, fn: allowPrivilegeEscalation }, { min: 25, fn: unlessWindows(allowPrivilegeEscalation) }] },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { min: 22, fn: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
      { min: 25, fn: unlessWindows(capabilitiesRestricted), overrides: ['capabilities_baseline'] },
    ],
  },
  // From v1.35 baseline lets user-namespaced pods unmask /proc; restricted still does not.
  { id: 'procMount_restricted', level: 'restricted', versions: [{ min: 35, fn: procMountStrict, overrides: ['procMount'] }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ min: 0, fn: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ min: 0, fn: runAsNonRoot }, { min: 35, fn: unlessUserNamespace(runAsNonRoot) }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ min: 23, fn: runAsUser }, { min: 35, fn: unlessUserNamespace(runAsUser) }] },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { min: 19, fn: seccompProfileRestricted, overrides: ['seccompProfile_baseline'] },
      { min: 25, fn: unlessWindows(seccompProfileRestricted), overrides: ['seccompProfile_baseline'] },
    ],
  },
];

/** The newest policy minor version any check defines: what `latest` means. */
export const LATEST_MINOR = Math.max(...CHECKS.flatMap((c) => c.versions.map((v) => v.min)));
