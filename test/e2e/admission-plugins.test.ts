// Issue 4 acceptance, admission configuration of the server process: ServiceAccountPrincipal
// switched on by flag, the example in-process plugin loaded from its AdmissionConfiguration, and
// bad configuration stopping `bulwark server` with an error naming the culprit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  eventually,
  certUser,
  startBulwark,
  freePort,
  BULWARK_BIN,
  REPO_ROOT,
  type BulwarkProcess,
  type KubectlOptions,
  writeManifest,
} from './harness.js';

type Obj = Record<string, unknown>;

function pod(name: string, image: string, spec: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image }], ...spec } };
}

/** Runs `bulwark server` expecting it to refuse to start; kills it (and fails) if it is still up after 20 s. */
function serverMustFail(args: string[], dataDir: string, port: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BULWARK_BIN, 'server', '--data-dir', dataDir, '--secure-port', String(port), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`bulwark server ${args.join(' ')} was still running after 20 s:\n${output}`));
    }, 20_000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const RBAC_POD_MAKER = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-maker
  namespace: sap
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [create, get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bob-pod-maker
  namespace: sap
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: pod-maker
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: bob
`;

const RBAC_USE_DEPLOYER = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: use-deployer
  namespace: sap
rules:
- apiGroups: [""]
  resources: [serviceaccounts]
  resourceNames: [deployer]
  verbs: [impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bob-use-deployer
  namespace: sap
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: use-deployer
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: bob
`;

describe('ServiceAccountPrincipal and the example in-process plugin', () => {
  let b: BulwarkProcess;
  let tmp: string;

  const ok = (args: string[], opts?: KubectlOptions) => b.kubectlOk(args, opts);
  const file = (obj: Obj | string) => writeManifest(tmp, obj);
  const namespace = async (name: string) => {
    await ok(['create', 'namespace', name]);
    await eventually(async () => {
      const r = await b.request('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`);
      assert.equal(r.status, 200, `default ServiceAccount in ${name}: ${r.status}`);
    }, 10_000);
  };

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-admission-plugins-'));
    // relative module path in the config file: resolved against the file, the server runs from the repo root
    b = await startBulwark({
      args: ['--enable-admission-plugins', 'ServiceAccountPrincipal', '--admission-control-config-file', 'examples/admission-plugin/admission-config.yaml'],
    });
  });
  after(async () => {
    await b?.cleanup();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('ServiceAccountPrincipal: running a pod as deployer needs impersonate on it', async () => {
    await namespace('sap');
    await ok(['create', 'serviceaccount', 'deployer', '-n', 'sap']);
    await ok(['apply', '-f', await file(RBAC_POD_MAKER)]);
    const bob = await certUser(b, 'bob');
    await eventually(async () => {
      assert.equal((await bob.kubectl(['auth', 'can-i', 'create', 'pods', '-n', 'sap'])).stdout.trim(), 'yes');
    });
    assert.equal((await bob.kubectl(['auth', 'can-i', 'impersonate', 'serviceaccounts/deployer', '-n', 'sap'])).stdout.trim(), 'no');

    const asDeployer = pod('as-deployer', 'registry.example/app:1.0', { serviceAccountName: 'deployer' });
    const refused = await bob.request('POST', '/api/v1/namespaces/sap/pods', asDeployer);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json().reason, 'Forbidden');
    assert.equal(
      refused.json().message,
      'pods "as-deployer" is forbidden: user "bob" may not run pods as ServiceAccount "sap/deployer": it needs permission to impersonate that ServiceAccount',
    );
    const k = await bob.kubectl(['create', '-n', 'sap', '-f', await file(asDeployer)]);
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /may not run pods as ServiceAccount "sap\/deployer"/);
    assert.equal((await b.request('GET', '/api/v1/namespaces/sap/pods/as-deployer')).status, 404);

    // a pod naming no ServiceAccount is not checked: creating pods already grants running as default
    const plain = await bob.request('POST', '/api/v1/namespaces/sap/pods', pod('plain', 'registry.example/app:1.0'));
    assert.equal(plain.status, 201, plain.text);
    assert.equal(plain.json().spec.serviceAccountName, 'default');

    await ok(['apply', '-f', await file(RBAC_USE_DEPLOYER)]);
    const allowed = await eventually(async () => {
      const r = await bob.kubectl(['create', '-n', 'sap', '-f', await file(asDeployer), '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    });
    assert.equal(allowed.spec.serviceAccountName, 'deployer');
  });

  test('the example DenyLatestTag plugin denies nginx:latest and admits nginx:1.27', async () => {
    await namespace('plugin');
    const latest = await b.kubectl(['create', '-n', 'plugin', '-f', await file(pod('floating', 'nginx:latest'))]);
    assert.notEqual(latest.code, 0, latest.stdout);
    assert.match(
      latest.stderr,
      /Error from server \(Forbidden\): error when creating "[^"]+": admission plugin "DenyLatestTag" denied the request: container "c" uses image "nginx:latest", which has the tag :latest; pin a version tag or a digest/,
    );
    const raw = await b.request('POST', '/api/v1/namespaces/plugin/pods', pod('floating', 'nginx:latest'));
    assert.equal(raw.status, 403, raw.text);
    assert.equal((await b.request('GET', '/api/v1/namespaces/plugin/pods/floating')).status, 404);

    const untagged = await b.kubectl(['run', 'web', '-n', 'plugin', '--image=nginx']);
    assert.notEqual(untagged.code, 0);
    assert.match(untagged.stderr, /admission plugin "DenyLatestTag" denied the request: container "web" uses image "nginx", which has no tag/);

    const pinned = await ok(['create', '-n', 'plugin', '-f', await file(pod('pinned', 'nginx:1.27'))]);
    assert.match(pinned.stdout, /pod\/pinned created/);
    const got = JSON.parse((await ok(['get', 'pod', 'pinned', '-n', 'plugin', '-o', 'json'])).stdout);
    assert.equal(got.spec.containers[0].image, 'nginx:1.27');

    // the plugin's warning reaches kubectl
    const always = pod('always', 'nginx:1.27');
    ((always['spec'] as Obj)['containers'] as Obj[])[0]!['imagePullPolicy'] = 'Always';
    const warned = await ok(['create', '-n', 'plugin', '-f', await file(always)]);
    assert.match(warned.stderr, /Warning: container "c" has imagePullPolicy: Always/);
  });
});

describe('bad admission configuration stops the server', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-admission-bad-'));
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('an AdmissionConfiguration that is not valid YAML', async () => {
    const cfg = path.join(tmp, 'broken.yaml');
    await writeFile(cfg, 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins: [\n  - name: {unclosed\n');
    const r = await serverMustFail(['--admission-control-config-file', cfg], path.join(tmp, 'd1'), await freePort());
    assert.notEqual(r.code, 0, r.output);
    assert.ok(r.output.includes(cfg), `the message must name ${cfg}:\n${r.output}`);
  });

  test('an AdmissionConfiguration naming an unknown plugin', async () => {
    const cfg = path.join(tmp, 'unknown.yaml');
    await writeFile(cfg, 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: NoSuchPlugin\n  configuration: {}\n');
    const r = await serverMustFail(['--admission-control-config-file', cfg], path.join(tmp, 'd2'), await freePort());
    assert.notEqual(r.code, 0, r.output);
    assert.ok(r.output.includes(cfg), `the message must name ${cfg}:\n${r.output}`);
    assert.match(r.output, /NoSuchPlugin/);
  });

  test('--enable-admission-plugins NoSuchPlugin', async () => {
    const r = await serverMustFail(['--enable-admission-plugins', 'NoSuchPlugin'], path.join(tmp, 'd3'), await freePort());
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /NoSuchPlugin/);
  });

  test('a missing configuration file', async () => {
    const cfg = path.join(tmp, 'absent.yaml');
    const r = await serverMustFail(['--admission-control-config-file', cfg], path.join(tmp, 'd4'), await freePort());
    assert.notEqual(r.code, 0, r.output);
    assert.ok(r.output.includes(cfg), r.output);
  });
});
