import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AppEvents } from '@grafana/data';
import { config, getAppEvents } from '@grafana/runtime';
import { findSidecar, SidecarClient, SidecarError } from '../api/client';

/** The client for the provisioned Workflow Monitor data source, or undefined when there is none. */
export function useSidecar(uid?: string): SidecarClient | undefined {
  return useMemo(() => findSidecar(uid), [uid]);
}

export interface AsyncState<T> {
  loading: boolean;
  error?: SidecarError;
  value?: T;
  reload: () => void;
}

/** One data hook for every resource: loads, reloads on demand, forgets late answers. */
export function useAsync<T>(load: (() => Promise<T>) | undefined, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<Omit<AsyncState<T>, 'reload'>>({ loading: true });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    if (!load) {
      // eslint-disable-next-line react-hooks/set-state-in-effect -- nothing to load (no data source): settle at once
      setState({ loading: false });
      return;
    }
    // Keep the previous value on screen while reloading; only the flag changes.
    setState((s) => (s.loading ? s : { ...s, loading: true }));
    load().then(
      (value) => mine === generation.current && setState({ loading: false, value }),
      (error: unknown) =>
        mine === generation.current && setState({ loading: false, error: error instanceof SidecarError ? error : new SidecarError(String(error), 0) })
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Toasts in one place. */
export const notify = {
  success: (message: string) => getAppEvents().publish({ type: AppEvents.alertSuccess.name, payload: [message] }),
  error: (message: string) => getAppEvents().publish({ type: AppEvents.alertError.name, payload: [message] }),
};

/** The signed-in Grafana user (sent with every action) and whether their role may act. */
export function currentUser(): { login: string; canEdit: boolean } {
  const user = config.bootData?.user as { login?: string; orgRole?: string; isGrafanaAdmin?: boolean } | undefined;
  const role = user?.orgRole ?? 'Viewer';
  return { login: user?.login || 'unknown', canEdit: role === 'Editor' || role === 'Admin' || Boolean(user?.isGrafanaAdmin) };
}
