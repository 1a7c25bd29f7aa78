// Bad input gets a clear Status and loses nothing: malformed JSON, invalid names, oversized
// bodies, unknown fields, foreign client certificates and old TLS versions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBulwark, httpsRequest, type BulwarkProcess } from './harness.js';

function openssl(args: string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', args, { timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` });
    });
    child.stdin?.end(input);
  });
}

describe('bad input', () => {
  let b: BulwarkProcess;
  before(async () => {
    b = await startBulwark();
    const r = await b.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'survivor' }, data: { k: 'v' } });
    assert.equal(r.status, 201);
  });
  after(async () => {
    await b?.cleanup();
  });

  const stillServing = async () => {
    const r = await b.request('GET', '/api/v1/namespaces/default/configmaps/survivor');
    assert.equal(r.status, 200);
    assert.equal(r.json().data.k, 'v');
  };

  test('malformed JSON is a 400 Status', async () => {
    const r = await b.request('POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", "kind": ');
    assert.equal(r.status, 400);
    const s = r.json();
    assert.equal(s.kind, 'Status');
    assert.equal(s.reason, 'BadRequest');
    assert.match(s.message, /not valid JSON/);
    await stillServing();
  });

  test('malformed YAML through kubectl is refused with a message', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-bad-'));
    const f = path.join(dir, 'bad.yaml');
    await writeFile(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n');
    const k = await b.kubectl(['apply', '-f', f]);
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /yaml|YAML/);
    await stillServing();
  });

  test('an invalid name is a 422 naming the rule', async () => {
    const r = await b.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } });
    assert.equal(r.status, 422);
    const s = r.json();
    assert.equal(s.reason, 'Invalid');
    assert.match(s.message, /ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
    const k = await b.kubectl(['create', 'configmap', 'Bad_Name']);
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /RFC 1123/);
    await stillServing();
  });

  test('a body over 3 MiB is a 413', async () => {
    const big = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) } };
    const r = await b.request('POST', '/api/v1/namespaces/default/configmaps', big);
    assert.equal(r.status, 413);
    assert.equal(r.json().reason, 'RequestEntityTooLarge');
    assert.equal((await b.request('GET', '/api/v1/namespaces/default/configmaps/big')).status, 404);
    await stillServing();
  });

  test('an unknown field with fieldValidation=Strict is a 400 naming the field; Warn warns', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict' }, data: {}, spec: { bogus: 1 } };
    const r = await b.request('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', body);
    assert.equal(r.status, 400);
    assert.match(r.json().message, /unknown field "spec"/);
    const w = await b.request('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', body);
    assert.equal(w.status, 201);
    assert.match(String(w.headers["warning"]), /unknown field \\"spec\\"/);
    assert.equal(w.json().spec, undefined, 'unknown fields are dropped');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-strict-'));
    const f = path.join(dir, 'pod.yaml');
    await writeFile(f, 'apiVersion: v1\nkind: Pod\nmetadata: {name: strictpod}\nspec:\n  containers:\n  - name: a\n    image: nginx\n    imagePolicy: Always\n');
    const k = await b.kubectl(['create', '-f', f]);
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /unknown field "spec.containers\[0\].imagePolicy"/);
    await stillServing();
  });

  test('wrong types are a 400 naming the field', async () => {
    const r = await b.request('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'typed' },
      spec: { replicas: 'three', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
    assert.equal(r.status, 400);
    assert.match(r.json().message, /replicas/);
    await stillServing();
  });

  test('requests without a client certificate get 401, health endpoints answer', async () => {
    const ca = (await b.request('GET', '/version')).status === 200;
    assert.ok(ca);
    const anon = await httpsRequest(`${b.url}/api/v1/namespaces`, 'GET', { rejectUnauthorized: false });
    assert.equal(anon.status, 401);
    assert.equal(anon.json().reason, 'Unauthorized');
    for (const p of ['/livez', '/readyz', '/healthz', '/version']) {
      const r = await httpsRequest(`${b.url}${p}`, 'GET', { rejectUnauthorized: false });
      assert.equal(r.status, 200, p);
    }
  });

  test('a client certificate from another CA fails the TLS connection', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-ca-'));
    const key = path.join(dir, 'k.pem');
    const crt = path.join(dir, 'c.pem');
    const gen = await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=mallory/O=system:masters']);
    assert.equal(gen.code, 0, gen.out);
    const { readFile } = await import('node:fs/promises');
    await assert.rejects(
      httpsRequest(`${b.url}/api/v1/namespaces`, 'GET', { rejectUnauthorized: false, cert: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8') }),
      /socket hang up|ECONNRESET|EPIPE|certificate/,
    );
    await stillServing();
  });

  test('a TLS 1.2-only client is refused', async () => {
    const r = await openssl(['s_client', '-connect', `127.0.0.1:${b.port}`, '-tls1_2', '-brief']);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /alert|handshake failure|no protocols available|wrong version/i);
    await stillServing();
  });
});
