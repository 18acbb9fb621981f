import React from 'react';
import { useStyles2 } from '@grafana/ui';
import type { Step } from '../api/types';
import { ms } from '../utils/format';
import { getTableStyles } from './tableStyles';

/** `exists` / `not exists` never store the value: their message says what kind of value was there. */
function failureText(as: { expected?: unknown; actual?: unknown; message?: string }): string {
  return as.actual === undefined && as.message ? as.message : `expected ${JSON.stringify(as.expected)}, got ${JSON.stringify(as.actual)}`;
}

/**
 * An execution's steps, one row per attempt (delay waited, duration, HTTP status, error type, the
 * server certificate of an HTTPS attempt), with the assertion results and extracted variable names under the last attempt. Used by the
 * workflow detail page and the editor's test run.
 */
export function ExecutionSteps({ steps, testId }: { steps: Step[]; testId?: string }) {
  const s = useStyles2(getTableStyles);
  return (
    <table className={s.table} data-testid={testId}>
      <thead>
        <tr><th>Step</th><th>Attempt</th><th>Waited before</th><th>Took</th><th>HTTP</th><th>Error type</th><th>Error / assertions</th></tr>
      </thead>
      <tbody>
        {steps.flatMap((step) =>
          (step.attempts.length > 0 ? step.attempts : [null]).map((a, i) => (
            <tr key={`${step.position}-${i}`}>
              <td>{i === 0 ? `${step.position + 1}. ${step.name} (${step.status})` : ''}</td>
              <td>{a ? a.number : '–'}</td>
              <td>{a ? ms(a.delayMs) : '–'}</td>
              <td>{a ? ms(a.durationMs) : '–'}</td>
              <td>{a?.httpStatus ?? ''}</td>
              <td>{a?.errorType ?? ''}</td>
              <td>
                {a?.errorMessage ?? (a ? '' : step.errorMessage ?? '')}
                {a?.tls && (
                  <div className={s.muted}>
                    certificate {a.tls.subject} (issuer {a.tls.issuer}): {a.tls.daysRemaining} days left, until {a.tls.validTo}
                  </div>
                )}
                {i === Math.max(step.attempts.length - 1, 0) && (
                  <>
                    {step.assertions.map((as) => (
                      <div key={as.assertion} className={as.passed ? s.muted : undefined}>
                        {as.passed ? '✓' : '✗'} {as.assertion}{as.passed ? '' : ` — ${failureText(as)}`}
                      </div>
                    ))}
                    {step.extracted.length > 0 && <div className={s.muted}>extracted: {step.extracted.join(', ')}</div>}
                  </>
                )}
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
