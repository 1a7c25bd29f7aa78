// `bulwark server`: runs the control plane with kube-apiserver's flag names and secure defaults.
import path from 'node:path';
import { Command, Option } from 'commander';
import { DEFAULT_DATA_DIR } from './defaults.js';
import { DEFAULT_OPTIONS, parseAuthorizationModes, type ServerOptions, type TLSVersionName } from '../server/options.js';
import { AUDIT_LOG_FORMATS, AUDIT_MODES, DEFAULT_AUDIT_OPTIONS, type AuditBatchOptions, type AuditLogFormat, type AuditModeName, type AuditOptions } from '../server/options.js';
import { startServer } from '../server/control-plane.js';
import { parseDuration } from '../pki/index.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got "${v}"`);
    return n;
  };
}

function bool(flag: string) {
  return (v: string): boolean => {
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new Error(`${flag} takes true or false, got "${v}"`);
  };
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--secure-port must be a port number from 1 to 65535, got "${v}"`);
  return n;
}

function positiveDuration(flag: string) {
  return (v: string): number => {
    const ms = parseDuration(v);
    if (!(ms > 0)) throw new Error(`${flag} must be a positive duration such as "10s", got "${v}"`);
    return ms;
  };
}

export function registerServerCommand(program: Command): void {
  const d = DEFAULT_OPTIONS;
  const da = DEFAULT_AUDIT_OPTIONS;
  const server = program
    .command('server')
    .description('Run the Bulwark control plane (embedded SQLite store, TLS 1.3, client-certificate authentication).')
    .option('--data-dir <dir>', 'directory for the store, the cluster CA, certificates and the admin kubeconfig (created 0700)', DEFAULT_DATA_DIR)
    .option('--bind-address <ip>', 'address to listen on', d.bindAddress)
    .option('--secure-port <port>', 'HTTPS port', port, d.securePort)
    .option('--tls-cert-file <file>', 'serving certificate (PEM) to use instead of the generated one; needs --tls-private-key-file')
    .option('--tls-private-key-file <file>', 'private key (PEM) for --tls-cert-file')
    .option('--client-ca-file <file>', 'extra CA bundle (PEM) trusted for client certificates, besides the cluster CA')
    .addOption(new Option('--tls-min-version <version>', 'minimum TLS version').choices(['VersionTLS12', 'VersionTLS13']).default(d.tlsMinVersion))
    .option('--tls-san <name>', 'extra subject alternative name (DNS name or IP) for the generated serving certificate; repeatable or comma-separated', collect, [])
    .option('--max-requests-inflight <n>', 'maximum non-mutating requests in flight before 429', positiveInt('--max-requests-inflight'), d.maxRequestsInFlight)
    .option('--max-mutating-requests-inflight <n>', 'maximum mutating requests in flight before 429', positiveInt('--max-mutating-requests-inflight'), d.maxMutatingRequestsInFlight)
    .option('--etcd-compaction-interval <duration>', 'interval between compactions of old revisions, e.g. 5m (0 disables)', '5m')
    .option('--min-request-timeout <seconds>', 'minimum lifetime of a watch that gives no timeoutSeconds', positiveInt('--min-request-timeout'), d.minRequestTimeoutSeconds)
    .option('--watch-bookmark-interval <duration>', 'interval between BOOKMARK events for watchers that allow them', '1m')
    .option('--anonymous-auth [bool]', 'treat requests without credentials as system:anonymous (RBAC decides)', bool('--anonymous-auth'), d.anonymousAuth)
    .option('--token-auth-file <file>', 'static bearer tokens, CSV: token,user,uid,"group1,group2" (mode 0600)')
    .option('--enable-bootstrap-token-auth [bool]', 'bootstrap token authentication (kube-system/bootstrap-token-* Secrets)', bool('--enable-bootstrap-token-auth'), d.enableBootstrapTokenAuth)
    .option('--service-account-signing-key-file <file>', 'private key (PEM, RSA or EC P-256) that signs service-account tokens; default <data-dir>/sa.key, generated 0600')
    .option('--service-account-key-file <file>', 'extra public or private key (PEM) accepted when verifying service-account tokens; repeatable', collect, [])
    .option('--service-account-issuer <url>', 'the iss claim of issued service-account tokens', d.serviceAccountIssuer)
    .option('--api-audiences <list>', 'audiences the API accepts in service-account tokens (comma-separated); default the issuer', collect, [])
    .option('--enable-admission-plugins <names>', 'admission plugins to enable besides the defaults (comma-separated, kube-apiserver names)', collect, [])
    .option('--disable-admission-plugins <names>', 'default admission plugins to turn off (comma-separated)', collect, [])
    .option('--admission-control-config-file <file>', 'AdmissionConfiguration (apiserver.config.k8s.io/v1): per-plugin configuration and in-process plugin modules')
    .option('--encryption-provider-config <file>', 'EncryptionConfiguration for encryption at rest; default <data-dir>/encryption-config.yaml, generated at first start (Secrets with secretbox)')
    .option('--encryption-provider-config-automatic-reload [bool]', 'watch the encryption configuration file: valid changes apply without a restart, invalid ones are reported in /readyz and /metrics', bool('--encryption-provider-config-automatic-reload'), false)
    // kube's KMS v2 timings are fixed; these hidden flags only exist so tests need not wait minutes
    .addOption(new Option('--kms-status-interval <duration>', 'KMS v2 Status poll interval while healthy').argParser(positiveDuration('--kms-status-interval')).hideHelp())
    .addOption(new Option('--kms-unhealthy-status-interval <duration>', 'KMS v2 Status poll interval while unhealthy').argParser(positiveDuration('--kms-unhealthy-status-interval')).hideHelp())
    .addOption(new Option('--kms-unhealthy-after <duration>', 'refuse writes once the last good KMS v2 Status is this old').argParser(positiveDuration('--kms-unhealthy-after')).hideHelp())
    .option('--authorization-mode <modes>', 'authorizers in order: RBAC (default) or AlwaysAllow (insecure: every authenticated request is allowed)', 'RBAC')
    .option('--audit-policy-file <file>', 'audit Policy (audit.k8s.io/v1); default: Bulwark\'s built-in policy (Metadata for Secrets and ConfigMaps, Request for other writes, Metadata for reads)')
    .option('--audit-log-path <path>', 'audit log file ("-" for standard output; empty turns the log off); default <data-dir>/audit.log, mode 0600')
    .option('--audit-log-maxage <days>', 'days to keep rotated audit logs (0: no age limit)', positiveInt('--audit-log-maxage'), da.logMaxAgeDays)
    .option('--audit-log-maxbackup <n>', 'rotated audit logs to keep (0: no count limit)', positiveInt('--audit-log-maxbackup'), da.logMaxBackups)
    .option('--audit-log-maxsize <MB>', 'size in megabytes at which the audit log is rotated (0 means the 100 MB default)', positiveInt('--audit-log-maxsize'), da.logMaxSizeMB)
    .option('--audit-log-compress [bool]', 'gzip rotated audit logs', bool('--audit-log-compress'), da.logCompress)
    .option('--audit-log-format <format>', 'audit log format: json (one Event per line) or legacy (one text line per event)', oneOf('--audit-log-format', AUDIT_LOG_FORMATS), da.logFormat)
    .option('--audit-log-mode <mode>', 'blocking (each event written before the request goes on), batch (buffered, asynchronous) or blocking-strict (a request whose RequestReceived event cannot be written fails)', oneOf('--audit-log-mode', AUDIT_MODES), da.logMode)
    .option('--audit-webhook-config-file <file>', 'kubeconfig of a remote audit backend that receives EventList batches')
    .option('--audit-webhook-mode <mode>', 'blocking, batch or blocking-strict', oneOf('--audit-webhook-mode', AUDIT_MODES), da.webhookMode)
    .option('--audit-webhook-initial-backoff <duration>', 'wait before retrying a failed webhook call (1.5 times longer at each retry)', duration('--audit-webhook-initial-backoff'), da.webhookInitialBackoffMs)
    .action(async (o: Record<string, unknown>) => {
      const opts: ServerOptions = {
        dataDir: String(o['dataDir']),
        bindAddress: String(o['bindAddress']),
        securePort: o['securePort'] as number,
        tlsCertFile: o['tlsCertFile'] as string | undefined,
        tlsPrivateKeyFile: o['tlsPrivateKeyFile'] as string | undefined,
        clientCaFile: o['clientCaFile'] as string | undefined,
        tlsMinVersion: o['tlsMinVersion'] as TLSVersionName,
        tlsSans: o['tlsSan'] as string[],
        maxRequestsInFlight: o['maxRequestsInflight'] as number,
        maxMutatingRequestsInFlight: o['maxMutatingRequestsInflight'] as number,
        compactionIntervalMs: o['etcdCompactionInterval'] === '0' ? 0 : parseDuration(String(o['etcdCompactionInterval'])),
        minRequestTimeoutSeconds: o['minRequestTimeout'] as number,
        watchBookmarkIntervalMs: parseDuration(String(o['watchBookmarkInterval'])),
        anonymousAuth: o['anonymousAuth'] === true,
        tokenAuthFile: o['tokenAuthFile'] as string | undefined,
        enableBootstrapTokenAuth: o['enableBootstrapTokenAuth'] === true,
        serviceAccountSigningKeyFile: o['serviceAccountSigningKeyFile'] as string | undefined,
        serviceAccountKeyFiles: o['serviceAccountKeyFile'] as string[],
        serviceAccountIssuer: String(o['serviceAccountIssuer']),
        apiAudiences: o['apiAudiences'] as string[],
        authorizationModes: parseAuthorizationModes(String(o['authorizationMode'])),
        enableAdmissionPlugins: o['enableAdmissionPlugins'] as string[],
        disableAdmissionPlugins: o['disableAdmissionPlugins'] as string[],
        admissionControlConfigFile: o['admissionControlConfigFile'] as string | undefined,
        audit: auditOptionsFrom(o),
        encryptionProviderConfig: o['encryptionProviderConfig'] as string | undefined,
        encryptionProviderConfigAutomaticReload: o['encryptionProviderConfigAutomaticReload'] === true,
        kmsTimings: {
          statusIntervalMs: o['kmsStatusInterval'] as number | undefined,
          unhealthyStatusIntervalMs: o['kmsUnhealthyStatusInterval'] as number | undefined,
          writeExpiryMs: o['kmsUnhealthyAfter'] as number | undefined,
        },
      };
      const running = await startServer(opts);
      const kubeconfig = path.relative(process.cwd(), running.pki.adminKubeconfigPath) || running.pki.adminKubeconfigPath;
      process.stdout.write(
        [
          `Bulwark is serving on ${running.url}`,
          `Admin kubeconfig: ${running.pki.adminKubeconfigPath}`,
          `Try: kubectl --kubeconfig ${kubeconfig} get namespaces`,
          '',
        ].join('\n'),
      );
      const shutdown = (signal: string) => {
        process.stderr.write(`received ${signal}, shutting down\n`);
        running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
  addAuditBatchFlags(server);
}

function oneOf<T extends string>(flag: string, choices: readonly T[]) {
  return (v: string): T => {
    if (!(choices as readonly string[]).includes(v)) throw new Error(`${flag} must be one of ${choices.join(', ')}, got "${v}"`);
    return v as T;
  };
}

function duration(flag: string) {
  return (v: string): number => {
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch (err) {
      throw new Error(`${flag}: ${(err as Error).message}`);
    }
    if (ms < 0) throw new Error(`${flag} must not be negative, got "${v}"`);
    return ms;
  };
}

function nonNegativeNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a non-negative number, got "${v}"`);
    return n;
  };
}

/** The --audit-log-batch-* and --audit-webhook-batch-* flags (kube-apiserver's names and defaults). */
function addAuditBatchFlags(cmd: Command): Command {
  for (const [backend, d] of [['log', DEFAULT_AUDIT_OPTIONS.logBatch], ['webhook', DEFAULT_AUDIT_OPTIONS.webhookBatch]] as const) {
    const p = `--audit-${backend}-batch`;
    cmd
      .option(`${p}-buffer-size <n>`, `batch mode: events buffered before new ones are dropped`, positiveInt(`${p}-buffer-size`), d.bufferSize)
      .option(`${p}-max-size <n>`, `batch mode: most events in one batch`, positiveInt(`${p}-max-size`), d.maxBatchSize)
      .option(`${p}-max-wait <duration>`, `batch mode: longest wait before a partial batch is sent`, duration(`${p}-max-wait`), d.maxBatchWaitMs)
      .option(`${p}-throttle-enable [bool]`, `batch mode: limit how often batches are sent`, bool(`${p}-throttle-enable`), d.throttleEnabled)
      .option(`${p}-throttle-qps <qps>`, `batch mode: batches per second when throttled`, nonNegativeNumber(`${p}-throttle-qps`), d.throttleQPS)
      .option(`${p}-throttle-burst <n>`, `batch mode: batches sent at once when throttled`, positiveInt(`${p}-throttle-burst`), d.throttleBurst);
  }
  return cmd;
}

function auditOptionsFrom(o: Record<string, unknown>): AuditOptions {
  const batch = (backend: 'log' | 'webhook'): AuditBatchOptions => {
    const k = (suffix: string) => o[`audit${backend === 'log' ? 'Log' : 'Webhook'}Batch${suffix}`];
    return {
      bufferSize: k('BufferSize') as number,
      maxBatchSize: k('MaxSize') as number,
      maxBatchWaitMs: k('MaxWait') as number,
      throttleEnabled: k('ThrottleEnable') === true,
      throttleQPS: k('ThrottleQps') as number,
      throttleBurst: k('ThrottleBurst') as number,
    };
  };
  return {
    policyFile: o['auditPolicyFile'] as string | undefined,
    logPath: o['auditLogPath'] as string | undefined,
    logMaxAgeDays: o['auditLogMaxage'] as number,
    logMaxBackups: o['auditLogMaxbackup'] as number,
    logMaxSizeMB: o['auditLogMaxsize'] as number,
    logCompress: o['auditLogCompress'] === true,
    logFormat: o['auditLogFormat'] as AuditLogFormat,
    logMode: o['auditLogMode'] as AuditModeName,
    logBatch: batch('log'),
    webhookConfigFile: o['auditWebhookConfigFile'] as string | undefined,
    webhookMode: o['auditWebhookMode'] as AuditModeName,
    webhookBatch: batch('webhook'),
    webhookInitialBackoffMs: o['auditWebhookInitialBackoff'] as number,
  };
}
