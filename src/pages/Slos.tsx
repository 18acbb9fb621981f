import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { FieldColorModeId, getDisplayProcessor, ThresholdsMode, VizOrientation, type FieldConfig, type GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { BarGaugeDisplayMode, BarGaugeValueMode } from '@grafana/schema';
import { Alert, BarGauge, Stack, useStyles2, useTheme2 } from '@grafana/ui';
import type { QueryResponse, SloStatus } from '../api/types';
import { framesOf } from '../components/graphs/frames';
import { getGraphStyles } from '../components/graphs/graphStyles';
import { TimeSeriesGraph } from '../components/graphs/TimeSeriesGraph';
import { useWidth } from '../components/graphs/useWidth';
import { LoadState, NoDataSource } from '../components/LoadState';
import { PageControls } from '../components/PageControls/PageControls';
import { ReportDownload } from '../components/ReportDownload';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { usePageControls } from '../hooks/usePageControls';
import { useAsync } from '../hooks/useSidecar';
import { pct } from '../utils/format';

/** Points per graph: enough for a wide screen, few enough to stay cheap. */
const GRAPH_POINTS = 200;
const BURN_WINDOWS = ['5m', '30m', '1h', '6h', '24h', '72h'] as const;

/** "in 3d 4h" / "in 25m" until `iso`; "now" when it has passed; "not burning" without one. */
export function timeToExhaustion(iso: string | null, now = Date.now()): string {
  if (!iso) {
    return 'not burning';
  }
  const left = Date.parse(iso) - now;
  if (!Number.isFinite(left)) {
    return 'not burning';
  }
  if (left <= 0) {
    return 'exhausted';
  }
  const minutes = Math.floor(left / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) {
    return `in ${days}d ${hours}h`;
  }
  return hours > 0 ? `in ${hours}h ${minutes % 60}m` : `in ${Math.max(1, minutes)}m`;
}

/** The remaining error budget on a bar from 0 to 100 %, red below 25, orange below 50 (overspent shows its negative figure). */
function BudgetGauge({ workflowId, remaining }: { workflowId: string; remaining: number }) {
  const theme = useTheme2();
  const [ref, width] = useWidth<HTMLDivElement>();
  const { config, value } = useMemo(() => {
    const field: FieldConfig = {
      min: 0,
      max: 100,
      unit: 'percent',
      decimals: 1,
      color: { mode: FieldColorModeId.Thresholds },
      thresholds: {
        mode: ThresholdsMode.Absolute,
        steps: [
          { value: -Infinity, color: 'red' },
          { value: 25, color: 'orange' },
          { value: 50, color: 'green' },
        ],
      },
    };
    const display = getDisplayProcessor({ field: { config: field, type: 'number' as never }, theme });
    return { config: field, value: { ...display(remaining), title: 'Error budget remaining' } };
  }, [remaining, theme]);
  return (
    <div ref={ref} data-testid={testIds.slos.budget(workflowId)} data-value={remaining}>
      {width > 0 && (
        <BarGauge
          theme={theme}
          width={width}
          height={56}
          field={config}
          value={value}
          orientation={VizOrientation.Horizontal}
          displayMode={BarGaugeDisplayMode.Gradient}
          valueDisplayMode={BarGaugeValueMode.Color}
          showUnfilled
        />
      )}
    </div>
  );
}

function SloCard({ slo, series, range }: { slo: SloStatus; series?: QueryResponse; range: ReturnType<typeof usePageControls>['range'] }) {
  const s = useStyles2(getStyles);
  const t = useStyles2(getTableStyles);
  const g = useStyles2(getGraphStyles);
  const id = slo.workflowId;
  return (
    <div className={s.card} data-testid={testIds.slos.card(id)}>
      <h3>{id}</h3>
      <div className={t.cards}>
        <div className={t.card}>
          <div className={t.muted}>Objective</div>
          <div className={t.big}>{slo.objective} %</div>
          <div className={t.muted}>over {slo.window}</div>
        </div>
        <div className={t.card} data-testid={testIds.slos.sli(id)}>
          <div className={t.muted}>SLI</div>
          <div className={t.big}>{slo.sli === null ? '–' : pct(slo.sli)}</div>
          <div className={t.muted}>{slo.sli === null ? 'nothing ran in the window' : slo.sli >= slo.objective ? 'meets the objective' : 'below the objective'}</div>
        </div>
        <div className={t.card} data-testid={testIds.slos.exhaustion(id)}>
          <div className={t.muted}>Budget exhausted</div>
          <div className={t.big}>{timeToExhaustion(slo.budgetExhaustedAt)}</div>
          <div className={t.muted}>at the 6h burn rate</div>
        </div>
      </div>
      <BudgetGauge workflowId={id} remaining={slo.errorBudgetRemaining} />
      <div className={s.rates} data-testid={testIds.slos.burnRates(id)}>
        <span className={t.muted}>Burn rate</span>
        {BURN_WINDOWS.map((w) => (
          <span key={w} title={`bad fraction over the last ${w} ÷ the error budget fraction`}>
            {w}: <strong>{slo.burnRates[w].toFixed(2)}×</strong>
          </span>
        ))}
      </div>
      <div className={g.grid}>
        <TimeSeriesGraph title="Burn rate (1h window)" testId={testIds.slos.burnGraph(id)} frames={framesOf(series, 'burn')} range={range} min={0} height={180} note="1 spends the budget exactly over the SLO window" />
        <TimeSeriesGraph title="Error budget remaining" testId={testIds.slos.budgetGraph(id)} frames={framesOf(series, 'budget')} range={range} unit="percent" height={180} />
      </div>
    </div>
  );
}

/** Every workflow with an SLO: objective, SLI, budget left, burn rates and their history over the picked range. */
function Slos() {
  const controls = usePageControls();
  const { client, range, refreshKey } = controls;
  const s = useStyles2(getStyles);
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const slos = useAsync(client ? () => client.listSlos() : undefined, [client, refreshKey]);
  const ids = useMemo(() => (slos.value?.slos ?? []).map((slo) => slo.workflowId), [slos.value]);
  const series = useAsync(
    client && ids.length > 0
      ? async () => {
          const answers = await Promise.all(
            ids.map((id) =>
              client.query({
                from,
                to,
                intervalMs: Math.ceil((to - from) / GRAPH_POINTS),
                maxDataPoints: GRAPH_POINTS,
                targets: [
                  { refId: 'burn', metric: 'burn_rate', workflowIds: [id], burnRateWindow: '1h', alias: 'burn rate' },
                  { refId: 'budget', metric: 'error_budget_remaining', workflowIds: [id], alias: 'budget remaining' },
                ],
              })
            )
          );
          return new Map(ids.map((id, i) => [id, answers[i]!]));
        }
      : undefined,
    [client, ids.join('\n'), from, to, refreshKey]
  );
  if (!client) {
    return (
      <PluginPage>
        <PageControls controls={controls} />
        <NoDataSource />
      </PluginPage>
    );
  }
  const list = slos.value?.slos ?? [];
  return (
    <PluginPage>
      <div data-testid={testIds.slos.container}>
        <PageControls controls={controls} />
        <LoadState loading={slos.loading && !slos.value} error={slos.error} onRetry={slos.reload}>
          {list.length === 0 ? (
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
                <ReportDownload client={client} range={range} workflowIds={ids} />
              </div>
              {series.error && <Alert severity="warning" title="The SLO graphs could not be loaded">{series.error.message}</Alert>}
              <Stack direction="column" gap={2}>
                {list.map((slo) => (
                  <SloCard key={slo.workflowId} slo={slo} series={series.value?.get(slo.workflowId)} range={range} />
                ))}
              </Stack>
            </>
          )}
        </LoadState>
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
  }),
  rates: css({ display: 'flex', gap: theme.spacing(2), flexWrap: 'wrap', margin: theme.spacing(1, 0, 2) }),
  toolbar: css({ display: 'flex', justifyContent: 'flex-end', marginBottom: theme.spacing(2) }),
});

export default Slos;
