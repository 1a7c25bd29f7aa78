// Tests for CertificateSigningRequest validation with real signed requests (ECDSA, RSA, RSA-PSS, Ed25519).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
// Must come before @peculiar/x509, which needs Reflect metadata while it loads.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { findResource, type ResourceInfo } from '../catalogue.js';
import type { StatusCause } from '../status.js';
import { csrRequestError, validateSignerName } from './certificates.js';
import { FieldPath } from './field.js';
import { validateObject } from './index.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const csrs = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests') as ResourceInfo;
const lines = (causes: StatusCause[]) => causes.map((c) => `${c.field}: ${c.message}`);

type Alg = { gen: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm; sign: Algorithm | EcdsaParams | RsaPssParams };

const ALGS: Record<string, Alg> = {
  'ecdsa-p256': { gen: { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams, sign: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams },
  'ecdsa-p384': { gen: { name: 'ECDSA', namedCurve: 'P-384' } as EcKeyGenParams, sign: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams },
  rsa: {
    gen: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as RsaHashedKeyGenParams,
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  },
  'rsa-pss': {
    gen: { name: 'RSA-PSS', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as RsaHashedKeyGenParams,
    sign: { name: 'RSA-PSS', saltLength: 32 } as RsaPssParams,
  },
  ed25519: { gen: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
};

async function makeCsr(alg: Alg, name = 'CN=system:node:worker-1, O=system:nodes'): Promise<Buffer> {
  const keys = (await webcrypto.subtle.generateKey(alg.gen as EcKeyGenParams, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: alg.sign });
  return Buffer.from(csr.rawData);
}

const pem = (der: Buffer, label = 'CERTIFICATE REQUEST') => `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('requests signed with ECDSA, RSA, RSA-PSS and Ed25519 verify', async () => {
  for (const [name, alg] of Object.entries(ALGS)) {
    const der = await makeCsr(alg);
    assert.equal(csrRequestError(b64(pem(der))), undefined, name);
  }
});

test('a tampered request fails its self-signature', async () => {
  for (const [name, alg] of Object.entries(ALGS)) {
    const der = await makeCsr(alg);
    const at = der.indexOf(Buffer.from('worker-1'));
    assert.ok(at > 0);
    const forged = Buffer.from(der);
    forged[at] = 'v'.charCodeAt(0);
    const err = csrRequestError(b64(pem(forged)));
    assert.ok(err && /verification (error|failure)/.test(err), `${name}: ${err}`);
  }
});

test('non-PEM, wrong PEM type and garbage DER are refused', async () => {
  assert.equal(csrRequestError(b64('hello')), 'PEM block type must be CERTIFICATE REQUEST');
  const der = await makeCsr(ALGS['ecdsa-p256'] as Alg);
  assert.equal(csrRequestError(b64(pem(der, 'CERTIFICATE'))), 'PEM block type must be CERTIFICATE REQUEST');
  assert.equal(csrRequestError(b64(pem(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])))), 'x509: malformed certificate request');
});

test('a full CertificateSigningRequest', async () => {
  const der = await makeCsr(ALGS['ecdsa-p256'] as Alg);
  const csr = (spec: Record<string, unknown>) => ({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'node-csr-abc' },
    spec: { request: b64(pem(der)), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], ...spec },
  });
  assert.deepEqual(validateObject(csrs, csr({ expirationSeconds: 86400 })), []);
  assert.deepEqual(lines(validateObject(csrs, csr({ expirationSeconds: 60, usages: ['client auth', 'client auth', 'root'] }))), [
    'spec.usages[2]: Unsupported value: "root": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"',
    'spec.usages[1]: Duplicate value: "client auth"',
    'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)',
  ]);
  assert.deepEqual(lines(validateObject(csrs, csr({ signerName: '', usages: [] }))), ['spec.usages: Required value', 'spec.signerName: Required value']);
  assert.deepEqual(lines(validateObject(csrs, csr({ request: b64('not a csr') }))), ['spec.request: Invalid value: []byte{...}: PEM block type must be CERTIFICATE REQUEST']);
  // The request, signer and requester identity cannot be swapped after creation.
  const old = csr({ username: 'system:node:worker-1' });
  assert.deepEqual(lines(validateObject(csrs, csr({ username: 'admin' }), old)), ['spec.username: Invalid value: "admin": field is immutable']);
});

test('signer names are domain-qualified', () => {
  const p = FieldPath.root('spec', 'signerName');
  assert.deepEqual(validateSignerName('example.com/my-signer', p), []);
  assert.deepEqual(lines(validateSignerName('my-signer', p)), [
    "spec.signerName: Invalid value: \"my-signer\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
  ]);
  assert.deepEqual(lines(validateSignerName('localhost/signer', p)), ['spec.signerName: Invalid value: "localhost": should be a domain with at least two segments separated by dots']);
  assert.match(lines(validateSignerName('Example.com/signer', p))[0] ?? '', /^spec\.signerName: Invalid value: "Example\.com": validating label "Example": a lowercase RFC 1123 label/);
});
