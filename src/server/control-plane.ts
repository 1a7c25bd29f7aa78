// Builds and runs the control plane from options: data directory and PKI, store, registries,
// admission, controllers, and the TLS listener serving the handler chain.
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { catalogue, type ResourceInfo } from '../api/catalogue.js';
import { StatusError } from '../api/status.js';
import { ensureClusterPki, ensurePrivateDir, type ClusterPki } from '../pki/index.js';
import { openSqliteStore } from '../storage/index.js';
import type { Store } from '../storage/store.js';
import { GenericRegistry } from '../registry/generic-registry.js';
import { KUBERNETES_SERVICE_IP } from '../registry/service-ip-allocator.js';
import { AdmissionChain } from '../admission/chain.js';
import { NamespaceLifecycle, IMMORTAL_NAMESPACES } from '../admission/plugins/namespace-lifecycle/index.js';
import { X509Authenticator } from '../authn/x509.js';
import { SuperuserAuthorizer } from '../authz/superuser.js';
import { UnionAuthorizer } from '../authz/union.js';
import { DiscoveryAuthorizer } from '../authz/discovery.js';
import { Discovery } from '../endpoints/handlers/discovery.js';
import { resourceHandler } from '../endpoints/handlers/resource.js';
import type { UserInfo } from '../endpoints/context.js';
import { NamespaceController } from '../controllers/namespace-controller.js';
import { GarbageCollector } from '../controllers/garbage-collector.js';
import { buildHandlerChain } from './handler-chain.js';
import { buildRouter } from './router.js';
import { ServerMetrics } from './metrics.js';
import { tlsMinVersion, type ServerOptions } from './options.js';

/** The identity the control plane's own controllers act as. */
export const SYSTEM_USER: UserInfo = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

export const STORE_FILE = 'state.db';

export interface RunningServer {
  url: string;
  port: number;
  pki: ClusterPki;
  store: Store;
  close(): Promise<void>;
}

export class Registries {
  private readonly byKey = new Map<string, GenericRegistry>();

  constructor(store: Store, admission: AdmissionChain) {
    for (const r of catalogue) this.byKey.set(`${r.group}/${r.version}/${r.resource}`, new GenericRegistry(r, store, admission));
  }

  registry(group: string, version: string, resource: string): GenericRegistry | undefined {
    return this.byKey.get(`${group}/${version}/${resource}`);
  }

  forInfo(r: ResourceInfo): GenericRegistry {
    return this.byKey.get(`${r.group}/${r.version}/${r.resource}`)!;
  }

  all(): GenericRegistry[] {
    return [...this.byKey.values()];
  }
}

async function createIfMissing(reg: GenericRegistry, namespace: string, obj: Record<string, unknown>): Promise<void> {
  try {
    await reg.create(namespace, obj, { user: SYSTEM_USER, warnings: [] });
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 409)) throw err;
  }
}

/** The system namespaces and the `kubernetes` Service that every cluster has. */
async function ensureSystemObjects(registries: Registries, securePort: number): Promise<void> {
  const namespaces = registries.registry('', 'v1', 'namespaces')!;
  for (const name of IMMORTAL_NAMESPACES) await createIfMissing(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await createIfMissing(registries.registry('', 'v1', 'services')!, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { clusterIP: KUBERNETES_SERVICE_IP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: securePort }], sessionAffinity: 'None', type: 'ClusterIP' },
  });
}

export async function startServer(opts: ServerOptions, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: process.env['BULWARK_LOG_LEVEL'] ?? 'info' }, pino.destination(2));
  const minVersion = tlsMinVersion(opts.tlsMinVersion);
  if ((opts.tlsCertFile === undefined) !== (opts.tlsPrivateKeyFile === undefined)) {
    throw new Error('--tls-cert-file and --tls-private-key-file must be given together');
  }
  const dataDir = path.resolve(opts.dataDir);
  await ensurePrivateDir(dataDir);
  const hostForUrl = opts.bindAddress === '0.0.0.0' || opts.bindAddress === '::' ? '127.0.0.1' : opts.bindAddress;
  const serverUrl = `https://${hostForUrl.includes(':') ? `[${hostForUrl}]` : hostForUrl}:${opts.securePort}`;
  const pki = await ensureClusterPki({ dataDir, tlsSans: opts.tlsSans, hostname: os.hostname(), serverUrl, log: (m) => log.info(m) });

  let cert = pki.servingCertPem;
  let key = pki.servingKeyPem;
  if (opts.tlsCertFile && opts.tlsPrivateKeyFile) {
    cert = await readFile(opts.tlsCertFile, 'utf8');
    key = await readFile(opts.tlsPrivateKeyFile, 'utf8');
  }
  const clientCAs = [pki.ca.certPem];
  if (opts.clientCaFile) clientCAs.push(await readFile(opts.clientCaFile, 'utf8'));

  const store = await openSqliteStore(path.join(dataDir, STORE_FILE), { compactionIntervalMs: opts.compactionIntervalMs });
  // NamespaceLifecycle reads namespaces through the registry it guards; the lookup binds late
  let namespaces: GenericRegistry | undefined;
  const admission = new AdmissionChain([new NamespaceLifecycle({ getNamespace: (name) => namespaces!.tryGet('', name) })]);
  const registries = new Registries(store, admission);
  namespaces = registries.registry('', 'v1', 'namespaces')!;
  await ensureSystemObjects(registries, opts.securePort);

  const metrics = new ServerMetrics();
  const namespaceController = new NamespaceController(
    namespaces,
    registries.all().filter((r) => r.info.namespaced),
    SYSTEM_USER,
    (msg, err) => log.warn({ err }, msg),
  );
  await namespaceController.start();
  const garbageCollector = new GarbageCollector(registries.all(), SYSTEM_USER, (msg, err) => log.warn({ err }, msg));
  await garbageCollector.start();

  const storageCheck = { name: 'etcd', check: async () => void (await store.get('/registry/health')) };
  const router = buildRouter({
    discovery: new Discovery(),
    resources: resourceHandler(registries, { bookmarkIntervalMs: opts.watchBookmarkIntervalMs, minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds }),
    metrics,
    livez: [{ name: 'ping', check: async () => undefined }, storageCheck],
    readyz: [{ name: 'ping', check: async () => undefined }, storageCheck, { name: 'informer-sync', check: async () => undefined }],
    serverAddress: `${hostForUrl}:${opts.securePort}`,
  });
  const handler = buildHandlerChain({
    authenticators: [new X509Authenticator()],
    anonymousAuth: false,
    authorizer: new UnionAuthorizer([new SuperuserAuthorizer(), new DiscoveryAuthorizer()]),
    limits: { maxRequestsInFlight: opts.maxRequestsInFlight, maxMutatingRequestsInFlight: opts.maxMutatingRequestsInFlight },
    metrics,
    router,
    log: (msg, err) => log.error({ err }, msg),
  });

  const server = https.createServer(
    {
      cert,
      key,
      ca: clientCAs,
      requestCert: true,
      // certificates are verified by OpenSSL against `ca`; absent ones are allowed (tokens, public paths)
      rejectUnauthorized: false,
      minVersion,
      maxVersion: 'TLSv1.3',
      keepAliveTimeout: 60_000,
    },
    handler,
  );
  server.on('secureConnection', (socket: TLSSocket) => {
    // a presented certificate that does not verify against the client CAs ends the connection
    // before any request is read
    if (!socket.authorized) {
      const peer = socket.getPeerCertificate();
      if (peer && Object.keys(peer).length > 0) {
        log.warn({ remote: socket.remoteAddress, error: socket.authorizationError?.toString() }, 'rejected a client certificate that does not verify');
        socket.destroy();
      }
    }
  });
  server.on('tlsClientError', (err: Error) => log.debug({ err: err.message }, 'TLS handshake failed'));
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.securePort, opts.bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://${hostForUrl.includes(':') ? `[${hostForUrl}]` : hostForUrl}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    pki,
    store,
    close() {
      closing ??= (async () => {
        namespaceController.stop();
        garbageCollector.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await store.close();
      })();
      return closing;
    },
  };
}
