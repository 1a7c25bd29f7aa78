// Example KMS v2 plugin (kube's v2.KeyManagementService over a unix socket) that wraps with a local
// AES-256-GCM key. For trying Bulwark's kms provider and for tests; not a key management system.
import { Server, ServerCredentials, status as grpcStatus, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { lstat, mkdtemp, readFile, rename, rm, stat, chmod, unlink } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import {
  type DecryptRequest,
  type DecryptResponse,
  type EncryptRequest,
  type EncryptResponse,
  KeyManagementService,
  type StatusRequest,
  type StatusResponse,
} from '../../src/encryption/kms/messages.js';

export interface KmsPluginKey {
  keyId: string;
  /** 32 bytes (AES-256). */
  key: Buffer;
}

export interface KmsPluginOptions extends KmsPluginKey {
  socketPath: string;
  /** Keys of earlier key ids, so values written under them stay readable after a restart. */
  previousKeys?: KmsPluginKey[];
}

export interface KmsPlugin {
  readonly socketPath: string;
  /** The key id Status and Encrypt report. */
  readonly keyId: string;
  /** Rotates: new Encrypt calls use this key and id; earlier keys stay for Decrypt. */
  setKey(key: Buffer, keyId: string): void;
  close(): Promise<void>;
}

/** Annotation stored with every value, passed back on Decrypt (and a check that annotations travel). */
export const ALGORITHM_ANNOTATION = 'algorithm.kms-plugin.bulwark.example';
const ALGORITHM = 'aes-256-gcm';

function checkKey(k: KmsPluginKey): void {
  if (k.key.length !== 32) throw new Error(`key "${k.keyId}" must be 32 bytes (AES-256), got ${k.key.length}`);
  if (k.keyId === '' || Buffer.byteLength(k.keyId) > 1024) throw new Error('a key id must be 1 to 1024 bytes');
}

/** nonce(12) ‖ ciphertext ‖ tag(16); the key id is the authenticated data, so a ciphertext cannot be replayed under another id. */
export function wrap(k: KmsPluginKey, plaintext: Buffer): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv(ALGORITHM, k.key, nonce);
  c.setAAD(Buffer.from(k.keyId));
  return Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()]);
}

export function unwrap(k: KmsPluginKey, ciphertext: Buffer): Buffer {
  if (ciphertext.length < 28) throw new Error('ciphertext too short');
  const d = createDecipheriv(ALGORITHM, k.key, ciphertext.subarray(0, 12));
  d.setAAD(Buffer.from(k.keyId));
  d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  return Buffer.concat([d.update(ciphertext.subarray(12, ciphertext.length - 16)), d.final()]);
}

type Callback<T> = sendUnaryData<T>;

/**
 * Starts the plugin on `socketPath`. The socket is bound inside a fresh 0700 directory beside it,
 * set to 0600 and only then renamed into place, so no other user can ever connect to it.
 */
export async function startKmsPlugin(options: KmsPluginOptions): Promise<KmsPlugin> {
  checkKey(options);
  const keys = new Map<string, Buffer>();
  for (const k of options.previousKeys ?? []) {
    checkKey(k);
    keys.set(k.keyId, Buffer.from(k.key));
  }
  let current: KmsPluginKey = { keyId: options.keyId, key: Buffer.from(options.key) };
  keys.set(current.keyId, current.key);

  const impl: UntypedServiceImplementation = {
    Status(_call: ServerUnaryCall<StatusRequest, StatusResponse>, cb: Callback<StatusResponse>) {
      cb(null, { version: 'v2', healthz: 'ok', key_id: current.keyId });
    },
    Encrypt(call: ServerUnaryCall<EncryptRequest, EncryptResponse>, cb: Callback<EncryptResponse>) {
      const k = current;
      cb(null, { ciphertext: wrap(k, call.request.plaintext), key_id: k.keyId, annotations: { [ALGORITHM_ANNOTATION]: Buffer.from(ALGORITHM) } });
    },
    Decrypt(call: ServerUnaryCall<DecryptRequest, DecryptResponse>, cb: Callback<DecryptResponse>) {
      const { key_id: keyId, ciphertext, annotations } = call.request;
      const key = keys.get(keyId);
      if (!key) return cb({ code: grpcStatus.NOT_FOUND, details: `unknown key id "${keyId}"` });
      const algorithm = annotations[ALGORITHM_ANNOTATION]?.toString();
      if (algorithm !== undefined && algorithm !== ALGORITHM) return cb({ code: grpcStatus.INVALID_ARGUMENT, details: `unsupported algorithm "${algorithm}"` });
      try {
        cb(null, { plaintext: unwrap({ keyId, key }, ciphertext) });
      } catch {
        cb({ code: grpcStatus.INVALID_ARGUMENT, details: `ciphertext does not decrypt with key id "${keyId}"` });
      }
    },
  };

  const socketPath = path.resolve(options.socketPath);
  const existing = await lstat(socketPath).catch(() => undefined);
  if (existing && !existing.isSocket()) throw new Error(`${socketPath} exists and is not a socket; refusing to replace it`);
  const privateDir = await mkdtemp(path.join(path.dirname(socketPath), '.kms-'));
  const tempSocket = path.join(privateDir, 's');
  const server = new Server();
  server.addService(KeyManagementService, impl);
  try {
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${tempSocket}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
    await chmod(tempSocket, 0o600);
    await rename(tempSocket, socketPath);
  } catch (err) {
    server.forceShutdown();
    throw err;
  } finally {
    await rm(privateDir, { recursive: true, force: true });
  }
  const ino = (await stat(socketPath)).ino;

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    get keyId() {
      return current.keyId;
    },
    setKey(key: Buffer, keyId: string) {
      const next = { key: Buffer.from(key), keyId };
      checkKey(next);
      keys.set(keyId, next.key);
      current = next;
    },
    close() {
      closing ??= (async () => {
        server.forceShutdown();
        // remove the socket file unless another plugin has taken its place meanwhile
        const now = await stat(socketPath).catch(() => undefined);
        if (now?.ino === ino) await unlink(socketPath).catch(() => undefined);
      })();
      return closing;
    },
  };
}

/** A key file holds the 32 key bytes, raw or base64; like every secret file it must not be readable by others. */
export async function readKeyFile(file: string): Promise<Buffer> {
  const st = await stat(file);
  if ((st.mode & 0o077) !== 0) throw new Error(`key file ${file} has mode ${(st.mode & 0o777).toString(8)}; it must be 0600 or stricter`);
  const bytes = await readFile(file);
  if (bytes.length === 32) return bytes;
  const text = bytes.toString('utf8').trim();
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length !== 32 || decoded.toString('base64') !== text) throw new Error(`key file ${file} must hold 32 bytes, raw or base64`);
  return decoded;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      socket: { type: 'string' },
      'key-file': { type: 'string' },
      'key-id': { type: 'string' },
      'old-key': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.socket || !values['key-file'] || !values['key-id']) {
    process.stderr.write(
      'usage: plugin.js --socket /path/kms.sock --key-file /path/key --key-id ID [--old-key ID=/path/old-key ...]\n' +
        'Serves KMS v2 (v2.KeyManagementService) on the socket, wrapping with the 32-byte key (raw or base64) in the file.\n',
    );
    process.exit(values.help ? 0 : 2);
  }
  const previousKeys: KmsPluginKey[] = [];
  for (const spec of values['old-key'] ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new Error(`--old-key takes ID=FILE, got "${spec}"`);
    previousKeys.push({ keyId: spec.slice(0, eq), key: await readKeyFile(spec.slice(eq + 1)) });
  }
  const plugin = await startKmsPlugin({ socketPath: values.socket, key: await readKeyFile(values['key-file']), keyId: values['key-id'], previousKeys });
  process.stderr.write(`kms plugin serving on unix://${plugin.socketPath} with key id "${plugin.keyId}"\n`);
  const stop = () => void plugin.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`kms plugin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
