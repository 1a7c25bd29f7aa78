import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditNowMicros, formatAuditMicros, goQuote, legacyFormat, omitManagedFieldsOf } from './event.js';
import type { AuditEvent } from './types.js';

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

test('audit timestamps: RFC 3339 UTC with microseconds, from the wall clock', () => {
  assert.equal(formatAuditMicros(Date.UTC(2026, 10, 22, 10, 0, 0) * 1000 + 123_456), '2026-11-22T10:00:00.123456Z');
  assert.equal(formatAuditMicros(Date.UTC(2026, 0, 1, 23, 59, 59) * 1000 + 999_999), '2026-01-01T23:59:59.999999Z');
  assert.equal(formatAuditMicros(Date.UTC(2026, 0, 1, 23, 59, 59) * 1000 + 7), '2026-01-01T23:59:59.000007Z');
  assert.equal(formatAuditMicros(0), '1970-01-01T00:00:00.000000Z');
  const before = Date.now();
  const now = formatAuditMicros(auditNowMicros());
  const after = Date.now();
  assert.match(now, TS);
  const ms = Date.parse(now);
  assert.ok(ms >= before && ms <= after, `${now} is between ${before} and ${after}`);
});

test('goQuote matches Go %q', () => {
  assert.equal(goQuote('plain text/-:'), '"plain text/-:"');
  assert.equal(goQuote('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
  assert.equal(goQuote('tab\tnl\ncr\r\x07\x1b\x7f'), '"tab\\tnl\\ncr\\r\\a\\x1b\\x7f"');
  assert.equal(goQuote('kubectl/v1.30 (linux/amd64) — ünïcode'), '"kubectl/v1.30 (linux/amd64) — ünïcode"');
  assert.equal(goQuote('nb\u00a0sp zw\u200b'), '"nb\\u00a0sp zw\\u200b"');
  assert.equal(goQuote('\u{1F600}'), '"\u{1F600}"');
  assert.equal(goQuote(''), '""');
});

function event(over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: '2f6b5e1c-0d0a-4b8e-9a8e-6a0f0c7f1c11',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods?limit=500',
    verb: 'list',
    user: { username: 'alice', groups: ['devs', 'system:authenticated'] },
    sourceIPs: ['10.0.0.7', '127.0.0.1'],
    userAgent: 'kubectl/v1.30.0',
    objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2026-11-22T10:00:00.123450Z',
    stageTimestamp: '2026-11-22T10:00:00.125000Z',
    ...over,
  };
}

test('legacyFormat writes kube legacy lines', () => {
  assert.equal(
    legacyFormat(event()),
    '2026-11-22T10:00:00.12345Z AUDIT: id="2f6b5e1c-0d0a-4b8e-9a8e-6a0f0c7f1c11" stage="ResponseComplete" ip="10.0.0.7" method="list" ' +
      'user="alice" groups="\\"devs\\",\\"system:authenticated\\"" as="<self>" asgroups="<lookup>" user-agent="kubectl/v1.30.0" ' +
      'namespace="default" uri="/api/v1/namespaces/default/pods?limit=500" response="200"',
  );
  const line = legacyFormat(
    event({
      stage: 'RequestReceived',
      requestReceivedTimestamp: '2026-11-22T10:00:01.000000Z',
      responseStatus: undefined,
      sourceIPs: [],
      user: { username: '' },
      impersonatedUser: { username: 'bob', groups: ['ops'] },
      objectRef: { resource: 'nodes' },
      userAgent: 'evil"\nagent',
    }),
  );
  assert.ok(line.startsWith('2026-11-22T10:00:01Z AUDIT: '), line);
  assert.match(line, / ip="<unknown>" /);
  assert.match(line, / user="<none>" groups="<none>" as="bob" asgroups="\\"ops\\"" /);
  assert.match(line, / user-agent="evil\\"\\nagent" namespace="<none>" /);
  assert.ok(line.endsWith(' response="<deferred>"'));
  assert.ok(!line.includes('\n'), 'one line whatever the input');
  assert.match(legacyFormat(event({ user: { username: 'carol' } })), / user="carol" groups="<none>" /);
});

test('omitManagedFieldsOf drops managedFields from an object and list items without touching the input', () => {
  const pod = { kind: 'Pod', metadata: { name: 'p', managedFields: [{ manager: 'kubectl' }], labels: { a: 'b' } }, spec: { x: 1 } };
  const out = omitManagedFieldsOf(pod);
  assert.deepEqual(out, { kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { x: 1 } });
  assert.ok('managedFields' in pod.metadata, 'input unchanged');
  assert.equal(out.spec, pod.spec, 'untouched parts are shared, not copied');

  const list = { kind: 'PodList', metadata: { resourceVersion: '5' }, items: [pod, { metadata: { name: 'q' } }, 'odd'] };
  const outList = omitManagedFieldsOf(list);
  assert.deepEqual(outList.items[0], { kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { x: 1 } });
  assert.equal(outList.items[1], list.items[1]);
  assert.equal(outList.items[2], 'odd');
  assert.ok('managedFields' in (list.items[0] as typeof pod).metadata);

  const clean = { metadata: { name: 'c' } };
  assert.equal(omitManagedFieldsOf(clean), clean, 'nothing to drop: the same object');
  assert.equal(omitManagedFieldsOf(null), null);
  assert.equal(omitManagedFieldsOf('x'), 'x');
});
