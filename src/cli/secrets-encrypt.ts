// `bulwark secrets-encrypt`: status (which provider and key stored objects use, how many are stale),
// reload and rotate, all through the running server, which alone holds the store open.
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_DATA_DIR } from './defaults.js';
import { ADMIN_KUBECONFIG_FILE } from '../pki/index.js';
import { AdminClient, type EncryptionStatus } from './secrets-encrypt-client.js';
import { rotate } from './secrets-encrypt-rotate.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]! + 3)).join('').trimEnd()).join('\n');
}

function statusText(status: EncryptionStatus): string {
  const rows = [['RESOURCE', 'WRITES WITH', 'OBJECTS', 'STALE', 'STORED WITH']];
  for (const r of status.resources) {
    const by = Object.entries(r.byProvider).map(([k, n]) => `${k}=${n}`).join(',') || '-';
    rows.push([r.resource, r.writesWith, String(r.total), String(r.stale), by]);
  }
  return `Encryption configuration: ${status.configFile}\n${table(rows)}\n`;
}

interface ConnectionOptions {
  dataDir: string;
  kubeconfig?: string;
}

async function withClient(o: ConnectionOptions, fn: (client: AdminClient) => Promise<void>): Promise<void> {
  const client = await AdminClient.fromKubeconfig(o.kubeconfig ?? path.join(o.dataDir, ADMIN_KUBECONFIG_FILE));
  try {
    await fn(client);
  } finally {
    client.close();
  }
}

function connectionOptions(cmd: Command, endpoint: string): Command {
  return cmd
    .option('--data-dir <dir>', 'the server data directory (its admin.kubeconfig is used)', DEFAULT_DATA_DIR)
    .option('--kubeconfig <file>', `a kubeconfig with a client certificate allowed to ${endpoint} (default <data-dir>/admin.kubeconfig)`);
}

function positiveInt(value: string): number {
  const v = Number(value);
  if (!/^\d+$/.test(value) || v < 1 || v > 10_000) throw new InvalidArgumentError(`expected a whole number from 1 to 10000, got "${value}"`);
  return v;
}

export function registerSecretsEncryptCommand(program: Command): void {
  const cmd = program.command('secrets-encrypt').description('Encryption at rest: report which keys stored objects use, rotate keys.');
  connectionOptions(
    cmd.command('status').description('For each encrypted resource: how many stored objects use which provider and key, and how many are stale.'),
    'GET /encryption/status',
  ).action(async (o: ConnectionOptions) => {
    await withClient(o, async (client) => void process.stdout.write(statusText(await client.status())));
  });

  connectionOptions(
    cmd.command('reload').description('Have the running server load its encryption configuration file now (an invalid file is refused and the running configuration kept).'),
    'POST /encryption/reload',
  ).action(async (o: ConnectionOptions) => {
    await withClient(o, async (client) => void process.stdout.write(statusText(await client.reload())));
  });

  connectionOptions(
    cmd
      .command('rotate')
      .description(
        'Generate a new key for every rule that writes with aescbc, aesgcm or secretbox, make it the key new writes use, rewrite every stored object ' +
          'still written with an old key, then remove the old keys once nothing uses them. Run it on the server machine as the user that runs the server ' +
          '(it edits the configuration file). Safe to interrupt: a rerun finishes the rotation in progress. For several servers see docs/encryption.md.',
      )
      .option('--resource <resource...>', 'only the rules covering these resources, e.g. secrets or deployments.apps')
      .option('--stage', 'only add a new key second (this server reads it but still writes with the current key), then stop: step one with several servers')
      .option('--promote <key-name>', 'only make this (staged) key the one new writes use, then stop: step two with several servers')
      .option('--no-retire', 'keep the old keys after rewriting (retire them with a later run)')
      .option('--batch-size <n>', 'objects per rewrite request', positiveInt, 500),
    'GET /encryption/status and POST /encryption/*',
  ).action(async (o: ConnectionOptions & { resource?: string[]; stage?: boolean; promote?: string; retire: boolean; batchSize: number }) => {
    if (o.stage && o.promote !== undefined) throw new Error('--stage and --promote are separate steps: give one of them');
    await withClient(o, (client) =>
      rotate(client, { resources: o.resource, stage: o.stage, promote: o.promote, retire: o.retire, batchSize: o.batchSize, out: process.stdout }),
    );
  });
}
