// Builds and runs the control plane from options: data directory and PKI, store, registries,
// admission, controllers, and the TLS listener serving the handler chain.
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { catalogue } from '../api/catalogue.js';
import { ensureClusterPki, ensurePrivateDir, type ClusterPki } from '../pki/index.js';
import { openSqliteStore, TransformingStore } from '../storage/index.js';
import { StorageEncryption } from './encryption.js';
import { reloadEncryption, rewriteStaleObjects } from './encryption-admin.js';
import type { Store } from '../storage/store.js';
import { GenericRegistry } from '../registry/generic-registry.js';
import type { AdmissionChain } from '../admission/chain.js';
import { closeWebhookConnections } from '../admission/webhook/index.js';
import { buildAdmission } from './admission.js';
import { ResourceQuotaController } from '../controllers/resource-quota-controller.js';
import { ObjectCache } from './object-cache.js';
import { AuthFailureLimiter } from '../authn/failure-limiter.js';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, openidConfiguration } from '../authn/oidc-discovery.js';
import { Discovery } from '../endpoints/handlers/discovery.js';
import { resourceHandler } from '../endpoints/handlers/resource.js';
import { VirtualResources } from '../endpoints/handlers/virtual.js';
import { reviewResources } from '../endpoints/handlers/reviews.js';
import { tokenRequestAction } from '../endpoints/handlers/token-request.js';
import type { UserInfo } from '../endpoints/context.js';
import { NamespaceController } from '../controllers/namespace-controller.js';
import { GarbageCollector } from '../controllers/garbage-collector.js';
import { ServiceAccountController } from '../controllers/serviceaccount-controller.js';
import { BootstrapTokenCleaner } from '../controllers/bootstrap-token-cleaner.js';
import { RootCAPublisher } from '../controllers/root-ca-publisher.js';
import { unsyncedInformers } from '../controllers/informer.js';
import { RBACControllers, reconcileBootstrapPolicy } from '../controllers/rbac-controllers.js';
import { buildAuthentication } from './authentication.js';
import { buildAuthorization } from './authorization.js';
import { ensureSystemObjects } from './system-objects.js';
import { buildHandlerChain } from './handler-chain.js';
import { buildAudit } from './audit.js';
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

  all(): GenericRegistry[] {
    return [...this.byKey.values()];
  }
}

export async function startServer(opts: ServerOptions, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: process.env['BULWARK_LOG_LEVEL'] ?? 'info' }, pino.destination(2));
  const minVersion = tlsMinVersion(opts.tlsMinVersion);
  if ((opts.tlsCertFile === undefined) !== (opts.tlsPrivateKeyFile === undefined)) {
    throw new Error('--tls-cert-file and --tls-private-key-file must be given together');
  }
  const dataDir = path.resolve(opts.dataDir);
  await ensurePrivateDir(dataDir);
  // first: a bad audit policy or backend refuses start before anything else is set up
  const metrics = new ServerMetrics();
  const audit = await buildAudit(opts.audit, dataDir, metrics.registry, { info: (m) => log.info(m), warn: (m) => log.warn(m) });
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

  const encryption = await StorageEncryption.load(opts.encryptionProviderConfig, dataDir, {
    kmsTimings: opts.kmsTimings,
    onKmsEvent: (healthy, message) => (healthy ? log.info(message) : log.warn(message)),
  });
  log.info(`encryption at rest: ${encryption.path}`);
  const store = new TransformingStore(await openSqliteStore(path.join(dataDir, STORE_FILE), { compactionIntervalMs: opts.compactionIntervalMs }), encryption.transformerFor);
  const authz = buildAuthorization(opts.authorizationModes);
  if (opts.authorizationModes.includes('AlwaysAllow')) {
    log.warn('INSECURE: --authorization-mode includes AlwaysAllow: every authenticated request is allowed, RBAC is not enforced');
  }
  if (opts.anonymousAuth) log.warn('--anonymous-auth=true: requests without credentials run as system:anonymous; RBAC decides what they may do');
  const warn = (msg: string, err?: unknown) => log.warn({ err }, msg);
  const lookup = new ObjectCache();
  const admission = await buildAdmission(
    { enable: opts.enableAdmissionPlugins, disable: opts.disableAdmissionPlugins, configFile: opts.admissionControlConfigFile },
    authz.authorizer,
    authz.escalationGuard,
    lookup,
    SYSTEM_USER,
  );
  log.info(`admission plugins: ${admission.enabled.join(', ')}`);
  const registries = new Registries(store, admission.chain);
  admission.bind(registries);
  lookup.bind(registries);
  const namespaces = registries.registry('', 'v1', 'namespaces')!;
  const rbacRegistries = {
    roles: registries.registry('rbac.authorization.k8s.io', 'v1', 'roles')!,
    roleBindings: registries.registry('rbac.authorization.k8s.io', 'v1', 'rolebindings')!,
    clusterRoles: registries.registry('rbac.authorization.k8s.io', 'v1', 'clusterroles')!,
    clusterRoleBindings: registries.registry('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!,
  };
  await ensureSystemObjects(registries, opts.securePort, SYSTEM_USER);
  await reconcileBootstrapPolicy(rbacRegistries, SYSTEM_USER);
  await lookup.start(warn);
  const controllers = [
    new RBACControllers(rbacRegistries, authz.rbacCache, SYSTEM_USER, warn),
    new NamespaceController(namespaces, registries.all().filter((r) => r.info.namespaced), SYSTEM_USER, warn),
    new GarbageCollector(registries.all(), SYSTEM_USER, warn),
    new ServiceAccountController(namespaces, registries.registry('', 'v1', 'serviceaccounts')!, SYSTEM_USER, warn),
    new BootstrapTokenCleaner(registries.registry('', 'v1', 'secrets')!, SYSTEM_USER, warn),
    new RootCAPublisher(namespaces, registries.registry('', 'v1', 'configmaps')!, pki.ca.certPem, SYSTEM_USER, warn),
    new ResourceQuotaController(registries, registries.registry('', 'v1', 'resourcequotas')!, SYSTEM_USER, warn),
  ];
  for (const c of controllers) await c.start();
  await admission.webhooks.start(
    registries.registry('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations')!,
    registries.registry('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations')!,
    warn,
  );

  const authn = await buildAuthentication(opts, dataDir, lookup, (m) => log.debug(m));
  const virtual = new VirtualResources().addAction(tokenRequestAction(authn.issuer, lookup));
  for (const r of reviewResources(authz.authorizer, authn.tokenReviewer, authz.rbac)) virtual.addResource(r);
  const resources = resourceHandler(registries, { bookmarkIntervalMs: opts.watchBookmarkIntervalMs, minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds });

  if (opts.encryptionProviderConfigAutomaticReload) {
    encryption.watch({
      onReload: (ok, message) => {
        metrics.encryptionConfigReloads.inc({ status: ok ? 'success' : 'failure' });
        if (ok) log.info(message);
        else log.error(message);
      },
    });
  }
  const storageCheck = { name: 'etcd', check: async () => void (await store.get('/registry/health')) };
  const router = buildRouter({
    discovery: new Discovery(virtual.discoveryEntries()),
    resources: async (ctx) => {
      if (!(await virtual.serve(ctx))) await resources(ctx);
    },
    metrics,
    livez: [{ name: 'ping', check: async () => undefined }, storageCheck],
    readyz: [
      { name: 'ping', check: async () => undefined },
      storageCheck,
      {
        name: 'informer-sync',
        check: async () => {
          const failing = unsyncedInformers();
          if (failing.length) throw new Error(`not listed yet: ${failing.join('; ')}`);
        },
      },
      { name: 'encryption-config-automatic-reload', check: encryption.check },
      { name: 'kms-providers', check: encryption.kmsCheck },
    ],
    serverAddress: `${hostForUrl}:${opts.securePort}`,
    encryptionStatus: () => encryption.status((prefix) => store.rawValues(prefix)),
    encryptionReload: () => reloadEncryption(encryption, () => encryption.status((prefix) => store.rawValues(prefix))),
    encryptionRewrite: (query) => rewriteStaleObjects(store, query),
    oidc: {
      [OPENID_CONFIGURATION_PATH]: () => openidConfiguration(authn.issuer.issuer, `${serverUrl}${JWKS_PATH}`, authn.issuer.signingAlgorithms()),
      [JWKS_PATH]: () => authn.issuer.jwks(),
    },
  });
  const handler = buildHandlerChain({
    authenticators: authn.authenticators,
    anonymousAuth: opts.anonymousAuth,
    limiter: new AuthFailureLimiter(),
    authorizer: authz.authorizer,
    limits: { maxRequestsInFlight: opts.maxRequestsInFlight, maxMutatingRequestsInFlight: opts.maxMutatingRequestsInFlight },
    metrics,
    router,
    log: (msg, err) => log.error({ err }, msg),
    audit: audit && { policy: audit.policy, backends: audit.backends, metrics: audit.metrics },
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
        for (const c of controllers) c.stop();
        encryption.stop();
        lookup.stop();
        admission.webhooks.stop();
        closeWebhookConnections();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        // after the listener: the last requests' events are flushed before the store goes
        await audit?.shutdown();
        await store.close();
      })();
      return closing;
    },
  };
}
