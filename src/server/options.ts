// Server options: kube-apiserver's flag names and Bulwark's secure defaults.

export type TLSVersionName = 'VersionTLS12' | 'VersionTLS13';

export interface ServerOptions {
  dataDir: string;
  bindAddress: string;
  securePort: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCaFile?: string;
  tlsMinVersion: TLSVersionName;
  tlsSans: string[];
  maxRequestsInFlight: number;
  maxMutatingRequestsInFlight: number;
  /** Periodic compaction of old revisions (kube's --etcd-compaction-interval). 0 disables. */
  compactionIntervalMs: number;
  minRequestTimeoutSeconds: number;
  watchBookmarkIntervalMs: number;
  /** Requests without credentials become system:anonymous (RBAC decides) instead of 401. */
  anonymousAuth: boolean;
  tokenAuthFile?: string;
  enableBootstrapTokenAuth: boolean;
  /** Defaults to <data-dir>/sa.key, generated on first start. */
  serviceAccountSigningKeyFile?: string;
  serviceAccountKeyFiles: string[];
  serviceAccountIssuer: string;
  /** Defaults to [serviceAccountIssuer]. */
  apiAudiences: string[];
  authorizationModes: AuthorizationMode[];
  enableAdmissionPlugins: string[];
  disableAdmissionPlugins: string[];
  admissionControlConfigFile?: string;
  /** EncryptionConfiguration; by default <data-dir>/encryption-config.yaml, generated (Secrets with secretbox). */
  encryptionProviderConfig?: string;
  /** Watch the encryption configuration file and apply valid changes without a restart. */
  encryptionProviderConfigAutomaticReload?: boolean;
  /** KMS v2 Status polling and write expiry; kube's fixed 1m / 10s / 3m unless shortened (hidden flags, for tests). */
  kmsTimings?: { statusIntervalMs?: number; unhealthyStatusIntervalMs?: number; writeExpiryMs?: number };
}

export type AuthorizationMode = 'RBAC' | 'AlwaysAllow';

export function parseAuthorizationModes(value: string): AuthorizationMode[] {
  const modes = value.split(',').map((m) => m.trim()).filter(Boolean);
  if (modes.length === 0) throw new Error('--authorization-mode needs at least one mode (RBAC or AlwaysAllow)');
  for (const m of modes) {
    if (m !== 'RBAC' && m !== 'AlwaysAllow') throw new Error(`--authorization-mode: unknown mode "${m}" (supported: RBAC, AlwaysAllow)`);
  }
  return modes as AuthorizationMode[];
}

export const DEFAULT_OPTIONS: Omit<ServerOptions, 'dataDir'> = {
  bindAddress: '127.0.0.1',
  securePort: 6443,
  tlsMinVersion: 'VersionTLS13',
  tlsSans: [],
  maxRequestsInFlight: 400,
  maxMutatingRequestsInFlight: 200,
  compactionIntervalMs: 5 * 60 * 1000,
  minRequestTimeoutSeconds: 1800,
  watchBookmarkIntervalMs: 60 * 1000,
  anonymousAuth: false,
  enableBootstrapTokenAuth: true,
  serviceAccountKeyFiles: [],
  serviceAccountIssuer: 'https://kubernetes.default.svc.cluster.local',
  apiAudiences: [],
  authorizationModes: ['RBAC'],
  enableAdmissionPlugins: [],
  disableAdmissionPlugins: [],
};

export function tlsMinVersion(name: string): 'TLSv1.2' | 'TLSv1.3' {
  switch (name) {
    case 'VersionTLS12':
      return 'TLSv1.2';
    case 'VersionTLS13':
      return 'TLSv1.3';
    default:
      throw new Error(`--tls-min-version must be VersionTLS12 or VersionTLS13, got "${name}" (TLS 1.0 and 1.1 are not offered)`);
  }
}

