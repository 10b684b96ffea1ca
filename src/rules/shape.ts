import type * as z from 'zod';
import { DNS1123_LABEL, DNS1123_LABEL_MAX } from '../model/names';
import type { RuleId } from './finding';

/**
 * The rule id of a schema issue whose check is one of the rules `joinkey check` names: a name that
 * is not a DNS-1123 label (its pattern, or its length) is name-dns1123. Others are "input".
 */
export function shapeRule(issue: z.core.$ZodIssue): { rule?: RuleId } {
  const rule = ruleOf(issue);
  return rule ? { rule } : {};
}

function ruleOf(issue: z.core.$ZodIssue): RuleId | undefined {
  if (issue.code === 'invalid_key') return issue.issues[0] ? ruleOf(issue.issues[0]) : undefined;
  if (issue.code === 'invalid_format' && issue.pattern === String(DNS1123_LABEL)) return 'name-dns1123';
  if (issue.code === 'too_big' && issue.origin === 'string' && issue.maximum === DNS1123_LABEL_MAX) return 'name-dns1123';
  return undefined;
}
