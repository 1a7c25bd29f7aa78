// Tests for `bulwark kubeconfig`, driven through commander as the CLI entry would.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { parse } from 'yaml';
import { ensureClusterPki, isIssuedBy, parseCertificate } from '../pki/index.js';
import { registerKubeconfigCommand } from './kubeconfig.js';

interface Run {
  out: string;
  err: string;
  error?: CommanderError;
}

async function runCli(args: string[]): Promise<Run> {
  const result: Run = { out: '', err: '' };
  const program = new Command('bulwark')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (result.out += s), writeErr: (s) => (result.err += s) });
  registerKubeconfigCommand(program);
  try {
    await program.parseAsync(['kubeconfig', ...args], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    result.error = err;
  }
  return result;
}

async function cluster(): Promise<{ base: string; dataDir: string; caPem: string }> {
  const base = await fs.mkdtemp(path.join(tmpdir(), 'bulwark-kcli-'));
  const dataDir = path.join(base, 'data');
  const pki = await ensureClusterPki({ dataDir, tlsSans: [], hostname: 'h', serverUrl: 'https://127.0.0.1:6443' });
  return { base, dataDir, caPem: pki.ca.certPem };
}

interface Kubeconfig {
  clusters: Array<{ cluster: Record<string, string> }>;
  users: Array<{ name: string; user: Record<string, string> }>;
}

const clientCert = (kc: Kubeconfig): string => Buffer.from(kc.users[0].user['client-certificate-data'], 'base64').toString();

describe('bulwark kubeconfig', () => {
  it('writes a 0600 kubeconfig with a CA-signed certificate for the user and groups', async () => {
    const { base, dataDir, caPem } = await cluster();
    const out = path.join(base, 'alice.kubeconfig');
    const r = await runCli(['--data-dir', dataDir, '--user', 'alice', '--group', 'dev', '--group', 'ops', '--ttl', '90m', '--out', out]);
    assert.equal(r.error, undefined, r.err);
    assert.equal((await fs.stat(out)).mode & 0o777, 0o600);
    const kc = parse(await fs.readFile(out, 'utf8')) as Kubeconfig;
    assert.equal(kc.clusters[0].cluster.server, 'https://127.0.0.1:6443', 'server taken from admin.kubeconfig');
    assert.equal(kc.users[0].name, 'alice');
    const cert = clientCert(kc);
    assert.equal(isIssuedBy(cert, caPem), true);
    const info = parseCertificate(cert);
    assert.equal(info.commonName, 'alice');
    assert.deepEqual(info.organizations, ['dev', 'ops']);
    const lifetime = info.notAfter.getTime() - Date.now();
    assert.ok(lifetime > 89 * 60_000 && lifetime <= 90 * 60_000, `lifetime ${lifetime}`);
    await fs.rm(base, { recursive: true });
  });

  it('prints to standard output by default, with a 24h certificate and the --server given', async () => {
    const { base, dataDir } = await cluster();
    const r = await runCli(['--data-dir', dataDir, '--user', 'bob', '--server', 'https://api.example.com:6443']);
    assert.equal(r.error, undefined, r.err);
    const kc = parse(r.out) as Kubeconfig;
    assert.equal(kc.clusters[0].cluster.server, 'https://api.example.com:6443');
    const info = parseCertificate(clientCert(kc));
    assert.deepEqual(info.organizations, []);
    const hours = (info.notAfter.getTime() - Date.now()) / 3_600_000;
    assert.ok(hours > 23.9 && hours <= 24, `lifetime ${hours}h`);
    await fs.rm(base, { recursive: true });
  });

  it('rejects a nonsense --ttl, a missing --user and an http --server with a non-zero exit', async () => {
    const { base, dataDir } = await cluster();
    const ttl = await runCli(['--data-dir', dataDir, '--user', 'x', '--ttl', '3 days']);
    assert.ok(ttl.error && ttl.error.exitCode !== 0);
    assert.match(ttl.err, /invalid duration "3 days"/);
    const zero = await runCli(['--data-dir', dataDir, '--user', 'x', '--ttl', '0']);
    assert.ok(zero.error && zero.error.exitCode !== 0);
    assert.match(zero.err, /at least 1m/);
    const user = await runCli(['--data-dir', dataDir]);
    assert.ok(user.error && user.error.exitCode !== 0);
    assert.match(user.err, /--user/);
    const server = await runCli(['--data-dir', dataDir, '--user', 'x', '--server', 'http://a:80']);
    assert.ok(server.error && server.error.exitCode !== 0);
    assert.match(server.err, /https/);
    assert.equal(ttl.out + zero.out + user.out + server.out, '');
    await fs.rm(base, { recursive: true });
  });

  it('refuses a CA key with loose permissions and a data directory without a CA', async () => {
    const { base, dataDir } = await cluster();
    await fs.chmod(path.join(dataDir, 'ca.key'), 0o644);
    const loose = await runCli(['--data-dir', dataDir, '--user', 'x']);
    assert.ok(loose.error && loose.error.exitCode === 1);
    assert.match(loose.err, /chmod 600/);
    assert.equal(loose.out, '');
    const missing = await runCli(['--data-dir', path.join(base, 'nope'), '--user', 'x']);
    assert.ok(missing.error && missing.error.exitCode === 1);
    assert.match(missing.err, /does not exist/);
    await fs.rm(base, { recursive: true });
  });
});
