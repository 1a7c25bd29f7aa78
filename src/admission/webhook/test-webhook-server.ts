// A real HTTPS admission webhook for tests and benchmarks: a fresh CA and serving certificate
// (SAN 127.0.0.1 and optional DNS names), one handler per URL path, every request recorded.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSelfSignedCA, exportPrivateKeyPem, generateKeyPair, issueCertificate } from '../../pki/index.js';

/** What a handler answers: an AdmissionResponse (uid filled in), a raw body, or nothing after a delay. */
export type WebhookReply =
  | {
      allowed: boolean;
      status?: { code?: number; message?: string; reason?: string };
      /** JSONPatch operations, sent base64-encoded with patchType JSONPatch. */
      patch?: unknown[];
      warnings?: string[];
      auditAnnotations?: Record<string, string>;
      /** Overrides of the response envelope, to produce wrong answers. */
      uid?: string;
      apiVersion?: string;
    }
  | { rawBody: string; httpStatus?: number };

export type WebhookHandler = (request: Record<string, unknown>) => WebhookReply | Promise<WebhookReply>;

export interface TestWebhookServer {
  /** `https://127.0.0.1:<port>` */
  readonly baseURL: string;
  readonly port: number;
  /** The CA certificate, base64-encoded as `clientConfig.caBundle` wants it. */
  readonly caBundle: string;
  readonly caPem: string;
  /** AdmissionReview requests received, per path (without query). */
  readonly received: Map<string, Record<string, unknown>[]>;
  /** The query strings received, per path. */
  readonly queries: Map<string, string>;
  handle(path: string, handler: WebhookHandler): void;
  close(): Promise<void>;
}

export async function startTestWebhookServer(opts: { dnsNames?: string[] } = {}): Promise<TestWebhookServer> {
  const ca = await createSelfSignedCA({ commonName: 'webhook-test-ca', validityDays: 2 });
  const keys = await generateKeyPair();
  const cert = await issueCertificate(ca, {
    publicKey: keys.publicKey,
    subject: { commonName: 'webhook' },
    ipAddresses: ['127.0.0.1'],
    dnsNames: opts.dnsNames ?? [],
    usage: 'server',
    notAfter: new Date(Date.now() + 24 * 3600 * 1000),
  });
  const key = await exportPrivateKeyPem(keys.privateKey);
  const handlers = new Map<string, WebhookHandler>();
  const received = new Map<string, Record<string, unknown>[]>();
  const queries = new Map<string, string>();

  const server = https.createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'https://localhost');
        queries.set(url.pathname, url.search);
        const handler = handlers.get(url.pathname);
        if (!handler) {
          res.writeHead(404).end('no handler');
          return;
        }
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: Record<string, unknown> };
        const list = received.get(url.pathname) ?? [];
        list.push(review.request);
        received.set(url.pathname, list);
        let reply: WebhookReply;
        try {
          reply = await handler(review.request);
        } catch (e) {
          res.writeHead(500).end(String(e));
          return;
        }
        if (res.destroyed) return;
        if ('rawBody' in reply) {
          res.writeHead(reply.httpStatus ?? 200, { 'Content-Type': 'application/json' }).end(reply.rawBody);
          return;
        }
        const response: Record<string, unknown> = { uid: reply.uid ?? review.request['uid'], allowed: reply.allowed };
        if (reply.status) response['status'] = reply.status;
        if (reply.patch) {
          response['patchType'] = 'JSONPatch';
          response['patch'] = Buffer.from(JSON.stringify(reply.patch)).toString('base64');
        }
        if (reply.warnings) response['warnings'] = reply.warnings;
        if (reply.auditAnnotations) response['auditAnnotations'] = reply.auditAnnotations;
        const body = JSON.stringify({ apiVersion: reply.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `https://127.0.0.1:${port}`,
    port,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    caPem: ca.certPem,
    received,
    queries,
    handle: (path, handler) => void handlers.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
