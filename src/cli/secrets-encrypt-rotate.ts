// `bulwark secrets-encrypt rotate`: a new key first in the configuration file, every stale stored
// object rewritten with it through the running server, then the old keys retired once nothing uses
// them. Each step is safe to interrupt: a rerun finishes the rotation it finds in progress.
import { constants } from 'node:fs';
import { access, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { parseEncryptionConfiguration, type EncryptionConfig, type ResourceRule } from '../encryption/index.js';
import {
  addKey,
  generateKey,
  nextKeyName,
  promoteKey,
  retireOldKeys,
  ruleIndexFor,
  ruleRotation,
  ruleWriter,
  writeEncryptionConfiguration,
} from '../encryption/rotation.js';
import type { EncryptionStatus, RewritePage } from './secrets-encrypt-client.js';

/** The server calls rotation makes (AdminClient over HTTPS). */
export interface EncryptionAdmin {
  status(): Promise<EncryptionStatus>;
  reload(): Promise<EncryptionStatus>;
  rewrite(resource: string, limit: number, continueToken: string): Promise<RewritePage>;
}

export interface RotateOptions {
  /** Only the rules covering these resources (`secrets`, `deployments.apps`); default every rule. */
  resources?: string[];
  /** Only add a new key second (readable, not yet writing) and reload: step one on several servers. */
  stage?: boolean;
  /** Only move this key first and reload: step two on several servers. */
  promote?: string;
  /** Retire the old keys once nothing uses them (default true). */
  retire?: boolean;
  /** Objects per rewrite request. */
  batchSize?: number;
  /** Time between making the new key current and checking that nothing uses the old ones. */
  retireDelayMs?: number;
  out: { write(s: string): unknown; isTTY?: boolean };
}

const DEFAULT_BATCH = 500;
// A write that picked its key just before a reload lands within milliseconds (keyed providers
// encrypt in memory); waiting this long after the reload before counting stale objects covers it.
const DEFAULT_RETIRE_DELAY_MS = 2000;

const n = (x: number) => x.toLocaleString('en-US');

/** One line of progress: `secrets: 4,200 of 10,000 (1,350/s)`. */
export function progressLine(resource: string, done: number, total: number, perSecond: number): string {
  return `${resource}: ${n(done)} of ${n(Math.max(total, done))} (${n(Math.round(perSecond))}/s)`;
}

class Progress {
  private readonly started = Date.now();
  private lastShown = 0;
  private shownAny = false;
  private open = false;

  constructor(
    private readonly out: RotateOptions['out'],
    private readonly resource: string,
    private total: number,
  ) {}

  private rate(done: number): number {
    return done / Math.max((Date.now() - this.started) / 1000, 0.001);
  }

  update(done: number, remaining: number | undefined): void {
    if (remaining !== undefined) this.total = done + remaining;
    const now = Date.now();
    if (this.out.isTTY) {
      if (now - this.lastShown < 100) return;
      this.out.write(`\r\x1b[2K${progressLine(this.resource, done, this.total, this.rate(done))}`);
      this.open = true;
    } else {
      // a log gets the first page (so a watcher sees it started) and then a line every few seconds
      if (this.shownAny && now - this.lastShown < 3000) return;
      this.out.write(`${progressLine(this.resource, done, this.total, this.rate(done))}\n`);
    }
    this.shownAny = true;
    this.lastShown = now;
  }

  /** Ends an updating line so that what follows starts on its own line. */
  break(): void {
    if (this.open) this.out.write('\n');
    this.open = false;
  }

  finish(done: number, rewritten: number, skipped: number): void {
    if (this.out.isTTY) this.out.write('\r\x1b[2K');
    this.open = false;
    const secs = (Date.now() - this.started) / 1000;
    const skippedNote = skipped ? `, ${n(skipped)} skipped (written meanwhile by clients, with the new key)` : '';
    this.out.write(`${this.resource}: ${n(done)} checked, ${n(rewritten)} rewritten${skippedNote} in ${secs.toFixed(1)} s (${n(Math.round(this.rate(done)))}/s)\n`);
  }
}

function label(config: EncryptionConfig, index: number): string {
  return `resources[${index}] (${config.resources[index]!.resources.join(', ')})`;
}

/** Refuses early, in words a person can act on, when this user cannot replace the file. */
async function assertEditable(file: string): Promise<void> {
  if (!path.isAbsolute(file)) {
    throw new Error(
      `the server names its encryption configuration by the relative path ${file}; restart bulwark server with an absolute --encryption-provider-config path so that this command edits the same file`,
    );
  }
  try {
    const real = await realpath(file);
    await access(real, constants.R_OK | constants.W_OK);
    await access(path.dirname(real), constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(
      `cannot rotate: ${file} must be readable and writable by this user, and its directory writable (the file is replaced atomically): ${code}; ` +
        'run this command on the server machine as the user that runs bulwark server',
    );
  }
}

/** The message of a failed call (a ServerError carries the server's Status message). */
function serverMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The rules to work on: those covering `resources`, or every rule. */
function selectRules(config: EncryptionConfig, file: string, resources: string[] | undefined): number[] {
  if (!resources || resources.length === 0) return config.resources.map((_, i) => i);
  const out = new Set<number>();
  for (const r of resources) {
    const i = ruleIndexFor(config, r);
    if (i < 0) throw new Error(`no rule of ${file} covers ${r}: it is stored as is, there is nothing to rotate`);
    out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** One `key<N>` for every rule that gets a key now, unused in each of them, so one name can be promoted everywhere. */
function commonKeyName(rules: ResourceRule[]): string {
  let highest = 0;
  for (const rule of rules) highest = Math.max(highest, Number(nextKeyName(rule).slice('key'.length)) - 1);
  return `key${highest + 1}`;
}

export async function rotate(client: EncryptionAdmin, o: RotateOptions): Promise<void> {
  const say = (line: string) => void o.out.write(`${line}\n`);
  const batch = o.batchSize ?? DEFAULT_BATCH;

  let status = await client.status();
  const file = status.configFile;
  await assertEditable(file);
  // An earlier run may have stopped between writing the file and reloading it: start from the file.
  try {
    status = await client.reload();
  } catch (err) {
    throw new Error(`the server could not load ${file} as it is now, so nothing was changed: ${serverMessage(err)}`);
  }
  let text = await readFile(file, 'utf8');
  let config = parseEncryptionConfiguration(text, file);
  say(`Encryption configuration: ${file}`);

  const selected = selectRules(config, file, o.resources);
  const keyed: number[] = [];
  const rewriting: number[] = [];
  for (const i of selected) {
    const r = ruleRotation(config.resources[i]!);
    if (r.kind === 'identity') say(`${label(config, i)}: written as is (identity first): nothing to rotate`);
    else if (r.kind === 'kms') {
      if (!o.stage && !o.promote) say(`${label(config, i)}: KMS provider ${r.name} writes; its plugin rotates the key, stale objects are rewritten`);
      rewriting.push(i);
    } else {
      keyed.push(i);
      rewriting.push(i);
    }
  }

  if (rewriting.length === 0) {
    say('Nothing to rotate.');
    return;
  }

  /** Writes the file, has the server load it, and returns the status it answers with. */
  const save = async (next: string): Promise<EncryptionStatus> => {
    await writeEncryptionConfiguration(file, next);
    text = next;
    config = parseEncryptionConfiguration(text, file);
    try {
      return await client.reload();
    } catch (err) {
      throw new Error(`wrote ${file} but the server did not load it: ${serverMessage(err)}`);
    }
  };

  /** Every served resource of these rules must now be written by the rule's first provider. */
  const assertWriters = (st: EncryptionStatus, rules: number[]) => {
    for (const r of st.resources) {
      const i = ruleIndexFor(config, r.resource);
      if (!rules.includes(i)) continue;
      const want = ruleWriter(config.resources[i]!);
      // a kms writer is reported with the plugin's current key id after its name
      const matches = r.writesWith === want || (want.startsWith('kms:') && r.writesWith.startsWith(`${want}:`));
      if (!matches) {
        throw new Error(`the server writes ${r.resource} with ${r.writesWith} although ${file} names ${want} first; was the file changed meanwhile? Rerun to continue`);
      }
    }
  };

  if (o.promote !== undefined) {
    const name = o.promote;
    const promoted = keyed.filter((i) => {
      const r = ruleRotation(config.resources[i]!);
      return (r.kind === 'idle' || r.kind === 'in-progress') && r.keys.includes(name);
    });
    if (promoted.length === 0) throw new Error(`no rule of ${file} has a key named ${name} in its first provider (stage one with --stage)`);
    for (const i of promoted) text = promoteKey(text, file, i, name);
    status = await save(text);
    assertWriters(status, promoted);
    for (const i of promoted) say(`${label(config, i)}: now writes with ${ruleWriter(config.resources[i]!)}; the old keys still read`);
    say('Next: once every server writes with it, run `bulwark secrets-encrypt rotate` on one server to rewrite and retire.');
    return;
  }

  if (o.stage) {
    const idle = keyed.filter((i) => ruleRotation(config.resources[i]!).kind === 'idle');
    for (const i of keyed) {
      const r = ruleRotation(config.resources[i]!);
      if (r.kind === 'in-progress') say(`${label(config, i)}: already has the keys ${r.keys.join(', ')}: finish that rotation first (rotate), nothing staged`);
    }
    if (idle.length === 0) {
      say('Nothing staged.');
      return;
    }
    const name = commonKeyName(idle.map((i) => config.resources[i]!));
    for (const i of idle) text = addKey(text, file, i, { name, secret: generateKey() }, 'second');
    status = await save(text);
    for (const i of idle) say(`${label(config, i)}: staged ${name} second: this server reads it and still writes with ${ruleWriter(config.resources[i]!)}`);
    say(`Next: copy ${file} to every server and reload each (bulwark secrets-encrypt reload); then, on each, rotate --promote ${name}.`);
    return;
  }

  // 1. a new key first in every idle rule; a rule with several keys is a rotation to finish
  const idle = keyed.filter((i) => ruleRotation(config.resources[i]!).kind === 'idle');
  for (const i of keyed) {
    const r = ruleRotation(config.resources[i]!);
    if (r.kind === 'in-progress') say(`${label(config, i)}: rotation in progress (keys ${r.keys.join(', ')}): finishing it with ${r.type}:${r.keys[0]}`);
  }
  if (idle.length > 0) {
    const name = commonKeyName(idle.map((i) => config.resources[i]!));
    const before = idle.map((i) => ruleWriter(config.resources[i]!));
    for (const i of idle) text = addKey(text, file, i, { name, secret: generateKey() }, 'first');
    status = await save(text);
    idle.forEach((i, j) => say(`${label(config, i)}: new key ${name} writes; ${before[j]} kept to read what it wrote`));
  }
  assertWriters(status, rewriting);
  const newKeyCurrentAt = Date.now();

  // 2. rewrite every object of the covered resources that an old key or provider wrote
  const targets = status.resources.filter((r) => rewriting.includes(ruleIndexFor(config, r.resource)));
  for (const r of targets) {
    const progress = new Progress(o.out, r.resource, r.total);
    let token = '';
    let done = 0;
    let rewritten = 0;
    let skipped = 0;
    try {
      do {
        const page = await client.rewrite(r.resource, batch, token);
        done += page.scanned;
        rewritten += page.rewritten;
        skipped += page.skipped;
        token = page.continue;
        if (token) progress.update(done, page.remaining);
      } while (token);
    } catch (err) {
      progress.break();
      throw new Error(`rewriting ${r.resource} stopped after ${n(done)} objects: ${serverMessage(err)}; nothing is lost: rerun \`bulwark secrets-encrypt rotate\` once the cause is fixed`);
    }
    progress.finish(done, rewritten, skipped);
  }

  // 3. retire the old keys of each rule whose objects all use the new one
  const rotating = keyed.filter((i) => ruleRotation(config.resources[i]!).kind === 'in-progress');
  if (rotating.length === 0) {
    say('Rotation complete.');
    return;
  }
  if (o.retire === false) {
    say(`Old keys kept (--no-retire); rerun without it to retire them once every server writes with the new key.`);
    return;
  }
  const wait = newKeyCurrentAt + (o.retireDelayMs ?? DEFAULT_RETIRE_DELAY_MS) - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  status = await client.status();
  assertWriters(status, rotating);
  const blocked: string[] = [];
  const retiring: number[] = [];
  for (const i of rotating) {
    const covered = status.resources.filter((r) => ruleIndexFor(config, r.resource) === i);
    const stale = covered.filter((r) => r.stale > 0);
    if (stale.length > 0) {
      const detail = stale
        .map((r) => `${r.resource}: ${n(r.stale)} (${Object.entries(r.byProvider).filter(([p]) => p !== r.writesWith).map(([p, c]) => `${p}=${n(c)}`).join(', ')})`)
        .join('; ');
      blocked.push(`${label(config, i)} still has objects not written with ${ruleWriter(config.resources[i]!)}: ${detail}`);
    } else {
      retiring.push(i);
    }
  }
  const retired: string[] = [];
  for (const i of retiring) {
    const r = retireOldKeys(text, file, i);
    text = r.text;
    if (r.retired.length) retired.push(`${label(config, i)}: retired ${r.retired.join(', ')}; ${ruleWriter(parseEncryptionConfiguration(text, file).resources[i]!)} remains`);
  }
  if (retired.length > 0) {
    await save(text);
    for (const line of retired) say(line);
  }
  if (blocked.length > 0) {
    throw new Error(`${blocked.join('\n')}\nThe old keys of these rules stay (removing them would make those objects unreadable); is another server still writing with an old key? Rerun later.`);
  }
  say('Rotation complete.');
}
