// The foundation's acceptance, end to end: a real `bulwark server` driven by real kubectl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, chmod } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startBulwark, KUBECTL, KUBECTL_127, type BulwarkProcess, type KubectlOptions } from './harness.js';

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
`;

describe('kubectl against bulwark server', () => {
  let b: BulwarkProcess;
  let tmp: string;

  before(async () => {
    b = await startBulwark();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bulwark-kubectl-'));
  });
  after(async () => {
    await b?.cleanup();
  });

  const ok = (args: string[], opts?: KubectlOptions) => b.kubectlOk(args, opts);

  test('get ns lists the four system namespaces', async () => {
    const r = await ok(['get', 'ns']);
    assert.match(r.stdout, /^NAME\s+STATUS\s+AGE/m);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(r.stdout, new RegExp(`^${ns}\\s+Active`, 'm'));
  });

  test('create ns, create a secret and read it back', async () => {
    await ok(['create', 'ns', 'demo']);
    await ok(['-n', 'demo', 'create', 'secret', 'generic', 'db', '--from-literal=password=s3cr3t']);
    const r = await ok(['-n', 'demo', 'get', 'secret', 'db', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(r.stdout, 'base64').toString(), 's3cr3t');
  });

  test('apply a Deployment, change its image, apply again, then unchanged', async () => {
    const file = path.join(tmp, 'deploy.yaml');
    await writeFile(file, deployment('nginx:1.25'));
    let r = await ok(['apply', '-f', file]);
    assert.match(r.stdout, /deployment.apps\/web created/);
    await writeFile(file, deployment('nginx:1.26'));
    r = await ok(['apply', '-f', file]);
    assert.match(r.stdout, /deployment.apps\/web configured/);
    const obj = JSON.parse((await ok(['-n', 'demo', 'get', 'deploy', 'web', '-o', 'json'])).stdout);
    assert.equal(obj.spec.template.spec.containers[0].image, 'nginx:1.26');
    assert.equal(obj.metadata.generation, 2);
    const last = JSON.parse(obj.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(last.spec.template.spec.containers[0].image, 'nginx:1.26');
    r = await ok(['apply', '-f', file]);
    assert.match(r.stdout, /deployment.apps\/web unchanged/);
  });

  test('get prints the usual columns', async () => {
    await ok(['-n', 'demo', 'create', 'configmap', 'settings', '--from-literal=a=b']);
    await ok(['-n', 'demo', 'run', 'p1', '--image=nginx:1.25']);
    const r = await ok(['get', 'pods,deploy,cm,secrets', '-n', 'demo']);
    assert.match(r.stdout, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    assert.match(r.stdout, /pod\/p1\s+0\/1\s+Pending\s+0/);
    assert.match(r.stdout, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    assert.match(r.stdout, /deployment.apps\/web\s+0\/2/);
    assert.match(r.stdout, /NAME\s+DATA\s+AGE/);
    assert.match(r.stdout, /configmap\/settings\s+1/);
    assert.match(r.stdout, /NAME\s+TYPE\s+DATA\s+AGE/);
    assert.match(r.stdout, /secret\/db\s+Opaque\s+1/);
    const wide = await ok(['get', 'pods', '-A', '-o', 'wide']);
    assert.match(wide.stdout, /NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
    assert.match(wide.stdout, /demo\s+p1\s+0\/1\s+Pending/);
  });

  test('api-resources lists everything served and explain works', async () => {
    const r = await ok(['api-resources']);
    for (const name of ['pods', 'deployments', 'cronjobs', 'leases', 'clusterrolebindings', 'certificatesigningrequests', 'validatingwebhookconfigurations']) {
      assert.match(r.stdout, new RegExp(`^${name}\\s`, 'm'), `${name} missing from api-resources`);
    }
    assert.match(r.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/m);
    const e = await ok(['explain', 'pod.spec.containers']);
    assert.match(e.stdout, /KIND:\s+Pod/);
    assert.match(e.stdout, /image\s+<string>/);
  });

  test('label, annotate, patch (json, merge, strategic), replace and edit', async () => {
    await ok(['-n', 'demo', 'label', 'cm', 'settings', 'tier=backend']);
    await ok(['-n', 'demo', 'annotate', 'cm', 'settings', 'owner=team-a']);
    await ok(['-n', 'demo', 'patch', 'cm', 'settings', '--type', 'json', '-p', '[{"op":"add","path":"/data/json","value":"1"}]']);
    await ok(['-n', 'demo', 'patch', 'cm', 'settings', '--type', 'merge', '-p', '{"data":{"merge":"2"}}']);
    await ok(['-n', 'demo', 'patch', 'deploy', 'web', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}']);
    let cm = JSON.parse((await ok(['-n', 'demo', 'get', 'cm', 'settings', '-o', 'json'])).stdout);
    assert.equal(cm.metadata.labels.tier, 'backend');
    assert.equal(cm.metadata.annotations.owner, 'team-a');
    assert.deepEqual(cm.data, { a: 'b', json: '1', merge: '2' });
    const dep = JSON.parse((await ok(['-n', 'demo', 'get', 'deploy', 'web', '-o', 'json'])).stdout);
    assert.deepEqual(
      dep.spec.template.spec.containers.map((c: { name: string }) => c.name).sort(),
      ['sidecar', 'web'],
      'strategic merge patch merges containers by name',
    );

    cm.data.replaced = 'yes';
    delete cm.metadata.resourceVersion;
    const file = path.join(tmp, 'cm.json');
    await writeFile(file, JSON.stringify(cm));
    await ok(['replace', '-f', file]);

    const editor = path.join(tmp, 'editor.sh');
    await writeFile(editor, `#!/bin/sh\nsed -i 's/replaced: "\\{0,1\\}yes"\\{0,1\\}/replaced: edited/' "$1"\n`);
    await chmod(editor, 0o755);
    await ok(['-n', 'demo', 'edit', 'cm', 'settings'], { env: { KUBE_EDITOR: editor } });
    cm = JSON.parse((await ok(['-n', 'demo', 'get', 'cm', 'settings', '-o', 'json'])).stdout);
    assert.equal(cm.data.replaced, 'edited');
  });

  test('get -w sees ADDED, MODIFIED and DELETED made by another kubectl', async () => {
    const watcher = spawn(KUBECTL, ['--kubeconfig', b.kubeconfig, '-n', 'demo', 'get', 'cm', '-w', '--output-watch-events'], {
      env: { ...process.env, HOME: os.tmpdir() },
    });
    let seen = '';
    watcher.stdout.on('data', (c: Buffer) => (seen += c.toString()));
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!re.test(seen)) {
        if (Date.now() > deadline) throw new Error(`watch output never matched ${re}:\n${seen}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor(/ADDED\s+settings\s/);
      await ok(['-n', 'demo', 'create', 'cm', 'watched', '--from-literal=x=1']);
      await waitFor(/ADDED\s+watched\s/);
      await ok(['-n', 'demo', 'label', 'cm', 'watched', 'seen=yes']);
      await waitFor(/MODIFIED\s+watched\s/);
      await ok(['-n', 'demo', 'delete', 'cm', 'watched']);
      await waitFor(/DELETED\s+watched\s/);
    } finally {
      watcher.kill();
    }
  });

  test('two updates with the same resourceVersion: the second is a 409 Conflict', async () => {
    const cm = JSON.parse((await ok(['-n', 'demo', 'get', 'cm', 'settings', '-o', 'json'])).stdout);
    const first = { ...cm, data: { ...cm.data, v: '1' } };
    const second = { ...cm, data: { ...cm.data, v: '2' } };
    const r1 = await b.request('PUT', '/api/v1/namespaces/demo/configmaps/settings', first);
    assert.equal(r1.status, 200);
    const r2 = await b.request('PUT', '/api/v1/namespaces/demo/configmaps/settings', second);
    assert.equal(r2.status, 409);
    assert.equal(r2.json().reason, 'Conflict');
    const f = path.join(tmp, 'stale.json');
    await writeFile(f, JSON.stringify(second));
    const k = await b.kubectl(['replace', '-f', f]);
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /the object has been modified/);
  });

  test('kubectl 1.27 works for the basics', async () => {
    const r = await ok(['get', 'ns'], { binary: KUBECTL_127 });
    assert.match(r.stdout, /kube-system\s+Active/);
    const file = path.join(tmp, 'deploy127.yaml');
    await writeFile(file, deployment('nginx:1.27').replace('name: web\n  namespace', 'name: web127\n  namespace').replace(/app: web$/gm, 'app: web127'));
    const a = await ok(['apply', '-f', file], { binary: KUBECTL_127 });
    assert.match(a.stdout, /deployment.apps\/web127 created/);
    const g = await ok(['-n', 'demo', 'get', 'deploy', 'web127'], { binary: KUBECTL_127 });
    assert.match(g.stdout, /web127\s+0\/2/);
  });

  test('delete ns removes everything; creating in it while it terminates is refused', async () => {
    await ok(['create', 'ns', 'doomed']);
    await ok(['-n', 'doomed', 'create', 'cm', 'keep', '--from-literal=a=b']);
    // a finalizer holds the namespace in Terminating until we release it
    await ok(['-n', 'doomed', 'patch', 'cm', 'keep', '--type', 'merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}']);
    await ok(['delete', 'ns', 'doomed', '--wait=false']);
    const ns = JSON.parse((await ok(['get', 'ns', 'doomed', '-o', 'json'])).stdout);
    assert.equal(ns.status.phase, 'Terminating');
    const refused = await b.kubectl(['-n', 'doomed', 'create', 'cm', 'late', '--from-literal=a=b']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /forbidden: unable to create new content in namespace doomed because it is being terminated/);
    await ok(['-n', 'doomed', 'patch', 'cm', 'keep', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']);
    await ok(['wait', '--for=delete', 'ns/doomed', '--timeout=20s']);
    const gone = await b.kubectl(['get', 'ns', 'doomed']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /NotFound|not found/);
    assert.equal((await b.request('GET', '/api/v1/namespaces/doomed/configmaps')).json().items.length, 0);
  });
});
