// metav1.LabelSelector: validation of matchLabels/matchExpressions, matching against a label
// set, and the Go rendering kube-apiserver prints for a selector in an error message.

import { type Obj, isObj, objEntries, str, strArr, strMap } from './access.js';
import { type Causes, FieldPath, GoValue, forbidden, goQuote, goStringMap, goStringSlice, invalid, required } from './field.js';
import { isQualifiedName, isValidLabelValue } from './names.js';
import { validateLabels } from './object-meta.js';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

export function validateLabelSelector(selector: unknown, p: FieldPath): Causes {
  if (!isObj(selector)) return [];
  const causes: Causes = [...validateLabels(selector.matchLabels, p.child('matchLabels'))];
  for (const [i, expr] of objEntries(selector.matchExpressions)) {
    const ep = p.child('matchExpressions').index(i);
    const op = str(expr.operator);
    const values = strArr(expr.values);
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) causes.push(required(ep.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) causes.push(forbidden(ep.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      causes.push(invalid(ep.child('operator'), op, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(str(expr.key))) causes.push(invalid(ep.child('key'), str(expr.key), msg));
    values.forEach((v, vi) => {
      for (const msg of isValidLabelValue(v)) causes.push(invalid(ep.child('values').index(vi), v, msg));
    });
  }
  return causes;
}

/** Whether the selector can be turned into a matcher at all (kube: LabelSelectorAsSelector). */
export function selectorIsUsable(selector: unknown): boolean {
  if (!isObj(selector)) return true;
  for (const [, expr] of objEntries(selector.matchExpressions)) {
    const op = str(expr.operator);
    if (!OPERATORS.has(op)) return false;
    const n = strArr(expr.values).length;
    if ((op === 'In' || op === 'NotIn') && n === 0) return false;
    if ((op === 'Exists' || op === 'DoesNotExist') && n > 0) return false;
    if (isQualifiedName(str(expr.key)).length) return false;
  }
  for (const k of Object.keys(strMap(selector.matchLabels) ?? {})) if (isQualifiedName(k).length) return false;
  return true;
}

/** A present selector with neither matchLabels nor matchExpressions selects everything. */
export function selectorIsEmpty(selector: Obj): boolean {
  return Object.keys(strMap(selector.matchLabels) ?? {}).length === 0 && objEntries(selector.matchExpressions).length === 0;
}

/** Matches a label set; an absent selector matches nothing, as LabelSelectorAsSelector(nil) does. */
export function selectorMatches(selector: unknown, labels: Record<string, string> | undefined): boolean {
  if (!isObj(selector)) return false;
  const set = labels ?? {};
  for (const [k, v] of Object.entries(strMap(selector.matchLabels) ?? {})) if (set[k] !== v) return false;
  for (const [, expr] of objEntries(selector.matchExpressions)) {
    const key = str(expr.key);
    const has = Object.prototype.hasOwnProperty.call(set, key);
    const values = strArr(expr.values);
    switch (str(expr.operator)) {
      case 'In':
        if (!has || !values.includes(set[key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(set[key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The selector as Go's %#v prints a v1.LabelSelector, e.g. in "field is immutable" messages. */
export function goLabelSelector(selector: unknown): GoValue {
  if (!isObj(selector)) return new GoValue('null');
  const ml = isObj(selector.matchLabels) ? goStringMap(strMap(selector.matchLabels)).text : 'map[string]string(nil)';
  const exprs = objEntries(selector.matchExpressions).map(
    ([, e]) =>
      `v1.LabelSelectorRequirement{Key:${goQuote(str(e.key))}, Operator:${goQuote(str(e.operator))}, Values:${Array.isArray(e.values) ? goStringSlice(strArr(e.values)).text : '[]string(nil)'}}`,
  );
  const me = Array.isArray(selector.matchExpressions) ? `[]v1.LabelSelectorRequirement{${exprs.join(', ')}}` : '[]v1.LabelSelectorRequirement(nil)';
  return new GoValue(`v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`);
}
