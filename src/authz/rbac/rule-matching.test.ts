import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from '../../endpoints/request-info.js';
import { breakdownRule, compactRules, compactString, covers, goQuote, goQuoteList, ruleAllows } from './rule-matching.js';
import type { PolicyRule } from './types.js';

const req = (method: string, url: string) => parseRequestInfo(method, url);
const allows = (rule: PolicyRule, method: string, url: string) => ruleAllows(req(method, url), rule);

test('verbs and api groups: exact values and *', () => {
  const r: PolicyRule = { apiGroups: [''], resources: ['pods'], verbs: ['get'] };
  assert.equal(allows(r, 'GET', '/api/v1/namespaces/a/pods/p'), true);
  assert.equal(allows(r, 'GET', '/api/v1/namespaces/a/pods'), false, 'list is not get');
  assert.equal(allows(r, 'DELETE', '/api/v1/namespaces/a/pods/p'), false);
  assert.equal(allows(r, 'GET', '/apis/apps/v1/namespaces/a/pods/p'), false, 'group apps is not core');
  const any: PolicyRule = { apiGroups: ['*'], resources: ['pods'], verbs: ['*'] };
  assert.equal(allows(any, 'DELETE', '/apis/apps/v1/namespaces/a/pods/p'), true);
  assert.equal(allows(any, 'GET', '/api/v1/namespaces/a/pods?watch=true'), true);
  assert.equal(allows({ resources: ['pods'], verbs: ['*'] }, 'GET', '/api/v1/namespaces/a/pods/p'), false, 'no apiGroups grants nothing');
});

test('resources: *, resource/subresource, */subresource; pods/* is not a pattern (as upstream)', () => {
  const log = req('GET', '/api/v1/namespaces/a/pods/p/log');
  assert.equal(log.subresource, 'log');
  const rule = (resources: string[]): PolicyRule => ({ apiGroups: [''], resources, verbs: ['get'] });
  assert.equal(ruleAllows(log, rule(['pods'])), false, 'the pod does not grant its log');
  assert.equal(ruleAllows(log, rule(['pods/log'])), true);
  assert.equal(ruleAllows(log, rule(['pods/status'])), false);
  assert.equal(ruleAllows(log, rule(['*/log'])), true);
  assert.equal(ruleAllows(log, rule(['*/status'])), false);
  assert.equal(ruleAllows(log, rule(['*'])), true);
  assert.equal(ruleAllows(log, rule(['pods/*'])), false);
  assert.equal(ruleAllows(req('GET', '/api/v1/namespaces/a/pods/p'), rule(['*/log'])), false, '*/x never matches the main resource');
  const scale = req('PUT', '/apis/apps/v1/namespaces/a/deployments/d/scale');
  assert.equal(ruleAllows(scale, { apiGroups: ['apps'], resources: ['*/scale'], verbs: ['update'] }), true);
  assert.equal(ruleAllows(scale, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['update'] }), false);
});

test('resourceNames match only requests that carry that name', () => {
  const r: PolicyRule = { apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'], verbs: ['get', 'list', 'watch', 'create', 'delete', 'deletecollection', 'update'] };
  assert.equal(allows(r, 'GET', '/api/v1/namespaces/a/configmaps/cfg'), true);
  assert.equal(allows(r, 'PUT', '/api/v1/namespaces/a/configmaps/cfg'), true);
  assert.equal(allows(r, 'DELETE', '/api/v1/namespaces/a/configmaps/cfg'), true);
  assert.equal(allows(r, 'GET', '/api/v1/namespaces/a/configmaps/other'), false);
  assert.equal(allows(r, 'GET', '/api/v1/namespaces/a/configmaps'), false, 'list has no name');
  assert.equal(allows(r, 'GET', '/api/v1/namespaces/a/configmaps?watch=1'), false, 'watch of the collection has no name');
  assert.equal(allows(r, 'POST', '/api/v1/namespaces/a/configmaps'), false, 'create has no name');
  assert.equal(allows(r, 'DELETE', '/api/v1/namespaces/a/configmaps'), false, 'deletecollection has no name');
});

test('nonResourceURLs: exact, * and trailing-* prefixes; verbs are HTTP methods', () => {
  const r: PolicyRule = { nonResourceURLs: ['/healthz', '/metrics/*', '/logs*'], verbs: ['get'] };
  assert.equal(allows(r, 'GET', '/healthz'), true);
  assert.equal(allows(r, 'GET', '/healthz/etcd'), false, 'an exact entry is not a prefix');
  assert.equal(allows(r, 'GET', '/metrics/slis'), true);
  assert.equal(allows(r, 'GET', '/metrics/'), true);
  assert.equal(allows(r, 'GET', '/metrics'), false);
  assert.equal(allows(r, 'GET', '/logsxyz'), true);
  assert.equal(allows(r, 'POST', '/healthz'), false, 'verb post');
  assert.equal(allows({ nonResourceURLs: ['*'], verbs: ['*'] }, 'PUT', '/anything/at/all'), true);
  assert.equal(allows({ nonResourceURLs: ['/healthz'], verbs: ['post'] }, 'POST', '/healthz'), true);
  // a resource rule never grants a non-resource path, and the reverse
  assert.equal(allows({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, 'GET', '/healthz'), false);
  assert.equal(allows({ nonResourceURLs: ['*'], verbs: ['*'] }, 'GET', '/api/v1/namespaces/a/pods'), false);
});

test('covers: exact, wildcards, subresources, names and URLs', () => {
  const owner: PolicyRule[] = [
    { apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list'] },
    { apiGroups: ['apps'], resources: ['*/scale'], verbs: ['update'] },
    { apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'], verbs: ['get'] },
    { nonResourceURLs: ['/apis/*'], verbs: ['get'] },
  ];
  assert.deepEqual(covers(owner, [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]), { covered: true, missing: [] });
  assert.equal(covers(owner, [{ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['update'] }]).covered, true);
  assert.equal(covers(owner, [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['update'] }]).covered, false);
  assert.equal(covers(owner, [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'], verbs: ['get'] }]).covered, true);
  assert.equal(covers(owner, [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['c'], verbs: ['get'] }]).covered, false);
  assert.equal(covers(owner, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]).covered, false, 'named access does not cover all names');
  assert.equal(covers(owner, [{ nonResourceURLs: ['/apis/apps'], verbs: ['get'] }]).covered, true);
  assert.equal(covers(owner, [{ nonResourceURLs: ['/api'], verbs: ['get'] }]).covered, false);
  // a requested * needs an owned *
  assert.equal(covers(owner, [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }]).covered, false);
  assert.equal(covers(owner, [{ apiGroups: ['*'], resources: ['pods'], verbs: ['get'] }]).covered, false);
  const admin: PolicyRule[] = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
  assert.equal(covers(admin, [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]).covered, true);
  assert.equal(covers(admin, [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }]).covered, false, 'resource * is not URL *');
  assert.equal(covers([], []).covered, true);
});

test('covers lists each missing piece in request order', () => {
  const { covered, missing } = covers([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], [
    { apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'list'] },
    { nonResourceURLs: ['/x'], verbs: ['get'] },
  ]);
  assert.equal(covered, false);
  assert.deepEqual(missing, [
    { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['list'] },
    { nonResourceURLs: ['/x'], verbs: ['get'] },
  ]);
});

test('breakdownRule splits into one group/resource/verb/name each', () => {
  assert.equal(breakdownRule({ apiGroups: ['', 'apps'], resources: ['a', 'b'], verbs: ['get', 'list'], resourceNames: ['x', 'y'] }).length, 16);
  assert.equal(breakdownRule({ resources: ['a'], verbs: ['get'] }).length, 0);
});

test("compactString and compactRules print upstream's compact form", () => {
  assert.equal(compactString({ apiGroups: [''], resources: ['pods'], verbs: ['get'] }), '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}');
  assert.equal(
    compactString({ apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['d'], verbs: ['get', 'list'] }),
    '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["d"], Verbs:["get" "list"]}',
  );
  assert.equal(compactString({ nonResourceURLs: ['/x'], verbs: ['get'] }), '{NonResourceURLs:["/x"], Verbs:["get"]}');
  const compact = compactRules([
    { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
    { nonResourceURLs: ['/x'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  ]);
  assert.deepEqual(compact.map(compactString), [
    '{NonResourceURLs:["/x"], Verbs:["get"]}',
    '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}',
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
  ]);
});

test("goQuote follows Go's %q", () => {
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('tab\there\n'), '"tab\\there\\n"');
  assert.equal(goQuote('\x01'), '"\\x01"');
  assert.equal(goQuote('é'), '"é"');
  assert.equal(goQuoteList(['g1', 'g2']), '["g1" "g2"]');
  assert.equal(goQuoteList([]), '[]');
});

test('covers refuses a huge rule quickly, listing a bounded number of missing pieces', () => {
  const many = (p: string) => Array.from({ length: 200 }, (_, i) => `${p}${i}`);
  const owner = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
  const started = Date.now();
  const r = covers(owner, [{ apiGroups: many('g'), resources: many('r'), verbs: many('v'), resourceNames: many('n') }]);
  assert.equal(r.covered, false);
  assert.equal(r.missing.length, 100);
  assert.ok(Date.now() - started < 1000, 'not the 1.6 billion pieces of the product');
  const wide = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
  assert.equal(covers(wide, [{ apiGroups: many('g'), resources: many('r'), verbs: many('v') }]).covered, true);
});
