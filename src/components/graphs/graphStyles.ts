import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** A graph tile: title over the drawing, in theme tokens. */
export const getGraphStyles = (theme: GrafanaTheme2) => ({
  tile: css({
    padding: theme.spacing(1, 1.5),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    minWidth: 0,
  }),
  title: css({ fontSize: theme.typography.h5.fontSize, fontWeight: theme.typography.fontWeightMedium, marginBottom: theme.spacing(1) }),
  note: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  empty: css({ color: theme.colors.text.secondary, display: 'flex', alignItems: 'center', justifyContent: 'center' }),
  grid: css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(28rem, 1fr))', gap: theme.spacing(2), marginBottom: theme.spacing(3) }),
});
