import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { MAX_BEARER_TOKEN_LENGTH, bearerToken } from './bearer.js';

function ctx(...values: string[]): RequestContext {
  const rawHeaders = values.flatMap((v) => ['Authorization', v]);
  // Node keeps the first of repeated Authorization headers in req.headers
  const headers = values.length ? { authorization: values[0] } : {};
  return { req: { headers, rawHeaders } } as unknown as RequestContext;
}

function refused(value: string | string[], pattern: RegExp, secret?: string): void {
  const values = Array.isArray(value) ? value : [value];
  assert.throws(
    () => bearerToken(ctx(...values)),
    (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.code, 401);
      assert.equal(err.reason, 'Unauthorized');
      assert.match(err.message, pattern);
      if (secret) assert.ok(!err.message.includes(secret), 'the token must not be echoed');
      return true;
    },
  );
}

test('reads a bearer token; the scheme is case-insensitive', () => {
  assert.equal(bearerToken(ctx('Bearer abc.def-ghi_123')), 'abc.def-ghi_123');
  assert.equal(bearerToken(ctx('bearer tok')), 'tok');
  assert.equal(bearerToken(ctx('BEARER tok')), 'tok');
  assert.equal(bearerToken(ctx('Bearer tok  ')), 'tok'); // trailing whitespace is not part of the value
});

test('no header or another scheme is not ours', () => {
  assert.equal(bearerToken(ctx()), undefined);
  assert.equal(bearerToken(ctx('Basic dXNlcjpwYXNz')), undefined);
  assert.equal(bearerToken(ctx('Bearerish tok')), undefined);
  assert.equal(bearerToken(ctx('Negotiate abc')), undefined);
});

test('malformed Bearer headers are 401 with a message saying what is wrong', () => {
  refused('Bearer', /carries no token/);
  refused('Bearer   ', /carries no token/);
  refused('Bearer  tok', /extra whitespace/);
  refused('Bearer\ttok', /one space/);
  refused('Bearer one two', /exactly one token/);
  refused(['Bearer a', 'Bearer b'], /more than one Authorization header/);
});

test('oversized or non-ASCII tokens are refused without echoing them', () => {
  const big = 'x'.repeat(MAX_BEARER_TOKEN_LENGTH + 1);
  refused(`Bearer ${big}`, /^invalid bearer token/, big);
  assert.equal(bearerToken(ctx(`Bearer ${'x'.repeat(MAX_BEARER_TOKEN_LENGTH)}`))?.length, MAX_BEARER_TOKEN_LENGTH);
  refused('Bearer s3cr\u00e9t', /^invalid bearer token: it contains characters outside visible ASCII$/, 's3cr');
  refused('Bearer s3cr\u0001t', /^invalid bearer token/, 's3cr');
});
