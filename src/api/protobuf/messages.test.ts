// Consistency checks on the protobuf field table: every reference resolves and no message is ambiguous.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, MESSAGES, SHARED_KINDS } from './messages.js';
import { catalogue, groupVersion } from '../catalogue.js';

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float']);
const WELL_KNOWN = new Set(['Time', 'MicroTime', 'Quantity', 'IntOrString', 'RawJSON', 'StringList']);

function resolve(kind: string, pkg: string): boolean {
  if (SCALARS.has(kind) || WELL_KNOWN.has(kind)) return true;
  const map = /^map<string,(.+)>$/.exec(kind);
  if (map) return resolve(map[1], pkg);
  const dot = kind.lastIndexOf('.');
  const [p, name] = dot < 0 ? [pkg, kind] : [kind.slice(0, dot), kind.slice(dot + 1)];
  return MESSAGES[p]?.[name] !== undefined;
}

describe('protobuf message table', () => {
  it('resolves every field kind to a scalar, a well-known type, a map or a listed message', () => {
    const unresolved: string[] = [];
    for (const [pkg, messages] of Object.entries(MESSAGES)) {
      for (const [name, fields] of Object.entries(messages)) {
        for (const [json, , kind] of fields) if (!resolve(kind, pkg)) unresolved.push(`${pkg}.${name}.${json}: ${kind}`);
      }
    }
    assert.deepEqual(unresolved, []);
  });

  it('has unique field numbers and JSON names within each message, and modes that fit the kinds', () => {
    for (const [pkg, messages] of Object.entries(MESSAGES)) {
      for (const [name, fields] of Object.entries(messages)) {
        const where = `${pkg}.${name}`;
        const numbers = fields.map((f) => f[1]);
        assert.equal(new Set(numbers).size, numbers.length, `${where}: duplicate field number`);
        const names = fields.filter((f) => f[3] !== 'inline').map((f) => f[0]);
        assert.equal(new Set(names).size, names.length, `${where}: duplicate JSON name`);
        for (const [json, no, kind, mode] of fields) {
          assert.ok(Number.isInteger(no) && no > 0 && no < 2 ** 29, `${where}.${json}: field number ${no}`);
          if (mode === 'inline') assert.ok(!SCALARS.has(kind) && !WELL_KNOWN.has(kind) && !kind.startsWith('map<'), `${where}.${json}: inline needs a message`);
          if (mode === 'pointer') assert.ok(SCALARS.has(kind), `${where}.${json}: only scalars need the pointer mode`);
          if (kind.startsWith('map<')) assert.equal(mode, undefined, `${where}.${json}: maps carry no mode`);
        }
      }
    }
  });

  it('maps every top-level kind to a message that has metadata or is DeleteOptions', () => {
    for (const [apiVersion, kinds] of Object.entries({ ...KINDS, '*': SHARED_KINDS })) {
      for (const [kind, ref] of Object.entries(kinds)) {
        assert.ok(resolve(ref, ''), `${apiVersion} ${kind} → ${ref}`);
        const [pkg, name] = [ref.slice(0, ref.lastIndexOf('.')), ref.slice(ref.lastIndexOf('.') + 1)];
        assert.equal(name, kind, `${apiVersion} ${kind}: message name`);
        const fields = MESSAGES[pkg][name];
        if (kind !== 'DeleteOptions') assert.deepEqual(fields.find((f) => f[0] === 'metadata')?.slice(1, 3), [1, 'meta/v1.ObjectMeta'], `${apiVersion} ${kind}`);
      }
    }
  });

  it('covers every kind in the resource catalogue', () => {
    assert.ok(catalogue.length > 20);
    const missing = catalogue
      .map((r) => ({ apiVersion: groupVersion(r), kind: r.kind }))
      .filter(({ apiVersion, kind }) => !KINDS[apiVersion]?.[kind]);
    assert.deepEqual(missing, []);
  });
});
