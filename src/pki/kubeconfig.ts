// kubeconfig files (clientcmd's `Config`, apiVersion v1) carrying a cluster CA and an x509
// client credential inline, so that one file is all kubectl needs.
import { parse, stringify } from 'yaml';

export interface KubeconfigOptions {
  clusterName: string;
  /** https URL of the API server. */
  server: string;
  caPem: string;
  userName: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Defaults to `<userName>@<clusterName>`, as kubeadm names its contexts. */
  contextName?: string;
}

const b64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');

/** A kubeconfig with one cluster, one user and one context, which is also the current one. */
export function buildKubeconfig(opts: KubeconfigOptions): string {
  const url = new URL(opts.server); // throws on something that is not a URL at all
  if (url.protocol !== 'https:') {
    throw new Error(`server URL ${opts.server} must use https: client certificates are only sent over TLS`);
  }
  const contextName = opts.contextName ?? `${opts.userName}@${opts.clusterName}`;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: opts.clusterName,
        cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) },
      },
    ],
    users: [
      {
        name: opts.userName,
        user: { 'client-certificate-data': b64(opts.clientCertPem), 'client-key-data': b64(opts.clientKeyPem) },
      },
    ],
    contexts: [{ name: contextName, context: { cluster: opts.clusterName, user: opts.userName } }],
    'current-context': contextName,
    preferences: {},
  };
  // lineWidth 0: base64 blobs stay on one line, as kubectl itself writes them.
  return stringify(config, { lineWidth: 0 });
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function named(list: unknown, name: unknown, field: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const item of list) {
    const entry = record(item);
    if (entry && entry.name === name) return record(entry[field]);
  }
  return undefined;
}

/**
 * The server URL of the current context's cluster (or of the only cluster when no context is
 * current); undefined when the kubeconfig does not say.
 */
export function kubeconfigServer(yamlText: string): string | undefined {
  const doc = record(parse(yamlText));
  if (!doc) return undefined;
  const context = named(doc.contexts, doc['current-context'], 'context');
  let cluster = context ? named(doc.clusters, context.cluster, 'cluster') : undefined;
  if (!cluster && Array.isArray(doc.clusters) && doc.clusters.length === 1) {
    cluster = record(record(doc.clusters[0])?.cluster);
  }
  return typeof cluster?.server === 'string' ? cluster.server : undefined;
}
