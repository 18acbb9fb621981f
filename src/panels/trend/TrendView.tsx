import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2, useTheme2 } from '@grafana/ui';
import type { Direction } from '../../api/types';
import { testIds } from '../../components/testIds';

const ICON = { improving: 'arrow-up', stable: 'minus', degrading: 'arrow-down' } as const;

export function directionColour(theme: GrafanaTheme2, direction: Direction | null): string {
  return direction === 'improving' ? theme.colors.success.text : direction === 'degrading' ? theme.colors.error.text : theme.colors.text.secondary;
}

/** "↑ improving" in the direction's colour (also used by the app's overview). */
export function DirectionText({ direction }: { direction: Direction | null }) {
  const theme = useTheme2();
  if (!direction) {
    return null;
  }
  return (
    <span data-testid={testIds.trendPanel.direction} style={{ color: directionColour(theme, direction) }}>
      <Icon name={ICON[direction]} /> {direction}
    </span>
  );
}

/** A sparkline in an SVG that scales with the panel (no fixed pixel sizes). */
export function Sparkline({ values, colour }: { values: Array<number | null>; colour: string }) {
  const points = values.map((v, i) => (typeof v === 'number' ? [i, v] : null)).filter((p): p is number[] => p !== null);
  if (points.length < 2) {
    return null;
  }
  const ys = points.map((p) => p[1]!);
  const min = Math.min(...ys);
  const span = Math.max(...ys) - min || 1;
  const d = points.map(([x, y]) => `${(x! / (values.length - 1)) * 100},${30 - ((y! - min) / span) * 28 - 1}`).join(' ');
  return (
    <svg viewBox="0 0 100 30" preserveAspectRatio="none" width="100%" height="30%" role="img" aria-label="sparkline">
      <polyline points={d} fill="none" stroke={colour} strokeWidth={1.5} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}

export const getTrendStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', justifyContent: 'center', height: '100%', padding: theme.spacing(1), gap: theme.spacing(0.5) }),
  value: css({ fontSize: theme.typography.h1.fontSize, fontWeight: theme.typography.fontWeightMedium, lineHeight: 1.1 }),
  delta: css({ color: theme.colors.text.secondary }),
  message: css({ color: theme.colors.text.secondary, textAlign: 'center' }),
});

export function useTrendStyles() {
  return useStyles2(getTrendStyles);
}
