import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { useNavigate, useParams } from 'react-router-dom';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert as Callout,
  Button,
  ClipboardButton,
  ConfirmModal,
  Field,
  Input,
  Modal,
  RadioButtonGroup,
  Stack,
  Switch,
  Tab,
  TabContent,
  TabsBar,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import { SidecarError, type SidecarClient } from '../api/client';
import type { DryRunResult, Workflow } from '../api/types';
import { StatusBadge } from '../components/Badges';
import { ExecutionSteps } from '../components/ExecutionSteps';
import { KeyValueRows } from '../components/KeyValueRows';
import { PageControls } from '../components/PageControls/PageControls';
import { LoadState, NoDataSource } from '../components/LoadState';
import { StepEditor } from '../components/StepEditor';
import { testIds } from '../components/testIds';
import { ROUTES } from '../constants';
import { currentUser, notify, useAsync } from '../hooks/useSidecar';
import { usePageControls } from '../hooks/usePageControls';
import { curlToStep } from '../utils/curlToStep';
import { ms } from '../utils/format';
import { prefixRoute } from '../utils/utils.routing';
import {
  RETRY_PRESETS,
  RETRY_STRATEGIES,
  definitionToDraft,
  draftToDefinition,
  emptyDraft,
  emptyStep,
  nextStepName,
  placeErrors,
  stepDraftFromDefinition,
  type RetryStrategyChoice,
  type ScheduleKind,
  type StepDraft,
  type WorkflowDraft,
} from '../utils/workflowDraft';
import { WORKFLOW_TEMPLATES } from '../utils/workflowTemplates';
import { definitionToYaml, describeProblem, parseYaml } from '../utils/workflowYaml';

const ids = testIds.workflowEditor;

const SCHEDULE_OPTIONS: Array<{ label: string; value: ScheduleKind; description: string }> = [
  { label: 'Every', value: 'every', description: 'A fixed interval' },
  { label: 'Cron', value: 'cron', description: 'A cron expression in a time zone' },
  { label: 'Push', value: 'push', description: 'A job elsewhere reports its result' },
];
const STRATEGY_OPTIONS: Array<{ label: string; value: RetryStrategyChoice }> = [
  { label: 'Not set (default)', value: '' },
  ...RETRY_STRATEGIES.map((value) => ({ label: value, value })),
];

/** A workflow id from its name, while the id has not been typed by hand: "Checkout flow" → "checkout-flow". */
export function idFromName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '').slice(0, 63);
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginTop: theme.spacing(3) }),
  heading: css({ fontSize: theme.typography.h4.fontSize, marginBottom: theme.spacing(1) }),
  toolbar: css({ display: 'flex', gap: theme.spacing(1), flexWrap: 'wrap', alignItems: 'center', marginBottom: theme.spacing(2) }),
  templates: css({ display: 'flex', gap: theme.spacing(1), flexWrap: 'wrap', alignItems: 'center', marginBottom: theme.spacing(2) }),
  muted: css({ color: theme.colors.text.secondary }),
  yaml: css({ fontFamily: theme.typography.fontFamilyMonospace, minHeight: '24rem' }),
  tabContent: css({ paddingTop: theme.spacing(2) }),
  result: css({ marginTop: theme.spacing(3), padding: theme.spacing(2), border: `1px solid ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default }),
});

interface EditorProps {
  client: SidecarClient;
  /** The saved workflow, or undefined for a new one. */
  workflow?: Workflow;
}

function initialDraft(workflow?: Workflow): { draft: WorkflowDraft; problem?: string } {
  if (!workflow) {
    return { draft: emptyDraft() };
  }
  const read = definitionToDraft(workflow.definition);
  return read.ok ? { draft: read.draft } : { draft: emptyDraft(), problem: read.error };
}

function Editor({ client, workflow: loaded }: EditorProps) {
  const s = useStyles2(getStyles);
  const navigate = useNavigate();
  const user = currentUser();
  const [workflow, setWorkflow] = useState(loaded);
  const [initial] = useState(() => initialDraft(loaded));
  const [draft, setDraftState] = useState<WorkflowDraft>(initial.draft);
  const [tab, setTab] = useState<'form' | 'yaml'>('form');
  const [yamlText, setYamlText] = useState('');
  const [yamlProblems, setYamlProblems] = useState<string[]>([]);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>(() => (loaded?.loadError ? placeErrors({ [loaded.loadError.path]: loaded.loadError.message }).fields : {}));
  const [summary, setSummary] = useState<string[]>([]);
  const [busy, setBusy] = useState<'save' | 'test' | 'pause' | undefined>();
  const [result, setResult] = useState<DryRunResult>();
  const [curl, setCurl] = useState<{ text: string; error?: string }>();
  const [confirmDelete, setConfirmDelete] = useState(false);

  const isNew = !workflow;
  const fileDefined = workflow?.source === 'file';
  const readOnly = !user.canEdit || fileDefined;
  const converted = useMemo(() => draftToDefinition(draft), [draft]);
  const blocked = yamlProblems.length > 0 || Object.keys(converted.errors).length > 0;
  const error = (key: string): string | undefined => converted.errors[key] ?? serverErrors[key];
  const fieldError = (key: string) => ({ invalid: Boolean(error(key)), error: error(key) });

  /** Form edits; they discard YAML that did not parse (the form never waits on it). */
  const update = (change: (d: WorkflowDraft) => WorkflowDraft) => {
    setYamlProblems([]);
    setDraftState(change);
  };
  const set = (patch: Partial<WorkflowDraft>) => update((d) => ({ ...d, ...patch }));
  const setSteps = (steps: StepDraft[], reordered = false) => {
    if (reordered) {
      // Server errors name steps by position: after a move or removal they would point at the wrong one.
      setServerErrors({});
    }
    set({ steps });
  };

  const showYaml = () => {
    if (yamlProblems.length === 0) {
      setYamlText(definitionToYaml(converted.definition));
    }
    setTab('yaml');
  };
  const editYaml = (text: string) => {
    setYamlText(text);
    const parsed = parseYaml(text);
    if (!parsed.ok) {
      setYamlProblems(parsed.problems.map(describeProblem));
      return;
    }
    const read = definitionToDraft(parsed.value);
    if (!read.ok) {
      setYamlProblems([read.error]);
      return;
    }
    setYamlProblems([]);
    setDraftState(read.draft);
  };
  const applyTemplate = (definition: Record<string, unknown>) => {
    const read = definitionToDraft(definition);
    if (read.ok) {
      update(() => read.draft);
      setServerErrors({});
      setSummary([]);
      setResult(undefined);
      setYamlText(definitionToYaml(draftToDefinition(read.draft).definition));
    }
  };

  const showServerError = (e: unknown, what: string) => {
    const err = e instanceof SidecarError ? e : new SidecarError(String(e), 0);
    const byPath = err.fieldErrors();
    const placed = placeErrors(byPath);
    setServerErrors(placed.fields);
    setSummary(Object.keys(byPath).length > 0 ? placed.unplaced : [err.status === 429 ? `${err.message} (too many test runs at once: try again in a few seconds)` : err.message]);
    notify.error(`${what}: ${err.message}`);
  };

  const save = async () => {
    setBusy('save');
    try {
      const saved = isNew ? await client.createWorkflow(converted.definition) : await client.saveWorkflow(workflow.id, converted.definition);
      notify.success(`Workflow ${saved.id} saved`);
      navigate(prefixRoute(`${ROUTES.Workflows}/${encodeURIComponent(saved.id)}`));
    } catch (e) {
      showServerError(e, 'Not saved');
      setBusy(undefined);
    }
  };
  const test = async () => {
    setBusy('test');
    setResult(undefined);
    try {
      const run = await client.dryRun(converted.definition);
      setServerErrors({});
      setSummary([]);
      setResult(run);
    } catch (e) {
      showServerError(e, 'Test run refused');
    } finally {
      setBusy(undefined);
    }
  };
  const togglePaused = async () => {
    if (!workflow) {
      return;
    }
    setBusy('pause');
    try {
      // The stored definition with only `enabled` changed: unsaved form edits stay unsaved.
      const saved = await client.saveWorkflow(workflow.id, { ...workflow.definition, enabled: !workflow.enabled });
      setWorkflow(saved);
      setDraftState((d) => ({ ...d, enabled: saved.enabled }));
      notify.success(saved.enabled ? `${saved.id} resumed` : `${saved.id} paused: it is not scheduled until resumed`);
    } catch (e) {
      notify.error((e as Error).message);
    } finally {
      setBusy(undefined);
    }
  };
  const remove = async () => {
    if (!workflow) {
      return;
    }
    try {
      await client.deleteWorkflow(workflow.id);
      notify.success(`Workflow ${workflow.id} deleted (its executions stay for history)`);
      navigate(prefixRoute(ROUTES.Workflows));
    } catch (e) {
      setConfirmDelete(false);
      notify.error((e as Error).message);
    }
  };
  const importCurl = () => {
    if (!curl) {
      return;
    }
    const imported = curlToStep(curl.text);
    if (!imported.ok) {
      setCurl({ ...curl, error: imported.error });
      return;
    }
    const taken = new Set(draft.steps.map((st) => st.name));
    let name = imported.step.name;
    for (let n = 2; taken.has(name); n += 1) {
      name = `${imported.step.name} (${n})`;
    }
    const step = stepDraftFromDefinition({ ...imported.step, name });
    setSteps([...draft.steps, step]);
    setCurl(undefined);
    notify.success(`Step "${name}" added from the curl command`);
  };

  const copyText = () => (fileDefined && workflow ? definitionToYaml(workflow.definition) : definitionToYaml(converted.definition));
  const retryPreset = RETRY_PRESETS[draft.retryStrategy || 'default'];
  const isPush = draft.scheduleKind === 'push';
  const moveStep = (from: number, delta: -1 | 1) => {
    const steps = [...draft.steps];
    const [moved] = steps.splice(from, 1);
    steps.splice(from + delta, 0, moved!);
    setSteps(steps, true);
  };

  return (
    <div data-testid={ids.container}>
      {fileDefined && (
        <Callout severity="info" title={`Defined in ${workflow.sourceFile ?? 'a workflow file'}`} data-testid={ids.fileDefined}>
          This workflow is read from a file in WORKFLOWS_DIR: change the file to change it. Copy it as YAML to start an API-defined one from it.
        </Callout>
      )}
      {!user.canEdit && <Callout severity="info" title="Read only">Your Grafana role can view workflows; Editors create and change them.</Callout>}
      {initial.problem && <Callout severity="warning" title="The stored definition cannot be shown in the form">{initial.problem}</Callout>}
      {workflow?.loadError && (
        <Callout severity="warning" title="Not scheduled: the stored definition fails a check">
          {workflow.loadError.path}: {workflow.loadError.message}. Save a corrected definition to schedule it again.
        </Callout>
      )}
      {summary.length > 0 && (
        <Callout severity="error" title="The sidecar refused the definition" data-testid={ids.errorSummary}>
          {summary.map((line) => <div key={line}>{line}</div>)}
        </Callout>
      )}

      <div className={s.toolbar}>
        {!readOnly && (
          <Button data-testid={ids.save} icon="save" disabled={blocked || busy !== undefined} onClick={save}>
            {isNew ? 'Create workflow' : 'Save'}
          </Button>
        )}
        {user.canEdit && !fileDefined && (
          <Button data-testid={ids.test} variant="secondary" icon={busy === 'test' ? 'spinner' : 'play'} disabled={blocked || busy !== undefined} onClick={test} title="Run the definition once now; nothing is stored">
            Test
          </Button>
        )}
        {!readOnly && (
          <Button data-testid={ids.importCurl} variant="secondary" icon="import" disabled={isPush} onClick={() => setCurl({ text: '' })}>
            Import step from curl
          </Button>
        )}
        <ClipboardButton data-testid={ids.copyYaml} variant="secondary" icon="copy" getText={copyText} onClipboardCopy={() => notify.success('Copied the definition as YAML')}>
          Copy as YAML
        </ClipboardButton>
        {user.canEdit && workflow && !fileDefined && (
          <>
            <Button data-testid={ids.pause} variant="secondary" icon={workflow.enabled ? 'pause' : 'play'} disabled={busy !== undefined} onClick={togglePaused}>
              {workflow.enabled ? 'Pause' : 'Resume'}
            </Button>
            <Button data-testid={ids.delete} variant="destructive" icon="trash-alt" onClick={() => setConfirmDelete(true)}>
              Delete
            </Button>
          </>
        )}
        {blocked && <span className={s.muted}>Fix the errors marked below to test or save.</span>}
      </div>

      {isNew && user.canEdit && (
        <div className={s.templates}>
          <span className={s.muted}>Start from a template:</span>
          {WORKFLOW_TEMPLATES.map((t) => (
            <Button key={t.key} data-testid={ids.template(t.key)} size="sm" variant="secondary" tooltip={t.description} onClick={() => applyTemplate(t.definition)}>
              {t.title}
            </Button>
          ))}
        </div>
      )}

      <TabsBar>
        <Tab data-testid={ids.formTab} label="Form" active={tab === 'form'} onChangeTab={() => setTab('form')} />
        <Tab data-testid={ids.yamlTab} label="YAML" active={tab === 'yaml'} onChangeTab={showYaml} />
      </TabsBar>
      <TabContent className={s.tabContent}>
        {tab === 'yaml' ? (
          <>
            {Object.keys(converted.errors).length > 0 && (
              <Callout severity="warning" title="The form has values the YAML cannot hold yet">
                {Object.entries(converted.errors).map(([path, message]) => <div key={path}>{path}: {message}</div>)}
                Fix them in the form; until then the YAML below leaves them out and cannot be edited.
              </Callout>
            )}
            <TextArea
              data-testid={ids.yaml}
              className={s.yaml}
              rows={28}
              spellCheck={false}
              readOnly={readOnly || Object.keys(converted.errors).length > 0}
              value={yamlText}
              onChange={(e) => editYaml(e.currentTarget.value)}
            />
            {yamlProblems.length > 0 && (
              <Callout severity="error" title="The YAML does not parse; the form keeps the last version that did" data-testid={ids.yamlErrors}>
                {yamlProblems.map((p) => <div key={p}>{p}</div>)}
              </Callout>
            )}
          </>
        ) : (
          <>
            {yamlProblems.length > 0 && (
              <Callout severity="warning" title="The YAML tab has errors">
                The form shows the last version that parsed. Editing the form discards the YAML that does not parse.
              </Callout>
            )}
            <FormFields draft={draft} readOnly={readOnly} isNew={isNew} fieldError={fieldError} set={set} update={update} retryPreset={retryPreset} />

            <div className={s.section}>
              <div className={s.heading}>Steps</div>
              {isPush && (
                <p className={s.muted}>
                  A push workflow has no steps: the job that runs elsewhere reports with POST /api/v1/executions; no report within the expected interval plus grace is recorded as a failed, missed execution.
                </p>
              )}
              {error('steps') && <Callout severity="error" title={error('steps')!} />}
              {draft.steps.map((step, i) => (
                <StepEditor
                  key={i}
                  step={step}
                  index={i}
                  count={draft.steps.length}
                  disabled={readOnly}
                  error={error}
                  onChange={(next) => setSteps(draft.steps.map((st, j) => (j === i ? next : st)))}
                  onMove={(delta) => moveStep(i, delta)}
                  onRemove={() => setSteps(draft.steps.filter((_, j) => j !== i), true)}
                />
              ))}
              {!readOnly && !isPush && (
                <Stack gap={1}>
                  <Button data-testid={ids.addStep} variant="secondary" icon="plus" onClick={() => setSteps([...draft.steps, emptyStep(nextStepName(draft.steps))])}>
                    Add step
                  </Button>
                </Stack>
              )}
            </div>
          </>
        )}
      </TabContent>

      {result && (
        <div className={s.result} data-testid={ids.testResult}>
          <Stack gap={1} alignItems="center">
            <strong>Test run</strong>
            <StatusBadge status={result.status} />
            <span>{ms(result.durationMs)}</span>
            {result.errorType && <span className={s.muted}>{result.errorType}: {result.errorMessage ?? ''}</span>}
            <span className={s.muted}>nothing was stored</span>
          </Stack>
          <ExecutionSteps steps={result.steps} testId={ids.testAttempts} />
        </div>
      )}

      {curl && (
        <Modal title="Import a step from a curl command" isOpen onDismiss={() => setCurl(undefined)}>
          <Field label="curl command" description="-X, -H, -d/--data/--data-raw/--json, -u, -G, -I, --url; quotes and \ line continuations are read as a shell would" invalid={Boolean(curl.error)} error={curl.error}>
            <TextArea data-testid={ids.curlCommand} rows={8} className={s.yaml} value={curl.text} onChange={(e) => setCurl({ text: e.currentTarget.value })} placeholder={`curl -X POST -H 'Content-Type: application/json' -d '{"user":"demo"}' https://example.com/login`} />
          </Field>
          <Modal.ButtonRow>
            <Button variant="secondary" onClick={() => setCurl(undefined)}>Cancel</Button>
            <Button data-testid={ids.curlAdd} onClick={importCurl}>Add step</Button>
          </Modal.ButtonRow>
        </Modal>
      )}
      <ConfirmModal
        isOpen={confirmDelete}
        title={`Delete ${workflow?.id ?? ''}?`}
        body="The workflow stops being scheduled and disappears from the list. Its executions stay for history."
        confirmText="Delete"
        onConfirm={remove}
        onDismiss={() => setConfirmDelete(false)}
      />
    </div>
  );
}

/** Name, id, schedule, timeout, retry, labels, critical, enabled. */
function FormFields(props: {
  draft: WorkflowDraft;
  readOnly: boolean;
  isNew: boolean;
  fieldError: (key: string) => { invalid: boolean; error?: string };
  set: (patch: Partial<WorkflowDraft>) => void;
  update: (change: (d: WorkflowDraft) => WorkflowDraft) => void;
  retryPreset: (typeof RETRY_PRESETS)[keyof typeof RETRY_PRESETS];
}) {
  const { draft, readOnly, fieldError, set, retryPreset } = props;
  const s = useStyles2(getStyles);
  const text = (key: keyof WorkflowDraft) => ({
    value: draft[key] as string,
    disabled: readOnly,
    onChange: (e: React.FormEvent<HTMLInputElement>) => set({ [key]: e.currentTarget.value } as Partial<WorkflowDraft>),
  });
  return (
    <>
      <Stack gap={2} wrap="wrap" alignItems="flex-start">
        <Field label="Name" {...fieldError('name')}>
          <Input
            data-testid={ids.name}
            width={40}
            value={draft.name}
            disabled={readOnly}
            onChange={(e) => {
              const name = e.currentTarget.value;
              // The id follows the name until it is typed by hand.
              props.update((d) => ({ ...d, name, ...(props.isNew && (d.id === '' || d.id === idFromName(d.name)) ? { id: idFromName(name) } : {}) }));
            }}
          />
        </Field>
        <Field label="Id" description={props.isNew ? 'lowercase letters, digits, - and _; fixed once created' : 'fixed once created'} {...fieldError('id')}>
          <Input data-testid={ids.id} width={30} {...text('id')} disabled={readOnly || !props.isNew} />
        </Field>
        <Field label="Enabled" description="Paused workflows are not scheduled">
          <Switch data-testid={ids.enabled} value={draft.enabled} disabled={readOnly} onChange={() => set({ enabled: !draft.enabled })} />
        </Field>
        <Field label="Critical" description="Rules can scope to critical workflows">
          <Switch data-testid={ids.critical} value={draft.critical} disabled={readOnly} onChange={() => set({ critical: !draft.critical })} />
        </Field>
      </Stack>
      <Field label="Description" {...fieldError('description')}>
        <Input data-testid={ids.description} {...text('description')} />
      </Field>
      <Stack gap={2} wrap="wrap">
        <Field label="SLO objective" description="Percent of runs that succeed or are degraded, 50–99.999; empty: no SLO" {...fieldError('slo.objective')}>
          <Input data-testid={ids.sloObjective} width={16} placeholder="99.5" suffix="%" {...text('sloObjective')} />
        </Field>
        <Field label="SLO window" description="1d–90d, e.g. 30d" {...fieldError('slo.window')}>
          <Input data-testid={ids.sloWindow} width={12} placeholder="30d" {...text('sloWindow')} />
        </Field>
      </Stack>
      <Field label="Labels" description="Used by rules, silences, queries and template variables" {...fieldError('labels')}>
        <KeyValueRows testId={ids.labels} rows={draft.labels} disabled={readOnly} keyLabel="Label" valueLabel="Label value" keyPlaceholder="team" valuePlaceholder="payments" addLabel="Add label" onChange={(labels) => set({ labels })} />
      </Field>

      <div className={s.section}>
        <div className={s.heading}>Schedule</div>
        <Field label="Kind" {...fieldError('schedule')}>
          <RadioButtonGroup
            disabled={readOnly}
            options={SCHEDULE_OPTIONS}
            value={draft.scheduleKind}
            // Keys another kind left behind would only earn a refusal now that the kind was chosen by hand.
            onChange={(scheduleKind) => set({ scheduleKind, scheduleExtra: {} })}
          />
        </Field>
        {draft.scheduleKind === 'every' && (
          <Field label="Every" description="1s – 31d, e.g. 30s, 5m, 1h" {...fieldError('schedule.every')}>
            <Input data-testid={ids.every} width={16} placeholder="1m" {...text('every')} />
          </Field>
        )}
        {draft.scheduleKind === 'cron' && (
          <Stack gap={2} wrap="wrap">
            <Field label="Cron expression" description='Five fields, e.g. "*/5 * * * *"' {...fieldError('schedule.cron')}>
              <Input data-testid={ids.cron} width={24} placeholder="*/5 * * * *" {...text('cron')} />
            </Field>
            <Field label="Time zone" description="IANA name, e.g. Europe/Berlin; empty: the sidecar's local time zone" {...fieldError('schedule.timezone')}>
              <Input data-testid={ids.timezone} width={24} placeholder="UTC" {...text('timezone')} />
            </Field>
          </Stack>
        )}
        {draft.scheduleKind === 'push' && (
          <Stack gap={2} wrap="wrap">
            <Field label="Expected every" description="1s – 31d: how often the job reports" {...fieldError('schedule.push.expected')}>
              <Input data-testid={ids.pushExpected} width={16} placeholder="1h" {...text('pushExpected')} />
            </Field>
            <Field label="Grace" description="0 – 31d of lateness tolerated (default 0s)" {...fieldError('schedule.push.grace')}>
              <Input data-testid={ids.pushGrace} width={16} placeholder="5m" {...text('pushGrace')} />
            </Field>
          </Stack>
        )}
      </div>

      <div className={s.section}>
        <div className={s.heading}>Time limits</div>
        <Stack gap={2} wrap="wrap">
          <Field label="Timeout" description="Whole run, 100ms – 10m (default 30s)" {...fieldError('timeout')}>
            <Input data-testid={ids.timeout} width={16} placeholder="30s" {...text('timeout')} />
          </Field>
          <Field label="Degraded after" description="A success slower than this counts as degraded; 1ms – 10m" {...fieldError('degradedAfter')}>
            <Input data-testid={ids.degradedAfter} width={16} placeholder="e.g. 5s" {...text('degradedAfter')} />
          </Field>
        </Stack>
      </div>

      <div className={s.section}>
        <div className={s.heading}>Retries</div>
        <Field label="Strategy" description="default: 3 attempts from 1s; aggressive: 5 from 500ms; fast: 2 from 100ms. Numbers below override it field by field." {...fieldError('retry.strategy')}>
          <RadioButtonGroup disabled={readOnly} options={STRATEGY_OPTIONS} value={draft.retryStrategy} onChange={(retryStrategy) => set({ retryStrategy })} />
        </Field>
        <Stack gap={2} wrap="wrap">
          <Field label="Max attempts" description="1 – 10" {...fieldError('retry.maxAttempts')}>
            <Input data-testid={ids.retry('maxAttempts')} width={12} placeholder={String(retryPreset.maxAttempts)} {...text('maxAttempts')} />
          </Field>
          <Field label="Initial delay" description="100ms – 10s" {...fieldError('retry.initialDelay')}>
            <Input data-testid={ids.retry('initialDelay')} width={12} placeholder={retryPreset.initialDelay} {...text('initialDelay')} />
          </Field>
          <Field label="Max delay" description="1s – 5m" {...fieldError('retry.maxDelay')}>
            <Input data-testid={ids.retry('maxDelay')} width={12} placeholder={retryPreset.maxDelay} {...text('maxDelay')} />
          </Field>
          <Field label="Multiplier" description="1.5 – 10" {...fieldError('retry.multiplier')}>
            <Input data-testid={ids.retry('multiplier')} width={12} placeholder={String(retryPreset.multiplier)} {...text('multiplier')} />
          </Field>
          <Field label="Jitter" description="0 – 50 % (10% or 0.1)" {...fieldError('retry.jitter')}>
            <Input data-testid={ids.retry('jitter')} width={12} placeholder={retryPreset.jitter} {...text('jitter')} />
          </Field>
        </Stack>
      </div>
    </>
  );
}

/** Create (`workflows/new`) or edit (`workflows/:id/edit`) a workflow: form and YAML, test run, save. */
function WorkflowEditor() {
  const { id } = useParams<{ id: string }>();
  const controls = usePageControls();
  const { client } = controls;
  const loaded = useAsync(client && id ? () => client.getWorkflow(id) : undefined, [client, id]);
  if (!client) {
    return <PluginPage><NoDataSource /></PluginPage>;
  }
  return (
    <PluginPage pageNav={{ text: id ? `Edit ${id}` : 'New workflow' }}>
      <PageControls controls={controls} time={false} refresh={false} />
      {id ? (
        <LoadState loading={loaded.loading} error={loaded.error} onRetry={loaded.reload}>
          {loaded.value && loaded.value.id === id ? <Editor key={id} client={client} workflow={loaded.value} /> : null}
        </LoadState>
      ) : (
        <Editor key="new" client={client} />
      )}
    </PluginPage>
  );
}

export default WorkflowEditor;
