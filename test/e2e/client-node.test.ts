// A real client library: @kubernetes/client-node lists namespaces and watches configmaps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startBulwark } from './harness.js';

test('@kubernetes/client-node lists namespaces and watches configmaps', { timeout: 60_000 }, async () => {
  const b = await startBulwark();
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(b.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const nsList = await core.listNamespace();
    const names = nsList.items.map((n) => n.metadata?.name).sort();
    assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);

    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const done = new Promise<void>((resolve) => {
      void watch
        .watch(
          '/api/v1/namespaces/default/configmaps',
          {},
          (type: string, obj: k8s.V1ConfigMap) => {
            if (obj.metadata?.name === 'watched') events.push(`${type} ${obj.metadata?.name}`);
            if (type === 'DELETED') resolve();
          },
          () => undefined,
        )
        .then((req) => {
          void done.then(() => req.abort());
        });
    });
    await new Promise((r) => setTimeout(r, 300));
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' }, data: { a: '1' } } });
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'watched', body: { data: { a: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'watched' });
    await done;
    assert.deepEqual(events, ['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
  } finally {
    await b.cleanup();
  }
});
