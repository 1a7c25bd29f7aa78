// A small gRPC client for a KMS v2 plugin on a unix socket: Status, Encrypt and Decrypt, each bounded
// by the provider's configured timeout, with failures turned into messages naming plugin and endpoint.
import { Client, Metadata, credentials, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import {
  type Annotations,
  type DecryptResponse,
  type EncryptResponse,
  KeyManagementService,
  type StatusResponse,
} from './messages.js';

/** What the provider needs from a plugin; tests may supply their own. */
export interface KmsService {
  status(): Promise<StatusResponse>;
  encrypt(plaintext: Buffer): Promise<EncryptResponse>;
  decrypt(ciphertext: Buffer, keyId: string, annotations: Annotations): Promise<Buffer>;
  close(): void;
}

/** A plugin call that did not produce an answer (unreachable, timed out, or answered with an error). */
export class KmsCallError extends Error {
  constructor(
    message: string,
    /** True when the plugin could not be reached or did not answer in time (as opposed to answering with an error). */
    readonly unreachable: boolean,
    /** The gRPC status code, when the call got that far. */
    readonly grpcCode?: number,
  ) {
    super(message);
    this.name = 'KmsCallError';
  }
}

/** grpc-js target for an `endpoint` as written in the EncryptionConfiguration. */
export function grpcTarget(endpoint: string): string {
  // grpc-js resolves `unix:///p` to /p and hands the path to net.connect, where a leading NUL
  // selects Linux's abstract namespace (what `unix:@name` means to kube's Go dialer).
  if (endpoint.startsWith('unix:@')) return `unix:\0${endpoint.slice('unix:@'.length)}`;
  return endpoint;
}

function codeName(code: number): string {
  return (grpcStatus as unknown as Record<number, string>)[code] ?? String(code);
}

export class KmsGrpcClient implements KmsService {
  private readonly client: Client;

  constructor(
    /** The provider's name, for messages. */
    readonly name: string,
    readonly endpoint: string,
    readonly timeoutMs: number,
  ) {
    this.client = new Client(grpcTarget(endpoint), credentials.createInsecure(), {
      // the plugin is local: reconnect quickly once it comes back instead of backing off for minutes
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 5_000,
      'grpc.max_receive_message_length': 4 * 1024 * 1024,
    });
  }

  private call<Req, Res>(
    method: 'Status' | 'Encrypt' | 'Decrypt',
    request: Req,
  ): Promise<Res> {
    const def = KeyManagementService[method] as unknown as {
      path: string;
      requestSerialize: (v: Req) => Buffer;
      responseDeserialize: (b: Buffer) => Res;
    };
    return new Promise<Res>((resolve, reject) => {
      this.client.makeUnaryRequest<Req, Res>(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        new Metadata(),
        { deadline: Date.now() + this.timeoutMs },
        (err: ServiceError | null, value?: Res) => {
          if (err) {
            // grpc-js appends an empty "Resolution note" to connection failures; it only adds noise
            const details = (err.details || '').replace(/\.? ?Resolution note: ?$/, '');
            const what =
              err.code === grpcStatus.DEADLINE_EXCEEDED
                ? `no answer within ${this.timeoutMs} ms`
                : err.code === grpcStatus.UNAVAILABLE
                  ? `cannot connect (${details || 'unavailable'})`
                  : `${codeName(err.code)}: ${details || err.message}`;
            const unreachable = err.code === grpcStatus.DEADLINE_EXCEEDED || err.code === grpcStatus.UNAVAILABLE;
            reject(new KmsCallError(`${method} call to kms plugin "${this.name}" at ${this.endpoint} failed: ${what}`, unreachable, err.code));
          } else if (value === undefined) {
            reject(new KmsCallError(`${method} call to kms plugin "${this.name}" at ${this.endpoint} returned no message`, false));
          } else {
            resolve(value);
          }
        },
      );
    });
  }

  status(): Promise<StatusResponse> {
    return this.call('Status', {});
  }

  encrypt(plaintext: Buffer): Promise<EncryptResponse> {
    // kube sends a fresh random id per call so a plugin can correlate its logs with ours
    return this.call('Encrypt', { plaintext, uid: randomUUID() });
  }

  async decrypt(ciphertext: Buffer, keyId: string, annotations: Annotations): Promise<Buffer> {
    const res = await this.call<unknown, DecryptResponse>('Decrypt', { ciphertext, uid: randomUUID(), key_id: keyId, annotations });
    return res.plaintext;
  }

  close(): void {
    this.client.close();
  }
}
