// Server-side tables (meta.k8s.io/v1 Table) for `kubectl get`: the columns and cell values that
// kube-apiserver's printers produce for each catalogue type, plus the metadata-only default.

import { groupVersion, type ResourceInfo } from '../../api/catalogue.js';
import { labelSelectorFromObject } from '../../api/selectors.js';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** What each row carries in `object`: PartialObjectMetadata (default), the full object, or nothing. */
  includeObject?: IncludeObject;
  /** The clock that AGE and other relative times are measured against. */
  now?: Date;
  /** The list's metadata. Without it, a single item's resourceVersion becomes the table's (a GET). */
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** Leave out the column definitions, as kube does for watch events after the first. */
  noHeaders?: boolean;
}

type Obj = Record<string, unknown>;
type Cell = string | number | boolean;
interface RowCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface PrintedRow {
  cells: Cell[];
  conditions?: RowCondition[];
}
interface Printer {
  columns: TableColumnDefinition[];
  print(obj: Obj, now: number): PrintedRow;
}

// ----- loose accessors: stored objects are JSON, and any field may be absent ----------------

const rec = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(rec(v))) out[k] = typeof val === 'string' ? val : String(val);
  return out;
};
const meta = (o: Obj): Obj => rec(o.metadata);
const nameOf = (o: Obj): string => str(meta(o).name);

// Go's zero time serialises as year 1; kube treats it like an absent timestamp.
const GO_ZERO = new Date('0001-01-01T00:00:00Z').getTime();

/** Milliseconds since the epoch, or undefined for an absent, zero or unparseable timestamp. */
function timeOf(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) || t <= GO_ZERO ? undefined : t;
}

/**
 * kube's HumanDuration: about two significant figures, e.g. 45s, 119s, 3m20s, 15m, 4h, 7h5m, 30h,
 * 2d3h, 45d, 3y20d, 10y. Slightly negative durations (clock skew up to ~2s) read as 0s.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const sec = seconds % 60;
    return sec === 0 ? `${minutes}m` : `${minutes}m${sec}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const min = minutes % 60;
    return min === 0 ? `${hours}h` : `${hours}h${min}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const d = Math.trunc(hours / 24);
    return h === 0 ? `${d}d` : `${d}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const years = Math.trunc(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

/** Time since a timestamp, or `<unknown>` when there is none. */
function since(ts: unknown, now: number): string {
  const t = timeOf(ts);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}

const age = (o: Obj, now: number): string => since(meta(o).creationTimestamp, now);

/** labels.FormatLabels: `k=v` sorted by key, or `<none>`. */
function formatLabels(m: Record<string, string>): string {
  const s = Object.keys(m)
    .sort()
    .map((k) => `${k}=${m[k]}`)
    .join(',');
  return s === '' ? '<none>' : s;
}

type SelectorObject = Parameters<typeof labelSelectorFromObject>[0];

/** metav1.LabelSelector as a string; `onError` for selectors that do not validate. */
function selectorString(sel: unknown, onError: string): string {
  try {
    return labelSelectorFromObject(sel === undefined || sel === null ? sel : (rec(sel) as SelectorObject)).toString();
  } catch {
    return onError;
  }
}

/** metav1.FormatLabelSelector: like selectorString, with `<none>` for an empty result. */
const formatLabelSelector = (sel: unknown): string => selectorString(sel, '<error>') || '<none>';

function containerCells(podSpec: unknown): [string, string] {
  const containers = arr(rec(podSpec).containers).map(rec);
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

const templateSpec = (o: Obj): Obj => rec(rec(rec(o.spec).template).spec);

// ----- column definitions ----------------------------------------------------------------------

function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}
const NAME = col('Name', 'string', "The object's name, unique among objects of its kind in its namespace (or cluster, if cluster-scoped).", 0, 'name');
const AGE = col('Age', 'string', 'How long ago the object was created.');
const CONTAINERS = col('Containers', 'string', 'Names of the containers in the pod template.', 1);
const IMAGES = col('Images', 'string', 'Images of the containers in the pod template.', 1);
const SELECTOR = (what: string) => col('Selector', 'string', `Label selector for the ${what} this object manages.`, 1);

const printers = new Map<string, Printer>();
function register(keys: string[], p: Printer): void {
  for (const k of keys) printers.set(k, p);
}

// ----- core/v1 ---------------------------------------------------------------------------------

const isRestartableInit = (c: Obj | undefined): boolean => str(c?.restartPolicy) === 'Always';

function podStatusCells(pod: Obj, now: number): { ready: string; reason: string; restarts: string } {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  const initSpecs = new Map<string, Obj>();
  for (const c of arr(spec.initContainers).map(rec)) initSpecs.set(str(c.name), c);

  let total = arr(spec.containers).length;
  for (const c of initSpecs.values()) if (isRestartableInit(c)) total++;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;

  // Pods written without a status have not been through kube's create strategy, which sets Pending.
  const phase = str(status.phase) || 'Pending';
  let reason = str(status.reason) || phase;
  const conditions = arr(status.conditions).map(rec);
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const finishedAt = (cs: Obj): number => timeOf(rec(rec(cs.lastState).terminated).finishedAt) ?? 0;

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses).map(rec);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const sidecar = isRestartableInit(initSpecs.get(str(cs.name)));
    restarts += int(cs.restartCount);
    lastRestart = Math.max(lastRestart, finishedAt(cs));
    if (sidecar) {
      sidecarRestarts += int(cs.restartCount);
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(cs));
    }
    const state = rec(cs.state);
    const terminated = state.terminated === undefined || state.terminated === null ? undefined : rec(state.terminated);
    const waiting = state.waiting === undefined || state.waiting === null ? undefined : rec(state.waiting);
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (terminated) {
      if (str(terminated.reason)) reason = `Init:${str(terminated.reason)}`;
      else if (int(terminated.signal) !== 0) reason = `Init:Signal:${int(terminated.signal)}`;
      else reason = `Init:ExitCode:${int(terminated.exitCode)}`;
    } else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.size}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = conditions.find((c) => c.type === 'Initialized')?.status === 'True';
  if (!initializing || initializedTrue) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses).map(rec);
    // Walked backwards so that the first container's state has the last word, as in kube.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += int(cs.restartCount);
      lastRestart = Math.max(lastRestart, finishedAt(cs));
      const state = rec(cs.state);
      const waiting = state.waiting === undefined || state.waiting === null ? undefined : rec(state.waiting);
      const terminated = state.terminated === undefined || state.terminated === null ? undefined : rec(state.terminated);
      if (waiting && str(waiting.reason)) reason = str(waiting.reason);
      else if (terminated && str(terminated.reason)) reason = str(terminated.reason);
      else if (terminated) reason = int(terminated.signal) !== 0 ? `Signal:${int(terminated.signal)}` : `ExitCode:${int(terminated.exitCode)}`;
      else if (cs.ready === true && state.running !== undefined && state.running !== null) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  const deleting = timeOf(meta(pod).deletionTimestamp) !== undefined;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsText = restarts !== 0 && lastRestart !== 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, reason, restarts: restartsText };
}

register(['/pods'], {
  columns: [
    NAME,
    col('Ready', 'string', 'Ready containers out of all containers in the pod.'),
    col('Status', 'string', "A summary of the pod's phase and its containers' states."),
    col('Restarts', 'string', 'Container restarts in this pod, and how long ago the last one was.'),
    AGE,
    col('IP', 'string', "The pod's primary IP address.", 1),
    col('Node', 'string', 'The node the pod is bound to.', 1),
    col('Nominated Node', 'string', 'The node the scheduler nominated after preempting other pods.', 1),
    col('Readiness Gates', 'string', 'Readiness gates that are true out of all readiness gates.', 1),
  ],
  print(pod, now) {
    const spec = rec(pod.spec);
    const status = rec(pod.status);
    const { ready, reason, restarts } = podStatusCells(pod, now);
    const podIP = str(rec(arr(status.podIPs)[0]).ip) || str(status.podIP) || '<none>';
    const gates = arr(spec.readinessGates).map(rec);
    let gatesText = '<none>';
    if (gates.length > 0) {
      const conditions = arr(status.conditions).map(rec);
      const trueGates = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
      gatesText = `${trueGates}/${gates.length}`;
    }
    const row: PrintedRow = {
      cells: [nameOf(pod), ready, reason, restarts, age(pod, now), podIP, str(spec.nodeName) || '<none>', str(status.nominatedNodeName) || '<none>', gatesText],
    };
    if (status.phase === 'Succeeded') row.conditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    else if (status.phase === 'Failed') row.conditions = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return row;
  },
});

function loadBalancerIngress(status: Obj): string {
  const seen = new Set<string>();
  for (const ing of arr(rec(rec(status).loadBalancer).ingress).map(rec)) {
    const v = str(ing.ip) || str(ing.hostname);
    if (v) seen.add(v);
  }
  return [...seen].sort().join(',');
}

function serviceExternalIP(svc: Obj, type: string): string {
  const spec = rec(svc.spec);
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(rec(svc.status));
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

register(['/services'], {
  columns: [
    NAME,
    col('Type', 'string', 'How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.'),
    col('Cluster-IP', 'string', 'The virtual IP the service is reachable on inside the cluster.'),
    col('External-IP', 'string', 'Addresses the service is reachable on from outside the cluster.'),
    col('Port(s)', 'string', 'Service ports, with node ports where allocated.'),
    AGE,
    col('Selector', 'string', 'Labels of the pods the service sends traffic to.', 1),
  ],
  print(svc, now) {
    const spec = rec(svc.spec);
    // ClusterIP and TCP are what kube's defaulting stores when the client leaves them out.
    const type = str(spec.type) || 'ClusterIP';
    const clusterIP = str(arr(spec.clusterIPs)[0]) || str(spec.clusterIP) || '<none>';
    const ports = arr(spec.ports)
      .map(rec)
      .map((p) => {
        const protocol = str(p.protocol) || 'TCP';
        return int(p.nodePort) > 0 ? `${int(p.port)}:${int(p.nodePort)}/${protocol}` : `${int(p.port)}/${protocol}`;
      })
      .join(',');
    return { cells: [nameOf(svc), type, clusterIP, serviceExternalIP(svc, type), ports || '<none>', age(svc, now), formatLabels(strMap(spec.selector))] };
  },
});

function formatEndpoints(ep: Obj): string {
  const subsets = arr(ep.subsets).map(rec);
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  let more = false;
  const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  for (const ss of subsets) {
    const addresses = arr(ss.addresses).map(rec);
    const ports = arr(ss.ports).map(rec);
    // Headless services may have no ports: then the bare addresses are listed.
    const perPort: (number | undefined)[] = ports.length === 0 ? [undefined] : ports.map((p) => int(p.port));
    for (const port of perPort) {
      count += addresses.length;
      for (const addr of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(port === undefined ? str(addr.ip) : hostPort(str(addr.ip), port));
      }
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - max} more...` : joined;
}

register(['/endpoints'], {
  columns: [NAME, col('Endpoints', 'string', 'Addresses and ports backing the service (the first three).'), AGE],
  print: (ep, now) => ({ cells: [nameOf(ep), formatEndpoints(ep), age(ep, now)] }),
});

register(['/configmaps'], {
  columns: [NAME, col('Data', 'string', 'Number of keys in data and binaryData.'), AGE],
  print: (cm, now) => ({ cells: [nameOf(cm), Object.keys(rec(cm.data)).length + Object.keys(rec(cm.binaryData)).length, age(cm, now)] }),
});

register(['/secrets'], {
  columns: [NAME, col('Type', 'string', 'The type of secret, which fixes the keys it must hold.'), col('Data', 'string', 'Number of keys in data.'), AGE],
  // Opaque is the type kube's defaulting stores when none is given.
  print: (s, now) => ({ cells: [nameOf(s), str(s.type) || 'Opaque', Object.keys(rec(s.data)).length, age(s, now)] }),
});

register(['/serviceaccounts'], {
  columns: [NAME, col('Secrets', 'string', 'Number of secrets listed on the service account.'), AGE],
  print: (sa, now) => ({ cells: [nameOf(sa), arr(sa.secrets).length, age(sa, now)] }),
});

register(['/namespaces'], {
  columns: [NAME, col('Status', 'string', 'The phase of the namespace: Active or Terminating.'), AGE],
  // Active is what kube's create strategy sets; a namespace stored without status is still active.
  print: (ns, now) => ({ cells: [nameOf(ns), str(rec(ns.status).phase) || 'Active', age(ns, now)] }),
});

function nodeRoles(labels: Record<string, string>): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort().join(',') || '<none>';
}

function nodeAddress(node: Obj, type: string): string {
  return str(arr(rec(node.status).addresses).map(rec).find((a) => a.type === type)?.address) || '<none>';
}

register(['/nodes'], {
  columns: [
    NAME,
    col('Status', 'string', "The node's readiness, and whether scheduling is disabled."),
    col('Roles', 'string', "The node's roles, from its node-role.kubernetes.io/ labels."),
    AGE,
    col('Version', 'string', 'The kubelet version the node reports.'),
    col('Internal-IP', 'string', "The node's first InternalIP address.", 1),
    col('External-IP', 'string', "The node's first ExternalIP address.", 1),
    col('OS-Image', 'string', 'The operating system image the node reports.', 1),
    col('Kernel-Version', 'string', 'The kernel version the node reports.', 1),
    col('Container-Runtime', 'string', 'The container runtime and version the node reports.', 1),
  ],
  print(node, now) {
    const status = rec(node.status);
    let ready: Obj | undefined;
    for (const c of arr(status.conditions).map(rec)) if (c.type === 'Ready') ready = c;
    const states = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
    if (rec(node.spec).unschedulable === true) states.push('SchedulingDisabled');
    const info = rec(status.nodeInfo);
    return {
      cells: [
        nameOf(node),
        states.join(','),
        nodeRoles(strMap(meta(node).labels)),
        age(node, now),
        str(info.kubeletVersion),
        nodeAddress(node, 'InternalIP'),
        nodeAddress(node, 'ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>',
      ],
    };
  },
});

register(['/events'], {
  columns: [
    col('Last Seen', 'string', 'How long ago the event was last observed.'),
    col('Type', 'string', 'Normal or Warning.'),
    col('Reason', 'string', 'A short machine-readable reason for the event.'),
    col('Object', 'string', 'The object the event is about.'),
    col('Subobject', 'string', 'The part of the object the event is about, such as a container.', 1),
    col('Source', 'string', 'The component (and host) that reported the event.', 1),
    col('Message', 'string', 'A human-readable description of the event.'),
    col('First Seen', 'string', 'How long ago the event was first observed.', 1),
    col('Count', 'string', 'How many times the event was observed.', 1),
    col('Name', 'string', "The event object's own name.", 1, 'name'),
  ],
  print(ev, now) {
    let first = since(ev.firstTimestamp, now);
    if (timeOf(ev.firstTimestamp) === undefined) first = since(ev.eventTime, now);
    let last = timeOf(ev.lastTimestamp) === undefined ? first : since(ev.lastTimestamp, now);
    let count = int(ev.count);
    if (ev.series !== undefined && ev.series !== null) {
      const series = rec(ev.series);
      last = since(series.lastObservedTime, now);
      count = int(series.count);
    } else if (count === 0) {
      // Events from the events.k8s.io API leave count unset for a single occurrence.
      count = 1;
    }
    const involved = rec(ev.involvedObject);
    const kind = str(involved.kind).toLowerCase();
    const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind;
    const source = rec(ev.source);
    const component = str(source.component) || str(ev.reportingController);
    const instance = str(source.host) || str(ev.reportingInstance);
    return {
      cells: [last, str(ev.type), str(ev.reason), target, str(involved.fieldPath), instance ? `${component}, ${instance}` : component, str(ev.message).trim(), first, count, nameOf(ev)],
    };
  },
});

register(['/resourcequotas'], {
  columns: [
    NAME,
    col('Request', 'string', 'Used out of hard limits for everything but limits.* resources.'),
    col('Limit', 'string', 'Used out of hard limits for limits.* resources.'),
    AGE,
  ],
  print(q, now) {
    const status = rec(q.status);
    const hard = strMap(status.hard);
    const used = strMap(status.used);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const res of Object.keys(hard).sort()) {
      const parts = res.split('.');
      (parts.length > 1 && parts[0] === 'limits' ? limits : requests).push(`${res}: ${used[res] ?? '0'}/${hard[res]}`);
    }
    return { cells: [nameOf(q), requests.join(', '), limits.join(', '), age(q, now)] };
  },
});

// ----- apps/v1, batch/v1 -----------------------------------------------------------------------

// An absent spec.replicas is 1 after kube's defaulting.
const desiredReplicas = (o: Obj): number => (typeof rec(o.spec).replicas === 'number' ? int(rec(o.spec).replicas) : 1);

register(['apps/deployments'], {
  columns: [
    NAME,
    col('Ready', 'string', 'Ready pods out of desired pods.'),
    col('Up-to-date', 'string', 'Pods running the latest pod template.'),
    col('Available', 'string', 'Pods that have been ready for at least minReadySeconds.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR('pods'),
  ],
  print(d, now) {
    const status = rec(d.status);
    const [names, images] = containerCells(templateSpec(d));
    return {
      cells: [nameOf(d), `${int(status.readyReplicas)}/${desiredReplicas(d)}`, int(status.updatedReplicas), int(status.availableReplicas), age(d, now), names, images, selectorString(rec(d.spec).selector, '<invalid>')],
    };
  },
});

register(['apps/replicasets'], {
  columns: [
    NAME,
    col('Desired', 'integer', 'Pods the replica set should run.'),
    col('Current', 'integer', 'Pods the replica set runs now.'),
    col('Ready', 'integer', 'Pods that are ready.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR('pods'),
  ],
  print(rs, now) {
    const status = rec(rs.status);
    const [names, images] = containerCells(templateSpec(rs));
    return {
      cells: [nameOf(rs), desiredReplicas(rs), int(status.replicas), int(status.readyReplicas), age(rs, now), names, images, formatLabelSelector(rec(rs.spec).selector)],
    };
  },
});

register(['apps/statefulsets'], {
  columns: [NAME, col('Ready', 'string', 'Ready pods out of desired pods.'), AGE, CONTAINERS, IMAGES],
  print(sts, now) {
    const [names, images] = containerCells(templateSpec(sts));
    return { cells: [nameOf(sts), `${int(rec(sts.status).readyReplicas)}/${desiredReplicas(sts)}`, age(sts, now), names, images] };
  },
});

register(['apps/daemonsets'], {
  columns: [
    NAME,
    col('Desired', 'integer', 'Nodes that should run the daemon pod.'),
    col('Current', 'integer', 'Nodes that run at least one daemon pod.'),
    col('Ready', 'integer', 'Nodes whose daemon pod is ready.'),
    col('Up-to-date', 'integer', 'Nodes running the latest pod template.'),
    col('Available', 'integer', 'Nodes whose daemon pod is available.'),
    col('Node Selector', 'string', 'The node selector of the pod template.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR('pods'),
  ],
  print(ds, now) {
    const status = rec(ds.status);
    const [names, images] = containerCells(templateSpec(ds));
    return {
      cells: [
        nameOf(ds),
        int(status.desiredNumberScheduled),
        int(status.currentNumberScheduled),
        int(status.numberReady),
        int(status.updatedNumberScheduled),
        int(status.numberAvailable),
        formatLabels(strMap(templateSpec(ds).nodeSelector)),
        age(ds, now),
        names,
        images,
        formatLabelSelector(rec(ds.spec).selector),
      ],
    };
  },
});

const conditionTrue = (conditions: unknown, type: string): boolean => arr(conditions).map(rec).find((c) => c.type === type)?.status === 'True';

register(['batch/jobs'], {
  columns: [
    NAME,
    col('Status', 'string', 'Complete, Failed, Terminating, Suspended, FailureTarget or Running.'),
    col('Completions', 'string', 'Succeeded pods out of required completions.'),
    col('Duration', 'string', 'How long the job ran (or has been running).'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR('pods'),
  ],
  print(job, now) {
    const spec = rec(job.spec);
    const status = rec(job.status);
    const succeeded = int(status.succeeded);
    let completions: string;
    if (typeof spec.completions === 'number') completions = `${succeeded}/${int(spec.completions)}`;
    else if (int(spec.parallelism) > 1) completions = `${succeeded}/1 of ${int(spec.parallelism)}`;
    else completions = `${succeeded}/1`;

    const start = timeOf(status.startTime);
    const end = timeOf(status.completionTime);
    const duration = start === undefined ? '' : humanDuration((end ?? now) - start);

    let state = 'Running';
    if (conditionTrue(status.conditions, 'Complete')) state = 'Complete';
    else if (conditionTrue(status.conditions, 'Failed')) state = 'Failed';
    else if (timeOf(meta(job).deletionTimestamp) !== undefined) state = 'Terminating';
    else if (conditionTrue(status.conditions, 'Suspended')) state = 'Suspended';
    else if (conditionTrue(status.conditions, 'FailureTarget')) state = 'FailureTarget';

    const [names, images] = containerCells(templateSpec(job));
    return { cells: [nameOf(job), state, completions, duration, age(job, now), names, images, formatLabelSelector(spec.selector)] };
  },
});

register(['batch/cronjobs'], {
  columns: [
    NAME,
    col('Schedule', 'string', 'The cron schedule.'),
    col('Timezone', 'string', 'The time zone the schedule is read in.'),
    col('Suspend', 'boolean', 'Whether new runs are suspended.'),
    col('Active', 'integer', 'Jobs currently running.'),
    col('Last Schedule', 'string', 'How long ago a job was last scheduled.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR('jobs'),
  ],
  print(cj, now) {
    const spec = rec(cj.spec);
    const status = rec(cj.status);
    const jobSpec = rec(rec(spec.jobTemplate).spec);
    const suspend = typeof spec.suspend === 'boolean' ? (spec.suspend ? 'True' : 'False') : '<unset>';
    const last = timeOf(status.lastScheduleTime) === undefined ? '<none>' : since(status.lastScheduleTime, now);
    const [names, images] = containerCells(rec(rec(jobSpec.template).spec));
    return {
      cells: [nameOf(cj), str(spec.schedule), str(spec.timeZone) || '<none>', suspend, arr(status.active).length, last, age(cj, now), names, images, formatLabelSelector(jobSpec.selector)],
    };
  },
});

// ----- other groups ----------------------------------------------------------------------------

register(['coordination.k8s.io/leases'], {
  columns: [NAME, col('Holder', 'string', 'The identity currently holding the lease.'), AGE],
  print: (l, now) => ({ cells: [nameOf(l), str(rec(l.spec).holderIdentity), age(l, now)] }),
});

function bindingPrinter(what: string): Printer {
  return {
    columns: [
      NAME,
      col('Role', 'string', 'The role the binding grants, as Kind/name.'),
      AGE,
      col('Users', 'string', `Users in the ${what}.`, 1),
      col('Groups', 'string', `Groups in the ${what}.`, 1),
      col('ServiceAccounts', 'string', `Service accounts in the ${what}, as namespace/name.`, 1),
    ],
    print(b, now) {
      const roleRef = rec(b.roleRef);
      const users: string[] = [];
      const groups: string[] = [];
      const sas: string[] = [];
      for (const s of arr(b.subjects).map(rec)) {
        if (s.kind === 'User') users.push(str(s.name));
        else if (s.kind === 'Group') groups.push(str(s.name));
        else if (s.kind === 'ServiceAccount') sas.push(`${str(s.namespace)}/${str(s.name)}`);
      }
      return { cells: [nameOf(b), `${str(roleRef.kind)}/${str(roleRef.name)}`, age(b, now), users.join(', '), groups.join(', '), sas.join(', ')] };
    },
  };
}
register(['rbac.authorization.k8s.io/rolebindings'], bindingPrinter('role binding'));
register(['rbac.authorization.k8s.io/clusterrolebindings'], bindingPrinter('cluster role binding'));

function csrCondition(csr: Obj): string {
  const status = rec(csr.status);
  const types = new Set(arr(status.conditions).map((c) => str(rec(c).type)));
  // Denied wins over Approved, as in kube.
  let text = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) text += ',Failed';
  if (str(status.certificate).length > 0) text += ',Issued';
  return text;
}

register(['certificates.k8s.io/certificatesigningrequests'], {
  columns: [
    NAME,
    AGE,
    col('SignerName', 'string', 'The signer the request is addressed to.'),
    col('Requestor', 'string', 'The user who created the request.'),
    col('RequestedDuration', 'string', 'The certificate lifetime the requester asked for.'),
    col('Condition', 'string', 'Pending, Approved or Denied, plus Failed and Issued.'),
  ],
  print(csr, now) {
    const spec = rec(csr.spec);
    const duration = typeof spec.expirationSeconds === 'number' ? humanDuration(int(spec.expirationSeconds) * 1000) : '<none>';
    return { cells: [nameOf(csr), age(csr, now), str(spec.signerName) || '<none>', str(spec.username), duration, csrCondition(csr)] };
  },
});

const webhookPrinter: Printer = {
  columns: [NAME, col('Webhooks', 'integer', 'Number of webhooks in the configuration.'), AGE],
  print: (w, now) => ({ cells: [nameOf(w), arr(w.webhooks).length, age(w, now)] }),
};
register(['admissionregistration.k8s.io/mutatingwebhookconfigurations', 'admissionregistration.k8s.io/validatingwebhookconfigurations'], webhookPrinter);

/** kube's table for kinds without a printer (roles, limit ranges, …): name and RFC 3339 creation time. */
const defaultPrinter: Printer = {
  columns: [NAME, col('Created At', 'date', 'When the object was created.')],
  print(o) {
    const t = timeOf(meta(o).creationTimestamp) ?? GO_ZERO;
    return { cells: [nameOf(o), new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z')] };
  },
};

function printerFor(r: ResourceInfo): Printer {
  return printers.get(`${r.group}/${r.resource}`) ?? defaultPrinter;
}

/** The column definitions served for a resource (all of them: kube always renders the wide set). */
export function tableColumns(r: ResourceInfo): TableColumnDefinition[] {
  return printerFor(r).columns.map((c) => ({ ...c }));
}

/**
 * Renders objects of one resource as a meta.k8s.io/v1 Table. Cells always include the priority-1
 * ("-o wide") columns, which kubectl hides unless asked; row objects carry the metadata kubectl needs
 * for --show-labels, -A and sorting.
 */
export function toTable(r: ResourceInfo, items: Record<string, unknown>[], opts: TableOptions = {}): Record<string, unknown> {
  const now = (opts.now ?? new Date()).getTime();
  const includeObject = opts.includeObject ?? 'Metadata';
  const printer = printerFor(r);
  const apiVersion = groupVersion(r);

  const rows = items.map((item) => {
    const printed = printer.print(item, now);
    const row: Record<string, unknown> = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    if (includeObject === 'Object') {
      row.object = { apiVersion, kind: r.kind, ...item };
    } else if (includeObject === 'Metadata') {
      row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { ...meta(item) } };
    }
    return row;
  });

  const metadata: Record<string, unknown> = {};
  if (opts.listMeta) {
    if (opts.listMeta.resourceVersion) metadata.resourceVersion = opts.listMeta.resourceVersion;
    if (opts.listMeta.continue) metadata.continue = opts.listMeta.continue;
    if (typeof opts.listMeta.remainingItemCount === 'number') metadata.remainingItemCount = opts.listMeta.remainingItemCount;
  } else if (items.length === 1) {
    const rv = str(meta(items[0]).resourceVersion);
    if (rv) metadata.resourceVersion = rv;
  }

  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? [] : tableColumns(r),
    rows,
  };
}
