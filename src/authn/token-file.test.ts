import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RequestContext } from '../endpoints/context.js';
import { loadTokenFile, parseCsv, StaticTokenAuthenticator } from './token-file.js';

function ctxWith(token: string): RequestContext {
  const authorization = `Bearer ${token}`;
  return { req: { headers: { authorization }, rawHeaders: ['Authorization', authorization] } } as unknown as RequestContext;
}

async function fileWith(t: { after(fn: () => Promise<void>): void }, text: string, mode = 0o600): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-tokens-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'tokens.csv');
  await writeFile(file, text, { mode });
  await chmod(file, mode);
  return file;
}

test('CSV: quoting, escaped quotes, fields across lines, blank lines and CRLF', () => {
  const records = parseCsv('a,b,c\r\n\r\n"x,y","say ""hi""",\n"multi\nline",z\n');
  assert.deepEqual(records, [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 3, fields: ['x,y', 'say "hi"', ''] },
    { line: 4, fields: ['multi\nline', 'z'] },
  ]);
  assert.throws(() => parseCsv('ok,1,2\nbad"quote,1,2\n'), /line 2: bare "/);
  assert.throws(() => parseCsv('ok,1,2\n"open,1,2\n'), /line 2: quoted field is not closed/);
  assert.throws(() => parseCsv('"a"b,1,2\n'), /line 1: extraneous or missing "/);
});

test('a token file authenticates its users with groups and system:authenticated', async (t) => {
  const file = await fileWith(t, 'tok-admin,admin,uid-1,"system:masters,ops"\ntok-bob,bob,uid-2\n\ntok-carol,carol,,dev\n');
  const auth = await loadTokenFile(file);
  assert.equal(auth.name, 'token-file');
  assert.deepEqual(await auth.authenticate(ctxWith('tok-admin')), { username: 'admin', uid: 'uid-1', groups: ['system:masters', 'ops', 'system:authenticated'] });
  assert.deepEqual(await auth.authenticate(ctxWith('tok-bob')), { username: 'bob', uid: 'uid-2', groups: ['system:authenticated'] });
  assert.deepEqual(await auth.authenticate(ctxWith('tok-carol')), { username: 'carol', groups: ['dev', 'system:authenticated'] });
  assert.equal(await auth.authenticate(ctxWith('tok-unknown')), undefined);
  assert.equal(await auth.authenticate(ctxWith('tok-admi')), undefined);
  // callers cannot change the stored user through the answer
  const u = await auth.authenticate(ctxWith('tok-bob'));
  u!.groups.push('system:masters');
  assert.deepEqual((await auth.authenticate(ctxWith('tok-bob')))?.groups, ['system:authenticated']);
});

test('errors name the line: too few columns, duplicates, empty user, unsendable token', async (t) => {
  await assert.rejects(loadTokenFile(await fileWith(t, 'a,b,c\nonly,two\n')), /line 2: must have at least 3 columns \(token, user name, user uid\), found 2/);
  await assert.rejects(loadTokenFile(await fileWith(t, 'a,b,c\n\nx,y,z\na,d,e\n')), /line 4: duplicate token \(first defined on line 1\)/);
  await assert.rejects(loadTokenFile(await fileWith(t, 'a,,c\n')), /line 1: the user name/);
  await assert.rejects(loadTokenFile(await fileWith(t, '"has space",u,1\n')), /line 1: the token must be/);
  await assert.rejects(loadTokenFile(await fileWith(t, 'a,b,c\nx"y,1,2\n')), /tokens.csv: line 2: bare "/);
  // as upstream, # starts no comment: the row below is a record, and it has too few columns
  await assert.rejects(loadTokenFile(await fileWith(t, '# tokens\na,b,c\n')), /line 1: must have at least 3 columns/);
});

test('rows with an empty token are skipped; a file others can read is refused', async (t) => {
  const warnings: string[] = [];
  const auth = await loadTokenFile(await fileWith(t, ',nobody,1\ntok,u,2\n'), { logger: (m) => warnings.push(m) });
  assert.equal(auth.size, 1);
  assert.match(warnings[0] ?? '', /line 1: empty token/);
  await assert.rejects(loadTokenFile(await fileWith(t, 'tok,u,2\n', 0o644)), /0644/);
});

test('StaticTokenAuthenticator refuses duplicate tokens when built directly', () => {
  assert.throws(() => new StaticTokenAuthenticator([
    { token: 't', user: { username: 'a', groups: [] } },
    { token: 't', user: { username: 'b', groups: [] } },
  ]), /duplicate static token/);
});
