import React, { Fragment, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import type { DataFrame, GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, FilterInput, Icon, IconButton, useStyles2 } from '@grafana/ui';
import type { QueryResponse } from '../api/types';
import { seriesFrame, seriesOf } from '../components/graphs/frames';
import { LoadState, NoDataSource } from '../components/LoadState';
import { PageControls } from '../components/PageControls/PageControls';
import { ReportDownload } from '../components/ReportDownload';
import { BudgetBar } from '../components/slos/Budget';
import { SloDetail, type SloGraphFrames } from '../components/slos/SloDetail';
import { DEFAULT_SLO_SORT, filterSloRows, sortSloRows, timeToExhaustion, WORST_FIRST, type SloRow, type SloSort, type SloSortKey } from '../components/slos/sloRows';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { ROUTES } from '../constants';
import { usePageControls } from '../hooks/usePageControls';
import { useAsync } from '../hooks/useSidecar';
import { pct } from '../utils/format';
import { prefixRoute } from '../utils/utils.routing';

/** Points per graph: enough for a wide screen, few enough to stay cheap. */
const GRAPH_POINTS = 200;
const COLUMNS = 8;

/** One workflow's series of `refId` out of a query answered for several (series labelled by workflow). */
function workflowFrames(response: QueryResponse, refId: string, workflowId: string, name: string): DataFrame[] {
  const { times, series } = seriesOf(response, refId);
  const mine = series.find((s) => s.labels.workflow === workflowId);
  return mine ? [seriesFrame(refId, times, [{ name, values: mine.values }])] : [];
}

function SortHeader({ column, label, sort, onSort }: { column: SloSortKey; label: string; sort: SloSort; onSort: (column: SloSortKey) => void }) {
  const s = useStyles2(getStyles);
  const active = sort.key === column;
  return (
    <th aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className={s.sortButton} data-testid={testIds.slos.sort(column)} onClick={() => onSort(column)}>
        {label}
        {active && <Icon name={sort.descending ? 'arrow-down' : 'arrow-up'} size="sm" />}
      </button>
    </th>
  );
}

/**
 * Every workflow with an SLO in one sortable table (worst budget first), filtered by name or id; a row
 * expands to its gauge, burn rates and graphs over the picked range. Graphs are queried for the expanded
 * rows only, in one request for all of them.
 */
function Slos() {
  const controls = usePageControls();
  const { client, range, refreshKey } = controls;
  const s = useStyles2(getStyles);
  const t = useStyles2(getTableStyles);
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SloSort>(DEFAULT_SLO_SORT);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const slos = useAsync(client ? () => client.listSlos() : undefined, [client, refreshKey]);
  // Every workflow's name in one request, not one per SLO.
  const names = useAsync(client ? () => client.workflowVariables() : undefined, [client, refreshKey]);
  const rows = useMemo<SloRow[]>(() => {
    const nameOf = new Map((names.value?.workflows ?? []).map((w) => [w.id, w.name]));
    return (slos.value?.slos ?? []).map((slo) => ({ ...slo, name: nameOf.get(slo.workflowId) || slo.workflowId }));
  }, [slos.value, names.value]);
  const ids = useMemo(() => rows.map((row) => row.workflowId), [rows]);
  const shown = useMemo(() => sortSloRows(filterSloRows(rows, filter), sort), [rows, filter, sort]);
  const graphIds = shown.filter((row) => expanded.has(row.workflowId)).map((row) => row.workflowId).sort();
  const graphs = useAsync(
    client && graphIds.length > 0
      ? async () => {
          const response = await client.query({
            from,
            to,
            intervalMs: Math.ceil((to - from) / GRAPH_POINTS),
            maxDataPoints: GRAPH_POINTS,
            targets: [
              { refId: 'burn', metric: 'burn_rate', workflowIds: graphIds, groupBy: 'workflow', burnRateWindow: '1h' },
              { refId: 'budget', metric: 'error_budget_remaining', workflowIds: graphIds, groupBy: 'workflow' },
            ],
          });
          return { ids: graphIds, response };
        }
      : undefined,
    [client, graphIds.join('\n'), from, to, refreshKey]
  );
  const framesById = useMemo(() => {
    const byId = new Map<string, SloGraphFrames>();
    const answered = graphs.value;
    if (answered) {
      for (const id of answered.ids) {
        byId.set(id, { burn: workflowFrames(answered.response, 'burn', id, 'burn rate'), budget: workflowFrames(answered.response, 'budget', id, 'budget remaining') });
      }
    }
    return byId;
  }, [graphs.value]);
  if (!client) {
    return (
      <PluginPage>
        <PageControls controls={controls} />
        <NoDataSource />
      </PluginPage>
    );
  }
  const onSort = (column: SloSortKey) => setSort((current) => (current.key === column ? { key: column, descending: !current.descending } : WORST_FIRST[column]));
  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(id)) {
        next.add(id);
      }
      return next;
    });
  const workflowLink = (id: string) => `${prefixRoute(`${ROUTES.Workflows}/${encodeURIComponent(id)}`)}${controls.linkSearch}`;
  return (
    <PluginPage>
      <div data-testid={testIds.slos.container}>
        <PageControls controls={controls} />
        <LoadState loading={slos.loading && !slos.value} error={slos.error} onRetry={slos.reload}>
          {rows.length === 0 ? (
            <div data-testid={testIds.slos.empty}>
              <Alert severity="info" title="No workflow declares an SLO">
                Add an <code>slo</code> to a workflow&apos;s definition (its YAML file, the API, or the SLO fields in the workflow editor), for
                example <code>{'slo: { objective: 99.5, window: 30d }'}</code>: the objective in percent (50–99.999) of runs that succeed or
                are degraded, over a window of 1d to 90d. Missed runs count as bad.
              </Alert>
            </div>
          ) : (
            <>
              <div className={s.toolbar}>
                <div className={s.filter}>
                  <FilterInput value={filter} onChange={setFilter} escapeRegex={false} placeholder="Filter by workflow name or id" width={40} data-testid={testIds.slos.filter} />
                  <span className={t.muted} data-testid={testIds.slos.shown}>
                    {shown.length === rows.length ? `${rows.length} SLOs` : `${shown.length} of ${rows.length} SLOs`}
                  </span>
                </div>
                <ReportDownload client={client} range={range} workflowIds={ids} />
              </div>
              {names.error && (
                <div data-testid={testIds.slos.namesError}>
                  <Alert severity="warning" title="Workflow names could not be loaded: rows show ids">{names.error.message}</Alert>
                </div>
              )}
              {graphs.error && <Alert severity="warning" title="The SLO graphs could not be loaded">{graphs.error.message}</Alert>}
              <table className={t.table}>
                <thead>
                  <tr>
                    <th className={s.expandColumn} />
                    <SortHeader column="workflow" label="Workflow" sort={sort} onSort={onSort} />
                    <SortHeader column="objective" label="Objective" sort={sort} onSort={onSort} />
                    <SortHeader column="sli" label="SLI" sort={sort} onSort={onSort} />
                    <SortHeader column="budget" label="Budget remaining" sort={sort} onSort={onSort} />
                    <SortHeader column="burn1h" label="Burn rate 1h" sort={sort} onSort={onSort} />
                    <SortHeader column="burn6h" label="Burn rate 6h" sort={sort} onSort={onSort} />
                    <SortHeader column="exhaustion" label="Budget exhausted" sort={sort} onSort={onSort} />
                  </tr>
                </thead>
                <tbody>
                  {shown.map((row) => {
                    const id = row.workflowId;
                    const open = expanded.has(id);
                    return (
                      <Fragment key={id}>
                        <tr data-testid={testIds.slos.row(id)} className={open ? s.openRow : undefined}>
                          <td>
                            <IconButton
                              name={open ? 'angle-down' : 'angle-right'}
                              aria-label={`${open ? 'Hide' : 'Show'} the details of ${row.name}`}
                              aria-expanded={open}
                              data-testid={testIds.slos.expand(id)}
                              onClick={() => toggle(id)}
                            />
                          </td>
                          <td data-testid={testIds.slos.name(id)}>
                            <Link to={workflowLink(id)}>{row.name}</Link>
                            {row.name !== id && <span className={s.id}>{id}</span>}
                          </td>
                          <td>
                            {pct(row.objective)} <span className={t.muted}>over {row.window}</span>
                          </td>
                          <td data-testid={testIds.slos.sli(id)}>
                            {row.sli === null ? '–' : pct(row.sli)}{' '}
                            <span className={row.sli !== null && row.sli < row.objective ? s.bad : t.muted}>
                              {row.sli === null ? 'nothing ran in the window' : row.sli >= row.objective ? 'meets the objective' : 'below the objective'}
                            </span>
                          </td>
                          <td>
                            <BudgetBar workflowId={id} remaining={row.errorBudgetRemaining} />
                          </td>
                          <td data-testid={testIds.slos.burn1h(id)} className={row.burnRates['1h'] > 1 ? s.bad : undefined}>
                            {row.burnRates['1h'].toFixed(2)}×
                          </td>
                          <td data-testid={testIds.slos.burn6h(id)} className={row.burnRates['6h'] > 1 ? s.bad : undefined}>
                            {row.burnRates['6h'].toFixed(2)}×
                          </td>
                          <td data-testid={testIds.slos.exhaustion(id)} title="at the 6h burn rate">
                            {timeToExhaustion(row.budgetExhaustedAt)}
                          </td>
                        </tr>
                        {open && (
                          <tr data-testid={testIds.slos.detail(id)}>
                            <td colSpan={COLUMNS}>
                              <SloDetail slo={row} graphs={framesById.get(id)} graphsFailed={Boolean(graphs.error)} range={range} />
                            </td>
                          </tr>
                        )}
                      </Fragment>
                    );
                  })}
                  {shown.length === 0 && (
                    <tr>
                      <td colSpan={COLUMNS} className={t.muted} data-testid={testIds.slos.noMatch}>
                        No workflow with an SLO matches “{filter.trim()}”.
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </>
          )}
        </LoadState>
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  toolbar: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: theme.spacing(2), flexWrap: 'wrap', marginBottom: theme.spacing(2) }),
  filter: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(2) }),
  sortButton: css({
    all: 'unset',
    cursor: 'pointer',
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}` },
  }),
  expandColumn: css({ width: theme.spacing(5) }),
  openRow: css({ background: theme.colors.background.secondary }),
  id: css({ color: theme.colors.text.secondary, marginLeft: theme.spacing(1), fontSize: theme.typography.bodySmall.fontSize }),
  bad: css({ color: theme.colors.warning.text }),
});

export default Slos;
