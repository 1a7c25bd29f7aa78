// X.509 building blocks: ECDSA P-256 keys, a self-signed cluster CA, leaf certificates for
// serving and client authentication, parsing, PEM helpers and kubeadm's SPKI pin.
import { X509Certificate as NodeX509Certificate, createHash, createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
// Must come before @peculiar/x509, which needs Reflect metadata while it loads.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const subtle = webcrypto.subtle as unknown as SubtleCrypto;

/** Certificates start this far in the past so that a client whose clock lags accepts them. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface KeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** What a certificate says, in the terms the rest of Bulwark asks about. */
export interface CertificateInfo {
  commonName: string;
  organizations: string[];
  issuerCommonName: string;
  /** Lowercase hex, without leading zero bytes. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  /** Canonical text form (IPv6 compressed, lowercase). */
  ipAddresses: string[];
  isCA: boolean;
}

/** A CA able to sign: its certificate and the matching private key. */
export interface CertificateAuthority {
  certPem: string;
  /** PKCS#8 PEM ("PRIVATE KEY"). */
  keyPem: string;
  privateKey: CryptoKey;
  info: CertificateInfo;
}

export type CertificateUsage = 'server' | 'client' | 'server+client';

export interface IssueCertificateOptions {
  /** The subject's public key: a WebCrypto key, a parsed key (e.g. from a CSR) or SPKI PEM. */
  publicKey: CryptoKey | x509.PublicKey | string;
  subject: { commonName: string; organizations?: string[] };
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: CertificateUsage;
  /** Defaults to now minus CLOCK_SKEW_MS. */
  notBefore?: Date;
  /** Clamped to the CA's own notAfter: a chain is never valid longer than its root. */
  notAfter: Date;
}

// ---------------------------------------------------------------------------------------------
// PEM

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*?)-----END \1-----/g;

export function pemEncode(label: string, der: Uint8Array | ArrayBuffer): string {
  const b64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Every PEM block in `pem` (optionally only those with `label`), in order, as DER. */
export function pemDecodeAll(pem: string, label?: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    if (label !== undefined && m[1] !== label) continue;
    out.push(Buffer.from(m[2].replace(/\s+/g, ''), 'base64'));
  }
  return out;
}

/** The first PEM block (with `label`, when given) as DER; throws when there is none. */
export function pemDecode(pem: string, label?: string): Buffer {
  const [first] = pemDecodeAll(pem, label);
  if (first === undefined) {
    throw new Error(label ? `no PEM block "${label}" found` : 'no PEM block found');
  }
  return first;
}

// ---------------------------------------------------------------------------------------------
// keys

const ECDSA_P256: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

/** A fresh ECDSA P-256 key pair (extractable, so the private key can be written as PKCS#8). */
export async function generateKeyPair(): Promise<KeyPair> {
  const pair = (await subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return pemEncode('PRIVATE KEY', await subtle.exportKey('pkcs8', key));
}

export async function exportPublicKeyPem(key: CryptoKey): Promise<string> {
  return pemEncode('PUBLIC KEY', await subtle.exportKey('spki', key));
}

const CURVES: Record<string, { webName: string; hash: string }> = {
  prime256v1: { webName: 'P-256', hash: 'SHA-256' },
  secp384r1: { webName: 'P-384', hash: 'SHA-384' },
  secp521r1: { webName: 'P-521', hash: 'SHA-512' },
};

/**
 * Imports a private key for signing. Besides our own PKCS#8 ECDSA keys this accepts what an
 * operator may bring as CA key (SEC1 "EC PRIVATE KEY", RSA in PKCS#1 or PKCS#8), because
 * node:crypto parses those and hands back PKCS#8 for WebCrypto. The key is imported
 * non-extractable: once loaded, nothing needs its bytes again.
 */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  let keyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`cannot parse private key: ${err instanceof Error ? err.message : String(err)}`);
  }
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  if (keyObject.asymmetricKeyType === 'ec') {
    const curveName = keyObject.asymmetricKeyDetails?.namedCurve ?? '';
    const curve = CURVES[curveName];
    if (!curve) throw new Error(`unsupported EC curve ${curveName || '(unknown)'}; use P-256, P-384 or P-521`);
    return subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: curve.webName }, false, ['sign']);
  }
  if (keyObject.asymmetricKeyType === 'rsa') {
    return subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  }
  throw new Error(`unsupported private key type ${keyObject.asymmetricKeyType ?? '(unknown)'}; use ECDSA or RSA`);
}

/** True when `keyPem` is the private half of the public key in `certPem`. */
export function privateKeyMatchesCertificate(keyPem: string, certPem: string): boolean {
  const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  const fromCert = new NodeX509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return fromKey.equals(fromCert);
}

// ---------------------------------------------------------------------------------------------
// certificates

/**
 * A random 16-byte serial. RFC 5280 wants a positive INTEGER; clearing the top bit keeps it
 * positive without a padding byte, which leaves 127 random bits.
 */
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  if (bytes[0] === 0) bytes[0] = 0x01; // keep the encoding 16 bytes long
  return bytes.toString('hex');
}

function subjectName(subject: { commonName: string; organizations?: string[] }): x509.JsonName {
  // One attribute per RDN, O before CN, the order Go's crypto/x509 writes.
  const rdns: x509.JsonName = [];
  for (const o of subject.organizations ?? []) rdns.push({ O: [o] });
  rdns.push({ CN: [subject.commonName] });
  return rdns;
}

/** Canonical text for an IP address, so that "::1" and "0:0::1" compare equal; throws when not an IP. */
export function canonicalIp(ip: string): string {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const family = isIP(bare);
  if (family === 0) throw new Error(`"${ip}" is not an IP address`);
  // The WHATWG URL parser prints IPv6 in RFC 5952 form and IPv4 in dotted decimal.
  const host = new URL(family === 6 ? `http://[${bare}]/` : `http://${bare}/`).hostname;
  return family === 6 ? host.slice(1, -1) : host;
}

function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * DAY_MS);
}

/** A self-signed ECDSA P-256 CA certificate valid for `validityDays` from now (minus clock skew). */
export async function createSelfSignedCA(opts: {
  commonName: string;
  validityDays: number;
  now?: Date;
}): Promise<CertificateAuthority> {
  if (!(opts.validityDays > 0)) throw new Error('CA validity must be a positive number of days');
  const now = opts.now ?? new Date();
  const keys = await generateKeyPair();
  const name = subjectName({ commonName: opts.commonName });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: name,
    issuer: name,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: addDays(now, opts.validityDays),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem') + '\n';
  const keyPem = await exportPrivateKeyPem(keys.privateKey);
  return { certPem, keyPem, privateKey: keys.privateKey, info: parseCertificate(certPem) };
}

/**
 * Loads a CA from PEM, refusing a certificate that is not a CA or a key that does not belong to
 * it: signing with the wrong key would produce certificates nobody can verify.
 */
export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  const info = parseCertificate(certPem);
  if (!info.isCA) throw new Error(`certificate "${info.commonName}" is not a CA (basicConstraints CA:FALSE or missing)`);
  if (!privateKeyMatchesCertificate(keyPem, certPem)) {
    throw new Error(`the CA private key does not match the CA certificate "${info.commonName}"`);
  }
  const privateKey = await importPrivateKeyPem(keyPem);
  return { certPem: normalizePem(certPem), keyPem, privateKey, info };
}

/** The certificate in `pem` re-encoded, dropping any text around it. */
function normalizePem(pem: string): string {
  return pemEncode('CERTIFICATE', pemDecode(pem, 'CERTIFICATE'));
}

async function toPublicKey(input: IssueCertificateOptions['publicKey']): Promise<x509.PublicKey> {
  if (input instanceof x509.PublicKey) return input;
  if (typeof input === 'string') return new x509.PublicKey(new Uint8Array(pemDecode(input, 'PUBLIC KEY')));
  return x509.PublicKey.create(input);
}

const EXT_KEY_USAGES: Record<CertificateUsage, x509.ExtendedKeyUsage[]> = {
  server: [x509.ExtendedKeyUsage.serverAuth],
  client: [x509.ExtendedKeyUsage.clientAuth],
  'server+client': [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
};

/** Issues a leaf certificate signed by `ca`; returns it as PEM. */
export async function issueCertificate(ca: CertificateAuthority, opts: IssueCertificateOptions): Promise<string> {
  const notBefore = opts.notBefore ?? new Date(Date.now() - CLOCK_SKEW_MS);
  const notAfter = opts.notAfter.getTime() > ca.info.notAfter.getTime() ? ca.info.notAfter : opts.notAfter;
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new Error(`certificate would expire (${notAfter.toISOString()}) before it becomes valid (${notBefore.toISOString()})`);
  }
  if (!opts.subject.commonName) throw new Error('a certificate needs a subject common name');

  const sans: x509.JsonGeneralNames = [];
  for (const dns of opts.dnsNames ?? []) {
    if (isIP(dns) !== 0) throw new Error(`"${dns}" is an IP address; pass it as an IP SAN`);
    sans.push({ type: 'dns', value: dns });
  }
  for (const ip of opts.ipAddresses ?? []) sans.push({ type: 'ip', value: canonicalIp(ip) });

  const publicKey = await toPublicKey(opts.publicKey);
  const caCert = new x509.X509Certificate(ca.certPem);
  const caSki = caCert.getExtension(x509.SubjectKeyIdentifierExtension);

  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    // ECDSA keys only sign (the TLS key exchange is ephemeral ECDHE), so digitalSignature is
    // the one usage; RSA subjects from CSRs also need keyEncipherment for RSA key transport.
    new x509.KeyUsagesExtension(
      publicKey.algorithm.name === 'ECDSA'
        ? x509.KeyUsageFlags.digitalSignature
        : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(EXT_KEY_USAGES[opts.usage], false),
    caSki
      ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId, false)
      : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: subjectName(opts.subject),
    // The issuer is copied byte for byte from the CA so that name chaining never depends on
    // how a string would be re-encoded.
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: signingAlgorithmFor(ca.privateKey),
    extensions,
  });
  return cert.toString('pem') + '\n';
}

/** The signature algorithm for a CA key: the hash follows the curve size, as Go does. */
function signingAlgorithmFor(key: CryptoKey): Algorithm | EcdsaParams {
  const alg = key.algorithm as EcKeyAlgorithm | RsaHashedKeyAlgorithm;
  if (alg.name === 'ECDSA') {
    const curve = Object.values(CURVES).find((c) => c.webName === (alg as EcKeyAlgorithm).namedCurve);
    return { name: 'ECDSA', hash: curve?.hash ?? 'SHA-256' } as EcdsaParams;
  }
  return { name: alg.name, hash: 'SHA-256' } as Algorithm;
}

/** Reads the fields Bulwark cares about from a PEM certificate (the first one, for a bundle). */
export function parseCertificate(pem: string): CertificateInfo {
  const cert = new x509.X509Certificate(new Uint8Array(pemDecode(pem, 'CERTIFICATE')));
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const name of san?.names.items ?? []) {
    if (name.type === 'dns') dnsNames.push(name.value);
    else if (name.type === 'ip') ipAddresses.push(canonicalIp(name.value));
  }
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  return {
    commonName: cert.subjectName.getField('CN')[0] ?? '',
    organizations: cert.subjectName.getField('O'),
    issuerCommonName: cert.issuerName.getField('CN')[0] ?? '',
    serialNumber: cert.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    dnsNames,
    ipAddresses,
    isCA: basic?.ca ?? false,
  };
}

/**
 * True when `certPem` names `caPem` as issuer and carries a valid signature by its key.
 * Validity dates are not considered; callers decide what to do with an expired certificate.
 */
export function isIssuedBy(certPem: string, caPem: string): boolean {
  const cert = new NodeX509Certificate(certPem);
  const ca = new NodeX509Certificate(caPem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/**
 * kubeadm's CA pin (`--discovery-token-ca-cert-hash`): "sha256:" and the lowercase hex
 * SHA-256 of the certificate's DER SubjectPublicKeyInfo.
 */
export function spkiSha256Pin(certPem: string): string {
  const spki = new NodeX509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}
