// End-to-end harness: starts a real `bulwark server` process (the way the README does, through
// bin/bulwark.js) on a free loopback port and drives it with real kubectl over TLS.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BULWARK_BIN = path.join(REPO_ROOT, 'bin', 'bulwark.js');
export const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
export const KUBECTL = process.env['BULWARK_TEST_KUBECTL'] ?? path.join(KUBECTL_DIR, 'kubectl.1.33');
export const KUBECTL_127 = path.join(KUBECTL_DIR, 'kubectl.1.27');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface BulwarkProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  dataDir: string;
  kubeconfig: string;
  stdout: () => string;
  stderr: () => string;
  /** Runs kubectl with the admin kubeconfig. */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** The same, failing (with kubectl's output) unless kubectl exits 0. */
  kubectlOk(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** GET/POST… over TLS with the admin credentials; returns status and parsed body. */
  request(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops the server and removes its data directory (unless keepData). */
  cleanup(): Promise<void>;
}

export interface KubectlOptions {
  input?: string;
  env?: Record<string, string>;
  binary?: string;
  kubeconfig?: string;
  timeoutMs?: number;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface StartOptions {
  args?: string[];
  dataDir?: string;
  port?: number;
  keepData?: boolean;
  env?: Record<string, string>;
  /** Wait for /livez instead of /readyz (for a server that is meant to start unready). */
  waitForLive?: boolean;
}

export async function runKubectl(kubeconfig: string, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      opts.binary ?? KUBECTL,
      ['--kubeconfig', opts.kubeconfig ?? kubeconfig, ...args],
      { env: { ...process.env, HOME: os.tmpdir(), KUBECACHEDIR: path.join(os.tmpdir(), `kubecache-${process.pid}`), ...opts.env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

export interface KubeconfigCreds {
  ca: string;
  cert: string;
  key: string;
}

export async function readCreds(kubeconfig: string): Promise<KubeconfigCreds> {
  const text = await readFile(kubeconfig, 'utf8');
  const pick = (field: string) => {
    const m = new RegExp(`${field}:\\s*(\\S+)`).exec(text);
    if (!m) throw new Error(`${field} missing in ${kubeconfig}`);
    return Buffer.from(m[1]!, 'base64').toString('utf8');
  };
  return { ca: pick('certificate-authority-data'), cert: pick('client-certificate-data'), key: pick('client-key-data') };
}

export function httpsRequest(
  url: string,
  method: string,
  opts: { ca?: string; cert?: string; key?: string; body?: unknown; headers?: Record<string, string>; rejectUnauthorized?: boolean },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    let payload: Buffer | undefined;
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) {
      payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      headers['Content-Type'] ??= 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const req = https.request(url, { method, ca: opts.ca, cert: opts.cert, key: opts.key, headers, rejectUnauthorized: opts.rejectUnauthorized ?? true, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitReady(url: string, ca: string, proc: ChildProcess, timeoutMs: number, probe = '/readyz'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`bulwark exited with code ${proc.exitCode} before becoming ready`);
    try {
      const r = await httpsRequest(`${url}${probe}`, 'GET', { ca });
      if (r.status === 200) return;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`bulwark did not become ready within ${timeoutMs} ms: ${String(lastErr)}`);
}

export async function startBulwark(opts: StartOptions = {}): Promise<BulwarkProcess> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'bulwark-e2e-')));
  const port = opts.port ?? (await freePort());
  let out = '';
  let err = '';
  const proc = spawn(process.execPath, [BULWARK_BIN, 'server', '--data-dir', dataDir, '--secure-port', String(port), ...(opts.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = `https://127.0.0.1:${port}`;
  const kubeconfig = path.join(dataDir, 'admin.kubeconfig');
  // the kubeconfig (and its CA) exists once the server has created its PKI
  const deadline = Date.now() + 20_000;
  let creds: KubeconfigCreds | undefined;
  while (!creds) {
    try {
      creds = await readCreds(kubeconfig);
    } catch {
      if (proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`bulwark did not start (exit ${proc.exitCode}):\n${out}\n${err}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    await waitReady(url, creds.ca, proc, 20_000, opts.waitForLive ? '/livez' : '/readyz');
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\nstdout:\n${out}\nstderr:\n${err}`);
  }
  const c = creds;
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<number | null>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
      proc.once('exit', (code) => resolve(code));
      proc.kill(signal);
    });
  return {
    proc,
    port,
    url,
    dataDir,
    kubeconfig,
    stdout: () => out,
    stderr: () => err,
    kubectl: (args, kopts) => runKubectl(kubeconfig, args, kopts),
    async kubectlOk(args, kopts) {
      const r = await runKubectl(kubeconfig, args, kopts);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
      return r;
    },
    request: (method, urlPath, body, headers) => httpsRequest(`${url}${urlPath}`, method, { ca: c.ca, cert: c.cert, key: c.key, body, headers }),
    stop,
    async cleanup() {
      await stop();
      if (!opts.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Retries `fn` until it stops throwing or the time is up (then its last error is thrown). */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Runs the `bulwark` CLI from the repository root. */
export function bulwarkCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BULWARK_BIN, ...args], { cwd: REPO_ROOT, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as unknown as { code: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export interface UserClient {
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  request(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
}

/** A client-certificate user made by `bulwark kubeconfig` (no groups: RBAC decides everything). */
export async function certUser(b: BulwarkProcess, user: string): Promise<UserClient> {
  const out = path.join(b.dataDir, `${user}.kubeconfig`);
  const made = await bulwarkCli(['kubeconfig', '--data-dir', b.dataDir, '--user', user, '--out', out]);
  if (made.code !== 0) throw new Error(`bulwark kubeconfig --user ${user} failed: ${made.stderr}`);
  const creds = await readCreds(out);
  return {
    kubectl: (args, opts) => runKubectl(out, args, opts),
    request: (method, urlPath, body) => httpsRequest(`${b.url}${urlPath}`, method, { ...creds, body }),
  };
}

/** A user presenting a bearer token (kubectl with an empty kubeconfig, so nothing of the admin's is used). */
export async function tokenClient(b: BulwarkProcess, token: string): Promise<UserClient> {
  const caFile = path.join(b.dataDir, 'ca.crt');
  const ca = await readFile(caFile, 'utf8');
  const empty = path.join(b.dataDir, 'empty.kubeconfig');
  await writeFile(empty, '');
  return {
    kubectl: (args, opts) => runKubectl(empty, ['--server', b.url, '--certificate-authority', caFile, '--token', token, ...args], { kubeconfig: empty, ...opts }),
    request: (method, urlPath, body, headers) => httpsRequest(`${b.url}${urlPath}`, method, { ca, body, headers: { Authorization: `Bearer ${token}`, ...headers } }),
  };
}

/** Writes an object (as JSON, which kubectl reads as YAML too) or YAML text to a new file in `dir`. */
export async function writeManifest(dir: string, obj: Record<string, unknown> | string): Promise<string> {
  const f = path.join(dir, `obj-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(f, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return f;
}
