import React, { ChangeEvent, useEffect } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput } from '@grafana/ui';
import { testIds } from '../components/testIds';
import type { WorkflowDataSourceOptions, WorkflowSecureJsonData } from './types';

type Props = DataSourcePluginOptionsEditorProps<WorkflowDataSourceOptions, WorkflowSecureJsonData>;

/**
 * The URL as the proxy routes need it: the routes append '/api' and '/health', so a trailing '/' would make
 * every call '//api/...' (which the sidecar tolerates, but other proxies in between may not).
 */
export function normalizeSidecarUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** URL and token; once saved the token is shown only as "configured" (Grafana never sends it back). */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const secure = (options.secureJsonData ?? {}) as WorkflowSecureJsonData;
  const savedUrl = jsonData.url ?? '';
  // A URL saved before the editor stripped the slash: offer the fixed one (saved with the next Save).
  useEffect(() => {
    if (savedUrl !== normalizeSidecarUrl(savedUrl)) {
      onOptionsChange({ ...options, jsonData: { ...options.jsonData, url: normalizeSidecarUrl(savedUrl) } });
    }
    // Only for the URL the editor opened with.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const urlInvalid = Boolean(jsonData.url) && !/^https?:\/\/[^\s]+$/.test(jsonData.url ?? '');
  return (
    <FieldSet label="Workflow Monitor sidecar">
      <Field label="Sidecar URL" description="As Grafana's server reaches it, e.g. http://sidecar:8080 (a trailing / is removed)" invalid={urlInvalid} error={urlInvalid ? 'Must be an http:// or https:// URL' : undefined} required>
        <Input
          data-testid={testIds.datasource.url}
          width={50}
          value={jsonData.url ?? ''}
          placeholder="http://sidecar:8080"
          onChange={(e: ChangeEvent<HTMLInputElement>) => onOptionsChange({ ...options, jsonData: { ...jsonData, url: e.target.value.trim() } })}
          onBlur={(e: React.FocusEvent<HTMLInputElement>) => {
            const url = normalizeSidecarUrl(e.target.value);
            if (url !== e.target.value) {
              onOptionsChange({ ...options, jsonData: { ...jsonData, url } });
            }
          }}
        />
      </Field>
      <Field label="API token" description="SIDECAR_API_TOKEN of the sidecar; stored encrypted by Grafana and added by its proxy, never sent to browsers" required>
        <SecretInput
          data-testid={testIds.datasource.token}
          width={50}
          isConfigured={Boolean(secureJsonFields?.apiToken)}
          value={secure.apiToken ?? ''}
          placeholder="token"
          onChange={(e: ChangeEvent<HTMLInputElement>) => onOptionsChange({ ...options, secureJsonData: { ...secure, apiToken: e.target.value } })}
          onReset={() => onOptionsChange({ ...options, secureJsonFields: { ...secureJsonFields, apiToken: false }, secureJsonData: { ...secure, apiToken: '' } })}
        />
      </Field>
    </FieldSet>
  );
}
