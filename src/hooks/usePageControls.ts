import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { dateMath, dateTime, rangeUtil, type RawTimeRange, type TimeRange } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { DATASOURCE_TYPE, findSidecar, type SidecarClient } from '../api/client';

/** The URL parameters, named as Grafana's dashboards name them, so a shared link opens the same view. */
export const URL_PARAMS = { from: 'from', to: 'to', refresh: 'refresh', datasource: 'var-datasource' } as const;
export const DEFAULT_RANGE: RawTimeRange = { from: 'now-24h', to: 'now' };
/** The refresh picker's choices; anything else in the URL is ignored. */
export const REFRESH_INTERVALS = ['5s', '10s', '30s', '1m', '5m', '15m', '30m', '1h'];
/** What the page-wide timeZone is (the sidecar's hourly pattern is in UTC too). */
export const TIME_ZONE = 'utc';

export interface PageControls {
  /** The picked range, evaluated now (relative ranges move with every refresh). */
  range: TimeRange;
  /** As written in the URL: `now-6h` stays relative. */
  raw: RawTimeRange;
  setRange(range: TimeRange): void;
  /** '' when auto-refresh is off, else one of REFRESH_INTERVALS. */
  refreshInterval: string;
  setRefreshInterval(interval: string): void;
  /** Re-evaluates the range and reloads whatever depends on `range` or `refreshKey`. */
  refresh(): void;
  /** Changes on every refresh (manual or automatic): put it in a data hook's deps. */
  refreshKey: number;
  /** The picked Workflow Monitor data source (the first one when the URL names none or an unknown one). */
  datasourceUid?: string;
  setDatasource(uid: string): void;
  /** The typed client for the picked data source. */
  client?: SidecarClient;
  /** `?from=…&to=…` (and refresh, data source) as in the URL now: links to other pages keep the view. */
  linkSearch: string;
}

/** A URL time: epoch milliseconds (an absolute time) or date math (`now-6h`, `now/d`); undefined when neither. */
function parseUrlTime(text: string | null, roundUp: boolean): string | ReturnType<typeof dateTime> | undefined {
  if (!text) {
    return undefined;
  }
  if (/^\d{1,15}$/.test(text)) {
    const at = dateTime(Number(text));
    return at.isValid() ? at : undefined;
  }
  const parsed = dateMath.parse(text, roundUp, TIME_ZONE);
  return parsed && parsed.isValid() ? text : undefined;
}

/** The range in the URL, or the default when it is missing, unreadable or inverted. */
export function rawRangeFromUrl(params: URLSearchParams): RawTimeRange {
  const from = parseUrlTime(params.get(URL_PARAMS.from), false);
  const to = parseUrlTime(params.get(URL_PARAMS.to), true);
  if (from === undefined || to === undefined) {
    return DEFAULT_RANGE;
  }
  const range = rangeUtil.convertRawToRange({ from, to }, TIME_ZONE);
  return range.from.valueOf() < range.to.valueOf() ? { from, to } : DEFAULT_RANGE;
}

const urlTime = (time: RawTimeRange['from']) => (typeof time === 'string' ? time : String(time.valueOf()));

/**
 * The page-wide time range, refresh and data source, kept in the URL (`from`, `to`, `refresh`,
 * `var-datasource`) like Grafana's dashboards keep theirs. One hook for every page: the page calls it
 * once, passes the result to <PageControls> and reads `range`, `refreshKey` and `client` for its data.
 */
export function usePageControls(): PageControls {
  const [params, setParams] = useSearchParams();
  const raw = rawRangeFromUrl(params);
  const rawFrom = urlTime(raw.from);
  const rawTo = urlTime(raw.to);
  const requestedRefresh = params.get(URL_PARAMS.refresh) ?? '';
  const refreshInterval = REFRESH_INTERVALS.includes(requestedRefresh) ? requestedRefresh : '';
  const requestedDatasource = params.get(URL_PARAMS.datasource) ?? undefined;
  const [refreshKey, setRefreshKey] = useState(0);
  const [now, setNow] = useState(() => Date.now());

  const refresh = useCallback(() => {
    setNow(Date.now());
    setRefreshKey((k) => k + 1);
  }, []);

  useEffect(() => {
    if (!refreshInterval) {
      return;
    }
    const timer = setInterval(refresh, rangeUtil.intervalToMs(refreshInterval));
    return () => clearInterval(timer);
  }, [refreshInterval, refresh]);

  const range = useMemo((): TimeRange => {
    // Both ends read against one `now`, so `now-7d`…`now` spans exactly seven days; `now` moves at every refresh.
    const raw = { from: parseUrlTime(rawFrom, false)!, to: parseUrlTime(rawTo, true)! };
    return {
      from: dateMath.toDateTime(raw.from, { roundUp: false, timezone: TIME_ZONE, now })!,
      to: dateMath.toDateTime(raw.to, { roundUp: true, timezone: TIME_ZONE, now })!,
      raw,
    };
  }, [rawFrom, rawTo, now]);

  const update = useCallback(
    (changes: Record<string, string | undefined>) => {
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          for (const [key, value] of Object.entries(changes)) {
            if (value) {
              next.set(key, value);
            } else {
              next.delete(key);
            }
          }
          return next;
        },
        { replace: false }
      );
    },
    [setParams]
  );

  const setRange = useCallback(
    (next: TimeRange) => {
      setNow(Date.now());
      update({ [URL_PARAMS.from]: urlTime(next.raw.from), [URL_PARAMS.to]: urlTime(next.raw.to) });
    },
    [update]
  );
  const setRefreshInterval = useCallback((interval: string) => update({ [URL_PARAMS.refresh]: REFRESH_INTERVALS.includes(interval) ? interval : undefined }), [update]);
  const setDatasource = useCallback((uid: string) => update({ [URL_PARAMS.datasource]: uid }), [update]);

  const datasourceUid = useMemo(() => {
    const list = getDataSourceSrv().getList({ type: DATASOURCE_TYPE });
    // Grafana's own links may carry the data source's name instead of its uid.
    return (list.find((ds) => ds.uid === requestedDatasource || ds.name === requestedDatasource) ?? list[0])?.uid;
  }, [requestedDatasource]);
  const client = useMemo(() => findSidecar(datasourceUid), [datasourceUid]);

  const linkSearch = useMemo(() => {
    const kept = new URLSearchParams();
    for (const key of Object.values(URL_PARAMS)) {
      const value = params.get(key);
      if (value) {
        kept.set(key, value);
      }
    }
    const text = kept.toString();
    return text ? `?${text}` : '';
  }, [params]);

  return { range, raw, setRange, refreshInterval, setRefreshInterval, refresh, refreshKey, datasourceUid, setDatasource, client, linkSearch };
}
