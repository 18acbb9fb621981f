import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, TimeRange } from '@grafana/data';
import { Tooltip, useStyles2, useTheme2 } from '@grafana/ui';
import type { ExecutionSummary } from '../../api/types';
import { ms } from '../../utils/format';
import { testIds } from '../testIds';
import { getGraphStyles } from './graphStyles';

const STATUS_COLOUR: Record<string, (theme: GrafanaTheme2) => string> = {
  success: (theme) => theme.colors.success.main,
  degraded: (theme) => theme.colors.warning.main,
  failed: (theme) => theme.colors.error.main,
};

/**
 * Executions on the time axis of the range, one block each in its status colour (Grafana's state
 * timeline, for individual runs): a block starts where the run started and is at least a few pixels
 * wide. Clicking one opens that execution.
 */
export function StatusTimeline({ testId, executions, range, truncated, onSelect, selected }: { testId: string; executions: ExecutionSummary[]; range: TimeRange; truncated: boolean; onSelect: (id: number) => void; selected?: number }) {
  const g = useStyles2(getGraphStyles);
  const s = useStyles2(getStyles);
  const theme = useTheme2();
  const from = range.from.valueOf();
  const span = Math.max(1, range.to.valueOf() - from);
  const within = executions.filter((e) => Date.parse(e.startedAt) >= from && Date.parse(e.startedAt) <= from + span);
  return (
    <div className={g.tile} data-testid={testId} data-points={within.length}>
      <div className={g.title}>Executions</div>
      {within.length === 0 ? (
        <div className={g.empty} style={{ height: 32 }} data-testid={testIds.graph.empty}>No executions in this time range</div>
      ) : (
        <div className={s.track}>
          {within.map((e) => {
            const left = ((Date.parse(e.startedAt) - from) / span) * 100;
            const width = (e.durationMs / span) * 100;
            const label = `#${e.id} ${e.status} at ${new Date(e.startedAt).toISOString()}, ${ms(e.durationMs)}${e.errorType ? `, ${e.errorType}` : ''}`;
            return (
              <Tooltip key={e.id} content={label} placement="top">
                <button
                  type="button"
                  aria-label={label}
                  data-testid={testIds.workflowDetail.timelineItem(e.id)}
                  className={s.block}
                  style={{ left: `${left}%`, width: `max(4px, ${width}%)`, background: (STATUS_COLOUR[e.status] ?? STATUS_COLOUR.failed!)(theme), outline: selected === e.id ? `2px solid ${theme.colors.text.primary}` : undefined }}
                  onClick={() => onSelect(e.id)}
                />
              </Tooltip>
            );
          })}
        </div>
      )}
      <div className={g.note}>
        {within.length} execution(s){truncated ? ' — the newest of this range; narrow the range to see older ones' : ''}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  track: css({ position: 'relative', height: theme.spacing(4), background: theme.colors.background.secondary, borderRadius: theme.shape.radius.default, overflow: 'hidden' }),
  block: css({ position: 'absolute', top: 0, bottom: 0, border: 'none', padding: 0, cursor: 'pointer', opacity: 0.9, '&:hover': { opacity: 1 } }),
});
