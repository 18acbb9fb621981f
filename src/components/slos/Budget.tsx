import React, { useMemo } from 'react';
import { css, cx } from '@emotion/css';
import { FieldColorModeId, getDisplayProcessor, ThresholdsMode, VizOrientation, type FieldConfig, type GrafanaTheme2 } from '@grafana/data';
import { BarGaugeDisplayMode, BarGaugeValueMode } from '@grafana/schema';
import { BarGauge, useStyles2, useTheme2 } from '@grafana/ui';
import { pct } from '../../utils/format';
import { useWidth } from '../graphs/useWidth';
import { testIds } from '../testIds';

/** The gauge's colour steps: red below 25 % left, orange below 50 %. */
function budgetColorName(remaining: number): 'red' | 'orange' | 'green' {
  return remaining < 25 ? 'red' : remaining < 50 ? 'orange' : 'green';
}

/** A budget figure to one decimal, without a trailing ".0" (−900.0000001 → "-900 %"). */
function budgetPct(value: number): string {
  return pct(Math.round(value * 10) / 10);
}

/**
 * What the remaining figure means in budget spent: 100 % left is untouched, 0 % spent, and −800 % left
 * is 900 % used.
 */
export function budgetUsedText(remaining: number): string {
  const used = budgetPct(100 - remaining);
  return remaining < 0 ? `overspent: ${used} of the budget used` : `${used} of the budget used`;
}

/** The remaining budget in a table cell: a small bar (empty with a red outline when overspent) and the coloured figure. */
export function BudgetBar({ workflowId, remaining }: { workflowId: string; remaining: number }) {
  const s = useStyles2(getStyles);
  const theme = useTheme2();
  const color = theme.visualization.getColorByName(budgetColorName(remaining));
  const overspent = remaining < 0;
  return (
    <div className={s.cell} data-testid={testIds.slos.budgetBar(workflowId)} data-value={remaining} title={budgetUsedText(remaining)}>
      <span className={s.track} style={overspent ? { borderColor: color } : undefined}>
        <span className={s.fill} style={{ width: `${Math.min(100, Math.max(0, remaining))}%`, background: color }} />
      </span>
      <span style={{ color }}>{budgetPct(remaining)}</span>
      {overspent && <span className={s.muted}>overspent</span>}
    </div>
  );
}

/**
 * The remaining error budget on a bar from 0 to 100 %. An overspent budget (negative) draws the bar empty at
 * its minimum, in red, and says how much of the budget was used.
 */
export function BudgetGauge({ workflowId, remaining }: { workflowId: string; remaining: number }) {
  const s = useStyles2(getStyles);
  const theme = useTheme2();
  const [ref, width] = useWidth<HTMLDivElement>();
  const overspent = remaining < 0;
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
    // Below its minimum the gauge draws a stray line: the bar stays at 0, the text keeps the real figure.
    return { config: field, value: { ...display(remaining), numeric: Math.max(0, remaining), title: 'Error budget remaining' } };
  }, [remaining, theme]);
  return (
    <div>
      <div ref={ref} className={overspent ? s.overspentGauge : undefined} data-testid={testIds.slos.budget(workflowId)} data-value={remaining}>
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
      <div className={cx(s.caption, overspent ? s.overspent : s.muted)} data-testid={testIds.slos.budgetUsed(workflowId)}>
        {budgetUsedText(remaining)}
        {!overspent && ' (100 % left is untouched, 0 % is spent)'}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  cell: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), whiteSpace: 'nowrap' }),
  track: css({
    display: 'inline-block',
    width: theme.spacing(8),
    height: theme.spacing(1),
    borderRadius: theme.shape.radius.default,
    border: `1px solid ${theme.colors.border.weak}`,
    background: theme.colors.background.canvas,
    overflow: 'hidden',
  }),
  fill: css({ display: 'block', height: '100%' }),
  muted: css({ color: theme.colors.text.secondary }),
  caption: css({ marginTop: theme.spacing(0.5) }),
  overspent: css({ color: theme.colors.error.text, fontWeight: theme.typography.fontWeightMedium }),
  // The bar itself is empty at its minimum: the frame around it says the budget is gone.
  overspentGauge: css({ background: theme.colors.error.transparent, border: `1px solid ${theme.colors.error.border}`, borderRadius: theme.shape.radius.default }),
});
