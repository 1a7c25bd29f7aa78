// The cluster's PKI in the data directory: created on first start, reused (and the serving and
// admin certificates renewed) on later starts, refused when a key file is open to others.
//
// Files in <data-dir> (0700):
//   ca.crt            0644  cluster CA certificate (ECDSA P-256, 10 years)
//   ca.key            0600  cluster CA private key (PKCS#8 PEM)
//   apiserver.crt     0644  serving certificate (1 year; SANs localhost, 127.0.0.1, ::1, host name, --tls-san)
//   apiserver.key     0600  its private key
//   admin.crt         0644  admin client certificate (CN=bulwark-admin, O=system:masters, 1 year)
//   admin.key         0600  its private key
//   admin.kubeconfig  0600  kubeconfig for the admin: server URL, CA and the admin credential inline
import path from 'node:path';
import { isIP } from 'node:net';
import {
  type CertificateAuthority,
  canonicalIp,
  createSelfSignedCA,
  exportPrivateKeyPem,
  generateKeyPair,
  isIssuedBy,
  issueCertificate,
  loadCertificateAuthority,
  parseCertificate,
  privateKeyMatchesCertificate,
  spkiSha256Pin,
  CLOCK_SKEW_MS,
} from './certs.js';
import {
  assertPrivateDirMode,
  assertPrivateFileMode,
  ensurePrivateDir,
  fileExists,
  readFileIfExists,
  writeFileAtomic,
} from './files.js';
import { buildKubeconfig } from './kubeconfig.js';

export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';
export const SERVING_CERT_FILE = 'apiserver.crt';
export const SERVING_KEY_FILE = 'apiserver.key';
export const ADMIN_CERT_FILE = 'admin.crt';
export const ADMIN_KEY_FILE = 'admin.key';
export const ADMIN_KUBECONFIG_FILE = 'admin.kubeconfig';

/** Files that hold a private key or a credential: 0600, and refused when looser. */
export const PRIVATE_FILES = [CA_KEY_FILE, SERVING_KEY_FILE, ADMIN_KEY_FILE, ADMIN_KUBECONFIG_FILE] as const;

export const CLUSTER_NAME = 'bulwark';
export const ADMIN_USER = 'bulwark-admin';
export const ADMIN_GROUP = 'system:masters';
const SERVING_COMMON_NAME = 'bulwark-apiserver';

const DAY_MS = 24 * 60 * 60 * 1000;
export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;
/** Serving and admin certificates are renewed at start when they expire within this window. */
export const RENEW_BEFORE_MS = 30 * DAY_MS;

const PUBLIC_MODE = 0o644;
const PRIVATE_MODE = 0o600;

export interface ClientCertificateRequest {
  userName: string;
  groups?: string[];
  ttlMs: number;
  now?: Date;
}

export interface IssuedClientCertificate {
  certPem: string;
  /** PKCS#8 PEM of a fresh ECDSA P-256 key. */
  keyPem: string;
  /** May be earlier than asked for: a certificate never outlives the CA. */
  notAfter: Date;
}

export interface ClusterPki {
  ca: CertificateAuthority;
  caCertPath: string;
  caKeyPath: string;
  /** kubeadm-style pin of the CA ("sha256:<hex>") for join commands. */
  caPin: string;
  servingCertPem: string;
  servingKeyPem: string;
  servingCertPath: string;
  servingKeyPath: string;
  adminCertPath: string;
  adminKeyPath: string;
  adminKubeconfigPath: string;
  issueClientCertificate(req: ClientCertificateRequest): Promise<IssuedClientCertificate>;
}

export interface EnsureClusterPkiOptions {
  dataDir: string;
  /** Extra serving-certificate SANs (--tls-san): DNS names or IP addresses. */
  tlsSans: string[];
  hostname: string;
  /** Written into admin.kubeconfig. */
  serverUrl: string;
  log?: (msg: string) => void;
  now?: Date;
}

/** Issues a client certificate (CN=user, O=groups) with a fresh key, signed by `ca`. */
export async function issueClientCertificate(
  ca: CertificateAuthority,
  req: ClientCertificateRequest,
): Promise<IssuedClientCertificate> {
  if (req.userName.trim() === '') throw new Error('a client certificate needs a non-empty user name');
  for (const g of req.groups ?? []) {
    if (g.trim() === '') throw new Error('group names must not be empty');
  }
  if (!(req.ttlMs > 0)) throw new Error('a client certificate lifetime must be positive');
  const now = req.now ?? new Date();
  const keys = await generateKeyPair();
  const certPem = await issueCertificate(ca, {
    publicKey: keys.publicKey,
    subject: { commonName: req.userName, organizations: req.groups ?? [] },
    usage: 'client',
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + req.ttlMs),
  });
  return { certPem, keyPem: await exportPrivateKeyPem(keys.privateKey), notAfter: parseCertificate(certPem).notAfter };
}

const DNS_NAME = /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*$/;

/** The serving certificate's SANs, split by kind, deduplicated, in canonical form. */
export function servingSans(hostname: string, tlsSans: string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  for (const raw of [hostname, ...tlsSans]) {
    const san = raw.trim();
    if (san === '') continue;
    const bare = san.startsWith('[') && san.endsWith(']') ? san.slice(1, -1) : san;
    if (isIP(bare) !== 0) {
      ips.add(canonicalIp(bare));
    } else if (DNS_NAME.test(san.replace(/\.$/, ''))) {
      dns.add(san.replace(/\.$/, '').toLowerCase());
    } else {
      throw new Error(`--tls-san "${raw}" is neither an IP address nor a DNS name`);
    }
  }
  return { dnsNames: [...dns], ipAddresses: [...ips] };
}

function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

interface LeafPair {
  certPem: string;
  keyPem: string;
}

async function readPair(certPath: string, keyPath: string): Promise<Partial<LeafPair>> {
  return { certPem: await readFileIfExists(certPath), keyPem: await readFileIfExists(keyPath) };
}

/**
 * Why an existing leaf must be reissued, or undefined when it can be kept. A pair left half
 * written by a crash (key without certificate, or a key that does not match) is reissued rather
 * than refused: these are files we own and can recreate at no cost.
 */
function leafProblem(
  pair: Partial<LeafPair>,
  ca: CertificateAuthority,
  now: Date,
): string | undefined {
  if (pair.certPem === undefined || pair.keyPem === undefined) return 'missing';
  try {
    if (!privateKeyMatchesCertificate(pair.keyPem, pair.certPem)) return 'its key does not match it';
    if (!isIssuedBy(pair.certPem, ca.certPem)) return 'it was not issued by the current cluster CA';
    const info = parseCertificate(pair.certPem);
    const left = info.notAfter.getTime() - now.getTime();
    if (left <= 0) return `it expired at ${info.notAfter.toISOString()}`;
    if (left < RENEW_BEFORE_MS) return `it expires at ${info.notAfter.toISOString()}, within 30 days`;
  } catch (err) {
    return `it cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
  return undefined;
}

async function writePair(dataDir: string, certFile: string, keyFile: string, pair: LeafPair): Promise<void> {
  // Key first: a crash in between leaves a key without a certificate, which the next start
  // treats as "missing" and reissues.
  await writeFileAtomic(path.join(dataDir, keyFile), pair.keyPem, PRIVATE_MODE);
  await writeFileAtomic(path.join(dataDir, certFile), pair.certPem, PUBLIC_MODE);
}

async function loadOrCreateCa(dataDir: string, now: Date, log: (msg: string) => void): Promise<CertificateAuthority> {
  const certPath = path.join(dataDir, CA_CERT_FILE);
  const keyPath = path.join(dataDir, CA_KEY_FILE);
  const { certPem, keyPem } = await readPair(certPath, keyPath);
  if (certPem === undefined && keyPem === undefined) {
    const ca = await createSelfSignedCA({
      commonName: `bulwark-ca@${Math.floor(now.getTime() / 1000)}`,
      validityDays: CA_VALIDITY_DAYS,
      now,
    });
    await writePair(dataDir, CA_CERT_FILE, CA_KEY_FILE, ca);
    log(`created cluster CA ${certPath} (${ca.info.commonName}, expires ${ca.info.notAfter.toISOString()})`);
    return ca;
  }
  // Never mint a new CA next to half of an old one: every credential issued so far would
  // silently stop working, and the operator may simply have misplaced the other file.
  if (certPem === undefined) {
    throw new Error(`${keyPath} exists but ${certPath} is missing: restore ${CA_CERT_FILE}, or remove ${CA_KEY_FILE} to create a new cluster CA`);
  }
  if (keyPem === undefined) {
    throw new Error(`${certPath} exists but ${keyPath} is missing: restore ${CA_KEY_FILE}, or remove ${CA_CERT_FILE} to create a new cluster CA`);
  }
  return checkCa(await loadCaOrExplain(certPath, certPem, keyPem), certPath, now, log);
}

async function loadCaOrExplain(certPath: string, certPem: string, keyPem: string): Promise<CertificateAuthority> {
  try {
    return await loadCertificateAuthority(certPem, keyPem);
  } catch (err) {
    throw new Error(`cannot use the cluster CA in ${path.dirname(certPath)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function checkCa(ca: CertificateAuthority, certPath: string, now: Date, log: (msg: string) => void): CertificateAuthority {
  if (ca.info.notAfter.getTime() <= now.getTime()) {
    throw new Error(`the cluster CA ${certPath} expired at ${ca.info.notAfter.toISOString()}; no certificate it signs is valid`);
  }
  if (ca.info.notAfter.getTime() - now.getTime() < 90 * DAY_MS) {
    log(`warning: the cluster CA ${certPath} expires at ${ca.info.notAfter.toISOString()}; plan its rotation`);
  }
  return ca;
}

/**
 * Loads the cluster CA from a data directory for signing (used by `bulwark kubeconfig`). The
 * directory and the key must be private, as for the server; nothing is created.
 */
export async function loadClusterCa(dataDir: string, now: Date = new Date()): Promise<CertificateAuthority> {
  const certPath = path.join(dataDir, CA_CERT_FILE);
  const keyPath = path.join(dataDir, CA_KEY_FILE);
  if (!(await fileExists(dataDir))) {
    throw new Error(`data directory ${dataDir} does not exist; start \`bulwark server --data-dir ${dataDir}\` once to create the cluster CA`);
  }
  await assertPrivateDirMode(dataDir);
  const { certPem, keyPem } = await readPair(certPath, keyPath);
  if (certPem === undefined || keyPem === undefined) {
    throw new Error(`no cluster CA in ${dataDir} (${certPem === undefined ? CA_CERT_FILE : CA_KEY_FILE} is missing)`);
  }
  await assertPrivateFileMode(keyPath);
  return checkCa(await loadCaOrExplain(certPath, certPem, keyPem), certPath, now, () => undefined);
}

/**
 * Makes sure the data directory holds a usable cluster PKI and returns it. Fails closed: a
 * loose directory or key-file mode, a CA without its key, or an expired CA stop the start.
 */
export async function ensureClusterPki(opts: EnsureClusterPkiOptions): Promise<ClusterPki> {
  const now = opts.now ?? new Date();
  const log = opts.log ?? (() => undefined);
  const dataDir = opts.dataDir;
  const file = (name: string): string => path.join(dataDir, name);

  await ensurePrivateDir(dataDir);
  // Checked before anything is read or rewritten, so that a leaked key is reported rather
  // than papered over by a renewal.
  for (const name of PRIVATE_FILES) {
    if (await fileExists(file(name))) await assertPrivateFileMode(file(name));
  }
  const { dnsNames, ipAddresses } = servingSans(opts.hostname, opts.tlsSans);

  const ca = await loadOrCreateCa(dataDir, now, log);
  const validity = { notBefore: new Date(now.getTime() - CLOCK_SKEW_MS), notAfter: new Date(now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS) };

  // Serving certificate.
  const existingServing = await readPair(file(SERVING_CERT_FILE), file(SERVING_KEY_FILE));
  let servingReason = leafProblem(existingServing, ca, now);
  if (servingReason === undefined && existingServing.certPem !== undefined) {
    const info = parseCertificate(existingServing.certPem);
    if (!sameSet(info.dnsNames.map((d) => d.toLowerCase()), dnsNames) || !sameSet(info.ipAddresses, ipAddresses)) {
      servingReason = `its SANs (${[...info.dnsNames, ...info.ipAddresses].join(', ')}) differ from the requested ones`;
    }
  }
  let serving: LeafPair;
  if (servingReason === undefined) {
    serving = existingServing as LeafPair;
  } else {
    const keys = await generateKeyPair();
    serving = {
      certPem: await issueCertificate(ca, {
        publicKey: keys.publicKey,
        subject: { commonName: SERVING_COMMON_NAME },
        dnsNames,
        ipAddresses,
        usage: 'server',
        ...validity,
      }),
      keyPem: await exportPrivateKeyPem(keys.privateKey),
    };
    await writePair(dataDir, SERVING_CERT_FILE, SERVING_KEY_FILE, serving);
    log(
      `${servingReason === 'missing' ? 'issued' : `renewed (${servingReason})`} serving certificate ${file(SERVING_CERT_FILE)} ` +
        `for ${[...dnsNames, ...ipAddresses].join(', ')}`,
    );
  }

  // Admin credential and its kubeconfig.
  const existingAdmin = await readPair(file(ADMIN_CERT_FILE), file(ADMIN_KEY_FILE));
  const adminReason = leafProblem(existingAdmin, ca, now);
  let admin: LeafPair;
  if (adminReason === undefined) {
    admin = existingAdmin as LeafPair;
  } else {
    admin = await issueClientCertificate(ca, {
      userName: ADMIN_USER,
      groups: [ADMIN_GROUP],
      ttlMs: LEAF_VALIDITY_DAYS * DAY_MS,
      now,
    });
    await writePair(dataDir, ADMIN_CERT_FILE, ADMIN_KEY_FILE, admin);
    log(`${adminReason === 'missing' ? 'issued' : `renewed (${adminReason})`} admin client certificate ${file(ADMIN_CERT_FILE)}`);
  }
  const kubeconfig = buildKubeconfig({
    clusterName: CLUSTER_NAME,
    server: opts.serverUrl,
    caPem: ca.certPem,
    userName: ADMIN_USER,
    clientCertPem: admin.certPem,
    clientKeyPem: admin.keyPem,
  });
  // Regenerated whenever anything in it changed (new admin certificate, other server URL).
  const existingKubeconfig = await readFileIfExists(file(ADMIN_KUBECONFIG_FILE));
  if (existingKubeconfig !== kubeconfig) {
    await writeFileAtomic(file(ADMIN_KUBECONFIG_FILE), kubeconfig, PRIVATE_MODE);
    log(`${existingKubeconfig === undefined ? 'wrote' : 'updated'} ${file(ADMIN_KUBECONFIG_FILE)} (server ${opts.serverUrl})`);
  }

  return {
    ca,
    caCertPath: file(CA_CERT_FILE),
    caKeyPath: file(CA_KEY_FILE),
    caPin: spkiSha256Pin(ca.certPem),
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    servingCertPath: file(SERVING_CERT_FILE),
    servingKeyPath: file(SERVING_KEY_FILE),
    adminCertPath: file(ADMIN_CERT_FILE),
    adminKeyPath: file(ADMIN_KEY_FILE),
    adminKubeconfigPath: file(ADMIN_KUBECONFIG_FILE),
    issueClientCertificate: (req) => issueClientCertificate(ca, req),
  };
}
