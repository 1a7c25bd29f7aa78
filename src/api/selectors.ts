// Label and field selectors: kube-apiserver's query-string grammar, its validation of label keys and
// values, metav1.LabelSelector semantics, and per-resource field selectors with kube's error wording.

import type { ResourceInfo } from './catalogue.js';
import { badRequest } from './status.js';

// ---------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------

/** `=` and `==` are kept apart only so that toString() gives back what the client wrote. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | '>' | '<';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and de-duplicated for set operators; exactly one for `=`, `==`, `!=`, `>`, `<`; none for exists/`!`. */
  readonly values: readonly string[];
}

export interface LabelSelector {
  /** True when the selector does not restrict anything (matches every object). */
  readonly empty: boolean;
  /** ANDed requirements sorted by key. Empty for both "everything" and "nothing"; tell them apart with `empty`. */
  readonly requirements: readonly LabelRequirement[];
  matches(labels: Record<string, string> | undefined): boolean;
  toString(): string;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

// kube-apiserver's validation vocabulary, so that a rejected selector reads the same as upstream's.
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  const eg = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`;
}
const maxLenError = (n: number) => `must be no more than ${n} characters`;
const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** Problems with a label key (an optional DNS-subdomain prefix and '/', then a name of at most 63 characters). */
export function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** Problems with a label value (empty, or at most 63 characters of [-A-Za-z0-9_.] starting and ending alphanumeric). */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** A field.Error-shaped message: `<path>: Invalid value: <value>: <detail>`. */
function invalidValue(path: string, value: string | readonly string[] | null, detail: string): string {
  let shown: string;
  if (value === null) shown = '[]string(nil)';
  else if (typeof value === 'string') shown = JSON.stringify(value);
  else shown = `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
  return `${path}: Invalid value: ${shown}: ${detail}`;
}

/** Go's errors aggregate: one message alone, several de-duplicated inside brackets. */
function aggregate(msgs: string[]): string {
  const unique = [...new Set(msgs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

const INT64_RE = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
function parseInt64(s: string): bigint | undefined {
  if (!INT64_RE.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * Validates one requirement the way kube's NewRequirement does. `rawValues` is the values as given
 * (null when a metav1.LabelSelector expression had none), used only to show them in a message.
 */
function requirementErrors(key: string, op: LabelOperator, values: readonly string[], rawValues: readonly string[] | null = values): string[] {
  const errs: string[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length) errs.push(invalidValue('key', key, keyErrs.join('; ')));
  switch (op) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidValue('values', rawValues, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidValue('values', rawValues, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidValue('values', rawValues, 'values set must be empty for exists and does not exist'));
      break;
    case '>':
    case '<':
      if (values.length !== 1) errs.push(invalidValue('values', rawValues, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalidValue(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length) errs.push(invalidValue(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  return errs;
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const present = hasOwn(labels, r.key);
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return present && r.values.includes(labels[r.key]);
    case 'notin':
    case '!=':
      // Objects without the label satisfy a negative requirement, as in kube.
      return !present || !r.values.includes(labels[r.key]);
    case 'exists':
      return present;
    case '!':
      return !present;
    case '>':
    case '<': {
      if (!present) return false;
      const have = parseInt64(labels[r.key]);
      const want = parseInt64(r.values[0] ?? '');
      if (have === undefined || want === undefined) return false;
      return r.operator === '>' ? have > want : have < want;
    }
  }
}

function requirementString(r: LabelRequirement): string {
  const values = r.values.length > 1 ? [...r.values].sort() : r.values;
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${values.join(',')})`;
    default:
      return `${r.key}${r.operator}${values.join(',')}`;
  }
}

class RequirementsSelector implements LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  constructor(requirements: LabelRequirement[]) {
    // Sorted by key (stable) so that toString() is deterministic, like kube's.
    this.requirements = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  get empty(): boolean {
    return this.requirements.length === 0;
  }
  matches(labels: Record<string, string> | undefined): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, l));
  }
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

const NOTHING: LabelSelector = Object.freeze({
  empty: false,
  requirements: Object.freeze([]) as readonly LabelRequirement[],
  matches: () => false,
  toString: () => '',
});

/** A selector that matches every object. */
export function everything(): LabelSelector {
  return new RequirementsSelector([]);
}

// ----- query-string grammar ------------------------------------------------------------------

type TokenKind = 'eos' | 'ident' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';
interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && WHITESPACE.has(s[i])) i++;
    if (i >= s.length) {
      tokens.push({ kind: 'eos', text: '' });
      return tokens;
    }
    const c = s[i];
    if (SPECIAL.has(c)) {
      // The only two-character operators are != and ==; everything else is one character.
      const two = s.slice(i, i + 2);
      if (two === '!=' || two === '==') {
        tokens.push({ kind: two, text: two });
        i += 2;
      } else {
        tokens.push({ kind: c as TokenKind, text: c });
        i += 1;
      }
      continue;
    }
    let j = i;
    while (j < s.length && !SPECIAL.has(s[j]) && !WHITESPACE.has(s[j])) j++;
    const word = s.slice(i, j);
    tokens.push({ kind: word === 'in' || word === 'notin' ? word : 'ident', text: word });
    i = j;
  }
}

class ParseError extends Error {}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  // Where a value is expected, the keywords `in` and `notin` are ordinary identifiers.
  private peek(asValue = true): Token {
    const t = this.tokens[this.pos];
    return asValue && (t.kind === 'in' || t.kind === 'notin') ? { kind: 'ident', text: t.text } : t;
  }
  private next(asValue = true): Token {
    const t = this.peek(asValue);
    this.pos++;
    return t;
  }

  parse(): LabelRequirement[] {
    const out: LabelRequirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eos') return out;
      if (t.kind !== 'ident' && t.kind !== '!') throw new ParseError(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      try {
        out.push(this.requirement());
      } catch (e) {
        if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const after = this.next();
      if (after.kind === 'eos') return out;
      if (after.kind !== ',') throw new ParseError(`found '${after.text}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.kind !== 'ident' && following.kind !== '!') throw new ParseError(`found '${following.text}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let negated = false;
    let t = this.next();
    if (t.kind === '!') {
      negated = true;
      t = this.next();
    }
    if (t.kind !== 'ident') throw new ParseError(`found '${t.text}', expected: identifier`);
    const key = t.text;
    const keyErrs = labelKeyErrors(key);
    // kube validates the bare key without a field path, hence the literal "<nil>".
    if (keyErrs.length) throw new ParseError(invalidValue('<nil>', key, keyErrs.join('; ')));
    const la = this.peek();
    if (negated) return this.build(key, '!', []);
    if (la.kind === 'eos' || la.kind === ',') return this.build(key, 'exists', []);

    const opTok = this.next(false);
    let op: LabelOperator;
    switch (opTok.kind) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
      case '>':
      case '<':
        op = opTok.kind;
        break;
      default:
        throw new ParseError(`found '${opTok.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    const values = op === 'in' || op === 'notin' ? this.setValues() : this.exactValue();
    return this.build(key, op, [...new Set(values)].sort());
  }

  private build(key: string, op: LabelOperator, values: string[]): LabelRequirement {
    const errs = requirementErrors(key, op, values);
    if (errs.length) throw new ParseError(aggregate(errs));
    return { key, operator: op, values };
  }

  private setValues(): string[] {
    const open = this.next();
    if (open.kind !== '(') throw new ParseError(`found '${open.text}' expected: '('`);
    const first = this.peek();
    if (first.kind === ')') {
      this.next();
      return [''];
    }
    if (first.kind !== 'ident' && first.kind !== ',') throw new ParseError(`found '${first.text}', expected: ',', ')' or identifier`);
    const values: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'ident') {
        values.push(t.text);
        const la = this.peek();
        if (la.kind === ',') continue;
        if (la.kind === ')') break;
        throw new ParseError(`found '${la.text}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        // Empty entries such as "(,a)" or "(a,)" stand for the empty value.
        if (values.length === 0) values.push('');
        const la = this.peek();
        if (la.kind === ')') {
          values.push('');
          break;
        }
        if (la.kind === ',') values.push('');
      } else {
        throw new ParseError(`found '${t.text}', expected: ',', or identifier`);
      }
    }
    this.next(); // the ')' seen above
    return values;
  }

  private exactValue(): string[] {
    const la = this.peek();
    if (la.kind === 'eos' || la.kind === ',') return [''];
    const t = this.next();
    if (t.kind === 'ident') return [t.text];
    throw new ParseError(`found '${t.text}', expected: identifier`);
  }
}

/**
 * Parses a `labelSelector` query parameter: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`,
 * `a>1`, `a<1`, comma-separated (AND). Throws a 400 BadRequest StatusError worded like kube-apiserver.
 */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return new RequirementsSelector(new Parser(lex(s)).parse());
  } catch (e) {
    if (e instanceof ParseError) throw badRequest(e.message);
    throw e;
  }
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelector → selector, with LabelSelectorAsSelector's semantics: null/undefined selects
 * nothing, `{}` selects everything. Invalid keys, values or operators throw a 400 BadRequest.
 */
export function labelSelectorFromObject(
  sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined | null,
): LabelSelector {
  if (sel === null || sel === undefined) return NOTHING;
  const matchLabels = sel.matchLabels ?? {};
  const expressions = sel.matchExpressions ?? [];
  const reqs: LabelRequirement[] = [];
  for (const key of Object.keys(matchLabels)) {
    const values = [String(matchLabels[key])];
    const errs = requirementErrors(key, '=', values);
    if (errs.length) throw badRequest(aggregate(errs));
    reqs.push({ key, operator: '=', values });
  }
  for (const expr of expressions) {
    const op = EXPRESSION_OPERATORS[expr.operator];
    if (!op) throw badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    const raw = expr.values && expr.values.length ? [...expr.values] : null;
    const values = raw ?? [];
    const errs = requirementErrors(expr.key, op, values, raw);
    if (errs.length) throw badRequest(aggregate(errs));
    reqs.push({ key: expr.key, operator: op, values });
  }
  return new RequirementsSelector(reqs);
}

// ---------------------------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------------------------

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly empty: boolean;
  matches(obj: Record<string, unknown>): boolean;
  requirements: FieldRequirement[];
}

/** Splits on commas that are not backslash-escaped; the escapes stay in the terms. */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

/** The field is everything before the first operator (no escaping is possible there). */
function splitTerm(term: string): { lhs: string; op: (typeof TERM_OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let escaped = false;
  for (const c of s) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',' || c === '=') {
      // kube prints the rune's code point here; the character itself tells the user what to escape.
      throw badRequest(`invalid field selector: unescaped character in value: '${c}' (escape it as \\${c})`);
    } else {
      out += c;
    }
  }
  if (escaped) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Old clients send spec.host for pods; kube maps it to spec.nodeName. */
const FIELD_ALIASES: Record<string, Record<string, string>> = { '/pods': { 'spec.host': 'spec.nodeName' } };

function resourceKey(r: ResourceInfo): string {
  return `${r.group}/${r.resource}`;
}

/**
 * kube only registers field-label conversions for kinds with extra selectable fields; those reject
 * unknown labels with "field label not supported" and accept metadata.namespace only when the kind
 * is namespaced. Every other kind falls back to the metadata-only default, worded differently.
 */
function convertFieldLabel(r: ResourceInfo, label: string): string {
  const alias = FIELD_ALIASES[resourceKey(r)]?.[label];
  if (alias) return alias;
  if (r.fieldSelectors.length === 0) {
    if (label === 'metadata.name' || label === 'metadata.namespace') return label;
    throw badRequest(`"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
  }
  if (label === 'metadata.name' || (r.namespaced && label === 'metadata.namespace') || r.fieldSelectors.includes(label)) return label;
  throw badRequest(`field label not supported: ${label}`);
}

function walk(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function asFieldString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  return '';
}

type FieldGetter = (obj: Record<string, unknown>) => string;

const str = (path: string, fallback = ''): FieldGetter => (o) => asFieldString(walk(o, path)) || fallback;
// kube selects on the typed struct, so an absent bool is "false" and an absent count is "0".
const bool = (path: string): FieldGetter => (o) => (walk(o, path) === true ? 'true' : 'false');
const int = (path: string): FieldGetter => (o) => {
  const v = walk(o, path);
  return typeof v === 'number' ? String(Math.trunc(v)) : '0';
};

/**
 * Fields whose selectable value is not simply the JSON value at that path. The fallbacks are the
 * values kube's defaulting would have stored, so selection agrees with what tables show.
 */
const FIELD_GETTERS: Record<string, Record<string, FieldGetter>> = {
  '/pods': {
    'spec.hostNetwork': bool('spec.hostNetwork'),
    'spec.restartPolicy': str('spec.restartPolicy', 'Always'),
    'spec.schedulerName': str('spec.schedulerName', 'default-scheduler'),
    'status.phase': str('status.phase', 'Pending'),
    'status.podIP': (o) => {
      const ips = walk(o, 'status.podIPs');
      const first = Array.isArray(ips) && ips.length > 0 ? asFieldString((ips[0] as Record<string, unknown> | null)?.ip) : '';
      return first || asFieldString(walk(o, 'status.podIP'));
    },
  },
  '/nodes': { 'spec.unschedulable': bool('spec.unschedulable') },
  '/namespaces': { 'status.phase': str('status.phase', 'Active') },
  '/secrets': { type: str('type', 'Opaque') },
  '/services': { 'spec.type': str('spec.type', 'ClusterIP') },
  '/events': {
    source: (o) => asFieldString(walk(o, 'source.component')) || asFieldString(o.reportingController),
    reportingComponent: str('reportingController'),
  },
  'batch/jobs': { 'status.successful': int('status.succeeded') },
};

function fieldGetter(r: ResourceInfo, field: string): FieldGetter {
  return FIELD_GETTERS[resourceKey(r)]?.[field] ?? str(field);
}

/**
 * Parses a `fieldSelector` query parameter (`f=v`, `f==v`, `f!=v`, comma-separated, values escaped with
 * `\,` `\=` `\\`) and checks every field against what the resource supports. Errors are 400 BadRequest.
 */
export function parseFieldSelector(s: string, r: ResourceInfo): FieldSelector {
  const parsed: FieldRequirement[] = [];
  for (const term of splitTerms(s).sort()) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (!split) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    parsed.push({ field: split.lhs, op: split.op === '!=' ? '!=' : '=', value: unescapeValue(split.rhs) });
  }
  // Labels are checked only after the whole selector parsed, as kube does.
  const requirements = parsed.map((req) => ({ ...req, field: convertFieldLabel(r, req.field) }));
  const getters = requirements.map((req) => fieldGetter(r, req.field));
  return {
    empty: requirements.length === 0,
    requirements,
    matches(obj: Record<string, unknown>): boolean {
      return requirements.every((req, i) => (getters[i](obj) === req.value) === (req.op === '='));
    },
  };
}
