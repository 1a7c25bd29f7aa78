// API machinery semantics over the wire: selectors, pagination, resourceVersion, watch bookmarks
// and timeouts, compaction (410 Gone), deletion preconditions and propagation, metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startBulwark, readCreds, BULWARK_BIN, REPO_ROOT, type BulwarkProcess } from './harness.js';

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

/** Collects the JSON lines of a watch until it ends or `until` is satisfied. */
async function watchLines(b: BulwarkProcess, urlPath: string, until: (events: any[]) => boolean, timeoutMs = 15_000): Promise<{ events: any[]; status: number }> {
  const { ca, cert, key } = await readCreds(b.kubeconfig);
  return new Promise((resolve, reject) => {
    const events: any[] = [];
    let buf = '';
    const req = https.request(`${b.url}${urlPath}`, { ca, cert, key }, (res) => {
      const finish = () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ events, status: res.statusCode ?? 0 });
      };
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
        if (until(events)) finish();
      });
      res.on('end', finish);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`watch ${urlPath} timed out with ${JSON.stringify(events.map((e) => e.type))}`));
    }, timeoutMs);
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
    req.end();
  });
}

describe('API semantics', () => {
  let b: BulwarkProcess;
  before(async () => {
    b = await startBulwark({ args: ['--etcd-compaction-interval', '1s'] });
    assert.equal((await b.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sem' } })).status, 201);
    for (let i = 0; i < 12; i++) {
      const r = await b.request('POST', '/api/v1/namespaces/sem/configmaps', cm(`c${String(i).padStart(2, '0')}`, { tier: i % 2 ? 'odd' : 'even', idx: String(i) }, { i: String(i) }));
      assert.equal(r.status, 201);
    }
  });
  after(async () => {
    await b?.cleanup();
  });

  test('label selectors: =, !=, in, notin, exists, !', async () => {
    const names = async (sel: string) =>
      (await b.request('GET', `/api/v1/namespaces/sem/configmaps?labelSelector=${encodeURIComponent(sel)}`)).json().items.map((i: any) => i.metadata.name);
    assert.equal((await names('tier=odd')).length, 6);
    assert.equal((await names('tier==even')).length, 6);
    assert.deepEqual(await names('tier!=even,idx in (1,3,4)'), ['c01', 'c03']);
    assert.deepEqual(await names('idx notin (0,1,2,3,4,5,6,7,8,9)'), ['c10', 'c11', 'kube-root-ca.crt'], 'notin also selects objects without the label');
    assert.deepEqual(await names('idx,idx notin (0,1,2,3,4,5,6,7,8,9)'), ['c10', 'c11']);
    assert.equal((await names('idx')).length, 12);
    assert.deepEqual(await names('!idx'), ['kube-root-ca.crt']);
    const bad = await b.request('GET', `/api/v1/namespaces/sem/configmaps?labelSelector=${encodeURIComponent('tier in (a')}`);
    assert.equal(bad.status, 400);
  });

  test('field selectors and kubectl --field-selector', async () => {
    const r = await b.request('GET', '/api/v1/namespaces/sem/configmaps?fieldSelector=metadata.name%3Dc05');
    assert.deepEqual(r.json().items.map((i: any) => i.metadata.name), ['c05']);
    const bad = await b.request('GET', '/api/v1/namespaces/sem/configmaps?fieldSelector=data.i%3D1');
    assert.equal(bad.status, 400);
    const k = await b.kubectl(['get', 'pods', '-A', '--field-selector', 'status.phase=Running']);
    assert.equal(k.code, 0, k.stderr);
  });

  test('limit/continue pages through a consistent snapshot', async () => {
    const first = (await b.request('GET', '/api/v1/namespaces/sem/configmaps?limit=5')).json();
    assert.equal(first.items.length, 5);
    assert.ok(first.metadata.continue);
    // 12 configmaps made here plus kube-root-ca.crt, published in every namespace
    assert.equal(first.metadata.remainingItemCount, 8);
    // a write between pages does not show up in the snapshot
    assert.equal((await b.request('POST', '/api/v1/namespaces/sem/configmaps', cm('c99'))).status, 201);
    const second = (await b.request('GET', `/api/v1/namespaces/sem/configmaps?limit=5&continue=${first.metadata.continue}`)).json();
    const third = (await b.request('GET', `/api/v1/namespaces/sem/configmaps?limit=5&continue=${second.metadata.continue}`)).json();
    const all = [...first.items, ...second.items, ...third.items].map((i: any) => i.metadata.name);
    assert.equal(all.length, 13);
    assert.ok(all.includes('kube-root-ca.crt'));
    assert.ok(!all.includes('c99'));
    assert.equal(third.metadata.continue, undefined);
    const k = await b.kubectl(['-n', 'sem', 'get', 'cm', '--chunk-size=4', '-o', 'name']);
    assert.equal(k.stdout.trim().split('\n').filter((l) => l.startsWith('configmap/c')).length, 13);
    const garbage = await b.request('GET', '/api/v1/namespaces/sem/configmaps?limit=5&continue=notatoken');
    assert.equal(garbage.status, 400);
  });

  test('watch from a resourceVersion, with bookmarks and timeoutSeconds', async () => {
    const list = (await b.request('GET', '/api/v1/namespaces/sem/configmaps')).json();
    const rv = list.metadata.resourceVersion;
    const watching = watchLines(b, `/api/v1/namespaces/sem/configmaps?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=2`, () => false, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await b.request('POST', '/api/v1/namespaces/sem/configmaps', cm('w1'))).status, 201);
    const { events } = await watching;
    assert.equal(events[0].type, 'ADDED');
    assert.equal(events[0].object.metadata.name, 'w1');
    const last = events[events.length - 1];
    assert.equal(last.type, 'BOOKMARK', 'a bookmark precedes the timeout');
    assert.ok(Number(last.object.metadata.resourceVersion) >= Number(events[0].object.metadata.resourceVersion));
  });

  test('a watch or list at a compacted revision gets 410 Gone', async () => {
    const old = (await b.request('GET', '/api/v1/namespaces/sem/configmaps')).json().metadata.resourceVersion;
    // enough writes and two compaction ticks (1 s interval) to compact past `old`
    for (let i = 0; i < 3; i++) {
      await b.request('PATCH', '/api/v1/namespaces/sem/configmaps/c00', { data: { bump: String(i) } }, { 'Content-Type': 'application/merge-patch+json' });
      await new Promise((r) => setTimeout(r, 1100));
    }
    const { events } = await watchLines(b, `/api/v1/namespaces/sem/configmaps?watch=true&resourceVersion=${Number(old) - 1}`, (e) => e.length > 0);
    assert.equal(events[0].type, 'ERROR');
    assert.equal(events[0].object.code, 410);
    assert.match(events[0].object.message, /too old resource version/);
    const list = await b.request('GET', `/api/v1/namespaces/sem/configmaps?resourceVersion=${Number(old) - 1}&resourceVersionMatch=Exact`);
    assert.equal(list.status, 410);
    assert.equal(list.json().reason, 'Expired');
  });

  test('delete preconditions, deletecollection and propagation to dependents', async () => {
    const made = (await b.request('POST', '/api/v1/namespaces/sem/configmaps', cm('pre'))).json();
    const wrongUid = await b.request('DELETE', '/api/v1/namespaces/sem/configmaps/pre', { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } });
    assert.equal(wrongUid.status, 409);
    assert.match(wrongUid.json().message, /Precondition failed: UID in precondition/);
    const wrongRv = await b.request('DELETE', '/api/v1/namespaces/sem/configmaps/pre', { preconditions: { resourceVersion: '1' } });
    assert.equal(wrongRv.status, 409);
    const right = await b.request('DELETE', '/api/v1/namespaces/sem/configmaps/pre', { preconditions: { uid: made.metadata.uid, resourceVersion: made.metadata.resourceVersion } });
    assert.equal(right.status, 200);

    // an owner and a dependent: background deletion removes the dependent
    const owner = (await b.request('POST', '/api/v1/namespaces/sem/configmaps', cm('owner'))).json();
    const ref = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }];
    assert.equal((await b.request('POST', '/api/v1/namespaces/sem/configmaps', { ...cm('dependent'), metadata: { name: 'dependent', ownerReferences: ref } })).status, 201);
    assert.equal((await b.request('DELETE', '/api/v1/namespaces/sem/configmaps/owner?propagationPolicy=Background')).status, 200);
    const gone = async (name: string) => {
      for (let i = 0; i < 100; i++) {
        if ((await b.request('GET', `/api/v1/namespaces/sem/configmaps/${name}`)).status === 404) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    assert.ok(await gone('dependent'), 'background propagation deletes the dependent');

    // orphan: the dependent stays, without the owner reference
    const owner2 = (await b.request('POST', '/api/v1/namespaces/sem/configmaps', cm('owner2'))).json();
    await b.request('POST', '/api/v1/namespaces/sem/configmaps', { ...cm('kept'), metadata: { name: 'kept', ownerReferences: [{ ...ref[0], name: 'owner2', uid: owner2.metadata.uid }] } });
    assert.equal((await b.request('DELETE', '/api/v1/namespaces/sem/configmaps/owner2', { propagationPolicy: 'Orphan' })).status, 200);
    assert.ok(await gone('owner2'));
    const kept = (await b.request('GET', '/api/v1/namespaces/sem/configmaps/kept')).json();
    assert.equal(kept.metadata.ownerReferences, undefined);

    // foreground: the owner waits, marked for deletion, until its dependent is gone
    const owner3 = (await b.request('POST', '/api/v1/namespaces/sem/configmaps', cm('owner3'))).json();
    await b.request('POST', '/api/v1/namespaces/sem/configmaps', { ...cm('child3'), metadata: { name: 'child3', ownerReferences: [{ ...ref[0], name: 'owner3', uid: owner3.metadata.uid, blockOwnerDeletion: true }] } });
    const fg = await b.request('DELETE', '/api/v1/namespaces/sem/configmaps/owner3', { propagationPolicy: 'Foreground' });
    assert.equal(fg.status, 200);
    assert.ok(fg.json().metadata.finalizers.includes('foregroundDeletion'));
    assert.ok(await gone('child3'), 'foreground propagation deletes the dependent');
    assert.ok(await gone('owner3'), 'and then the owner');

    const dc = await b.request('DELETE', '/api/v1/namespaces/sem/configmaps?labelSelector=tier%3Dodd');
    assert.equal(dc.status, 200);
    const left = (await b.request('GET', '/api/v1/namespaces/sem/configmaps?labelSelector=tier')).json().items;
    assert.ok(left.every((i: any) => i.metadata.labels.tier === 'even'));
  });

  test('generation bumps on spec changes only; generateName fills a name', async () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { generateName: 'gen-' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
    };
    const created = (await b.request('POST', '/apis/apps/v1/namespaces/sem/deployments', dep)).json();
    assert.match(created.metadata.name, /^gen-[a-z0-9]{5}$/);
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.spec.replicas, 1, 'defaults applied');
    const name = created.metadata.name;
    const labelled = (await b.request('PATCH', `/apis/apps/v1/namespaces/sem/deployments/${name}`, { metadata: { labels: { x: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' })).json();
    assert.equal(labelled.metadata.generation, 1);
    const scaled = (await b.request('PATCH', `/apis/apps/v1/namespaces/sem/deployments/${name}`, { spec: { replicas: 3 } }, { 'Content-Type': 'application/merge-patch+json' })).json();
    assert.equal(scaled.metadata.generation, 2);
    // status goes through the status subresource only
    const withStatus = (await b.request('PATCH', `/apis/apps/v1/namespaces/sem/deployments/${name}/status`, { status: { replicas: 3 } }, { 'Content-Type': 'application/merge-patch+json' })).json();
    assert.equal(withStatus.status.replicas, 3);
    assert.equal(withStatus.metadata.generation, 2);
    const ignored = (await b.request('PATCH', `/apis/apps/v1/namespaces/sem/deployments/${name}`, { status: { replicas: 9 } }, { 'Content-Type': 'application/merge-patch+json' })).json();
    assert.equal(ignored.status.replicas, 3);
  });

  test('services get unique cluster IPs from 10.96.0.0/12; a taken IP is refused and freed on delete', async () => {
    const svc = (name: string, clusterIP?: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { ...(clusterIP ? { clusterIP } : {}), ports: [{ port: 80 }], selector: { app: name } },
    });
    const a = (await b.request('POST', '/api/v1/namespaces/sem/services', svc('a'))).json();
    const c = (await b.request('POST', '/api/v1/namespaces/sem/services', svc('c'))).json();
    assert.match(a.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\./);
    assert.notEqual(a.spec.clusterIP, c.spec.clusterIP);
    assert.deepEqual(a.spec.clusterIPs, [a.spec.clusterIP]);
    const kubernetes = (await b.request('GET', '/api/v1/namespaces/default/services/kubernetes')).json();
    assert.equal(kubernetes.spec.clusterIP, '10.96.0.1');
    const taken = await b.request('POST', '/api/v1/namespaces/sem/services', svc('d', a.spec.clusterIP));
    assert.equal(taken.status, 422);
    assert.match(taken.json().message, /provided IP is already allocated/);
    assert.equal((await b.request('DELETE', '/api/v1/namespaces/sem/services/a')).status, 200);
    const reused = await b.request('POST', '/api/v1/namespaces/sem/services', svc('d', a.spec.clusterIP));
    assert.equal(reused.status, 201, reused.text);
    // a dry run asking for a taken address is refused like the real thing
    const dry = await b.request('POST', '/api/v1/namespaces/sem/services?dryRun=All', svc('e', c.spec.clusterIP));
    assert.equal(dry.status, 422, dry.text);
  });

  test('an update keeps the cluster IP it leaves out, and a type change allocates or frees it', async () => {
    const svc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
    const web = (await b.request('POST', '/api/v1/namespaces/sem/services', svc('web', { ports: [{ port: 80 }] }))).json();
    const ip: string = web.spec.clusterIP;
    // kubectl replace of a manifest without clusterIP
    const replaced = await b.request('PUT', '/api/v1/namespaces/sem/services/web', svc('web', { ports: [{ port: 8080 }] }));
    assert.equal(replaced.status, 200, replaced.text);
    assert.equal(replaced.json().spec.clusterIP, ip);
    assert.deepEqual(replaced.json().spec.clusterIPs, [ip]);
    // ClusterIP to ExternalName gives the address back...
    const external = await b.request('PUT', '/api/v1/namespaces/sem/services/web', svc('web', { type: 'ExternalName', externalName: 'example.com' }));
    assert.equal(external.status, 200, external.text);
    const other = await b.request('POST', '/api/v1/namespaces/sem/services', svc('other', { clusterIP: ip, ports: [{ port: 80 }] }));
    assert.equal(other.status, 201, `the address was freed: ${other.text}`);
    // ...and back to ClusterIP gets a new one
    const back = await b.request('PUT', '/api/v1/namespaces/sem/services/web', svc('web', { ports: [{ port: 80 }] }));
    assert.equal(back.status, 200, back.text);
    assert.match(back.json().spec.clusterIP, /^10\./);
    assert.notEqual(back.json().spec.clusterIP, ip);
  });

  test('dry run stores nothing', async () => {
    const r = await b.request('POST', '/api/v1/namespaces/sem/configmaps?dryRun=All', cm('dry'));
    assert.equal(r.status, 201);
    assert.equal((await b.request('GET', '/api/v1/namespaces/sem/configmaps/dry')).status, 404);
  });

  test('discovery, version, health and metrics', async () => {
    const v = (await b.request('GET', '/version')).json();
    assert.equal(v.major, '1');
    const verbose = await b.request('GET', '/readyz?verbose');
    assert.match(verbose.text, /\[\+\]ping ok/);
    assert.match(verbose.text, /readyz check passed/);
    const metrics = await b.request('GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /apiserver_request_total\{verb="LIST",group="",resource="configmaps",subresource="",code="200"\} \d+/);
    assert.match(metrics.text, /apiserver_request_duration_seconds_bucket/);
    assert.match(metrics.text, /apiserver_current_inflight_requests/);
  });
});

test('the server refuses to start when a private key is readable by others', async () => {
  const b = await startBulwark({ keepData: true });
  await b.stop();
  await chmod(path.join(b.dataDir, 'ca.key'), 0o644);
  const child = spawn(process.execPath, [BULWARK_BIN, 'server', '--data-dir', b.dataDir, '--secure-port', String(b.port)], { cwd: REPO_ROOT });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.notEqual(code, 0);
  assert.match(err, /ca\.key/);
  assert.match(err, /chmod 600/);
  await chmod(path.join(b.dataDir, 'ca.key'), 0o600);
  await b.cleanup();
});
