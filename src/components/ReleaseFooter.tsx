import React from 'react';
import { usePluginContext, type GrafanaTheme2 } from '@grafana/data';
import { Alert, useStyles2 } from '@grafana/ui';
import { css } from '@emotion/css';
import type { SidecarClient } from '../api/client';
import { useAsync } from '../hooks/useSidecar';
import { knownRelease, releaseMismatch } from '../utils/release';
import { testIds } from './testIds';

/** Which release of the plugin and of the sidecar is running (one version, released together), and a warning when their majors differ. */
export function ReleaseFooter({ client }: { client: SidecarClient }) {
  const s = useStyles2(getStyles);
  const health = useAsync(() => client.health(), [client]);
  // Grafana provides the app's meta (its plugin.json, %VERSION% filled in by the build) around every page.
  const plugin = knownRelease(usePluginContext()?.meta?.info?.version);
  const sidecar = knownRelease(health.value?.release);
  const mismatch = releaseMismatch(plugin, sidecar);
  const sidecarText = health.loading ? '…' : sidecar ? `${sidecar}${health.value?.version ? ` (API ${health.value.version})` : ''}` : 'unknown';
  return (
    <footer className={s.footer} data-testid={testIds.overview.release}>
      {mismatch && (
        <Alert severity="warning" title="Plugin and sidecar are different major releases">
          {mismatch}
        </Alert>
      )}
      Workflow Monitor plugin {plugin ?? 'development build'} · sidecar {sidecarText}
    </footer>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  footer: css({ marginTop: theme.spacing(4), color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
