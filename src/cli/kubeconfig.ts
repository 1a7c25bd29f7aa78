// `bulwark kubeconfig`: issues a client certificate from the cluster CA in the data directory
// and writes a kubeconfig that authenticates as that user and those groups.
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  ADMIN_KUBECONFIG_FILE,
  CLUSTER_NAME,
  buildKubeconfig,
  formatDuration,
  issueClientCertificate,
  kubeconfigServer,
  loadClusterCa,
  parseDuration,
  readFileIfExists,
  writeFileAtomic,
} from '../pki/index.js';
import { DEFAULT_DATA_DIR } from './defaults.js';

interface KubeconfigCommandOptions {
  dataDir: string;
  user: string;
  group: string[];
  ttl: number;
  out?: string;
  server?: string;
}

function parseTtl(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
  if (ms < 60_000) throw new InvalidArgumentError(`the lifetime must be at least 1m, got "${value}"`);
  return ms;
}

function parseNonEmpty(what: string): (value: string, previous?: string[]) => string[] {
  return (value, previous = []) => {
    if (value.trim() === '') throw new InvalidArgumentError(`${what} must not be empty`);
    return [...previous, value];
  };
}

function parseServer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL (expected e.g. https://host:6443)`);
  }
  if (url.protocol !== 'https:') throw new InvalidArgumentError(`"${value}" must be an https:// URL`);
  return value;
}

async function run(opts: KubeconfigCommandOptions, write: (text: string) => void): Promise<void> {
  const ca = await loadClusterCa(opts.dataDir);
  let server = opts.server;
  if (server === undefined) {
    const adminPath = path.join(opts.dataDir, ADMIN_KUBECONFIG_FILE);
    const admin = await readFileIfExists(adminPath);
    server = admin === undefined ? undefined : kubeconfigServer(admin);
    if (server === undefined) {
      throw new Error(`cannot find the server URL in ${adminPath}; pass --server https://HOST:PORT`);
    }
  }
  const issued = await issueClientCertificate(ca, { userName: opts.user, groups: opts.group, ttlMs: opts.ttl });
  const kubeconfig = buildKubeconfig({
    clusterName: CLUSTER_NAME,
    server,
    caPem: ca.certPem,
    userName: opts.user,
    clientCertPem: issued.certPem,
    clientKeyPem: issued.keyPem,
  });
  const groups = opts.group.length > 0 ? ` in groups ${opts.group.join(', ')}` : '';
  const clamped =
    issued.notAfter.getTime() < Date.now() + opts.ttl - 60_000
      ? ` (shortened from ${formatDuration(opts.ttl)}: a certificate cannot outlive the cluster CA)`
      : '';
  if (opts.out !== undefined) {
    await writeFileAtomic(opts.out, kubeconfig, 0o600);
    process.stderr.write(
      `wrote ${opts.out} for user ${opts.user}${groups}; the certificate expires at ${issued.notAfter.toISOString()}${clamped}\n`,
    );
  } else {
    write(kubeconfig);
    if (clamped) process.stderr.write(`note: the certificate expires at ${issued.notAfter.toISOString()}${clamped}\n`);
  }
}

export function registerKubeconfigCommand(program: Command): void {
  const cmd = program
    .command('kubeconfig')
    .description('issue a client certificate signed by the cluster CA and write a kubeconfig for it')
    .option('--data-dir <dir>', 'data directory holding the cluster CA', DEFAULT_DATA_DIR)
    .requiredOption('--user <name>', 'user name (certificate common name)')
    .option('--group <group>', 'group (certificate organization); repeatable', parseNonEmpty('--group'), [] as string[])
    .addOption(
      new Option('--ttl <duration>', 'certificate lifetime as a Go duration, e.g. 90m, 24h, 8760h')
        .argParser(parseTtl)
        .default(parseDuration('24h'), '24h'),
    )
    .option('--out <file>', 'write the kubeconfig to this file (mode 0600) instead of standard output')
    .option('--server <url>', 'API server URL (default: the one in <data-dir>/admin.kubeconfig)', parseServer);
  cmd.action(async (opts: KubeconfigCommandOptions) => {
    if (opts.user.trim() === '') cmd.error('error: --user must not be empty', { exitCode: 1 });
    // Output goes through commander's writer so that an embedding program (or a test) can
    // capture it; errors become commander errors so the exit code is non-zero either way.
    const writeOut = cmd.configureOutput().writeOut ?? ((s: string) => process.stdout.write(s));
    try {
      await run(opts, writeOut);
    } catch (err) {
      cmd.error(`error: ${err instanceof Error ? err.message : String(err)}`, { exitCode: 1, code: 'bulwark.kubeconfig' });
    }
  });
}
