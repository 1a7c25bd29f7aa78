// Reading and decoding request bodies: a hard size cap (kube-apiserver's 3 MiB) and strict
// JSON or YAML, so that malformed input is a 400 that says what is wrong.
import type { IncomingMessage } from 'node:http';
import { parseDocument } from 'yaml';
import { badRequest, tooLarge, unsupportedMediaType } from '../api/status.js';
import { decodeKubernetesProtobuf, KUBERNETES_PROTOBUF } from '../api/protobuf/decode.js';

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/** Past the limit a body is read and discarded up to this much, so that the client sees the 413. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const refuse = () => tooLarge(`Request entity too large: limit is ${limit}`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > DRAIN_LIMIT_BYTES) {
      req.socket.destroy();
      reject(refuse());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT_BYTES) {
        req.socket.destroy();
        reject(refuse());
      } else if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => (size > limit ? reject(refuse()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

/** Decodes a JSON or YAML body into one object. */
export function decodeObject(body: Buffer, contentType: string): Record<string, unknown> {
  if (body.length === 0) throw badRequest('the request body is empty: expected a JSON or YAML object');
  let value: unknown;
  if (contentType === 'application/json' || contentType.endsWith('+json')) {
    value = parseJSON(body.toString('utf8'));
  } else if (contentType === 'application/yaml' || contentType === 'application/apply-patch+yaml' || contentType === 'text/yaml') {
    const doc = parseDocument(body.toString('utf8'), { uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length) throw badRequest(`error converting YAML to JSON: ${doc.errors[0]!.message}`);
    value = doc.toJS({ maxAliasCount: 100 });
  } else if (contentType === KUBERNETES_PROTOBUF) {
    // kubectl 1.32+ sends built-in types as Kubernetes protobuf
    value = decodeKubernetesProtobuf(body).object;
  } else {
    throw unsupportedMediaType(`the body of the request was in an unknown format (${contentType}) - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`the request body must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

export function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
