import { evaluateCondition, type EvaluationTrigger, type Verdict } from './evaluateCondition';
import type { Condition, Quorum } from './ruleSchema';
import type { WorkflowFacts } from './workflowFacts';

/** How many of `locations` locations must fail: `min` capped at all of them, or the fraction rounded up (at least one). */
export function quorumNeeded(quorum: Quorum, locations: number): number {
  if ('min' in quorum) {
    return Math.max(1, Math.min(quorum.min, locations));
  }
  return Math.max(1, Math.ceil(quorum.fraction * locations - 1e-9));
}

function describeQuorum(quorum: Quorum, needed: number, locations: number): string {
  return 'min' in quorum ? `quorum ${needed} of ${locations}` : `quorum ${quorum.fraction * 100}% = ${needed} of ${locations}`;
}

/** A verdict over several locations, naming the ones where the condition holds. */
export type QuorumVerdict = Verdict & { failingLocations: string[] };

/**
 * Judges `condition` in each location on that location's own executions and combines them: firing
 * when at least the quorum fail, clear when fewer fail than the quorum even counting every location
 * that has no verdict yet, unknown in between (a location still gathering samples could tip it).
 * The message names the failing locations and what was seen in each.
 */
export function evaluateQuorum(condition: Condition, quorum: Quorum, byLocation: Map<string, WorkflowFacts>, trigger: EvaluationTrigger, now = Date.now()): QuorumVerdict {
  const names = [...byLocation.keys()].sort();
  const needed = quorumNeeded(quorum, names.length);
  const verdicts = names.map((location) => ({ location, verdict: evaluateCondition(condition, byLocation.get(location)!, trigger, now) }));
  const failing = verdicts.filter((v) => v.verdict.state === 'firing');
  const unknown = verdicts.filter((v) => v.verdict.state === 'unknown');
  const failingLocations = failing.map((v) => v.location);
  const how = describeQuorum(quorum, needed, names.length);
  const details = failing.map((v) => `${v.location}: ${v.verdict.message}`).join('; ');
  if (failing.length >= needed) {
    return { state: 'firing', value: failing.length, message: `failing in ${failing.length} of ${names.length} locations (${failingLocations.join(', ')}; ${how}) — ${details}`, failingLocations };
  }
  if (failing.length + unknown.length < needed) {
    const which = failing.length > 0 ? ` (${failingLocations.join(', ')})` : '';
    return { state: 'clear', value: failing.length, message: `failing in ${failing.length} of ${names.length} locations${which}, fewer than the ${how}${details ? ` — ${details}` : ''}`, failingLocations };
  }
  if (trigger === 'timer' && unknown.length === verdicts.length) {
    return { state: 'unknown', message: unknown[0]?.verdict.message ?? 'no locations', failingLocations };
  }
  return {
    state: 'unknown',
    message: `failing in ${failing.length} of ${names.length} locations; ${unknown.map((v) => v.location).join(', ')} not judged yet (${how})`,
    failingLocations,
  };
}
