import type { Pool } from '../db/pool';
import type { Logger } from '../log/logger';
import { regexProblem } from '../regex/safeRegex';
import { checkCustomExpression } from './customExpression';
import type { Condition } from './ruleSchema';
import { disableRule, listRules } from './ruleStore';

/**
 * What a stored condition fails of today's checks, with its path: regexes must run on the
 * linear-time engine, custom expressions may not compute member names. Rules saved before those
 * checks existed may hold either.
 */
export function storedConditionProblem(condition: Condition): string | undefined {
  if (condition.type === 'pattern') {
    const problem = regexProblem(condition.regex, condition.caseInsensitive ? 'i' : '');
    return problem ? `condition.regex: cannot be used: ${problem}` : undefined;
  }
  if (condition.type === 'custom') {
    const check = checkCustomExpression(condition.expression);
    return check.ok ? undefined : `condition.expression: ${check.message}`;
  }
  return undefined;
}

/**
 * Run on start, before the engine judges anything: an enabled rule whose stored condition fails
 * is disabled with the reason (`disabledReason` in the API, and a log line), never dropped; the
 * rules disabled so are logged again on every start until saved again, which clears the reason.
 * Idempotent, so replicas may start together.
 */
export async function vetStoredRules(pool: Pool, log: Logger): Promise<string[]> {
  const disabled: string[] = [];
  for (const rule of await listRules(pool)) {
    if (!rule.enabled) {
      if (rule.disabledReason) {
        log.warn({ ruleId: rule.id }, `alert rule "${rule.id}" stays ${rule.disabledReason}`);
      }
      continue;
    }
    const problem = storedConditionProblem(rule.condition);
    if (!problem) {
      continue;
    }
    const reason = `disabled on start: ${problem}`;
    if (await disableRule(pool, rule.id, reason)) {
      disabled.push(rule.id);
      log.error({ ruleId: rule.id, ...(rule.sourceFile ? { file: rule.sourceFile } : {}) }, `alert rule "${rule.id}" ${reason}; save a corrected rule to enable it`);
    }
  }
  return disabled;
}
