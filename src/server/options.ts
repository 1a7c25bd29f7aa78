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
