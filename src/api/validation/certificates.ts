// certificates.k8s.io/v1 CertificateSigningRequest: the request must be a PEM PKCS#10 request
// whose self-signature verifies (proof of possession of the key), signerName must be a
// domain-qualified name, usages known, and expirationSeconds at least ten minutes.

import { createPublicKey, verify, constants, type KeyObject } from 'node:crypto';
import { type Obj, obj, semanticEqual, str, strArr } from './access.js';
import { type Causes, FieldPath, FIELD_IMMUTABLE, GoValue, duplicate, invalid, notSupported, required, tooLong } from './field.js';
import { DNS1123_LABEL_MAX, DNS1123_SUBDOMAIN_MAX, isDNS1123Label, isDNS1123Subdomain } from './names.js';

export const KNOWN_USAGES = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign',
  'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime',
  'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc',
].sort();

// ---- a minimal DER reader: enough to find the signed bytes, algorithm, key and signature ----

interface Tlv {
  tag: number;
  /** Offset of the tag byte: signed data and keys are whole TLVs, header included. */
  start: number;
  contentStart: number;
  end: number;
}

class DerError extends Error {}

function readTlv(buf: Buffer, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated');
  const tag = buf[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag number');
  let len = buf[offset + 1] ?? 0;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > limit) throw new DerError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[pos + i] ?? 0);
    pos += n;
  }
  if (pos + len > limit) throw new DerError('truncated');
  return { tag, start: offset, contentStart: pos, end: pos + len };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

function decodeOid(bytes: Buffer): string {
  if (bytes.length === 0) throw new DerError('empty oid');
  const first = bytes[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let value = 0;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

interface ParsedCsr {
  tbs: Buffer;
  algorithm: string;
  algorithmParams?: Buffer;
  spki: Buffer;
  signature: Buffer;
}

function parseCsrDer(der: Buffer): ParsedCsr {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw new DerError('not a sequence');
  const [info, alg, sig] = children(der, outer);
  if (!info || !alg || !sig || info.tag !== 0x30 || alg.tag !== 0x30 || sig.tag !== 0x03) throw new DerError('structure');
  const infoParts = children(der, info);
  const spkiTlv = infoParts[2];
  if (infoParts[0]?.tag !== 0x02 || infoParts[1]?.tag !== 0x30 || !spkiTlv || spkiTlv.tag !== 0x30) throw new DerError('info');
  const [oidTlv, params] = children(der, alg);
  if (!oidTlv || oidTlv.tag !== 0x06) throw new DerError('algorithm');
  if (der[sig.contentStart] !== 0) throw new DerError('bit string padding');
  return {
    tbs: der.subarray(info.start, info.end),
    algorithm: decodeOid(der.subarray(oidTlv.contentStart, oidTlv.end)),
    algorithmParams: params && params.tag !== 0x05 ? der.subarray(params.start, params.end) : undefined,
    spki: der.subarray(spkiTlv.start, spkiTlv.end),
    signature: der.subarray(sig.contentStart + 1, sig.end),
  };
}

const HASH_OIDS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const SIGNATURE_ALGORITHMS: Record<string, { kind: 'rsa' | 'ecdsa' | 'ed25519'; hash: string | null }> = {
  '1.2.840.113549.1.1.11': { kind: 'rsa', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { kind: 'rsa', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { kind: 'rsa', hash: 'sha512' },
  '1.2.840.10045.4.3.2': { kind: 'ecdsa', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { kind: 'ecdsa', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { kind: 'ecdsa', hash: 'sha512' },
  '1.3.101.112': { kind: 'ed25519', hash: null },
};

const INSECURE: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'SHA1-RSA',
  '1.2.840.113549.1.1.4': 'MD5-RSA',
  '1.2.840.10045.4.1': 'ECDSA-SHA1',
};

function pssParams(der: Buffer | undefined): { hash: string; saltLength: number } {
  // RSASSA-PSS-params: [0] hashAlgorithm, [1] maskGenAlgorithm, [2] saltLength, [3] trailerField.
  if (!der) throw new DerError('pss params');
  const seq = readTlv(der, 0);
  let hash = 'sha1';
  let saltLength = 20;
  for (const field of children(der, seq)) {
    if (field.tag === 0xa0) {
      const algSeq = readTlv(der, field.contentStart, field.end);
      const oid = children(der, algSeq)[0];
      if (oid) hash = HASH_OIDS[decodeOid(der.subarray(oid.contentStart, oid.end))] ?? 'unknown';
    } else if (field.tag === 0xa2) {
      const int = readTlv(der, field.contentStart, field.end);
      saltLength = der.subarray(int.contentStart, int.end).reduce((a, b) => a * 256 + b, 0);
    }
  }
  return { hash, saltLength };
}

/** Go's x509 CheckSignature outcome for a parsed request: undefined when it verifies. */
function checkSignature(csr: ParsedCsr): string | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: csr.spki, format: 'der', type: 'spki' });
  } catch {
    return 'x509: unsupported public key type';
  }
  const insecure = INSECURE[csr.algorithm];
  if (insecure) return `x509: cannot verify signature: insecure algorithm ${insecure}`;
  try {
    if (csr.algorithm === '1.2.840.113549.1.1.10') {
      const { hash, saltLength } = pssParams(csr.algorithmParams);
      if (hash === 'unknown' || hash === 'sha1') return 'x509: cannot verify signature: algorithm unimplemented';
      const ok = verify(hash, csr.tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, csr.signature);
      return ok ? undefined : 'crypto/rsa: verification error';
    }
    const alg = SIGNATURE_ALGORITHMS[csr.algorithm];
    if (!alg) return 'x509: cannot verify signature: algorithm unimplemented';
    const keyType = key.asymmetricKeyType;
    if ((alg.kind === 'rsa' && keyType !== 'rsa') || (alg.kind === 'ecdsa' && keyType !== 'ec') || (alg.kind === 'ed25519' && keyType !== 'ed25519')) {
      return 'x509: signature algorithm specifies an incompatible public key type';
    }
    const ok =
      alg.kind === 'rsa'
        ? verify(alg.hash, csr.tbs, { key, padding: constants.RSA_PKCS1_PADDING }, csr.signature)
        : verify(alg.hash, csr.tbs, key, csr.signature);
    if (ok) return undefined;
    return alg.kind === 'rsa' ? 'crypto/rsa: verification error' : alg.kind === 'ecdsa' ? 'x509: ECDSA verification failure' : 'x509: Ed25519 verification failure';
  } catch {
    return 'x509: malformed signature';
  }
}

/** Checks spec.request (base64 of PEM text, as it arrives in JSON); undefined when acceptable. */
export function csrRequestError(requestBase64: string): string | undefined {
  const pem = Buffer.from(requestBase64, 'base64').toString('latin1');
  const m = /-----BEGIN ([^\n-]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m || m[1] !== 'CERTIFICATE REQUEST') return 'PEM block type must be CERTIFICATE REQUEST';
  const body = (m[2] ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return 'PEM block type must be CERTIFICATE REQUEST';
  let parsed: ParsedCsr;
  try {
    parsed = parseCsrDer(Buffer.from(body, 'base64'));
  } catch {
    return 'x509: malformed certificate request';
  }
  return checkSignature(parsed);
}

export function validateSignerName(signerName: string, p: FieldPath): Causes {
  if (signerName === '') return [required(p)];
  const segments = signerName.split('/');
  if (segments.length !== 2) return [invalid(p, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const [domain = '', path = ''] = segments;
  const causes: Causes = [];
  if (domain.length > DNS1123_SUBDOMAIN_MAX) causes.push(tooLong(p, DNS1123_SUBDOMAIN_MAX));
  const labels = domain.split('.');
  for (const label of labels) {
    const errs = isDNS1123Label(label);
    if (errs.length) {
      for (const e of errs) causes.push(invalid(p, domain, `validating label ${JSON.stringify(label)}: ${e}`));
      break;
    }
  }
  if (labels.length < 2) causes.push(invalid(p, domain, 'should be a domain with at least two segments separated by dots'));
  const maxPath = DNS1123_SUBDOMAIN_MAX + DNS1123_LABEL_MAX + 1;
  if (path.length > maxPath) causes.push(tooLong(p, maxPath));
  for (const component of path.split('.')) {
    const errs = isDNS1123Subdomain(component);
    if (errs.length) {
      for (const e of errs) causes.push(invalid(p, path, `validating component ${JSON.stringify(component)}: ${e}`));
      break;
    }
  }
  return causes;
}

const SPEC_FIELDS_SET_ON_CREATE = ['request', 'signerName', 'expirationSeconds', 'usages', 'username', 'uid', 'groups', 'extra'];

export function validateCertificateSigningRequest(csr: Obj, old?: Obj): Causes {
  const spec = obj(csr.spec) ?? {};
  const p = FieldPath.root('spec');
  const causes: Causes = [];
  const requestError = csrRequestError(str(spec.request));
  if (requestError) causes.push(invalid(p.child('request'), new GoValue('[]byte{...}'), requestError));
  const usages = strArr(spec.usages);
  if (usages.length === 0) causes.push(required(p.child('usages')));
  usages.forEach((u, i) => {
    if (!KNOWN_USAGES.includes(u)) causes.push(notSupported(p.child('usages').index(i), u, KNOWN_USAGES));
  });
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (seen.has(u)) causes.push(duplicate(p.child('usages').index(i), u));
    seen.add(u);
  });
  const signerName = str(spec.signerName);
  if (signerName === 'kubernetes.io/legacy-unknown') causes.push(invalid(p.child('signerName'), signerName, 'the legacy signerName is not allowed via this API version'));
  else causes.push(...validateSignerName(signerName, p.child('signerName')));
  const exp = spec.expirationSeconds;
  if (typeof exp === 'number' && exp < 600) causes.push(invalid(p.child('expirationSeconds'), exp, 'may not specify a duration less than 600 seconds (10 minutes)'));
  if (old) {
    const oldSpec = obj(old.spec) ?? {};
    for (const f of SPEC_FIELDS_SET_ON_CREATE) {
      if (!semanticEqual(spec[f], oldSpec[f])) causes.push(invalid(p.child(f), f === 'request' ? new GoValue('[]byte{...}') : spec[f] ?? null, FIELD_IMMUTABLE));
    }
  }
  return causes;
}
