import React from 'react';
import { Badge, type BadgeColor } from '@grafana/ui';
import type { AlertState, ExecutionStatus, Severity } from '../api/types';

const SEVERITY_COLOR: Record<Severity, BadgeColor> = { info: 'blue', warning: 'orange', error: 'red', critical: 'red' };
const STATE_COLOR: Record<AlertState, BadgeColor> = { active: 'red', acknowledged: 'orange', suppressed: 'purple', resolved: 'green' };
const STATUS_COLOR: Record<ExecutionStatus, BadgeColor> = { success: 'green', degraded: 'orange', failed: 'red' };

export const SeverityBadge = ({ severity }: { severity: Severity }) => <Badge text={severity} color={SEVERITY_COLOR[severity]} icon={severity === 'critical' ? 'fire' : undefined} />;
export const AlertStateBadge = ({ state }: { state: AlertState }) => <Badge text={state} color={STATE_COLOR[state]} />;
export const StatusBadge = ({ status }: { status: ExecutionStatus }) => <Badge text={status} color={STATUS_COLOR[status]} />;
