import React, { useState } from 'react';
import type { TimeRange } from '@grafana/data';
import { Button, Stack } from '@grafana/ui';
import type { SidecarClient } from '../api/client';
import { notify } from '../hooks/useSidecar';
import { saveFile } from '../utils/saveFile';
import { testIds } from './testIds';

const FORMATS = [
  { format: 'csv', label: 'CSV', icon: 'file-alt' },
  { format: 'pdf', label: 'PDF', icon: 'file-blank' },
] as const;

/**
 * "Download report": the sidecar's SLA report for the picked range (and only `workflowIds` when given) as a
 * CSV or PDF file, saved under the name the server gives it. Viewers may download (a GET proxy route).
 */
export function ReportDownload({ client, range, workflowIds }: { client: SidecarClient; range: TimeRange; workflowIds?: string[] }) {
  const [busy, setBusy] = useState<string | undefined>();
  const download = async (format: 'csv' | 'pdf') => {
    setBusy(format);
    try {
      const file = await client.slaReportFile({ from: range.from.valueOf(), to: range.to.valueOf(), format, workflowIds });
      saveFile(file.blob, file.filename ?? `sla-report.${format}`);
    } catch (error) {
      notify.error(`The ${format.toUpperCase()} report could not be made: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <Stack gap={1} alignItems="center">
      <span>Download report</span>
      {FORMATS.map(({ format, label, icon }) => (
        <Button
          key={format}
          size="sm"
          variant="secondary"
          icon={busy === format ? 'spinner' : icon}
          disabled={busy !== undefined}
          tooltip={`SLA report for the picked time range as ${label}`}
          onClick={() => download(format)}
          data-testid={testIds.report.download(format)}
        >
          {label}
        </Button>
      ))}
    </Stack>
  );
}
