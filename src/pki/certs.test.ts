// Tests for the X.509 building blocks, checked against node:crypto, OpenSSL and a real TLS 1.3
// handshake with client certificates.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  CLOCK_SKEW_MS,
  type CertificateAuthority,
  canonicalIp,
  createSelfSignedCA,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateKeyPair,
  isIssuedBy,
  issueCertificate,
  loadCertificateAuthority,
  parseCertificate,
  pemDecode,
  pemDecodeAll,
  pemEncode,
  privateKeyMatchesCertificate,
  spkiSha256Pin,
} from './certs.js';

const DAY = 24 * 60 * 60 * 1000;

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function withTmp<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-certs-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function leaf(
  ca: CertificateAuthority,
  usage: 'server' | 'client' | 'server+client',
  subject: { commonName: string; organizations?: string[] },
  sans: { dnsNames?: string[]; ipAddresses?: string[] } = {},
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const certPem = await issueCertificate(ca, {
    publicKey: keys.publicKey,
    subject,
    usage,
    ...sans,
    notAfter: new Date(Date.now() + 30 * DAY),
  });
  return { certPem, keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

describe('createSelfSignedCA', () => {
  it('creates a self-signed ECDSA P-256 CA with CA extensions and the requested lifetime', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const ca = await createSelfSignedCA({ commonName: 'test-ca', validityDays: 3650, now });
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.checkIssued(cert), true);
    assert.equal(cert.verify(cert.publicKey), true);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(ca.info.commonName, 'test-ca');
    assert.equal(ca.info.isCA, true);
    assert.equal(ca.info.notBefore.getTime(), now.getTime() - CLOCK_SKEW_MS);
    assert.equal(ca.info.notAfter.getTime(), now.getTime() + 3650 * DAY);
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(privateKeyMatchesCertificate(ca.keyPem, ca.certPem), true);
  });

  it('writes critical basicConstraints and keyUsage, and a subject key identifier (per OpenSSL)', { skip: !hasOpenssl() }, async () => {
    const ca = await createSelfSignedCA({ commonName: 'ossl-ca', validityDays: 10 });
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: ca.certPem }).toString();
    assert.match(text, /Basic Constraints: critical\s+CA:TRUE/);
    assert.match(text, /Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    assert.match(text, /Subject Key Identifier/);
    assert.match(text, /ecdsa-with-SHA256/);
  });

  it('uses fresh, positive 16-byte serial numbers', async () => {
    const a = await createSelfSignedCA({ commonName: 'a', validityDays: 1 });
    const b = await createSelfSignedCA({ commonName: 'b', validityDays: 1 });
    assert.notEqual(a.info.serialNumber, b.info.serialNumber);
    for (const s of [a.info.serialNumber, b.info.serialNumber]) {
      assert.equal(s.length, 32, `serial ${s} should be 16 bytes`);
      assert.ok(parseInt(s.slice(0, 2), 16) < 0x80, 'serial must be positive without padding');
    }
  });
});

describe('issueCertificate', () => {
  it('issues a serving certificate that chains to the CA, with SANs and leaf extensions', async () => {
    const ca = await createSelfSignedCA({ commonName: 'chain-ca', validityDays: 10 });
    const { certPem } = await leaf(ca, 'server', { commonName: 'srv' }, {
      dnsNames: ['localhost', 'api.example.com'],
      ipAddresses: ['127.0.0.1', '::1', '0:0:0:0:0:0:0:2'],
    });
    const cert = new X509Certificate(certPem);
    const caCert = new X509Certificate(ca.certPem);
    assert.equal(cert.checkIssued(caCert), true);
    assert.equal(cert.verify(caCert.publicKey), true);
    assert.equal(cert.ca, false);
    assert.equal(isIssuedBy(certPem, ca.certPem), true);
    assert.equal(cert.checkHost('api.example.com'), 'api.example.com');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkHost('other.example.com'), undefined);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    const info = parseCertificate(certPem);
    assert.equal(info.commonName, 'srv');
    assert.equal(info.issuerCommonName, 'chain-ca');
    assert.deepEqual(info.dnsNames, ['localhost', 'api.example.com']);
    assert.deepEqual(info.ipAddresses, ['127.0.0.1', '::1', '::2']);
    assert.equal(info.isCA, false);
  });

  it('writes the leaf extensions OpenSSL expects and verifies for the right purpose only', { skip: !hasOpenssl() }, async () => {
    const ca = await createSelfSignedCA({ commonName: 'purpose-ca', validityDays: 10 });
    const server = await leaf(ca, 'server', { commonName: 'srv' }, { dnsNames: ['localhost'] });
    const client = await leaf(ca, 'client', { commonName: 'alice', organizations: ['dev', 'ops'] });
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: server.certPem }).toString();
    assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, /Key Usage: critical\s+Digital Signature\n/);
    assert.match(text, /Extended Key Usage:\s+TLS Web Server Authentication\n/);
    assert.match(text, /Authority Key Identifier/);
    assert.match(text, /DNS:localhost/);
    await withTmp((dir) => {
      const f = (name: string, data: string): string => {
        writeFileSync(path.join(dir, name), data);
        return path.join(dir, name);
      };
      const caFile = f('ca.crt', ca.certPem);
      const srv = f('srv.crt', server.certPem);
      const cli = f('cli.crt', client.certPem);
      const verify = (purpose: string, file: string): boolean => {
        try {
          execFileSync('openssl', ['verify', '-CAfile', caFile, '-purpose', purpose, file], { stdio: 'pipe' });
          return true;
        } catch {
          return false;
        }
      };
      assert.equal(verify('sslserver', srv), true);
      assert.equal(verify('sslclient', cli), true);
      assert.equal(verify('sslclient', srv), false);
      assert.equal(verify('sslserver', cli), false);
    });
    const subject = execFileSync('openssl', ['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], { input: client.certPem }).toString();
    assert.match(subject, /CN=alice/);
    assert.match(subject, /O=dev/);
    assert.match(subject, /O=ops/);
  });

  it('records organizations as groups and clamps notAfter to the CA expiry', async () => {
    const ca = await createSelfSignedCA({ commonName: 'short-ca', validityDays: 2 });
    const keys = await generateKeyPair();
    const certPem = await issueCertificate(ca, {
      publicKey: await exportPublicKeyPem(keys.publicKey),
      subject: { commonName: 'bob', organizations: ['system:masters', 'team'] },
      usage: 'server+client',
      notAfter: new Date(Date.now() + 365 * DAY),
    });
    const info = parseCertificate(certPem);
    assert.deepEqual(info.organizations, ['system:masters', 'team']);
    assert.equal(info.notAfter.getTime(), ca.info.notAfter.getTime());
    assert.deepEqual(new X509Certificate(certPem).keyUsage.sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  });

  it('refuses a certificate that would expire before it starts', async () => {
    const ca = await createSelfSignedCA({ commonName: 'x', validityDays: 2 });
    const keys = await generateKeyPair();
    await assert.rejects(
      issueCertificate(ca, { publicKey: keys.publicKey, subject: { commonName: 'y' }, usage: 'client', notAfter: new Date(Date.now() - DAY) }),
      /expire/,
    );
  });

  const operatorKeys: Array<[string, string[], RegExp]> = [
    ['RSA in PKCS#1 form', ['genrsa', '-traditional', '2048'], /BEGIN RSA PRIVATE KEY/],
    ['EC P-384 in SEC1 form', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout'], /BEGIN EC PRIVATE KEY/],
  ];
  for (const [label, genArgs, pemLabel] of operatorKeys) {
    it(`signs with an operator-supplied CA key: ${label}`, { skip: !hasOpenssl() }, async () => {
      await withTmp(async (dir) => {
        const keyFile = path.join(dir, 'op.key');
        const certFile = path.join(dir, 'op.crt');
        const keyPem = execFileSync('openssl', genArgs, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
        assert.match(keyPem, pemLabel);
        writeFileSync(keyFile, keyPem);
        execFileSync('openssl', ['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=op-ca', '-days', '2', '-out', certFile], { stdio: 'pipe' });
        const ca = await loadCertificateAuthority(readFileSync(certFile, 'utf8'), keyPem);
        const { certPem } = await leaf(ca, 'client', { commonName: 'carol' });
        writeFileSync(path.join(dir, 'leaf.crt'), certPem);
        execFileSync('openssl', ['verify', '-CAfile', certFile, '-purpose', 'sslclient', path.join(dir, 'leaf.crt')], { stdio: 'pipe' });
        assert.equal(isIssuedBy(certPem, ca.certPem), true);
      });
    });
  }
});

describe('loadCertificateAuthority', () => {
  it('rejects a key that does not belong to the certificate, and a non-CA certificate', async () => {
    const a = await createSelfSignedCA({ commonName: 'a', validityDays: 1 });
    const b = await createSelfSignedCA({ commonName: 'b', validityDays: 1 });
    await assert.rejects(loadCertificateAuthority(a.certPem, b.keyPem), /does not match/);
    const l = await leaf(a, 'client', { commonName: 'leaf' });
    await assert.rejects(loadCertificateAuthority(l.certPem, l.keyPem), /not a CA/);
    const ok = await loadCertificateAuthority(a.certPem, a.keyPem);
    const issued = await leaf(ok, 'client', { commonName: 'again' });
    assert.equal(isIssuedBy(issued.certPem, a.certPem), true);
    assert.equal(isIssuedBy(issued.certPem, b.certPem), false);
  });
});

describe('PEM helpers', () => {
  it('round-trips DER and finds blocks by label', () => {
    const der = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const pem = pemEncode('CERTIFICATE', der);
    assert.ok(pem.split('\n').every((line) => line.length <= 64));
    assert.deepEqual(pemDecode(pem), der);
    const bundle = pemEncode('PRIVATE KEY', Buffer.from('k')) + pem + pemEncode('CERTIFICATE', Buffer.from('second'));
    assert.deepEqual(pemDecode(bundle, 'CERTIFICATE'), der);
    assert.equal(pemDecodeAll(bundle, 'CERTIFICATE').length, 2);
    assert.throws(() => pemDecode('not pem'), /no PEM block/);
  });

  it('canonicalizes IP addresses and refuses names', () => {
    assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(canonicalIp('FE80::0001'), 'fe80::1');
    assert.equal(canonicalIp('[::1]'), '::1');
    assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
    assert.throws(() => canonicalIp('localhost'), /not an IP/);
  });
});

describe('spkiSha256Pin', () => {
  it('hashes the DER SubjectPublicKeyInfo like the kubeadm/openssl recipe', { skip: !hasOpenssl() }, async () => {
    const ca = await createSelfSignedCA({ commonName: 'pin-ca', validityDays: 1 });
    const pubPem = execFileSync('openssl', ['x509', '-pubkey', '-noout'], { input: ca.certPem });
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pubPem });
    const expected = `sha256:${createHash('sha256').update(der).digest('hex')}`;
    assert.equal(spkiSha256Pin(ca.certPem), expected);
    assert.match(spkiSha256Pin(ca.certPem), /^sha256:[0-9a-f]{64}$/);
    const other = await createSelfSignedCA({ commonName: 'pin-ca', validityDays: 1 });
    assert.notEqual(spkiSha256Pin(other.certPem), expected);
  });
});

describe('TLS 1.3 with issued certificates', () => {
  async function handshake(
    ca: CertificateAuthority,
    server: { certPem: string; keyPem: string },
    client: { certPem: string; keyPem: string },
  ): Promise<{ clientError?: Error; serverError?: Error; peerCN?: string; protocol?: string }> {
    const result: { clientError?: Error; serverError?: Error; peerCN?: string; protocol?: string } = {};
    const srv = tls.createServer({
      key: server.keyPem,
      cert: server.certPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
    });
    const serverSide = new Promise<void>((resolve) => {
      srv.on('secureConnection', (sock) => {
        result.peerCN = String(sock.getPeerCertificate().subject?.CN ?? '');
        result.protocol = sock.getProtocol() ?? undefined;
        sock.end('hello\n');
        resolve();
      });
      srv.on('tlsClientError', (err) => {
        result.serverError = err;
        resolve();
      });
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const { port } = srv.address() as AddressInfo;
    const clientSide = new Promise<void>((resolve) => {
      const sock = tls.connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: ca.certPem,
        key: client.keyPem,
        cert: client.certPem,
        minVersion: 'TLSv1.3',
      });
      let data = '';
      sock.on('data', (d: Buffer) => (data += d.toString()));
      sock.on('error', (err) => {
        result.clientError = err;
        resolve();
      });
      sock.on('close', () => {
        if (!result.clientError && data !== 'hello\n') result.clientError = new Error(`unexpected data ${JSON.stringify(data)}`);
        resolve();
      });
    });
    await Promise.all([serverSide, clientSide]);
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    return result;
  }

  it('completes a mutually authenticated handshake and rejects a client from another CA', async () => {
    const ca = await createSelfSignedCA({ commonName: 'tls-ca', validityDays: 10 });
    const server = await leaf(ca, 'server', { commonName: 'srv' }, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const admin = await leaf(ca, 'client', { commonName: 'admin', organizations: ['system:masters'] });
    const ok = await handshake(ca, server, admin);
    assert.equal(ok.clientError, undefined);
    assert.equal(ok.serverError, undefined);
    assert.equal(ok.protocol, 'TLSv1.3');
    assert.equal(ok.peerCN, 'admin');

    const rogueCa = await createSelfSignedCA({ commonName: 'tls-ca', validityDays: 10 });
    const rogue = await leaf(rogueCa, 'client', { commonName: 'admin', organizations: ['system:masters'] });
    const bad = await handshake(ca, server, rogue);
    assert.equal(bad.peerCN, undefined, 'the server must not accept the rogue client');
    assert.ok(bad.serverError, 'the server reports the rejected client certificate');

    // A client certificate is not a server certificate, even with the right SANs: the client
    // must refuse it.
    const clientOnly = await leaf(ca, 'client', { commonName: 'srv' }, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const wrongUsage = await handshake(ca, clientOnly, admin);
    assert.equal(wrongUsage.peerCN, undefined);
    assert.ok(wrongUsage.clientError);
  });
});
