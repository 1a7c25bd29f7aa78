// Tests for Job and CronJob validation: generated selectors, restart policies, completion modes, cron syntax.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from '../catalogue.js';
import { applyDefaults } from '../defaults.js';
import type { StatusCause } from '../status.js';
import { cronScheduleError } from './cron.js';
import { validateObject } from './index.js';

type Json = Record<string, unknown>;
const jobs = findResource('batch', 'v1', 'jobs') as ResourceInfo;
const cronjobs = findResource('batch', 'v1', 'cronjobs') as ResourceInfo;

function check(r: ResourceInfo, o: Json, old?: Json): StatusCause[] {
  applyDefaults(r, o);
  if (old) applyDefaults(r, old);
  return validateObject(r, o, old);
}

const lines = (causes: StatusCause[]) => causes.map((c) => `${c.field}: ${c.message}`);

const podTemplate = (restartPolicy = 'Never') => ({ spec: { restartPolicy, containers: [{ name: 'pi', image: 'perl:5.34', command: ['perl', '-e', 'print 1'] }] } });

function job(spec: Json): Json {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default', uid: '6f1c2d7e-0d1e-4a57-9b9b-1f2e3d4c5b6a' }, spec };
}

test('a Job with a generated selector is valid', () => {
  assert.deepEqual(check(jobs, job({ template: podTemplate() })), []);
});

test('Job pods must not restart forever', () => {
  assert.deepEqual(lines(check(jobs, job({ template: podTemplate('Always') }))), [
    'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
  ]);
});

test('a manual selector must still match the template', () => {
  const causes = check(jobs, job({ manualSelector: true, selector: { matchLabels: { run: 'pi' } }, template: { metadata: { labels: { run: 'other' } }, ...podTemplate() } }));
  assert.deepEqual(lines(causes), ['spec.template.metadata.labels: Invalid value: map[string]string{"run":"other"}: `selector` does not match template `labels`']);
  const missing = validateObject(jobs, job({ manualSelector: true, template: podTemplate() }));
  assert.ok(lines(missing).includes('spec.selector: Required value'));
});

test('a generated selector cannot be replaced by a hand-written one', () => {
  const causes = check(jobs, job({ selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'someone-else' } }, template: podTemplate() }));
  assert.ok(lines(causes).includes('spec.template.metadata.labels: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"6f1c2d7e-0d1e-4a57-9b9b-1f2e3d4c5b6a", "batch.kubernetes.io/job-name":"pi", "controller-uid":"6f1c2d7e-0d1e-4a57-9b9b-1f2e3d4c5b6a", "job-name":"pi"}: `selector` does not match template `labels`'));
  assert.ok(causes.some((c) => c.field === 'spec.selector' && c.message?.endsWith('`selector` not auto-generated')));
});

test('Indexed jobs need completions; counts are non-negative', () => {
  assert.deepEqual(lines(check(jobs, job({ completionMode: 'Indexed', parallelism: 2, backoffLimit: -1, template: podTemplate() }))), [
    'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
    'spec.completions: Required value: when completion mode is Indexed',
  ]);
  assert.deepEqual(lines(check(jobs, job({ completionMode: 'Sometimes', template: podTemplate() }))), [
    'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
  ]);
});

test('update: the selector and template of a running Job are immutable', () => {
  const old = job({ template: podTemplate() });
  applyDefaults(jobs, old);
  const same = structuredClone(old);
  assert.deepEqual(validateObject(jobs, same, old), []);
  const changed = structuredClone(old);
  (((changed.spec as Json).template as Json).spec as Json).containers = [{ name: 'pi', image: 'perl:5.36' }];
  assert.deepEqual(lines(check(jobs, changed, old)), ['spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable']);
});

function cronJob(spec: Json, name = 'backup'): Json {
  return { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'default' }, spec: { jobTemplate: { spec: { template: podTemplate('OnFailure') } }, ...spec } };
}

test('a CronJob with a standard schedule is valid', () => {
  assert.deepEqual(check(cronjobs, cronJob({ schedule: '*/5 * * * *' })), []);
  assert.deepEqual(check(cronjobs, cronJob({ schedule: '0 3 * jan-mar MON-FRI', timeZone: 'Europe/Paris' })), []);
  assert.deepEqual(check(cronjobs, cronJob({ schedule: '@hourly' })), []);
});

test('CronJob schedules are checked with the parser\'s messages', () => {
  assert.deepEqual(lines(check(cronjobs, cronJob({ schedule: '* * *' }))), ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]']);
  assert.deepEqual(lines(check(cronjobs, cronJob({ schedule: '61 * * * *' }))), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
  assert.deepEqual(lines(check(cronjobs, cronJob({}))), ['spec.schedule: Required value']);
  assert.deepEqual(lines(check(cronjobs, cronJob({ schedule: 'TZ=UTC 0 * * * *' }))), [
    'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ]);
  assert.deepEqual(lines(check(cronjobs, cronJob({ schedule: '0 * * * *', timeZone: 'Mars/Olympus' }))), [
    'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
  ]);
});

test('cron parser edge cases', () => {
  assert.equal(cronScheduleError('0 0 1 1 0'), undefined);
  assert.equal(cronScheduleError('0-59/15 0-23 1-31 1-12 0-6'), undefined);
  assert.equal(cronScheduleError('5/10 * ? * *'), undefined);
  assert.equal(cronScheduleError('* * * * 7'), 'end of range (7) above maximum (6): 7');
  assert.equal(cronScheduleError('10-5 * * * *'), 'beginning of range (10) beyond end of range (5): 10-5');
  assert.equal(cronScheduleError('*/0 * * * *'), 'step of range should be a positive number: */0');
  assert.equal(cronScheduleError('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(cronScheduleError('@fortnightly'), 'unrecognized descriptor: @fortnightly');
  assert.equal(cronScheduleError('@every 1h30m'), undefined);
  assert.equal(cronScheduleError(''), 'empty spec string');
});

test('CronJob names leave room for the job suffix; the job template may not carry a selector', () => {
  const long = check(cronjobs, cronJob({ schedule: '@daily' }, 'a'.repeat(53)));
  assert.deepEqual(lines(long), [`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`]);
  const withSelector = cronJob({ schedule: '@daily' });
  ((withSelector.spec as Json).jobTemplate as Json).spec = { selector: { matchLabels: { a: 'b' } }, template: podTemplate() };
  assert.deepEqual(lines(check(cronjobs, withSelector)), [
    'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
  ]);
  assert.deepEqual(lines(check(cronjobs, cronJob({ schedule: '@daily', concurrencyPolicy: 'Sometimes' }))), [
    'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
  ]);
});
