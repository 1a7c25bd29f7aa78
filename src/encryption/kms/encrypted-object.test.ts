import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { decodeEncryptedObject, encodeEncryptedObject, kmsPrefix, kmsValueInfo } from './encrypted-object.js';
import { EncryptedDEKSourceType, type EncryptedObject, KeyManagementService, StatusResponseCodec, DecryptRequestCodec, EncryptResponseCodec } from './messages.js';

function sample(over: Partial<EncryptedObject> = {}): EncryptedObject {
  return {
    encryptedData: randomBytes(80),
    keyID: 'key-1',
    encryptedDEKSource: randomBytes(60),
    annotations: { 'version.kms.example.com': Buffer.from('1') },
    encryptedDEKSourceType: EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED,
    ...over,
  };
}

test('EncryptedObject: round trip keeps every field', () => {
  const o = sample();
  const back = decodeEncryptedObject(encodeEncryptedObject(o));
  assert.deepEqual(back, o);
  assert.ok(Buffer.isBuffer(back.encryptedData) && Buffer.isBuffer(back.annotations['version.kms.example.com']));
});

test('EncryptedObject: field numbers and wire types are kube\'s (1 data, 2 keyID, 3 DEK source, 4 annotations, 5 type)', () => {
  const bytes = encodeEncryptedObject({
    encryptedData: Buffer.of(0xaa),
    keyID: 'k',
    encryptedDEKSource: Buffer.of(0xbb),
    annotations: { 'a.b': Buffer.of(0xcc) },
    encryptedDEKSourceType: EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED,
  });
  // tag = field << 3 | wire type (2 = length-delimited, 0 = varint); the map entry is {1: key, 2: value}
  const expected = Buffer.from('0a01aa' + '12016b' + '1a01bb' + '2208' + '0a03612e62' + '1201cc' + '2801', 'hex');
  assert.equal(bytes.toString('hex'), expected.toString('hex'));
  // AES_GCM_KEY is the proto3 default and so is not written at all
  const legacy = encodeEncryptedObject({
    encryptedData: Buffer.of(0xaa),
    keyID: 'k',
    encryptedDEKSource: Buffer.of(0xbb),
    annotations: {},
    encryptedDEKSourceType: EncryptedDEKSourceType.AES_GCM_KEY,
  });
  assert.equal(legacy.toString('hex'), '0a01aa12016b1a01bb');
  assert.equal(decodeEncryptedObject(legacy).encryptedDEKSourceType, EncryptedDEKSourceType.AES_GCM_KEY);
});

test('EncryptedObject: kube\'s limits are enforced on encode and decode with readable reasons', () => {
  assert.throws(() => encodeEncryptedObject(sample({ keyID: '' })), /key id is empty/);
  assert.throws(() => encodeEncryptedObject(sample({ keyID: 'x'.repeat(1025) })), /key id is 1025 bytes, more than the maximum of 1024/);
  assert.doesNotThrow(() => encodeEncryptedObject(sample({ keyID: 'x'.repeat(1024) })));
  assert.throws(() => encodeEncryptedObject(sample({ encryptedDEKSource: Buffer.alloc(0) })), /encrypted DEK source is empty/);
  assert.throws(() => encodeEncryptedObject(sample({ encryptedDEKSource: randomBytes(1025) })), /encrypted DEK source is 1025 bytes/);
  assert.throws(() => encodeEncryptedObject(sample({ encryptedData: Buffer.alloc(0) })), /encrypted data is empty/);
  assert.throws(() => encodeEncryptedObject(sample({ annotations: { version: Buffer.from('1') } })), /annotation key "version" is not a fully qualified domain name/);
  assert.throws(() => encodeEncryptedObject(sample({ annotations: { 'Upper.Example.com': Buffer.from('1') } })), /not a fully qualified domain name/);
  assert.throws(() => encodeEncryptedObject(sample({ annotations: { 'big.example.com': Buffer.alloc(32 * 1024) } })), /annotations total \d+ bytes, more than the maximum of 32768/);
  // the same checks on decode: a value some other writer produced
  const hostile = Buffer.from('0a01aa' + '1a01bb', 'hex'); // no keyID
  assert.throws(() => decodeEncryptedObject(hostile), /invalid EncryptedObject: key id is empty/);
  assert.throws(() => decodeEncryptedObject(Buffer.from('ffffffff', 'hex')), /not a protobuf EncryptedObject/);
  const unknownType = Buffer.concat([encodeEncryptedObject(sample({ annotations: {} })), Buffer.from('2807', 'hex')]);
  assert.throws(() => decodeEncryptedObject(unknownType), /unknown encrypted DEK source type 7/);
});

test('kmsValueInfo reads provider name and key id from a stored value, and nothing from other values', () => {
  const stored = Buffer.concat([kmsPrefix('vault'), encodeEncryptedObject(sample({ keyID: 'kek-7' }))]);
  assert.deepEqual(kmsValueInfo(stored), { providerName: 'vault', keyId: 'kek-7' });
  assert.equal(kmsValueInfo(Buffer.from('k8s:enc:aesgcm:v1:key1:xxxx')), undefined);
  assert.equal(kmsValueInfo(Buffer.concat([kmsPrefix('vault'), Buffer.from('garbage')])), undefined);
});

test('plugin API: method paths and the field numbers of the messages', () => {
  assert.equal(KeyManagementService.Status.path, '/v2.KeyManagementService/Status');
  assert.equal(KeyManagementService.Encrypt.path, '/v2.KeyManagementService/Encrypt');
  assert.equal(KeyManagementService.Decrypt.path, '/v2.KeyManagementService/Decrypt');
  assert.equal(StatusResponseCodec.encode({ version: 'v2', healthz: 'ok', key_id: 'k' }).toString('hex'), '0a027632' + '12026f6b' + '1a016b');
  const dec = DecryptRequestCodec.encode({ ciphertext: Buffer.of(1), uid: 'u', key_id: 'k', annotations: {} });
  assert.equal(dec.toString('hex'), '0a0101' + '120175' + '1a016b');
  const enc = EncryptResponseCodec.decode(Buffer.from('0a0102' + '12016b' + '1a08' + '0a03612e62' + '120101', 'hex'));
  assert.deepEqual(enc, { ciphertext: Buffer.of(2), key_id: 'k', annotations: { 'a.b': Buffer.of(1) } });
  // absent fields decode to proto3 defaults
  assert.deepEqual(StatusResponseCodec.decode(Buffer.alloc(0)), { version: '', healthz: '', key_id: '' });
});
