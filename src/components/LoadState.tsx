import React from 'react';
import { Alert, EmptyState, LoadingPlaceholder } from '@grafana/ui';
import type { SidecarError } from '../api/client';

/** Loading, error and empty states, the same on every page. */
export function LoadState(props: { loading: boolean; error?: SidecarError; empty?: boolean; emptyMessage?: string; children?: React.ReactNode; onRetry?: () => void }) {
  if (props.loading && !props.children) {
    return <LoadingPlaceholder text="Loading…" />;
  }
  if (props.error) {
    return (
      <Alert severity="error" title="Could not load from the Workflow Monitor sidecar" buttonContent={props.onRetry ? 'Retry' : undefined} onRemove={props.onRetry}>
        {props.error.message}
      </Alert>
    );
  }
  if (props.empty) {
    return <EmptyState variant="not-found" message={props.emptyMessage ?? 'Nothing here yet'} />;
  }
  return <>{props.children}</>;
}

export function NoDataSource() {
  return (
    <Alert severity="warning" title="No Workflow Monitor data source">
      Add a data source of type &quot;Workflow Monitor&quot; with the sidecar&apos;s URL and API token (provisioning/datasources does
      this for the demo stack).
    </Alert>
  );
}
