// Tests for quantity parsing, exact comparison and canonical form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalQuantity, compareQuantities, parseQuantity, parseQuantityExact } from './quantity.js';

test('parseQuantity understands every suffix family', () => {
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('2'), 2);
  assert.equal(parseQuantity(3), 3);
  assert.equal(parseQuantity('1Ki'), 1024);
  assert.equal(parseQuantity('1.5Gi'), 1.5 * 1024 ** 3);
  assert.equal(parseQuantity('128Mi'), 128 * 1024 ** 2);
  assert.equal(parseQuantity('1Ei'), 1024 ** 6);
  assert.equal(parseQuantity('1k'), 1000);
  assert.equal(parseQuantity('1M'), 1e6);
  assert.equal(parseQuantity('2G'), 2e9);
  assert.equal(parseQuantity('1T'), 1e12);
  assert.equal(parseQuantity('1P'), 1e15);
  assert.equal(parseQuantity('1E'), 1e18);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('1.5E3'), 1500);
  assert.equal(parseQuantity('12e-3'), 0.012);
  assert.equal(parseQuantity('100n'), 1e-7);
  assert.equal(parseQuantity('5u'), 5e-6);
  assert.equal(parseQuantity('-1'), -1);
  assert.equal(parseQuantity('+.5'), 0.5);
  assert.equal(parseQuantity('1.'), 1);
});

test('parseQuantity rejects what kube rejects', () => {
  for (const bad of ['', ' 1', '1 ', 'abc', '1K', '1e', '1.2.3', 'Mi', '1Mb', '--1', '1iB', '.', '1e1000000']) {
    assert.equal(parseQuantity(bad), undefined, bad);
  }
});

test('exact comparison does not suffer from floating point', () => {
  const a = parseQuantityExact('0.1');
  const b = parseQuantityExact('100m');
  const c = parseQuantityExact('101m');
  assert.ok(a && b && c);
  assert.equal(compareQuantities(a, b), 0);
  assert.equal(compareQuantities(b, c), -1);
  assert.equal(compareQuantities(c, a), 1);
});

test('canonical form matches what kube-apiserver stores', () => {
  assert.equal(canonicalQuantity('0.5'), '500m');
  assert.equal(canonicalQuantity('1000'), '1k');
  assert.equal(canonicalQuantity('1500'), '1500');
  assert.equal(canonicalQuantity('2000m'), '2');
  assert.equal(canonicalQuantity('1.5Gi'), '1536Mi');
  assert.equal(canonicalQuantity('1024Mi'), '1Gi');
  assert.equal(canonicalQuantity('1.5Ki'), '1536');
  assert.equal(canonicalQuantity('0.5Ki'), '512');
  assert.equal(canonicalQuantity('1e3'), '1e3');
  assert.equal(canonicalQuantity('0'), '0');
  assert.equal(canonicalQuantity('-0.5'), '-500m');
  assert.equal(canonicalQuantity(1), '1');
  assert.equal(canonicalQuantity('nope'), undefined);
  // Canonical text is a fixed point.
  for (const s of ['0.5', '1000', '1.5Gi', '1e3', '1.1Ki', '12345678n']) {
    const once = canonicalQuantity(s);
    assert.ok(once);
    assert.equal(canonicalQuantity(once), once);
  }
});
