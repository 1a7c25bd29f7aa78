// `bulwark kubeconfig` issues a working client credential; until RBAC, a non-master is refused
// with kube-apiserver's 403 message, and bad flags fail with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { startBulwark, runKubectl, bulwarkCli } from './harness.js';

test('bulwark kubeconfig issues credentials that authenticate; non-masters get 403', async () => {
  const b = await startBulwark();
  try {
    const out = path.join(b.dataDir, 'alice.kubeconfig');
    const r = await bulwarkCli(['kubeconfig', '--data-dir', b.dataDir, '--user', 'alice', '--group', 'dev', '--ttl', '1h', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    const denied = await runKubectl(out, ['get', 'pods', '-n', 'default']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"/);

    const admin = path.join(b.dataDir, 'root.kubeconfig');
    assert.equal((await bulwarkCli(['kubeconfig', '--data-dir', b.dataDir, '--user', 'root', '--group', 'system:masters', '--out', admin])).code, 0);
    const allowed = await runKubectl(admin, ['get', 'ns', 'default', '-o', 'name']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(allowed.stdout.trim(), 'namespace/default');

    const bad = await bulwarkCli(['kubeconfig', '--data-dir', b.dataDir, '--user', 'x', '--ttl', 'forever']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /ttl/i);
  } finally {
    await b.cleanup();
  }
});

test('bulwark server --help documents every flag; bad flags fail clearly', async () => {
  const help = await bulwarkCli(['server', '--help']);
  assert.equal(help.code, 0);
  for (const flag of ['--data-dir', '--bind-address', '--secure-port', '--tls-cert-file', '--tls-private-key-file', '--client-ca-file', '--tls-min-version', '--tls-san']) {
    assert.match(help.stdout, new RegExp(flag), `${flag} missing from --help`);
  }
  const bad = await bulwarkCli(['server', '--tls-min-version', 'VersionTLS10']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /VersionTLS12|VersionTLS13/);
});
