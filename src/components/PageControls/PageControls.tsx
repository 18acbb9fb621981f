import React from 'react';
import { css } from '@emotion/css';
import { dateTime, makeTimeRange, type GrafanaTheme2, type TimeRange } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import { RefreshPicker, TimeRangePicker, useStyles2 } from '@grafana/ui';
import { DATASOURCE_TYPE } from '../../api/client';
import { REFRESH_INTERVALS, TIME_ZONE, type PageControls as Controls } from '../../hooks/usePageControls';
import { testIds } from '../testIds';

/** `range` moved by `factor` of its own length (−1: one span back), as an absolute range. */
export function shiftRange(range: TimeRange, factor: number): TimeRange {
  const span = range.to.valueOf() - range.from.valueOf();
  return makeTimeRange(dateTime(range.from.valueOf() + factor * span), dateTime(range.to.valueOf() + factor * span));
}

/** `range` twice as long around its centre (Grafana's zoom out), never ending in the future. */
export function zoomOut(range: TimeRange, now = Date.now()): TimeRange {
  const span = range.to.valueOf() - range.from.valueOf();
  const to = Math.min(now, range.to.valueOf() + span / 2);
  return makeTimeRange(dateTime(to - 2 * span), dateTime(to));
}

/**
 * The data source, time range and refresh pickers every app page shows, Grafana's own components.
 * The state is the page's usePageControls() (kept in the URL).
 */
export function PageControls({ controls, time = true, refresh = true }: { controls: Controls; /** The time range picker (pages whose data has no time leave it out). */ time?: boolean; refresh?: boolean }) {
  const s = useStyles2(getStyles);
  return (
    <div className={s.bar} data-testid={testIds.pageControls.container}>
      <div data-testid={testIds.pageControls.datasource}>
        <DataSourcePicker type={DATASOURCE_TYPE} current={controls.datasourceUid ?? null} noDefault width={30} inputId="wm-datasource-picker" onChange={(ds) => controls.setDatasource(ds.uid)} />
      </div>
      <div className={s.spacer} />
      {time && (
        <div data-testid={testIds.pageControls.timeRange}>
            <TimeRangePicker
              value={controls.range}
              timeZone={TIME_ZONE}
              onChange={controls.setRange}
              onChangeTimeZone={() => undefined}
              onMoveBackward={() => controls.setRange(shiftRange(controls.range, -0.5))}
              onMoveForward={() => controls.setRange(shiftRange(controls.range, 0.5))}
              onZoom={() => controls.setRange(zoomOut(controls.range))}
            />
        </div>
      )}
      {refresh && (
        <div data-testid={testIds.pageControls.refresh}>
          <RefreshPicker intervals={REFRESH_INTERVALS} value={controls.refreshInterval} onIntervalChanged={controls.setRefreshInterval} onRefresh={controls.refresh} />
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  bar: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center', flexWrap: 'wrap', marginBottom: theme.spacing(2) }),
  spacer: css({ flexGrow: 1 }),
});
