// The stored form of a KMS v2 value, `k8s:enc:kms:v2:<provider name>:` ‖ EncryptedObject, and the
// limits kube-apiserver enforces on it (key id, encrypted DEK source, annotations).
import { type Annotations, type EncryptedObject, EncryptedDEKSourceType, EncryptedObjectCodec } from './messages.js';

export const KMS_V2_PREFIX = 'k8s:enc:kms:v2:';
/** kube's limits: a key id and an encrypted DEK source of at most 1 KiB, annotations of at most 32 KiB. */
export const KEY_ID_MAX_BYTES = 1024;
export const ENCRYPTED_DEK_SOURCE_MAX_BYTES = 1024;
export const ANNOTATIONS_MAX_BYTES = 32 * 1024;

// RFC 1123 subdomain with at least two labels, as kube's IsFullyQualifiedDomainName wants.
const DNS_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const FQDN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})+$`);

export function kmsPrefix(providerName: string): Buffer {
  return Buffer.from(`${KMS_V2_PREFIX}${providerName}:`);
}

/** Why a key id is unusable, or undefined when it is fine. */
export function keyIdProblem(keyId: string): string | undefined {
  if (keyId === '') return 'key id is empty';
  const size = Buffer.byteLength(keyId);
  if (size > KEY_ID_MAX_BYTES) return `key id is ${size} bytes, more than the maximum of ${KEY_ID_MAX_BYTES}`;
  return undefined;
}

/** Why annotations are unusable (each key must be a fully qualified domain name; 32 KiB in all), or undefined. */
export function annotationsProblem(annotations: Annotations): string | undefined {
  const problems: string[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (k.length > 253 || !FQDN.test(k)) {
      problems.push(`annotation key ${JSON.stringify(k)} is not a fully qualified domain name (lower-case, at least two dot-separated labels, such as "version.example.com")`);
    }
    total += Buffer.byteLength(k) + v.length;
  }
  if (total > ANNOTATIONS_MAX_BYTES) problems.push(`annotations total ${total} bytes, more than the maximum of ${ANNOTATIONS_MAX_BYTES}`);
  return problems.length ? problems.join('; ') : undefined;
}

export function encryptedDEKSourceProblem(source: Buffer): string | undefined {
  if (source.length === 0) return 'encrypted DEK source is empty';
  if (source.length > ENCRYPTED_DEK_SOURCE_MAX_BYTES) {
    return `encrypted DEK source is ${source.length} bytes, more than the maximum of ${ENCRYPTED_DEK_SOURCE_MAX_BYTES}`;
  }
  return undefined;
}

/** Every reason an EncryptedObject is malformed; empty when it is well formed. */
export function encryptedObjectProblems(o: EncryptedObject): string[] {
  const out: string[] = [];
  if (o.encryptedData.length === 0) out.push('encrypted data is empty');
  const k = keyIdProblem(o.keyID);
  if (k) out.push(k);
  const s = encryptedDEKSourceProblem(o.encryptedDEKSource);
  if (s) out.push(s);
  const a = annotationsProblem(o.annotations);
  if (a) out.push(a);
  if (o.encryptedDEKSourceType !== EncryptedDEKSourceType.AES_GCM_KEY && o.encryptedDEKSourceType !== EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED) {
    out.push(`unknown encrypted DEK source type ${String(o.encryptedDEKSourceType)}`);
  }
  return out;
}

export function encodeEncryptedObject(o: EncryptedObject): Buffer {
  const problems = encryptedObjectProblems(o);
  if (problems.length) throw new Error(`invalid kms v2 EncryptedObject: ${problems.join('; ')}`);
  return EncryptedObjectCodec.encode(o);
}

/** Decodes and validates; throws an Error saying what is wrong. */
export function decodeEncryptedObject(bytes: Uint8Array): EncryptedObject {
  let o: EncryptedObject;
  try {
    o = EncryptedObjectCodec.decode(bytes);
  } catch (err) {
    throw new Error(`not a protobuf EncryptedObject (${err instanceof Error ? err.message : String(err)})`);
  }
  const problems = encryptedObjectProblems(o);
  if (problems.length) throw new Error(`invalid EncryptedObject: ${problems.join('; ')}`);
  return o;
}

/** The kms provider name and key id of a stored kms v2 value; undefined for anything else or a malformed value. */
export function kmsValueInfo(stored: Buffer): { providerName: string; keyId: string } | undefined {
  const head = Buffer.from(KMS_V2_PREFIX);
  if (!stored.subarray(0, head.length).equals(head)) return undefined;
  const end = stored.indexOf(':', head.length);
  if (end < 0) return undefined;
  const providerName = stored.subarray(head.length, end).toString('utf8');
  try {
    return { providerName, keyId: decodeEncryptedObject(stored.subarray(end + 1)).keyID };
  } catch {
    return undefined;
  }
}
