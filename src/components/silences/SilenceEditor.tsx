import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert as GrafanaAlert,
  Button,
  Checkbox,
  Drawer,
  Field,
  Input,
  MultiSelect,
  RadioButtonGroup,
  Stack,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import { SidecarClient, SidecarError } from '../../api/client';
import { SEVERITIES, type Silence } from '../../api/types';
import { AlertStateBadge, SeverityBadge } from '../Badges';
import { LabelRowsEditor } from '../LabelRowsEditor';
import { LoadState } from '../LoadState';
import { getTableStyles } from '../tableStyles';
import { testIds } from '../testIds';
import { useAsync } from '../../hooks/useSidecar';
import {
  draftMatchers,
  draftStart,
  newSilenceDraft,
  silenceInputFromDraft,
  silenceServerErrors,
  type FieldErrors,
  type SilenceDraft,
} from './silenceDraft';
import { hasMatchers, matchersCover } from './silenceMatching';

/** How many open alerts the preview reads at most (newest first). */
const PREVIEW_LIMIT = 2000;

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginTop: theme.spacing(2) }),
  heading: css({ fontSize: theme.typography.h5.fontSize, margin: theme.spacing(2, 0, 1) }),
});

function Preview({ client, draft }: { client: SidecarClient; draft: SilenceDraft }) {
  const s = useStyles2(getTableStyles);
  // "Later" is judged against when the form opened: a form open for long says so a little late.
  const [openedAt] = useState(() => Date.now());
  const styles = useStyles2(getStyles);
  // Active and acknowledged alerts are what a new silence turns into suppressed ones.
  const open = useAsync(() => client.listAlertsUpTo({ state: 'active,acknowledged' }, PREVIEW_LIMIT), [client]);
  const matchers = draftMatchers(draft);
  const matching =
    open.value && hasMatchers(matchers) ? open.value.alerts.filter((a) => matchersCover(matchers, a)) : [];
  const start = draftStart(draft);
  const later = start !== undefined && start > openedAt;
  let summary: string;
  if (!hasMatchers(matchers)) {
    summary = 'Add a workflow, label or severity to see the open alerts this silence covers.';
  } else if (draft.kind === 'recurring') {
    summary = `${matching.length} open alert${matching.length === 1 ? '' : 's'} match; they are suppressed during each window of the schedule.`;
  } else if (later) {
    summary = `Starts ${new Date(start).toLocaleString()}: nothing is suppressed before then. ${matching.length} open alert${matching.length === 1 ? '' : 's'} match now.`;
  } else {
    summary = `${matching.length} open alert${matching.length === 1 ? '' : 's'} would be silenced now.`;
  }
  return (
    <div data-testid={testIds.silences.preview}>
      <h4 className={styles.heading}>Preview</h4>
      <LoadState loading={open.loading} error={open.error} onRetry={open.reload}>
        <p>
          {summary}
          {open.value?.truncated ? ` (among the newest ${PREVIEW_LIMIT} open alerts)` : ''}
        </p>
        {matching.length > 0 && (
          <table className={s.table}>
            <thead>
              <tr>
                <th>Severity</th>
                <th>State</th>
                <th>Alert</th>
                <th>Workflow</th>
                <th>Labels</th>
              </tr>
            </thead>
            <tbody>
              {matching.map((a) => (
                <tr key={a.id} data-testid={testIds.silences.previewRow(a.id)}>
                  <td>
                    <SeverityBadge severity={a.severity} />
                  </td>
                  <td>
                    <AlertStateBadge state={a.state} />
                  </td>
                  <td>{a.title}</td>
                  <td>{a.workflowId}</td>
                  <td className={s.muted}>
                    {Object.entries(a.labels)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadState>
    </div>
  );
}

/**
 * Creates a silence or a maintenance window: matchers (workflows, labels, severities), when it
 * starts and ends, a cron recurrence for maintenance windows, a comment; the signed-in user is sent
 * as `createdBy` (Grafana's X-Grafana-User wins on the sidecar when the proxy forwards it). The
 * preview lists the open alerts the matchers cover, with the sidecar's matching rules.
 */
export function SilenceEditor(props: {
  client: SidecarClient;
  user: string;
  workflows: Array<{ id: string; name: string }>;
  onClose: () => void;
  onSaved: (silence: Silence) => void;
}) {
  const { client, user, workflows, onClose, onSaved } = props;
  const styles = useStyles2(getStyles);
  const [draft, setDraft] = useState<SilenceDraft>(newSilenceDraft);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<SilenceDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const field = (path: string) => ({
    'data-testid': testIds.silences.field(path),
    invalid: Boolean(errors[path]),
    error: errors[path],
  });

  const save = async () => {
    const built = silenceInputFromDraft(draft, user);
    if (built.errors) {
      setErrors(built.errors);
      setOtherErrors([]);
      return;
    }
    setBusy(true);
    try {
      onSaved(await client.createSilence(built.input));
    } catch (error) {
      const mapped = silenceServerErrors(error instanceof SidecarError ? error : new SidecarError(String(error), 0));
      setErrors(mapped.fields);
      setOtherErrors(mapped.other);
    } finally {
      setBusy(false);
    }
  };

  const workflowOptions = workflows.map((w) => ({ label: w.name, value: w.id, description: w.id }));
  const recurring = draft.kind === 'recurring';
  return (
    <Drawer title={recurring ? 'New maintenance window' : 'New silence'} size="md" onClose={onClose}>
      <form
        data-testid={testIds.silences.form}
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <Field label="Kind">
          <RadioButtonGroup<SilenceDraft['kind']>
            options={[
              { label: 'Silence', value: 'once', description: 'From a start for a while' },
              { label: 'Maintenance window', value: 'recurring', description: 'Every cron occurrence, for a window' },
            ]}
            value={draft.kind}
            onChange={(kind) => set({ kind })}
          />
        </Field>

        <Field
          label="Matchers"
          description="Alerts matching all of what is given are suppressed; at least one is needed"
          {...field('matchers')}
        >
          {/* Fragments: Field hands invalid/disabled to an element child, and a div would put them in the DOM. */}
          <>
            <Field label="Workflows" {...field('matchers.workflowIds')}>
              <MultiSelect
                inputId="silence-workflows"
                aria-label="Workflows"
                options={workflowOptions}
                value={draft.workflowIds}
                allowCustomValue
                placeholder="Any workflow"
                onChange={(values) => set({ workflowIds: values.map((v) => v.value!).filter(Boolean) })}
              />
            </Field>
            <Field
              label="Labels"
              description="The alert's labels must have exactly these values"
              {...field('matchers.labels')}
            >
              <LabelRowsEditor
                name="silence-matchers"
                rows={draft.labels}
                invalid={Boolean(errors['matchers.labels'])}
                onChange={(labels) => set({ labels })}
              />
            </Field>
            <Field label="Severities" {...field('matchers.severities')}>
              <>
                <Stack gap={2}>
                  {SEVERITIES.map((severity) => (
                    <Checkbox
                      key={severity}
                      label={severity}
                      data-testid={testIds.silences.severity(severity)}
                      value={draft.severities.includes(severity)}
                      onChange={(e) =>
                        set({
                          severities: e.currentTarget.checked
                            ? [...draft.severities, severity]
                            : draft.severities.filter((v) => v !== severity),
                        })
                      }
                    />
                  ))}
                </Stack>
              </>
            </Field>
          </>
        </Field>

        <div className={styles.section}>
          <Stack gap={2} wrap="wrap">
            <Field label={recurring ? 'In force from' : 'Starts'} {...field('startsAt')}>
              <>
                <Stack gap={1}>
                  <RadioButtonGroup<SilenceDraft['startMode']>
                    options={[
                      { label: 'Now', value: 'now' },
                      { label: 'At', value: 'at' },
                    ]}
                    value={draft.startMode}
                    onChange={(startMode) => set({ startMode })}
                  />
                  {draft.startMode === 'at' && (
                    <Input
                      aria-label="Starts at"
                      type="datetime-local"
                      value={draft.startsAt}
                      onChange={(e) => set({ startsAt: e.currentTarget.value })}
                    />
                  )}
                </Stack>
              </>
            </Field>
            <Field
              label={recurring ? 'In force until' : 'Ends'}
              description="At most 366 days after the start"
              data-testid={testIds.silences.field('end')}
              invalid={Boolean(errors.duration ?? errors.endsAt)}
              error={errors.duration ?? errors.endsAt}
            >
              <>
                <Stack gap={1}>
                  <RadioButtonGroup<SilenceDraft['endMode']>
                    options={[
                      { label: 'After', value: 'duration' },
                      { label: 'At', value: 'until' },
                    ]}
                    value={draft.endMode}
                    onChange={(endMode) => set({ endMode })}
                  />
                  {draft.endMode === 'duration' ? (
                    <Input
                      aria-label="Duration"
                      value={draft.duration}
                      placeholder="2h"
                      width={12}
                      onChange={(e) => set({ duration: e.currentTarget.value })}
                    />
                  ) : (
                    <Input
                      aria-label="Ends at"
                      type="datetime-local"
                      value={draft.endsAt}
                      onChange={(e) => set({ endsAt: e.currentTarget.value })}
                    />
                  )}
                </Stack>
              </>
            </Field>
          </Stack>
          {recurring && (
            <Stack gap={2} wrap="wrap">
              <Field
                label="Schedule (cron)"
                description="minute hour day-of-month month day-of-week; 0 2 * * 0 = Sundays at 02:00"
                {...field('recurrence.cron')}
              >
                <Input
                  aria-label="Cron"
                  value={draft.cron}
                  placeholder="0 2 * * 0"
                  onChange={(e) => set({ cron: e.currentTarget.value })}
                />
              </Field>
              <Field
                label="Window"
                description="How long each occurrence silences (1m to 7d)"
                {...field('recurrence.window')}
              >
                <Input
                  aria-label="Window"
                  value={draft.window}
                  placeholder="2h"
                  width={12}
                  onChange={(e) => set({ window: e.currentTarget.value })}
                />
              </Field>
              <Field label="Time zone" description="IANA name; empty: the sidecar's" {...field('recurrence.timezone')}>
                <Input
                  aria-label="Time zone"
                  value={draft.timezone}
                  placeholder="Europe/Berlin"
                  onChange={(e) => set({ timezone: e.currentTarget.value })}
                />
              </Field>
            </Stack>
          )}
        </div>

        <Field label="Comment" description={`Recorded with your name (${user})`} {...field('comment')}>
          <TextArea
            aria-label="Comment"
            rows={2}
            value={draft.comment}
            onChange={(e) => set({ comment: e.currentTarget.value })}
          />
        </Field>

        <Preview client={client} draft={draft} />

        {otherErrors.length > 0 && (
          <GrafanaAlert severity="error" title="The sidecar did not create the silence">
            {otherErrors.map((message) => (
              <div key={message}>{message}</div>
            ))}
          </GrafanaAlert>
        )}
        <div className={styles.section}>
          <Stack gap={1} justifyContent="flex-end">
            <Button variant="secondary" type="button" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" data-testid={testIds.silences.save} disabled={busy}>
              {recurring ? 'Create maintenance window' : 'Create silence'}
            </Button>
          </Stack>
        </div>
      </form>
    </Drawer>
  );
}
