import React from 'react';
import { css } from '@emotion/css';
import type { DataFrame, GrafanaTheme2, TimeRange } from '@grafana/data';
import { LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import type { SloStatus } from '../../api/types';
import { TimeSeriesGraph } from '../graphs/TimeSeriesGraph';
import { testIds } from '../testIds';
import { BudgetGauge } from './Budget';

const BURN_WINDOWS = ['5m', '30m', '1h', '6h', '24h', '72h'] as const;

export interface SloGraphFrames {
  burn: DataFrame[];
  budget: DataFrame[];
}

/**
 * One SLO in full: the budget gauge, the six burn rates, and the burn-rate and budget graphs over the
 * page's range. `graphs` is undefined until the page's query answered for this workflow (or when it failed:
 * `graphsFailed`, the page says why).
 */
export function SloDetail({ slo, graphs, graphsFailed, range }: { slo: SloStatus; graphs?: SloGraphFrames; graphsFailed?: boolean; range: TimeRange }) {
  const s = useStyles2(getStyles);
  const id = slo.workflowId;
  return (
    <div className={s.detail}>
      <BudgetGauge workflowId={id} remaining={slo.errorBudgetRemaining} />
      <div className={s.rates} data-testid={testIds.slos.burnRates(id)}>
        <span className={s.muted}>Burn rate</span>
        {BURN_WINDOWS.map((w) => (
          <span key={w} title={`bad fraction over the last ${w} ÷ the error budget fraction`}>
            {w}: <strong>{slo.burnRates[w].toFixed(2)}×</strong>
          </span>
        ))}
      </div>
      {graphs ? (
        <div className={s.graphs}>
          <TimeSeriesGraph title="Burn rate (1h window)" testId={testIds.slos.burnGraph(id)} frames={graphs.burn} range={range} min={0} height={180} note="1 spends the budget exactly over the SLO window" />
          <TimeSeriesGraph title="Error budget remaining" testId={testIds.slos.budgetGraph(id)} frames={graphs.budget} range={range} unit="percent" height={180} />
        </div>
      ) : graphsFailed ? (
        <div className={s.muted}>The graphs could not be loaded.</div>
      ) : (
        <LoadingPlaceholder text="Loading graphs…" />
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  detail: css({ padding: theme.spacing(1, 1, 0) }),
  muted: css({ color: theme.colors.text.secondary }),
  rates: css({ display: 'flex', gap: theme.spacing(2), flexWrap: 'wrap', margin: theme.spacing(1, 0, 2) }),
  // auto-fit (not the shared grid's auto-fill) drops empty tracks, so the two graphs share the whole width.
  graphs: css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(24rem, 1fr))', gap: theme.spacing(2), marginBottom: theme.spacing(2) }),
});
