import type { Alert } from '../../api/types';

export type AlertAction = 'acknowledge' | 'unacknowledge' | 'resolve' | 'silence';
export const ACTION_LABEL: Record<AlertAction, string> = { acknowledge: 'Acknowledge', unacknowledge: 'Unacknowledge', resolve: 'Resolve', silence: 'Silence' };
export const ACTION_DONE: Record<AlertAction, string> = { acknowledge: 'Acknowledged', unacknowledge: 'Unacknowledged', resolve: 'Resolved', silence: 'Silenced' };

/** Which actions a state allows (the sidecar answers 409 to the others). */
export function actionsFor(alert: Alert): AlertAction[] {
  switch (alert.state) {
    case 'active':
      return ['acknowledge', 'resolve', 'silence'];
    case 'acknowledged':
      return ['unacknowledge', 'resolve', 'silence'];
    case 'suppressed':
      return ['resolve'];
    default:
      return [];
  }
}
