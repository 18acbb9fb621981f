import React, { useState } from 'react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, LinkButton, Select, Stack } from '@grafana/ui';
import { DATASOURCE_TYPE } from '../../api/client';
import { knownRelease } from '../../utils/release';
import { testIds } from '../testIds';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<{}>> {}

/**
 * The sidecar's URL and token live in the Workflow Monitor data source (so Grafana's proxy adds
 * the token and the browser never sees it). This page finds that data source, links to its
 * settings, and tests the connection through it.
 */
const AppConfig = (props: AppConfigProps) => {
  const release = knownRelease(props.plugin?.meta?.info?.version);
  const sources = getDataSourceSrv().getList({ type: DATASOURCE_TYPE });
  const [uid, setUid] = useState<string | undefined>(sources[0]?.uid);
  const [result, setResult] = useState<{ status: string; message: string }>();
  const [testing, setTesting] = useState(false);
  const test = async () => {
    if (!uid) {
      return;
    }
    setTesting(true);
    try {
      const ds = await getDataSourceSrv().get({ uid });
      const outcome = await ds.testDatasource();
      setResult({ status: outcome.status, message: outcome.message });
    } catch (error) {
      setResult({ status: 'error', message: (error as Error).message });
    } finally {
      setTesting(false);
    }
  };
  return (
    <div data-testid={testIds.appConfig.container}>
      <FieldSet label="Sidecar connection">
        {sources.length === 0 ? (
          <Alert severity="warning" title="No Workflow Monitor data source yet">
            Add one with the sidecar&apos;s URL and API token; the app reads everything through it.
            <div>
              <LinkButton href="connections/datasources/new" variant="primary" icon="plus">Add data source</LinkButton>
            </div>
          </Alert>
        ) : (
          <>
            <Field label="Data source" description="Its settings hold the sidecar URL and the API token">
              <Select width={40} value={uid} options={sources.map((s) => ({ label: s.name, value: s.uid }))} onChange={(v) => setUid(v.value)} />
            </Field>
            <Stack gap={1}>
              <Button data-testid={testIds.appConfig.testConnection} onClick={test} disabled={testing} icon={testing ? 'spinner' : 'heart-rate'}>Test connection</Button>
              <LinkButton variant="secondary" href={`connections/datasources/edit/${uid}`} icon="cog">Edit URL and token</LinkButton>
            </Stack>
            {result && (
              <div data-testid={testIds.appConfig.result}>
                <Alert
                  severity={result.status === 'success' ? 'success' : result.status === 'warning' ? 'warning' : 'error'}
                  title={result.status === 'success' ? 'Connected' : result.status === 'warning' ? 'Connected, with a warning' : 'Not connected'}
                >
                  {result.message}
                </Alert>
              </div>
            )}
          </>
        )}
      </FieldSet>
      <p data-testid={testIds.appConfig.release}>Workflow Monitor plugin release {release ?? 'unknown (development build)'}; Test connection shows the sidecar&apos;s.</p>
    </div>
  );
};

export default AppConfig;
