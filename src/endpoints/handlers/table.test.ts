import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue, findResource, type ResourceInfo } from '../../api/catalogue.js';
import { humanDuration, tableColumns, toTable } from './table.js';

const NOW = new Date('2024-05-10T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

function resource(group: string, res: string): ResourceInfo {
  const r = findResource(group, 'v1', res);
  assert.ok(r, `${group}/${res} is in the catalogue`);
  return r;
}

interface Row {
  cells: unknown[];
  conditions?: unknown[];
  object?: Record<string, unknown>;
}
interface Table {
  kind: string;
  apiVersion: string;
  metadata: Record<string, unknown>;
  columnDefinitions: { name: string; type: string; format: string; description: string; priority: number }[];
  rows: Row[];
}
const table = (r: ResourceInfo, items: Record<string, unknown>[], opts: Parameters<typeof toTable>[2] = {}) => toTable(r, items, { now: NOW, ...opts }) as unknown as Table;

/** The cells of one object as a column-name → value map. */
function cells(r: ResourceInfo, obj: Record<string, unknown>): Record<string, unknown> {
  const t = table(r, [obj]);
  return Object.fromEntries(t.columnDefinitions.map((c, i) => [c.name, t.rows[0].cells[i]]));
}

/** Column names, with priority-1 (wide) columns marked by a trailing '*'. */
const columnSet = (r: ResourceInfo) => tableColumns(r).map((c) => (c.priority ? `${c.name}*` : c.name));

test('column sets match kube-apiserver for the common kinds', () => {
  assert.deepEqual(columnSet(resource('', 'pods')), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP*', 'Node*', 'Nominated Node*', 'Readiness Gates*']);
  assert.deepEqual(columnSet(resource('apps', 'deployments')), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']);
  assert.deepEqual(columnSet(resource('', 'services')), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector*']);
  assert.deepEqual(columnSet(resource('', 'secrets')), ['Name', 'Type', 'Data', 'Age']);
  assert.deepEqual(columnSet(resource('', 'configmaps')), ['Name', 'Data', 'Age']);
  assert.deepEqual(columnSet(resource('', 'namespaces')), ['Name', 'Status', 'Age']);
  assert.deepEqual(columnSet(resource('', 'nodes')), ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP*', 'External-IP*', 'OS-Image*', 'Kernel-Version*', 'Container-Runtime*']);
  assert.deepEqual(columnSet(resource('batch', 'jobs')), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers*', 'Images*', 'Selector*']);
  assert.deepEqual(columnSet(resource('certificates.k8s.io', 'certificatesigningrequests')), ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
  assert.deepEqual(columnSet(resource('rbac.authorization.k8s.io', 'rolebindings')), ['Name', 'Role', 'Age', 'Users*', 'Groups*', 'ServiceAccounts*']);
  // Kinds without a printer get kube's default: name and creation time.
  assert.deepEqual(columnSet(resource('rbac.authorization.k8s.io', 'roles')), ['Name', 'Created At']);
  assert.deepEqual(columnSet(resource('', 'limitranges')), ['Name', 'Created At']);
});

test('column definitions carry every field and mark the name column', () => {
  const [name, ready] = tableColumns(resource('', 'pods'));
  assert.equal(name.format, 'name');
  assert.equal(ready.format, '');
  for (const c of tableColumns(resource('', 'pods'))) {
    assert.deepEqual(Object.keys(c).sort(), ['description', 'format', 'name', 'priority', 'type']);
    assert.ok(c.description.length > 0);
  }
});

test('every catalogue resource yields one cell per column, even for a bare object', () => {
  for (const r of catalogue) {
    const t = table(r, [{ metadata: { name: 'x', creationTimestamp: ago(5) } }, {}]);
    assert.equal(t.rows.length, 2);
    for (const row of t.rows) assert.equal(row.cells.length, t.columnDefinitions.length, r.resource);
    for (const cell of t.rows[0].cells) assert.ok(['string', 'number', 'boolean'].includes(typeof cell), `${r.resource}: ${String(cell)}`);
  }
});

test('a pod without status shows Pending', () => {
  const c = cells(resource('', 'pods'), { metadata: { name: 'p', creationTimestamp: ago(30) }, spec: { containers: [{ name: 'a', image: 'nginx' }] } });
  assert.deepEqual(c, { Name: 'p', Ready: '0/1', Status: 'Pending', Restarts: '0', Age: '30s', IP: '<none>', Node: '<none>', 'Nominated Node': '<none>', 'Readiness Gates': '<none>' });
});

test('pod READY, STATUS and RESTARTS from a realistic status', () => {
  const pods = resource('', 'pods');
  const running = {
    metadata: { name: 'web-7d4b9c-abcde', namespace: 'default', creationTimestamp: ago(3 * 3600 + 120) },
    spec: { nodeName: 'node-1', containers: [{ name: 'app' }, { name: 'sidecar' }], readinessGates: [{ conditionType: 'example.com/lb' }] },
    status: {
      phase: 'Running',
      podIP: '10.244.1.7',
      podIPs: [{ ip: '10.244.1.7' }, { ip: 'fd00::7' }],
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'False' },
        { type: 'example.com/lb', status: 'True' },
      ],
      containerStatuses: [
        { name: 'app', ready: true, restartCount: 2, state: { running: { startedAt: ago(600) } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } } },
        { name: 'sidecar', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 2, finishedAt: ago(45) } } },
      ],
    },
  };
  assert.deepEqual(cells(pods, running), {
    Name: 'web-7d4b9c-abcde',
    Ready: '1/2',
    Status: 'CrashLoopBackOff',
    Restarts: '5 (45s ago)',
    Age: '3h2m',
    IP: '10.244.1.7',
    Node: 'node-1',
    'Nominated Node': '<none>',
    'Readiness Gates': '1/1',
  });

  const healthy = structuredClone(running);
  healthy.status.containerStatuses[1] = { name: 'sidecar', ready: true, restartCount: 0, state: { running: { startedAt: ago(60) } }, lastState: {} } as never;
  assert.equal(cells(pods, healthy).Status, 'Running');
  assert.equal(cells(pods, healthy).Ready, '2/2');
  assert.equal(cells(pods, healthy).Restarts, '2 (5m ago)');

  const deleting = structuredClone(healthy) as Record<string, unknown> & { metadata: Record<string, unknown> };
  deleting.metadata.deletionTimestamp = ago(1);
  assert.equal(cells(pods, deleting).Status, 'Terminating');
});

test('pod STATUS while init containers run or fail, and after completion', () => {
  const pods = resource('', 'pods');
  const spec = { initContainers: [{ name: 'migrate' }, { name: 'warm' }], containers: [{ name: 'app' }] };
  const initializing = {
    metadata: { name: 'p' },
    spec,
    status: {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'migrate', ready: false, restartCount: 0, state: { running: {} } },
        { name: 'warm', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
      ],
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    },
  };
  assert.equal(cells(pods, initializing).Status, 'Init:0/2');
  const secondInit = structuredClone(initializing);
  secondInit.status.initContainerStatuses[0].state = { terminated: { exitCode: 0 } } as never;
  assert.equal(cells(pods, secondInit).Status, 'Init:1/2');
  const failed = structuredClone(initializing);
  failed.status.initContainerStatuses[0].state = { terminated: { exitCode: 3 } } as never;
  assert.equal(cells(pods, failed).Status, 'Init:ExitCode:3');
  const pulling = structuredClone(initializing);
  pulling.status.initContainerStatuses[0].state = { waiting: { reason: 'ImagePullBackOff' } } as never;
  assert.equal(cells(pods, pulling).Status, 'Init:ImagePullBackOff');

  const done = {
    metadata: { name: 'job-x' },
    spec: { containers: [{ name: 'main' }] },
    status: { phase: 'Succeeded', containerStatuses: [{ name: 'main', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
  };
  const t = table(pods, [done]);
  assert.equal(t.rows[0].cells[2], 'Completed');
  assert.deepEqual(t.rows[0].conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  const evicted = { metadata: { name: 'e' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Failed', reason: 'Evicted' } };
  assert.equal(cells(pods, evicted).Status, 'Evicted');
});

test('AGE uses kube HumanDuration across its ranges', () => {
  const cases: [number, string][] = [
    [-1.5, '0s'],
    [-3, '<invalid>'],
    [0, '0s'],
    [5, '5s'],
    [119, '119s'],
    [120, '2m'],
    [200, '3m20s'],
    [599, '9m59s'],
    [600, '10m'],
    [179 * 60 + 59, '179m'],
    [3 * 3600, '3h'],
    [4 * 3600 + 5 * 60 + 9, '4h5m'],
    [8 * 3600 + 59 * 60, '8h'],
    [47 * 3600, '47h'],
    [48 * 3600, '2d'],
    [51 * 3600, '2d3h'],
    [8 * 86400 - 1, '7d23h'],
    [8 * 86400, '8d'],
    [729 * 86400, '729d'],
    [730 * 86400, '2y'],
    [(3 * 365 + 20) * 86400, '3y20d'],
    [8 * 365 * 86400, '8y'],
    [20 * 365 * 86400 + 86400 * 100, '20y'],
  ];
  for (const [seconds, want] of cases) assert.equal(humanDuration(seconds * 1000), want, `${seconds}s`);
  const ns = resource('', 'namespaces');
  assert.equal(cells(ns, { metadata: { name: 'a', creationTimestamp: ago(51 * 3600) } }).Age, '2d3h');
  assert.equal(cells(ns, { metadata: { name: 'a' } }).Age, '<unknown>');
});

test('deployment, service, secret, configmap and namespace cells', () => {
  assert.deepEqual(
    cells(resource('apps', 'deployments'), {
      metadata: { name: 'web', creationTimestamp: ago(90) },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } } },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    }),
    { Name: 'web', Ready: '2/3', 'Up-to-date': 3, Available: 2, Age: '90s', Containers: 'app,log', Images: 'nginx:1.27,busybox', Selector: 'app=web' },
  );
  assert.equal(cells(resource('apps', 'deployments'), { metadata: { name: 'd' }, spec: {} }).Ready, '0/1');

  const svc = resource('', 'services');
  assert.deepEqual(
    cells(svc, { metadata: { name: 'api', creationTimestamp: ago(600) }, spec: { type: 'NodePort', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], selector: { tier: 'api', app: 'shop' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } }),
    { Name: 'api', Type: 'NodePort', 'Cluster-IP': '10.96.0.20', 'External-IP': '<none>', 'Port(s)': '80:30080/TCP,53/UDP', Age: '10m', Selector: 'app=shop,tier=api' },
  );
  const lb = cells(svc, { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', clusterIP: '10.96.0.30', ports: [{ port: 443 }] } });
  assert.equal(lb['External-IP'], '<pending>');
  assert.equal(lb['Port(s)'], '443/TCP');
  assert.equal(cells(svc, { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'a.example' }] } } })['External-IP'], '203.0.113.9,a.example');
  const headless = cells(svc, { metadata: { name: 'h' }, spec: { clusterIP: 'None' } });
  assert.deepEqual([headless.Type, headless['Cluster-IP'], headless['Port(s)'], headless.Selector], ['ClusterIP', 'None', '<none>', '<none>']);
  assert.equal(cells(svc, { metadata: { name: 'x' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } })['External-IP'], 'db.example.com');

  assert.deepEqual(cells(resource('', 'secrets'), { metadata: { name: 's', creationTimestamp: ago(7200) }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eA==' } }), {
    Name: 's',
    Type: 'kubernetes.io/tls',
    Data: 2,
    Age: '120m',
  });
  assert.equal(cells(resource('', 'secrets'), { metadata: { name: 's' } }).Type, 'Opaque');
  assert.equal(cells(resource('', 'configmaps'), { metadata: { name: 'c' }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }).Data, 3);
  assert.deepEqual(cells(resource('', 'namespaces'), { metadata: { name: 'kube-system', creationTimestamp: ago(86400 * 30) }, status: { phase: 'Terminating' } }), {
    Name: 'kube-system',
    Status: 'Terminating',
    Age: '30d',
  });
});

test('nodes, events, jobs, cronjobs, CSRs, bindings, leases, webhooks and quotas', () => {
  const node = cells(resource('', 'nodes'), {
    metadata: { name: 'n1', creationTimestamp: ago(86400 * 3), labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
      addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '192.168.1.10' }],
      nodeInfo: { kubeletVersion: 'v1.30.2', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.0' },
    },
  });
  assert.deepEqual(Object.values(node), ['n1', 'Ready,SchedulingDisabled', 'control-plane,worker', '3d', 'v1.30.2', '192.168.1.10', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'containerd://1.7.0']);

  const ev = cells(resource('', 'events'), {
    metadata: { name: 'web.17c', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
    type: 'Warning',
    reason: 'BackOff',
    message: ' Back-off restarting failed container \n',
    source: { component: 'kubelet', host: 'n1' },
    firstTimestamp: ago(3600),
    lastTimestamp: ago(30),
    count: 12,
  });
  assert.deepEqual(ev, {
    'Last Seen': '30s',
    Type: 'Warning',
    Reason: 'BackOff',
    Object: 'pod/web',
    Subobject: 'spec.containers{app}',
    Source: 'kubelet, n1',
    Message: 'Back-off restarting failed container',
    'First Seen': '60m',
    Count: 12,
    Name: 'web.17c',
  });
  const newEv = cells(resource('', 'events'), { metadata: { name: 'e' }, involvedObject: { kind: 'Node' }, eventTime: ago(10), reportingController: 'ctrl' });
  assert.deepEqual([newEv['Last Seen'], newEv.Object, newEv.Source, newEv.Count], ['10s', 'node', 'ctrl', 1]);

  const jobs = resource('batch', 'jobs');
  const done = cells(jobs, {
    metadata: { name: 'pi', creationTimestamp: ago(600) },
    spec: { completions: 3, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } },
    status: { succeeded: 3, startTime: ago(590), completionTime: ago(400), conditions: [{ type: 'Complete', status: 'True' }] },
  });
  assert.deepEqual(done, { Name: 'pi', Status: 'Complete', Completions: '3/3', Duration: '3m10s', Age: '10m', Containers: 'pi', Images: 'perl', Selector: 'batch.kubernetes.io/controller-uid=u1' });
  const running = cells(jobs, { metadata: { name: 'j' }, spec: { parallelism: 4 }, status: { startTime: ago(30) } });
  assert.deepEqual([running.Status, running.Completions, running.Duration, running.Selector], ['Running', '0/1 of 4', '30s', '<none>']);
  assert.equal(cells(jobs, { metadata: { name: 'j' }, spec: {}, status: { conditions: [{ type: 'Failed', status: 'True' }] } }).Status, 'Failed');

  const cj = cells(resource('batch', 'cronjobs'), { metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: 'backup' }] } } } } }, status: { active: [{}], lastScheduleTime: ago(3600 * 5) } });
  assert.deepEqual([cj.Schedule, cj.Timezone, cj.Suspend, cj.Active, cj['Last Schedule'], cj.Containers], ['0 3 * * *', '<none>', 'False', 1, '5h', 'b']);

  const csrs = resource('certificates.k8s.io', 'certificatesigningrequests');
  const csr = cells(csrs, {
    metadata: { name: 'csr-1', creationTimestamp: ago(20) },
    spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:bootstrap:abcdef', expirationSeconds: 86400 },
    status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0t' },
  });
  assert.deepEqual(Object.values(csr), ['csr-1', '20s', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', '24h', 'Approved,Issued']);
  assert.equal(cells(csrs, { metadata: { name: 'c' }, spec: {}, status: { conditions: [{ type: 'Approved' }, { type: 'Denied' }] } }).Condition, 'Denied');
  assert.equal(cells(csrs, { metadata: { name: 'c' }, spec: {} }).RequestedDuration, '<none>');

  const rb = cells(resource('rbac.authorization.k8s.io', 'clusterrolebindings'), {
    metadata: { name: 'b' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', namespace: 'ci', name: 'runner' }, { kind: 'User', name: 'bob' }],
  });
  assert.deepEqual([rb.Role, rb.Users, rb.Groups, rb.ServiceAccounts], ['ClusterRole/view', 'alice, bob', 'devs', 'ci/runner']);

  assert.equal(cells(resource('coordination.k8s.io', 'leases'), { metadata: { name: 'l' }, spec: { holderIdentity: 'node-1' } }).Holder, 'node-1');
  assert.equal(cells(resource('admissionregistration.k8s.io', 'validatingwebhookconfigurations'), { metadata: { name: 'w' }, webhooks: [{}, {}] }).Webhooks, 2);
  assert.equal(cells(resource('', 'serviceaccounts'), { metadata: { name: 'default' } }).Secrets, 0);

  const quota = cells(resource('', 'resourcequotas'), {
    metadata: { name: 'q' },
    status: { hard: { pods: '10', 'limits.cpu': '4', 'requests.memory': '1Gi', 'limits.memory': '2Gi' }, used: { pods: '3', 'limits.cpu': '500m' } },
  });
  assert.deepEqual([quota.Request, quota.Limit], ['pods: 3/10, requests.memory: 0/1Gi', 'limits.cpu: 500m/4, limits.memory: 0/2Gi']);

  const ep = cells(resource('', 'endpoints'), {
    metadata: { name: 'e' },
    subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: 'fd00::2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 8080 }] }],
  });
  assert.equal(ep.Endpoints, '10.0.0.1:8080,[fd00::2]:8080,10.0.0.3:8080 + 1 more...');
  assert.equal(cells(resource('', 'endpoints'), { metadata: { name: 'e' } }).Endpoints, '<none>');
});

test('kinds without a printer show name and RFC 3339 creation time', () => {
  const roles = resource('rbac.authorization.k8s.io', 'roles');
  assert.deepEqual(cells(roles, { metadata: { name: 'reader', creationTimestamp: '2024-01-02T03:04:05Z' } }), { Name: 'reader', 'Created At': '2024-01-02T03:04:05Z' });
  assert.equal(tableColumns(roles)[1].type, 'date');
  assert.equal(cells(roles, { metadata: { name: 'r' } })['Created At'], '0001-01-01T00:00:00Z');
});

test('includeObject: Metadata by default, Object, or None', () => {
  const pods = resource('', 'pods');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns1', labels: { app: 'x' }, resourceVersion: '42' }, spec: { containers: [] } };

  const byDefault = table(pods, [pod]);
  assert.equal(byDefault.kind, 'Table');
  assert.equal(byDefault.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(byDefault.rows[0].object, { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: pod.metadata });

  const full = table(pods, [pod], { includeObject: 'Object' });
  assert.deepEqual(full.rows[0].object, pod);
  // Stored objects without type information still go out self-describing.
  const bare = table(resource('apps', 'deployments'), [{ metadata: { name: 'd' } }], { includeObject: 'Object' });
  assert.deepEqual(bare.rows[0].object, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } });

  const none = table(pods, [pod], { includeObject: 'None' });
  assert.equal('object' in none.rows[0], false);
  assert.equal(none.rows[0].cells[0], 'p');
});

test('table metadata comes from the list, or from a single object', () => {
  const cms = resource('', 'configmaps');
  const items = [{ metadata: { name: 'a', resourceVersion: '5' } }, { metadata: { name: 'b', resourceVersion: '9' } }];
  assert.deepEqual(table(cms, items, { listMeta: { resourceVersion: '12', continue: 'tok', remainingItemCount: 0 } }).metadata, { resourceVersion: '12', continue: 'tok', remainingItemCount: 0 });
  assert.deepEqual(table(cms, items, { listMeta: { resourceVersion: '12' } }).metadata, { resourceVersion: '12' });
  assert.deepEqual(table(cms, [items[1]]).metadata, { resourceVersion: '9' });
  const empty = table(cms, [], { listMeta: { resourceVersion: '3' } });
  assert.deepEqual(empty.rows, []);
  assert.equal(empty.columnDefinitions.length, 3);
  assert.deepEqual(table(cms, items, { noHeaders: true }).columnDefinitions, []);
});
