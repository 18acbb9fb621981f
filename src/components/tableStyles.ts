import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** A plain data table in theme tokens (no fixed colours or pixel spacing). */
export const getTableStyles = (theme: GrafanaTheme2) => ({
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    'th, td': { padding: theme.spacing(0.75, 1), borderBottom: `1px solid ${theme.colors.border.weak}`, textAlign: 'left', verticalAlign: 'top' },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  muted: css({ color: theme.colors.text.secondary }),
  toolbar: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'flex-end', flexWrap: 'wrap', marginBottom: theme.spacing(2) }),
  cards: css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(12rem, 1fr))', gap: theme.spacing(2), marginBottom: theme.spacing(3) }),
  card: css({ padding: theme.spacing(2), background: theme.colors.background.secondary, borderRadius: theme.shape.radius.default }),
  big: css({ fontSize: theme.typography.h2.fontSize }),
});
