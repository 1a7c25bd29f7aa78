// Protobuf messages of KMS v2: the plugin gRPC API (k8s.io/kms/apis/v2, service v2.KeyManagementService)
// and the EncryptedObject stored after the `k8s:enc:kms:v2:<name>:` prefix, built once from inline schemas.
import { parse, type Type } from 'protobufjs';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

// Field numbers and names as in kube's api.proto files; keepCase keeps `key_id` as written.
const KMS_API_PROTO = `
syntax = "proto3";
package v2;
service KeyManagementService {
  rpc Status(StatusRequest) returns (StatusResponse) {}
  rpc Decrypt(DecryptRequest) returns (DecryptResponse) {}
  rpc Encrypt(EncryptRequest) returns (EncryptResponse) {}
}
message StatusRequest {}
message StatusResponse {
  string version = 1;
  string healthz = 2;
  string key_id = 3;
}
message DecryptRequest {
  bytes ciphertext = 1;
  string uid = 2;
  string key_id = 3;
  map<string, bytes> annotations = 4;
}
message DecryptResponse {
  bytes plaintext = 1;
}
message EncryptRequest {
  bytes plaintext = 1;
  string uid = 2;
}
message EncryptResponse {
  bytes ciphertext = 1;
  string key_id = 2;
  map<string, bytes> annotations = 3;
}
`;

const ENCRYPTED_OBJECT_PROTO = `
syntax = "proto3";
package v2;
message EncryptedObject {
  bytes encryptedData = 1;
  string keyID = 2;
  bytes encryptedDEKSource = 3;
  map<string, bytes> annotations = 4;
  EncryptedDEKSourceType encryptedDEKSourceType = 5;
}
enum EncryptedDEKSourceType {
  AES_GCM_KEY = 0;
  HKDF_SHA256_XNONCE_AES_GCM_SEED = 1;
}
`;

export type Annotations = Record<string, Buffer>;

export type StatusRequest = Record<string, never>;
export interface StatusResponse {
  version: string;
  healthz: string;
  key_id: string;
}
export interface DecryptRequest {
  ciphertext: Buffer;
  uid: string;
  key_id: string;
  annotations: Annotations;
}
export interface DecryptResponse {
  plaintext: Buffer;
}
export interface EncryptRequest {
  plaintext: Buffer;
  uid: string;
}
export interface EncryptResponse {
  ciphertext: Buffer;
  key_id: string;
  annotations: Annotations;
}

/** How the plaintext of `encryptedDEKSource` becomes the key of `encryptedData`. */
export enum EncryptedDEKSourceType {
  /** The plaintext is the AES-GCM key itself (kube-apiserver before 1.29). */
  AES_GCM_KEY = 0,
  /** The plaintext is a seed; each value's key is HKDF-Expand(SHA-256, seed, info = first 32 bytes of encryptedData). */
  HKDF_SHA256_XNONCE_AES_GCM_SEED = 1,
}

export interface EncryptedObject {
  encryptedData: Buffer;
  keyID: string;
  encryptedDEKSource: Buffer;
  annotations: Annotations;
  encryptedDEKSourceType: EncryptedDEKSourceType;
}

const apiRoot = parse(KMS_API_PROTO, { keepCase: true }).root;
const storedRoot = parse(ENCRYPTED_OBJECT_PROTO, { keepCase: true }).root;

function codec<T extends object>(type: Type): { encode(v: T): Buffer; decode(b: Uint8Array): T } {
  return {
    encode(v) {
      const problem = type.verify(v);
      if (problem) throw new Error(`cannot encode ${type.name}: ${problem}`);
      return Buffer.from(type.encode(type.fromObject(v)).finish());
    },
    decode(b) {
      // defaults: absent proto3 fields come back as ''/empty bytes/{} rather than undefined
      const obj = type.toObject(type.decode(b), { defaults: true, enums: Number }) as Record<string, unknown>;
      for (const [k, v] of Object.entries(obj)) {
        if (v instanceof Uint8Array && !Buffer.isBuffer(v)) obj[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        if (k === 'annotations' && v && typeof v === 'object') {
          obj[k] = Object.fromEntries(Object.entries(v as Record<string, Uint8Array>).map(([ak, av]) => [ak, Buffer.from(av)]));
        }
      }
      return obj as T;
    },
  };
}

export const StatusRequestCodec = codec<StatusRequest>(apiRoot.lookupType('v2.StatusRequest'));
export const StatusResponseCodec = codec<StatusResponse>(apiRoot.lookupType('v2.StatusResponse'));
export const DecryptRequestCodec = codec<DecryptRequest>(apiRoot.lookupType('v2.DecryptRequest'));
export const DecryptResponseCodec = codec<DecryptResponse>(apiRoot.lookupType('v2.DecryptResponse'));
export const EncryptRequestCodec = codec<EncryptRequest>(apiRoot.lookupType('v2.EncryptRequest'));
export const EncryptResponseCodec = codec<EncryptResponse>(apiRoot.lookupType('v2.EncryptResponse'));
export const EncryptedObjectCodec = codec<EncryptedObject>(storedRoot.lookupType('v2.EncryptedObject'));

function method<Req extends object, Res extends object>(
  name: string,
  req: { encode(v: Req): Buffer; decode(b: Uint8Array): Req },
  res: { encode(v: Res): Buffer; decode(b: Uint8Array): Res },
): MethodDefinition<Req, Res> {
  return {
    path: `/v2.KeyManagementService/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v) => req.encode(v),
    requestDeserialize: (b) => req.decode(b),
    responseSerialize: (v) => res.encode(v),
    responseDeserialize: (b) => res.decode(b),
    originalName: name.charAt(0).toLowerCase() + name.slice(1),
  };
}

/** The service as grpc-js wants it, for both the client (our provider) and servers (the example plugin). */
export const KeyManagementService = {
  Status: method<StatusRequest, StatusResponse>('Status', StatusRequestCodec, StatusResponseCodec),
  Decrypt: method<DecryptRequest, DecryptResponse>('Decrypt', DecryptRequestCodec, DecryptResponseCodec),
  Encrypt: method<EncryptRequest, EncryptResponse>('Encrypt', EncryptRequestCodec, EncryptResponseCodec),
} satisfies ServiceDefinition;

/** The version string a v2 plugin reports in Status. */
export const KMS_API_VERSION = 'v2';
