// Tests for kubeconfig generation and reading the server URL back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { buildKubeconfig, kubeconfigServer } from './kubeconfig.js';

const opts = {
  clusterName: 'bulwark',
  server: 'https://127.0.0.1:6443',
  caPem: '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n',
  userName: 'alice',
  clientCertPem: '-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n',
  clientKeyPem: '-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n',
};

interface Parsed {
  apiVersion: string;
  kind: string;
  clusters: Array<{ name: string; cluster: Record<string, string> }>;
  users: Array<{ name: string; user: Record<string, string> }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  'current-context': string;
}

describe('buildKubeconfig', () => {
  it('produces a v1 Config whose current context points at the cluster and user, with base64 data', () => {
    const doc = parse(buildKubeconfig(opts)) as Parsed;
    assert.equal(doc.apiVersion, 'v1');
    assert.equal(doc.kind, 'Config');
    assert.equal(doc.clusters.length, 1);
    assert.equal(doc.clusters[0].name, 'bulwark');
    assert.equal(doc.clusters[0].cluster.server, opts.server);
    const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
    assert.equal(b64(doc.clusters[0].cluster['certificate-authority-data']), opts.caPem);
    assert.equal(doc.users[0].name, 'alice');
    assert.equal(b64(doc.users[0].user['client-certificate-data']), opts.clientCertPem);
    assert.equal(b64(doc.users[0].user['client-key-data']), opts.clientKeyPem);
    assert.equal(doc['current-context'], 'alice@bulwark');
    assert.deepEqual(doc.contexts, [{ name: 'alice@bulwark', context: { cluster: 'bulwark', user: 'alice' } }]);
  });

  it('keeps long base64 values on one line', () => {
    const long = { ...opts, caPem: 'x'.repeat(3000) };
    const text = buildKubeconfig(long);
    const line = text.split('\n').find((l) => l.includes('certificate-authority-data'));
    assert.ok(line && line.length > 4000);
  });

  it('refuses a server URL that is not https', () => {
    assert.throws(() => buildKubeconfig({ ...opts, server: 'http://127.0.0.1:8080' }), /https/);
    assert.throws(() => buildKubeconfig({ ...opts, server: 'not a url' }));
  });
});

describe('kubeconfigServer', () => {
  it('reads the server of the current context', () => {
    assert.equal(kubeconfigServer(buildKubeconfig(opts)), opts.server);
    const two = `
apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: https://a:6443}
- name: b
  cluster: {server: https://b:6443}
contexts:
- name: ctx
  context: {cluster: b, user: u}
current-context: ctx
`;
    assert.equal(kubeconfigServer(two), 'https://b:6443');
    assert.equal(kubeconfigServer(two.replace('current-context: ctx', 'current-context: none')), undefined);
    assert.equal(kubeconfigServer('just a string'), undefined);
  });
});
