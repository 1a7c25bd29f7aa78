// Tests for the cluster PKI in the data directory: first start, reuse, renewal, refusals, and
// kubectl talking to a TLS server with the generated admin.kubeconfig.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parse } from 'yaml';
import { isIssuedBy, parseCertificate, spkiSha256Pin } from './certs.js';
import { PRIVATE_FILES, type EnsureClusterPkiOptions, ensureClusterPki, loadClusterCa, servingSans } from './cluster-pki.js';
import { kubeconfigServer } from './kubeconfig.js';

const DAY = 24 * 60 * 60 * 1000;

async function newDataDir(): Promise<{ base: string; dataDir: string }> {
  const base = await fs.mkdtemp(path.join(tmpdir(), 'bulwark-pki-'));
  return { base, dataDir: path.join(base, 'data') };
}

function options(dataDir: string, extra: Partial<EnsureClusterPkiOptions> = {}): EnsureClusterPkiOptions & { logs: string[] } {
  const logs: string[] = [];
  return {
    dataDir,
    tlsSans: ['api.example.com', '192.0.2.10'],
    hostname: 'node-1',
    serverUrl: 'https://127.0.0.1:6443',
    log: (m) => logs.push(m),
    logs,
    ...extra,
  };
}

const read = (dir: string, name: string): Promise<string> => fs.readFile(path.join(dir, name), 'utf8');
const modeOf = async (p: string): Promise<number> => (await fs.stat(p)).mode & 0o777;

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('ensureClusterPki', () => {
  it('creates the CA, serving and admin certificates and admin.kubeconfig on first start', async () => {
    const { base, dataDir } = await newDataDir();
    const opts = options(dataDir);
    const pki = await ensureClusterPki(opts);

    assert.equal(await modeOf(dataDir), 0o700);
    const expected: Record<string, number> = {
      'ca.crt': 0o644,
      'ca.key': 0o600,
      'apiserver.crt': 0o644,
      'apiserver.key': 0o600,
      'admin.crt': 0o644,
      'admin.key': 0o600,
      'admin.kubeconfig': 0o600,
    };
    assert.deepEqual((await fs.readdir(dataDir)).sort(), Object.keys(expected).sort(), 'no temporary files left');
    for (const [name, mode] of Object.entries(expected)) assert.equal(await modeOf(path.join(dataDir, name)), mode, name);

    const ca = parseCertificate(await read(dataDir, 'ca.crt'));
    assert.equal(ca.isCA, true);
    const caYears = (ca.notAfter.getTime() - Date.now()) / (365 * DAY);
    assert.ok(caYears > 9.9 && caYears < 10.1, `CA lifetime ${caYears} years`);
    assert.equal(pki.ca.certPem, await read(dataDir, 'ca.crt'));
    assert.equal(pki.caPin, spkiSha256Pin(pki.ca.certPem));

    const serving = parseCertificate(pki.servingCertPem);
    assert.equal(pki.servingCertPem, await read(dataDir, 'apiserver.crt'));
    assert.deepEqual(serving.dnsNames.sort(), ['api.example.com', 'localhost', 'node-1']);
    assert.deepEqual(serving.ipAddresses.sort(), ['127.0.0.1', '192.0.2.10', '::1']);
    assert.equal(isIssuedBy(pki.servingCertPem, pki.ca.certPem), true);
    assert.deepEqual(new X509Certificate(pki.servingCertPem).keyUsage, ['1.3.6.1.5.5.7.3.1']);

    const admin = parseCertificate(await read(dataDir, 'admin.crt'));
    assert.deepEqual(admin.organizations, ['system:masters']);
    assert.equal(isIssuedBy(await read(dataDir, 'admin.crt'), pki.ca.certPem), true);
    const adminDays = (admin.notAfter.getTime() - Date.now()) / DAY;
    assert.ok(adminDays > 364 && adminDays < 366);

    const kc = parse(await read(dataDir, 'admin.kubeconfig')) as {
      clusters: Array<{ cluster: Record<string, string> }>;
      users: Array<{ user: Record<string, string> }>;
    };
    assert.equal(kubeconfigServer(await read(dataDir, 'admin.kubeconfig')), 'https://127.0.0.1:6443');
    assert.equal(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), pki.ca.certPem);
    assert.equal(Buffer.from(kc.users[0].user['client-certificate-data'], 'base64').toString(), await read(dataDir, 'admin.crt'));
    assert.equal(Buffer.from(kc.users[0].user['client-key-data'], 'base64').toString(), await read(dataDir, 'admin.key'));
    assert.equal(pki.adminKubeconfigPath, path.join(dataDir, 'admin.kubeconfig'));
    assert.equal(pki.caCertPath, path.join(dataDir, 'ca.crt'));
    assert.ok(opts.logs.some((l) => l.includes('created cluster CA')));

    const issued = await pki.issueClientCertificate({ userName: 'dave', groups: ['g1'], ttlMs: DAY });
    assert.equal(isIssuedBy(issued.certPem, pki.ca.certPem), true);
    assert.equal(parseCertificate(issued.certPem).commonName, 'dave');
    await fs.rm(base, { recursive: true });
  });

  it('reuses everything on a later start and rewrites nothing', async () => {
    const { base, dataDir } = await newDataDir();
    const first = await ensureClusterPki(options(dataDir));
    const before = new Map<string, string>();
    for (const f of await fs.readdir(dataDir)) before.set(f, await read(dataDir, f));
    const again = options(dataDir);
    const second = await ensureClusterPki(again);
    assert.equal(second.ca.certPem, first.ca.certPem);
    assert.equal(second.servingCertPem, first.servingCertPem);
    assert.equal(second.servingKeyPem, first.servingKeyPem);
    for (const [f, content] of before) assert.equal(await read(dataDir, f), content, f);
    assert.deepEqual(again.logs, []);
    await fs.rm(base, { recursive: true });
  });

  it('renews the serving and admin certificates within 30 days of expiry, keeping the CA', async () => {
    const { base, dataDir } = await newDataDir();
    const start = new Date();
    const first = await ensureClusterPki(options(dataDir, { now: start }));
    const firstAdmin = await read(dataDir, 'admin.crt');

    // 300 days on, 65 days remain: nothing changes.
    const early = options(dataDir, { now: new Date(start.getTime() + 300 * DAY) });
    const kept = await ensureClusterPki(early);
    assert.equal(kept.servingCertPem, first.servingCertPem);
    assert.equal(await read(dataDir, 'admin.crt'), firstAdmin);

    // 340 days on, 25 days remain: both leaves are renewed, the CA stays.
    const laterNow = new Date(start.getTime() + 340 * DAY);
    const late = options(dataDir, { now: laterNow });
    const renewed = await ensureClusterPki(late);
    assert.equal(renewed.ca.certPem, first.ca.certPem);
    assert.notEqual(renewed.servingCertPem, first.servingCertPem);
    assert.notEqual(renewed.servingKeyPem, first.servingKeyPem);
    const info = parseCertificate(renewed.servingCertPem);
    assert.equal(info.notAfter.getTime(), Math.floor((laterNow.getTime() + 365 * DAY) / 1000) * 1000);
    assert.equal(await read(dataDir, 'apiserver.crt'), renewed.servingCertPem);
    assert.notEqual(await read(dataDir, 'admin.crt'), firstAdmin);
    const kc = parse(await read(dataDir, 'admin.kubeconfig')) as { users: Array<{ user: Record<string, string> }> };
    assert.equal(Buffer.from(kc.users[0].user['client-certificate-data'], 'base64').toString(), await read(dataDir, 'admin.crt'));
    assert.ok(late.logs.some((l) => /renewed .*within 30 days.* serving certificate/.test(l)), late.logs.join('\n'));
    await fs.rm(base, { recursive: true });
  });

  it('reissues the serving certificate when the requested SANs change', async () => {
    const { base, dataDir } = await newDataDir();
    const first = await ensureClusterPki(options(dataDir));
    const added = await ensureClusterPki(options(dataDir, { tlsSans: ['api.example.com', '192.0.2.10', 'new.example.com'] }));
    assert.notEqual(added.servingCertPem, first.servingCertPem);
    assert.ok(parseCertificate(added.servingCertPem).dnsNames.includes('new.example.com'));
    const removed = await ensureClusterPki(options(dataDir, { tlsSans: [] }));
    assert.deepEqual(parseCertificate(removed.servingCertPem).dnsNames.sort(), ['localhost', 'node-1']);
    assert.deepEqual(parseCertificate(removed.servingCertPem).ipAddresses.sort(), ['127.0.0.1', '::1']);
    // The same set written differently is not a change.
    const same = await ensureClusterPki(options(dataDir, { tlsSans: ['LOCALHOST', '0:0:0:0:0:0:0:1'] }));
    assert.equal(same.servingCertPem, removed.servingCertPem);
    await fs.rm(base, { recursive: true });
  });

  it('refuses to start when any private key file is readable by group or others, and touches nothing', async () => {
    const { base, dataDir } = await newDataDir();
    await ensureClusterPki(options(dataDir));
    for (const name of PRIVATE_FILES) {
      const file = path.join(dataDir, name);
      const content = await fs.readFile(file, 'utf8');
      await fs.chmod(file, 0o644);
      await assert.rejects(ensureClusterPki(options(dataDir, { tlsSans: ['changed.example.com'] })), (err: Error) => {
        assert.ok(err.message.includes(file), err.message);
        assert.ok(err.message.includes('0644'), err.message);
        assert.ok(err.message.includes(`chmod 600 ${file}`), err.message);
        return true;
      });
      assert.equal(await fs.readFile(file, 'utf8'), content);
      assert.equal(await modeOf(file), 0o644);
      await fs.chmod(file, 0o600);
    }
    await fs.rm(base, { recursive: true });
  });

  it('refuses a data directory open to others', async () => {
    const { base, dataDir } = await newDataDir();
    await fs.mkdir(dataDir, { mode: 0o755 });
    await fs.chmod(dataDir, 0o755);
    await assert.rejects(ensureClusterPki(options(dataDir)), /chmod 700/);
    assert.deepEqual(await fs.readdir(dataDir), []);
    await fs.rm(base, { recursive: true });
  });

  it('refuses half a CA instead of minting a new one', async () => {
    const { base, dataDir } = await newDataDir();
    await ensureClusterPki(options(dataDir));
    await fs.rename(path.join(dataDir, 'ca.crt'), path.join(base, 'ca.crt.bak'));
    await assert.rejects(ensureClusterPki(options(dataDir)), /ca\.crt is missing: restore ca\.crt, or remove ca\.key/);
    assert.equal(await fs.stat(path.join(dataDir, 'ca.crt')).catch(() => undefined), undefined);
    await fs.rename(path.join(base, 'ca.crt.bak'), path.join(dataDir, 'ca.crt'));
    await fs.rm(path.join(dataDir, 'ca.key'));
    await assert.rejects(ensureClusterPki(options(dataDir)), /ca\.key is missing/);
    await fs.rm(base, { recursive: true });
  });

  it('refuses an expired CA', async () => {
    const { base, dataDir } = await newDataDir();
    await ensureClusterPki(options(dataDir));
    await assert.rejects(ensureClusterPki(options(dataDir, { now: new Date(Date.now() + 3651 * DAY) })), /cluster CA .* expired/);
    await fs.rm(base, { recursive: true });
  });

  it('recovers from a half-written leaf pair and from leaves of a replaced CA', async () => {
    const { base, dataDir } = await newDataDir();
    const first = await ensureClusterPki(options(dataDir));
    await fs.rm(path.join(dataDir, 'apiserver.crt'));
    const again = await ensureClusterPki(options(dataDir));
    assert.notEqual(again.servingKeyPem, first.servingKeyPem);
    assert.equal(isIssuedBy(again.servingCertPem, again.ca.certPem), true);

    // The operator replaces the CA: leaves signed by the old one are reissued.
    await fs.rm(path.join(dataDir, 'ca.crt'));
    await fs.rm(path.join(dataDir, 'ca.key'));
    const fresh = await ensureClusterPki(options(dataDir));
    assert.notEqual(fresh.ca.certPem, first.ca.certPem);
    assert.equal(isIssuedBy(fresh.servingCertPem, fresh.ca.certPem), true);
    assert.equal(isIssuedBy(await read(dataDir, 'admin.crt'), fresh.ca.certPem), true);
    await fs.rm(base, { recursive: true });
  });

  it('updates admin.kubeconfig when the server URL changes, keeping the credential', async () => {
    const { base, dataDir } = await newDataDir();
    await ensureClusterPki(options(dataDir));
    const adminCrt = await read(dataDir, 'admin.crt');
    await ensureClusterPki(options(dataDir, { serverUrl: 'https://10.1.2.3:7443' }));
    assert.equal(kubeconfigServer(await read(dataDir, 'admin.kubeconfig')), 'https://10.1.2.3:7443');
    assert.equal(await read(dataDir, 'admin.crt'), adminCrt);
    await fs.rm(base, { recursive: true });
  });

  it('admin.kubeconfig works with kubectl against a TLS 1.3 server using the serving certificate', { skip: !hasKubectl() }, async () => {
    const { base, dataDir } = await newDataDir();
    let pki = await ensureClusterPki(options(dataDir));
    const seen: Array<{ cn: string; o: string; url?: string }> = [];
    const server = https.createServer(
      {
        key: pki.servingKeyPem,
        cert: pki.servingCertPem,
        ca: pki.ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.3',
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        seen.push({ cn: String(peer.subject.CN), o: String(peer.subject.O), url: req.url });
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ major: '1', minor: '30', gitVersion: 'v1.30.0', path: req.url }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      pki = await ensureClusterPki(options(dataDir, { serverUrl: `https://127.0.0.1:${port}` }));
      const run = promisify(execFile);
      const kubeconfig = pki.adminKubeconfigPath;
      const viaIp = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/version']);
      assert.equal((JSON.parse(viaIp.stdout) as { gitVersion: string }).gitVersion, 'v1.30.0');
      // Same credential, reaching the server by DNS name (verifies the DNS SAN).
      await run('kubectl', ['--kubeconfig', kubeconfig, '--server', `https://localhost:${port}`, 'get', '--raw', '/version']);
      // kubectl may ask more than once per command; every request carried the admin identity.
      assert.ok(seen.length >= 2, JSON.stringify(seen));
      for (const s of seen) assert.deepEqual({ cn: s.cn, o: s.o }, { cn: 'bulwark-admin', o: 'system:masters' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(base, { recursive: true });
    }
  });
});

describe('loadClusterCa', () => {
  it('loads the CA for signing and refuses a loose key or a missing data directory', async () => {
    const { base, dataDir } = await newDataDir();
    await assert.rejects(loadClusterCa(dataDir), /does not exist/);
    const pki = await ensureClusterPki(options(dataDir));
    const ca = await loadClusterCa(dataDir);
    assert.equal(ca.certPem, pki.ca.certPem);
    await fs.chmod(path.join(dataDir, 'ca.key'), 0o640);
    await assert.rejects(loadClusterCa(dataDir), /chmod 600/);
    await fs.rm(base, { recursive: true });
  });
});

describe('servingSans', () => {
  it('always includes the loopback names and sorts names from addresses', () => {
    const s = servingSans('Host-A', ['[2001:db8::1]', 'api.example.com.', '*.apps.example.com', '10.0.0.1']);
    assert.deepEqual(s.dnsNames, ['localhost', 'host-a', 'api.example.com', '*.apps.example.com']);
    assert.deepEqual(s.ipAddresses, ['127.0.0.1', '::1', '2001:db8::1', '10.0.0.1']);
    assert.throws(() => servingSans('h', ['not a name']), /--tls-san "not a name"/);
    assert.throws(() => servingSans('h', ['https://x']), /neither an IP address nor a DNS name/);
  });
});
