import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from './catalogue.js';
import { StatusError } from './status.js';
import { labelSelectorFromObject, parseFieldSelector, parseLabelSelector } from './selectors.js';

function resource(group: string, res: string): ResourceInfo {
  const r = findResource(group, 'v1', res);
  assert.ok(r, `${group}/${res} is in the catalogue`);
  return r;
}

/** Asserts a 400 BadRequest StatusError with exactly this message. */
function assertBadRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StatusError, `expected StatusError, got ${String(e)}`);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.message, message);
    return true;
  });
}

test('equality operators match only objects carrying the value', () => {
  for (const s of ['app=web', 'app==web', ' app = web ']) {
    const sel = parseLabelSelector(s);
    assert.equal(sel.empty, false);
    assert.equal(sel.matches({ app: 'web' }), true, s);
    assert.equal(sel.matches({ app: 'db' }), false, s);
    assert.equal(sel.matches({}), false, s);
    assert.equal(sel.matches(undefined), false, s);
  }
});

test('!= and notin match objects lacking the label', () => {
  const ne = parseLabelSelector('tier!=db');
  assert.equal(ne.matches({ tier: 'web' }), true);
  assert.equal(ne.matches({ tier: 'db' }), false);
  assert.equal(ne.matches({}), true);
  const notin = parseLabelSelector('tier notin (db, cache)');
  assert.equal(notin.matches({ tier: 'web' }), true);
  assert.equal(notin.matches({ tier: 'cache' }), false);
  assert.equal(notin.matches(undefined), true);
});

test('in, exists, does-not-exist and comma-separated AND', () => {
  const sel = parseLabelSelector('env in (prod,staging), team, !legacy');
  assert.equal(sel.matches({ env: 'prod', team: 'a' }), true);
  assert.equal(sel.matches({ env: 'staging', team: '' }), true);
  assert.equal(sel.matches({ env: 'dev', team: 'a' }), false);
  assert.equal(sel.matches({ env: 'prod' }), false);
  assert.equal(sel.matches({ env: 'prod', team: 'a', legacy: 'true' }), false);
  // A label named like an Object.prototype member is not "present" unless set.
  assert.equal(parseLabelSelector('constructor').matches({}), false);
});

test('empty values and keywords used as values', () => {
  assert.equal(parseLabelSelector('a=').matches({ a: '' }), true);
  assert.equal(parseLabelSelector('a=').matches({ a: 'x' }), false);
  assert.equal(parseLabelSelector('a in ()').matches({ a: '' }), true);
  assert.equal(parseLabelSelector('a in (,x)').matches({ a: '' }), true);
  assert.equal(parseLabelSelector('a in (,x)').matches({ a: 'x' }), true);
  const kw = parseLabelSelector('in in (in,notin)');
  assert.equal(kw.matches({ in: 'notin' }), true);
  assert.equal(kw.matches({ in: 'x' }), false);
});

test('gt and lt compare integers and need the label', () => {
  const gt = parseLabelSelector('replicas>3');
  assert.equal(gt.matches({ replicas: '4' }), true);
  assert.equal(gt.matches({ replicas: '3' }), false);
  assert.equal(gt.matches({ replicas: 'x' }), false);
  assert.equal(gt.matches({}), false);
  assert.equal(parseLabelSelector('n<10').matches({ n: '9' }), true);
  assert.equal(parseLabelSelector('n<10').matches({ n: '10' }), false);
});

test('an empty selector selects everything', () => {
  for (const s of ['', '   ']) {
    const sel = parseLabelSelector(s);
    assert.equal(sel.empty, true);
    assert.equal(sel.matches(undefined), true);
    assert.equal(sel.matches({ any: 'thing' }), true);
    assert.equal(sel.toString(), '');
  }
});

test('toString sorts requirements by key and set values', () => {
  assert.equal(parseLabelSelector('z=1, b notin (y,x), a in (c,b), !d, e, f>2').toString(), 'a in (b,c),b notin (x,y),!d,e,f>2,z=1');
  assert.equal(parseLabelSelector('a==b,c!=d').toString(), 'a==b,c!=d');
});

test('requirements expose key, operator and values', () => {
  assert.deepEqual(parseLabelSelector('b in (y,x,y), a').requirements, [
    { key: 'a', operator: 'exists', values: [] },
    { key: 'b', operator: 'in', values: ['x', 'y'] },
  ]);
});

test('syntax errors are 400s worded like kube-apiserver', () => {
  // Messages observed from kubectl 1.32, which runs the same parser client-side.
  assertBadRequest(() => parseLabelSelector('a b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  assertBadRequest(() => parseLabelSelector('a=b)'), "found ')', expected: ',' or 'end of string'");
  assertBadRequest(() => parseLabelSelector('a,'), "found '', expected: identifier after ','");
  assertBadRequest(() => parseLabelSelector('!!a'), "unable to parse requirement: found '!', expected: identifier");
  assertBadRequest(() => parseLabelSelector('a in x'), "unable to parse requirement: found 'x' expected: '('");
  assertBadRequest(() => parseLabelSelector('a in (x'), "unable to parse requirement: found '', expected: ',' or ')'");
  assertBadRequest(() => parseLabelSelector(',a'), "found ',', expected: !, identifier, or 'end of string'");
  assertBadRequest(() => parseLabelSelector('!a=b'), "found '=', expected: ',' or 'end of string'");
});

test('keys and values are validated like kube label keys and values', () => {
  assertBadRequest(
    () => parseLabelSelector('a/'),
    "unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be non-empty; name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  );
  assertBadRequest(() => parseLabelSelector('/x'), 'unable to parse requirement: <nil>: Invalid value: "/x": prefix part must be non-empty');
  assertBadRequest(
    () => parseLabelSelector('a=-b'),
    "unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
  );
  assertBadRequest(() => parseLabelSelector(`a=${'b'.repeat(64)}`), `unable to parse requirement: values[0][a]: Invalid value: "${'b'.repeat(64)}": must be no more than 63 characters`);
  assertBadRequest(() => parseLabelSelector('k>a'), `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`);
  // Valid prefixed keys and maximal lengths pass.
  assert.equal(parseLabelSelector(`example.com/${'n'.repeat(63)}=${'v'.repeat(63)}`).empty, false);
  assert.equal(parseLabelSelector('app.kubernetes.io/name in (my_value, My.Value-1)').matches({ 'app.kubernetes.io/name': 'my_value' }), true);
});

test('labelSelectorFromObject: nil selects nothing, {} selects everything', () => {
  for (const nothing of [null, undefined]) {
    const sel = labelSelectorFromObject(nothing);
    assert.equal(sel.empty, false);
    assert.equal(sel.matches({}), false);
    assert.equal(sel.matches({ a: 'b' }), false);
    assert.equal(sel.toString(), '');
  }
  const all = labelSelectorFromObject({});
  assert.equal(all.empty, true);
  assert.equal(all.matches(undefined), true);
  assert.equal(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).empty, true);
});

test('labelSelectorFromObject: matchLabels and matchExpressions', () => {
  const sel = labelSelectorFromObject({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'env', operator: 'In', values: ['prod', 'canary'] },
      { key: 'tier', operator: 'NotIn', values: ['db'] },
      { key: 'team', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  });
  assert.equal(sel.matches({ app: 'web', env: 'prod', team: 'x' }), true);
  assert.equal(sel.matches({ app: 'web', env: 'prod', team: 'x', tier: 'db' }), false);
  assert.equal(sel.matches({ app: 'web', env: 'dev', team: 'x' }), false);
  assert.equal(sel.matches({ app: 'web', env: 'prod' }), false);
  assert.equal(sel.matches({ app: 'web', env: 'prod', team: 'x', legacy: '' }), false);
  assert.equal(sel.toString(), 'app=web,env in (canary,prod),!legacy,team,tier notin (db)');
});

test('labelSelectorFromObject rejects bad operators, values and keys', () => {
  assertBadRequest(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), '"Gt" is not a valid label selector operator');
  assertBadRequest(
    () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In' }] }),
    "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
  );
  assertBadRequest(
    () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
  );
  assert.throws(() => labelSelectorFromObject({ matchLabels: { 'bad key': 'x' } }), (e: unknown) => e instanceof StatusError && e.message.startsWith('key: Invalid value: "bad key": name part must consist'));
});

test('field selectors: =, == and != on supported pod fields', () => {
  const pods = resource('', 'pods');
  const pod = { metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  const sel = parseFieldSelector('spec.nodeName==n1,status.phase!=Failed,metadata.namespace=default', pods);
  assert.equal(sel.empty, false);
  assert.equal(sel.matches(pod), true);
  assert.equal(sel.matches({ ...pod, spec: { nodeName: 'n2' } }), false);
  assert.deepEqual(sel.requirements, [
    { field: 'metadata.namespace', op: '=', value: 'default' },
    { field: 'spec.nodeName', op: '=', value: 'n1' },
    { field: 'status.phase', op: '!=', value: 'Failed' },
  ]);
  // kubectl uses spec.nodeName= to find unscheduled pods: a missing field is "".
  assert.equal(parseFieldSelector('spec.nodeName=', pods).matches({ metadata: { name: 'q' } }), true);
  // Old clients' spec.host means spec.nodeName.
  assert.deepEqual(parseFieldSelector('spec.host=n1', pods).requirements, [{ field: 'spec.nodeName', op: '=', value: 'n1' }]);
});

test('field selectors compare typed fields as kube stores them', () => {
  const pods = resource('', 'pods');
  assert.equal(parseFieldSelector('spec.hostNetwork=false', pods).matches({ spec: {} }), true);
  assert.equal(parseFieldSelector('spec.hostNetwork=true', pods).matches({ spec: { hostNetwork: true } }), true);
  assert.equal(parseFieldSelector('status.phase=Pending', pods).matches({ spec: {} }), true);
  assert.equal(parseFieldSelector('status.podIP=10.0.0.5', pods).matches({ status: { podIPs: [{ ip: '10.0.0.5' }] } }), true);
  assert.equal(parseFieldSelector('spec.unschedulable=false', resource('', 'nodes')).matches({}), true);
  assert.equal(parseFieldSelector('status.successful=2', resource('batch', 'jobs')).matches({ status: { succeeded: 2 } }), true);
  assert.equal(parseFieldSelector('status.successful=0', resource('batch', 'jobs')).matches({}), true);
  assert.equal(parseFieldSelector('type=Opaque', resource('', 'secrets')).matches({ data: {} }), true);
  const events = resource('', 'events');
  const ev = { involvedObject: { kind: 'Pod', name: 'web-1' }, reportingController: 'kubelet', type: 'Warning' };
  assert.equal(parseFieldSelector('involvedObject.kind=Pod,involvedObject.name=web-1,type=Warning', events).matches(ev), true);
  assert.equal(parseFieldSelector('source=kubelet', events).matches(ev), true);
  assert.equal(parseFieldSelector('reportingComponent=kubelet', events).matches(ev), true);
});

test('field selector values may escape , = and \\', () => {
  const cms = resource('', 'configmaps');
  const sel = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d', cms);
  assert.deepEqual(sel.requirements, [{ field: 'metadata.name', op: '=', value: 'a,b=c\\d' }]);
  assert.equal(sel.matches({ metadata: { name: 'a,b=c\\d' } }), true);
  assertBadRequest(() => parseFieldSelector('metadata.name=a\\b', cms), 'invalid field selector: invalid escape sequence: \\b');
  assertBadRequest(() => parseFieldSelector('metadata.name=a\\', cms), 'invalid field selector: invalid escape sequence: \\');
  assert.throws(() => parseFieldSelector('metadata.name=a=b', cms), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message.startsWith('invalid field selector: unescaped character in value'));
  assertBadRequest(() => parseFieldSelector('metadata.name', cms), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
});

test('unsupported fields are rejected with kube wording', () => {
  assertBadRequest(() => parseFieldSelector('spec.containers=x', resource('', 'pods')), 'field label not supported: spec.containers');
  // Kinds with their own field list reject metadata.namespace when cluster-scoped.
  assertBadRequest(() => parseFieldSelector('metadata.namespace=x', resource('', 'nodes')), 'field label not supported: metadata.namespace');
  assertBadRequest(() => parseFieldSelector('metadata.namespace=x', resource('', 'namespaces')), 'field label not supported: metadata.namespace');
  // Kinds without one fall back to kube's metadata-only default, which words it differently.
  assertBadRequest(() => parseFieldSelector('data.x=1', resource('', 'configmaps')), '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"');
  const crs = resource('rbac.authorization.k8s.io', 'clusterroles');
  const sel = parseFieldSelector('metadata.namespace=', crs);
  assert.equal(sel.matches({ metadata: { name: 'admin' } }), true);
  assert.equal(parseFieldSelector('metadata.namespace=x', crs).matches({ metadata: { name: 'admin' } }), false);
});

test('an empty field selector matches everything', () => {
  const sel = parseFieldSelector('', resource('', 'pods'));
  assert.equal(sel.empty, true);
  assert.deepEqual(sel.requirements, []);
  assert.equal(sel.matches({}), true);
});
