// `bulwark secrets-encrypt status`: asks the running server which provider and key the stored
// objects of each encrypted resource use, and how many are stale (read through an old key).
import https from 'node:https';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { DEFAULT_DATA_DIR } from './defaults.js';
import { ADMIN_KUBECONFIG_FILE } from '../pki/index.js';

interface Credentials {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

async function credentialsFrom(kubeconfigPath: string): Promise<Credentials> {
  let text: string;
  try {
    text = await readFile(kubeconfigPath, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${kubeconfigPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (use --data-dir or --kubeconfig)`);
  }
  const kc = parse(text) as {
    clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
    users?: { user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
  };
  const cluster = kc.clusters?.[0]?.cluster;
  const user = kc.users?.[0]?.user;
  const b64 = (v: string | undefined, what: string) => {
    if (!v) throw new Error(`${kubeconfigPath} has no ${what}`);
    return Buffer.from(v, 'base64').toString('utf8');
  };
  if (!cluster?.server) throw new Error(`${kubeconfigPath} names no server`);
  return {
    server: cluster.server,
    ca: b64(cluster['certificate-authority-data'], 'certificate-authority-data'),
    cert: b64(user?.['client-certificate-data'], 'client-certificate-data'),
    key: b64(user?.['client-key-data'], 'client-key-data'),
  };
}

function getJSON(c: Credentials, urlPath: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${c.server}${urlPath}`, { ca: c.ca, cert: c.cert, key: c.key, headers: { Accept: 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          let message = body;
          try {
            message = (JSON.parse(body) as { message?: string }).message ?? body;
          } catch {
            // not a Status: show the body as it is
          }
          reject(new Error(`${c.server}${urlPath}: ${res.statusCode}: ${message}`));
          return;
        }
        resolve(JSON.parse(body));
      });
    });
    req.on('error', (err) => reject(new Error(`cannot reach ${c.server}: ${err.message} (is bulwark server running?)`)));
    req.end();
  });
}

interface Status {
  configFile: string;
  resources: { resource: string; writesWith: string; total: number; byProvider: Record<string, number>; stale: number }[];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]! + 3)).join('').trimEnd()).join('\n');
}

export function registerSecretsEncryptCommand(program: Command): void {
  const cmd = program.command('secrets-encrypt').description('Encryption at rest: report which keys stored objects use.');
  cmd
    .command('status')
    .description('For each encrypted resource: how many stored objects use which provider and key, and how many are stale.')
    .option('--data-dir <dir>', 'the server data directory (its admin.kubeconfig is used)', DEFAULT_DATA_DIR)
    .option('--kubeconfig <file>', 'a kubeconfig with a client certificate allowed to GET /encryption/status (default <data-dir>/admin.kubeconfig)')
    .action(async (o: { dataDir: string; kubeconfig?: string }) => {
      const creds = await credentialsFrom(o.kubeconfig ?? path.join(o.dataDir, ADMIN_KUBECONFIG_FILE));
      const status = (await getJSON(creds, '/encryption/status')) as Status;
      const rows = [['RESOURCE', 'WRITES WITH', 'OBJECTS', 'STALE', 'STORED WITH']];
      for (const r of status.resources) {
        const by = Object.entries(r.byProvider).map(([k, n]) => `${k}=${n}`).join(',') || '-';
        rows.push([r.resource, r.writesWith, String(r.total), String(r.stale), by]);
      }
      process.stdout.write(`Encryption configuration: ${status.configFile}\n${table(rows)}\n`);
    });
}
