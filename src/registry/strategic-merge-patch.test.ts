import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strategicMergePatch } from './strategic-merge-patch.js';
import { StatusError } from '../api/status.js';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const POD = 'io.k8s.api.core.v1.Pod';

type Obj = Record<string, unknown>;

function deployment(containers: Obj[], extra: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'front' }, finalizers: ['a.example/x', 'b.example/y'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers, ...extra } },
    },
  };
}

function podSpec(obj: Obj): Obj {
  return ((obj.spec as Obj).template as Obj).spec as Obj;
}

function names(list: unknown): unknown[] {
  return (list as Obj[]).map((c) => c.name);
}

function patchTemplate(spec: Obj): Obj {
  return { spec: { template: { spec } } };
}

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

test('kubectl apply changing one container image keeps the other containers and fields', () => {
  const original = deployment([
    { name: 'app', image: 'app:1', ports: [{ containerPort: 8080 }] },
    { name: 'sidecar', image: 'proxy:1' },
  ]);
  const before = structuredClone(original);
  const patch = patchTemplate({ '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }], containers: [{ name: 'app', image: 'app:2' }] });
  const out = strategicMergePatch(original, patch, DEPLOYMENT);
  assert.deepEqual(podSpec(out).containers, [
    { name: 'app', image: 'app:2', ports: [{ containerPort: 8080 }] },
    { name: 'sidecar', image: 'proxy:1' },
  ]);
  assert.equal((out.spec as Obj).replicas, 2);
  assert.deepEqual(original, before, 'the original must not be modified');
  assert.equal('$setElementOrder/containers' in podSpec(out), false);
});

test('adding and removing containers follows $setElementOrder and $patch: delete', () => {
  const original = deployment([{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }, { name: 'c', image: 'c' }]);
  const added = strategicMergePatch(
    original,
    patchTemplate({ '$setElementOrder/containers': [{ name: 'a' }, { name: 'new' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'new', image: 'n' }] }),
    DEPLOYMENT,
  );
  assert.deepEqual(names(podSpec(added).containers), ['a', 'new', 'b', 'c']);

  const removed = strategicMergePatch(
    original,
    patchTemplate({ '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }], containers: [{ $patch: 'delete', name: 'b' }] }),
    DEPLOYMENT,
  );
  assert.deepEqual(names(podSpec(removed).containers), ['a', 'c']);
});

test('container lists with no $setElementOrder: updates in place, new items appended', () => {
  const original = deployment([{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }]);
  const out = strategicMergePatch(original, patchTemplate({ containers: [{ name: 'z', image: 'z' }, { name: 'b', image: 'b2' }] }), DEPLOYMENT);
  assert.deepEqual(podSpec(out).containers, [{ name: 'a', image: 'a' }, { name: 'z', image: 'z' }, { name: 'b', image: 'b2' }]);
});

test('server-only items keep their place between the items the patch orders', () => {
  const original = deployment([{ name: 'a', image: 'a' }, { name: 'injected', image: 'i' }, { name: 'b', image: 'b' }]);
  const out = strategicMergePatch(
    original,
    patchTemplate({ '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'a', image: 'a2' }] }),
    DEPLOYMENT,
  );
  assert.deepEqual(names(podSpec(out).containers), ['a', 'injected', 'b']);
  assert.equal((podSpec(out).containers as Obj[])[0].image, 'a2');
});

test('env vars merge by name; ports by containerPort; removal via $patch: delete', () => {
  const original = deployment([
    { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] },
  ]);
  const patch = patchTemplate({
    '$setElementOrder/containers': [{ name: 'app' }],
    containers: [
      {
        name: 'app',
        '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
        env: [{ name: 'A', value: 'one' }, { name: 'C', value: '3' }, { $patch: 'delete', name: 'B' }],
        '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }],
        ports: [{ containerPort: 443, name: 'https' }],
      },
    ],
  });
  const out = strategicMergePatch(original, patch, DEPLOYMENT);
  const app = (podSpec(out).containers as Obj[])[0];
  assert.deepEqual(app.env, [{ name: 'A', value: 'one' }, { name: 'C', value: '3' }]);
  assert.deepEqual(app.ports, [{ containerPort: 80, name: 'http' }, { containerPort: 443, name: 'https' }]);
});

test('null removes a map key (kubectl apply dropping a label)', () => {
  const out = strategicMergePatch(deployment([{ name: 'a' }]), { metadata: { labels: { tier: null, version: 'v2' } } }, DEPLOYMENT);
  assert.deepEqual((out.metadata as Obj).labels, { app: 'web', version: 'v2' });
  const gone = strategicMergePatch(deployment([{ name: 'a' }]), { metadata: { labels: null } }, DEPLOYMENT);
  assert.equal('labels' in (gone.metadata as Obj), false);
});

test('finalizers are a set: union on merge, $deleteFromPrimitiveList removes', () => {
  const original = deployment([{ name: 'a' }]);
  const added = strategicMergePatch(original, { metadata: { finalizers: ['b.example/y', 'c.example/z'] } }, DEPLOYMENT);
  assert.deepEqual((added.metadata as Obj).finalizers, ['a.example/x', 'b.example/y', 'c.example/z']);
  const removed = strategicMergePatch(
    original,
    { metadata: { '$setElementOrder/finalizers': ['b.example/y'], '$deleteFromPrimitiveList/finalizers': ['a.example/x'] } },
    DEPLOYMENT,
  );
  assert.deepEqual((removed.metadata as Obj).finalizers, ['b.example/y']);
});

test('lists without a merge strategy are replaced wholesale', () => {
  const original = deployment([{ name: 'a', args: ['--x', '--y'] }], { tolerations: [{ key: 'k1', operator: 'Exists' }] });
  const out = strategicMergePatch(
    original,
    patchTemplate({ containers: [{ name: 'a', args: ['--z'] }], tolerations: [{ key: 'k2', operator: 'Exists' }] }),
    DEPLOYMENT,
  );
  assert.deepEqual((podSpec(out).containers as Obj[])[0].args, ['--z']);
  assert.deepEqual(podSpec(out).tolerations, [{ key: 'k2', operator: 'Exists' }]);
});

test('Deployment strategy retains only the keys in $retainKeys', () => {
  const out = strategicMergePatch(deployment([{ name: 'a' }]), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, DEPLOYMENT);
  assert.deepEqual((out.spec as Obj).strategy, { type: 'Recreate' });
  const err = statusOf(() => strategicMergePatch(deployment([{ name: 'a' }]), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }, DEPLOYMENT));
  assert.equal(err.code, 422);
});

test('volumes merge by name and swap their source with $retainKeys', () => {
  const original = deployment([{ name: 'a' }], { volumes: [{ name: 'cfg', configMap: { name: 'c1' } }, { name: 'tmp', emptyDir: {} }] });
  const out = strategicMergePatch(
    original,
    patchTemplate({ '$setElementOrder/volumes': [{ name: 'cfg' }, { name: 'tmp' }], volumes: [{ $retainKeys: ['name', 'secret'], name: 'cfg', secret: { secretName: 's1' } }] }),
    DEPLOYMENT,
  );
  assert.deepEqual(podSpec(out).volumes, [{ name: 'cfg', secret: { secretName: 's1' } }, { name: 'tmp', emptyDir: {} }]);
});

test('$patch: replace replaces a map or a whole list', () => {
  const original = deployment([{ name: 'a' }, { name: 'b' }]);
  const map = strategicMergePatch(original, { metadata: { labels: { $patch: 'replace', only: 'this' } } }, DEPLOYMENT);
  assert.deepEqual((map.metadata as Obj).labels, { only: 'this' });
  const list = strategicMergePatch(original, patchTemplate({ containers: [{ name: 'c', image: 'c' }, { $patch: 'replace' }] }), DEPLOYMENT);
  assert.deepEqual(podSpec(list).containers, [{ name: 'c', image: 'c' }]);
  const gone = strategicMergePatch(original, { spec: { selector: { $patch: 'delete' } } }, DEPLOYMENT);
  assert.deepEqual((gone.spec as Obj).selector, {});
});

test('service ports merge by port; pod conditions by type (status patches)', () => {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
  const out = strategicMergePatch(svc, { spec: { ports: [{ port: 443, targetPort: 8443 }] } }, 'io.k8s.api.core.v1.Service');
  assert.deepEqual((out.spec as Obj).ports, [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }]);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'Initialized', status: 'True' }] } };
  const patched = strategicMergePatch(pod, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, POD);
  assert.deepEqual((patched.status as Obj).conditions, [{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }]);
});

test('without a schema the patch behaves like a JSON merge patch', () => {
  const original = { spec: { list: [1, 2, 3], nested: { a: 1, b: 2 } } };
  const out = strategicMergePatch(original, { spec: { list: [4], nested: { b: null, c: 3 } } }, 'io.example.v1.Unknown');
  assert.deepEqual(out, { spec: { list: [4], nested: { a: 1, c: 3 } } });
  // Free-form sub-trees of known kinds (annotations are a string map) merge too.
  const d = strategicMergePatch(deployment([{ name: 'a' }]), { metadata: { annotations: { x: 'y' } } }, DEPLOYMENT);
  assert.deepEqual((d.metadata as Obj).annotations, { x: 'y' });
});

test('malformed patches are refused with a 400 that says what is wrong', () => {
  const original = deployment([{ name: 'a' }]);
  const noKey = statusOf(() => strategicMergePatch(original, patchTemplate({ containers: [{ image: 'x' }] }), DEPLOYMENT));
  assert.equal(noKey.code, 400);
  assert.match(noKey.message, /does not contain declared merge key: name/);
  const directive = statusOf(() => strategicMergePatch(original, { metadata: { $patch: 'explode' } }, DEPLOYMENT));
  assert.equal(directive.code, 400);
  assert.match(directive.message, /unknown patch directive "explode"/);
  const order = statusOf(() =>
    strategicMergePatch(original, patchTemplate({ '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'b', image: 'b' }] }), DEPLOYMENT),
  );
  assert.equal(order.code, 400);
  const retain = statusOf(() => strategicMergePatch(original, { spec: { strategy: { $retainKeys: 'type' } } }, DEPLOYMENT));
  assert.equal(retain.code, 400);
  const notObject = statusOf(() => strategicMergePatch(original, [] as unknown as Obj, DEPLOYMENT));
  assert.equal(notObject.code, 400);
  const deleteList = statusOf(() => strategicMergePatch(original, { metadata: { '$deleteFromPrimitiveList/finalizers': 'a.example/x' } }, DEPLOYMENT));
  assert.equal(deleteList.code, 400);
});
