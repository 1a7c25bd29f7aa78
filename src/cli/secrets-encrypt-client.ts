// The `bulwark secrets-encrypt` commands' connection to the running server: the admin
// kubeconfig's client certificate, and the /encryption/* endpoints (the store is the server's alone).
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { ResourceEncryptionStatus } from '../server/encryption.js';
import type { RewriteResponse } from '../server/encryption-admin.js';

/** GET /encryption/status, as the server sends it. */
export interface EncryptionStatus {
  configFile: string;
  resources: ResourceStatus[];
}

export type ResourceStatus = ResourceEncryptionStatus;
/** POST /encryption/rewrite. */
export type RewritePage = RewriteResponse;

/** The server answered with an error status; `message` is the Status message. */
export class ServerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

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

export class AdminClient {
  private readonly agent: https.Agent;

  private constructor(private readonly creds: Credentials) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: creds.ca, cert: creds.cert, key: creds.key });
  }

  static async fromKubeconfig(kubeconfigPath: string): Promise<AdminClient> {
    return new AdminClient(await credentialsFrom(kubeconfigPath));
  }

  get server(): string {
    return this.creds.server;
  }

  status(): Promise<EncryptionStatus> {
    return this.call<EncryptionStatus>('GET', '/encryption/status');
  }

  reload(): Promise<EncryptionStatus> {
    return this.call<EncryptionStatus>('POST', '/encryption/reload');
  }

  rewrite(resource: string, limit: number, continueToken: string): Promise<RewritePage> {
    const q = new URLSearchParams({ resource, limit: String(limit) });
    if (continueToken) q.set('continue', continueToken);
    return this.call<RewritePage>('POST', `/encryption/rewrite?${q.toString()}`);
  }

  close(): void {
    this.agent.destroy();
  }

  private call<T>(method: string, urlPath: string): Promise<T> {
    const c = this.creds;
    return new Promise((resolve, reject) => {
      const req = https.request(`${c.server}${urlPath}`, { method, agent: this.agent, headers: { Accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            let message = body;
            try {
              message = (JSON.parse(body) as { message?: string }).message ?? body;
            } catch {
              // not a Status: show the body as it is
            }
            reject(new ServerError(res.statusCode ?? 0, `${method} ${urlPath}: ${res.statusCode}: ${message}`));
            return;
          }
          try {
            resolve(JSON.parse(body) as T);
          } catch {
            reject(new Error(`${method} ${urlPath}: the server's answer is not JSON`));
          }
        });
      });
      req.on('error', (err) => reject(new Error(`cannot reach ${c.server}: ${err.message} (is bulwark server running?)`)));
      req.end();
    });
  }
}
