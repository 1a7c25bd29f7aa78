// Tests for Go-style duration parsing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('parses the forms Go accepts', () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['24h', 86_400_000],
      ['8760h', 8760 * 3_600_000],
      ['90m', 5_400_000],
      ['1h30m', 5_400_000],
      ['1h30m15s', 5_415_000],
      ['1.5h', 5_400_000],
      ['.5s', 500],
      ['1.s', 1000],
      ['250ms', 250],
      ['1500us', 1.5],
      ['1500µs', 1.5],
      ['2000000ns', 2],
      ['+5m', 300_000],
      ['-5m', -300_000],
    ];
    for (const [input, ms] of cases) assert.equal(parseDuration(input), ms, input);
  });

  it('names an unknown unit', () => {
    assert.throws(() => parseDuration('3d'), /unknown unit "d"/);
    assert.throws(() => parseDuration('1h2x'), /unknown unit "x"/);
  });

  it('rejects nonsense with a message that says what is expected', () => {
    for (const bad of ['', '24', 'h', '.h', '1d', '1 h', 'abc', '1h-5m', '--1h', '1e3s', ' 1h', '9999999999h']) {
      assert.throws(() => parseDuration(bad), (err: Error) => {
        assert.match(err.message, /^invalid duration "/);
        assert.match(err.message, /expected e\.g\./);
        return true;
      }, JSON.stringify(bad));
    }
  });
});

describe('formatDuration', () => {
  it('prints like Go for whole seconds', () => {
    assert.equal(formatDuration(86_400_000), '24h0m0s');
    assert.equal(formatDuration(5_415_000), '1h30m15s');
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(-5000), '-5s');
  });
});
