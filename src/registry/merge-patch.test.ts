import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergePatch } from './merge-patch.js';

test('merge patch merges objects, removes null keys and replaces arrays (RFC 7386 examples)', () => {
  assert.deepEqual(mergePatch({ a: 'b', c: { d: 'e', f: 'g' } }, { a: 'z', c: { f: null } }), { a: 'z', c: { d: 'e' } });
  assert.deepEqual(mergePatch({ a: [1, 2] }, { a: [3] }), { a: [3] });
  assert.deepEqual(mergePatch({ a: 'b' }, { b: { c: null } }), { a: 'b', b: {} });
  assert.deepEqual(mergePatch(['a'], { a: 'b' }), { a: 'b' });
});

test('merge patch does not mutate its input', () => {
  const target = { metadata: { labels: { a: '1' } } };
  mergePatch(target, { metadata: { labels: { a: null, b: '2' } } });
  assert.deepEqual(target, { metadata: { labels: { a: '1' } } });
});
