import type { SidecarError } from '../../api/client';
import type { Severity, SilenceInput, SilenceMatchers } from '../../api/types';
import { labelRecord, type LabelRow } from '../labelRows';
import { hasMatchers } from './silenceMatching';

/**
 * The silence form's model and how it becomes the body of POST /api/v1/silences (the sidecar's
 * `silenceInput` in backend-sidecar/src/alerts/alertRoutes.ts): matchers, start (now or a time),
 * end (a duration or a time), and for a maintenance window a cron recurrence with its window.
 */
export interface SilenceDraft {
  kind: 'once' | 'recurring';
  workflowIds: string[];
  labels: LabelRow[];
  severities: Severity[];
  startMode: 'now' | 'at';
  /** A `datetime-local` value, read in the browser's time zone. */
  startsAt: string;
  endMode: 'duration' | 'until';
  duration: string;
  endsAt: string;
  cron: string;
  window: string;
  timezone: string;
  comment: string;
}

export type FieldErrors = Partial<Record<string, string>>;

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  } catch {
    return '';
  }
}

export function newSilenceDraft(): SilenceDraft {
  return {
    kind: 'once',
    workflowIds: [],
    labels: [],
    severities: [],
    startMode: 'now',
    startsAt: '',
    endMode: 'duration',
    duration: '2h',
    endsAt: '',
    cron: '0 2 * * 0',
    window: '2h',
    timezone: browserTimeZone(),
    comment: '',
  };
}

/** The matchers as typed so far (the preview follows them before the form is complete). */
export function draftMatchers(d: SilenceDraft): SilenceMatchers {
  const labels = labelRecord(d.labels);
  const record = 'record' in labels ? labels.record : {};
  return {
    ...(d.workflowIds.length > 0 ? { workflowIds: d.workflowIds } : {}),
    ...(Object.keys(record).length > 0 ? { labels: record } : {}),
    ...(d.severities.length > 0 ? { severities: d.severities } : {}),
  };
}

function instant(local: string, path: string, errors: FieldErrors): string | undefined {
  const ms = local ? new Date(local).getTime() : NaN;
  if (Number.isNaN(ms)) {
    errors[path] = 'pick a date and time';
    return undefined;
  }
  return new Date(ms).toISOString();
}

/** When the silence starts, or undefined for now (also when the time is not filled in yet). */
export function draftStart(d: SilenceDraft): number | undefined {
  if (d.startMode === 'now' || !d.startsAt) {
    return undefined;
  }
  const ms = new Date(d.startsAt).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

export function silenceInputFromDraft(
  d: SilenceDraft,
  createdBy: string
): { input: SilenceInput; errors?: undefined } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const labels = labelRecord(d.labels);
  if ('problem' in labels) {
    errors['matchers.labels'] = labels.problem;
  }
  const matchers = draftMatchers(d);
  if (!hasMatchers(matchers) && !errors['matchers.labels']) {
    errors.matchers = 'add at least one workflow, label or severity: a silence never matches everything';
  }
  const startsAt = d.startMode === 'at' ? instant(d.startsAt, 'startsAt', errors) : undefined;
  const endsAt = d.endMode === 'until' ? instant(d.endsAt, 'endsAt', errors) : undefined;
  if (d.endMode === 'duration' && !d.duration.trim()) {
    errors.duration = 'required: how long the silence lasts (e.g. 2h, 3d)';
  }
  if (d.kind === 'recurring') {
    if (!d.cron.trim()) {
      errors['recurrence.cron'] = 'required';
    }
    if (!d.window.trim()) {
      errors['recurrence.window'] = 'required';
    }
  }
  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  return {
    input: {
      matchers,
      ...(startsAt ? { startsAt } : {}),
      ...(d.endMode === 'until' ? { endsAt } : { duration: d.duration.trim() }),
      ...(d.kind === 'recurring'
        ? {
            recurrence: {
              cron: d.cron.trim(),
              window: d.window.trim(),
              ...(d.timezone.trim() ? { timezone: d.timezone.trim() } : {}),
            },
          }
        : {}),
      createdBy,
      comment: d.comment,
    },
  };
}

const FIELDS = [
  'matchers',
  'matchers.workflowIds',
  'matchers.labels',
  'matchers.severities',
  'startsAt',
  'endsAt',
  'duration',
  'recurrence.cron',
  'recurrence.window',
  'recurrence.timezone',
  'comment',
];

/** The form field a server path belongs to (`matchers.labels.team` → matchers.labels, `matchers.severities[0]` → matchers.severities). */
export function silenceFieldForPath(path: string): string | undefined {
  const bare = path.replace(/\[\d+\]/g, '');
  const parts = bare.split('.');
  const key = parts[0] === 'matchers' || parts[0] === 'recurrence' ? parts.slice(0, 2).join('.') : parts[0]!;
  return FIELDS.includes(key) ? key : undefined;
}

export function silenceServerErrors(error: SidecarError): { fields: FieldErrors; other: string[] } {
  const fields: FieldErrors = {};
  const other: string[] = [];
  const details = Object.entries(error.fieldErrors());
  for (const [path, message] of details) {
    const field = silenceFieldForPath(path);
    if (field && !fields[field]) {
      fields[field] = message;
    } else if (!field) {
      other.push(`${path}: ${message}`);
    }
  }
  if (details.length === 0) {
    other.push(error.message);
  }
  return { fields, other };
}
