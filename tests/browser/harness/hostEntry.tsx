/**
 * The host side of the browser harness: what Grafana gives a plugin. It carries the real
 * @grafana/data|ui|runtime, React and the other webpack externals, an AMD `define` that hands them
 * to the built plugin modules (dist/…/module.js), and the runtime services the plugin calls
 * (backendSrv → the data source proxy, dataSourceSrv, app events, plugin page chrome).
 */
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as i18next from 'i18next';
import * as lodash from 'lodash';
import React, { Suspense } from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as jsxDevRuntime from 'react/jsx-dev-runtime';
import * as jsxRuntime from 'react/jsx-runtime';
import * as reactRouter from 'react-router';
import * as reactRouterDom from 'react-router-dom';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import { createBackendSrv, type HarnessConfig } from './backendSrv';

declare global {
  interface Window {
    harnessConfig: HarnessConfig;
    harness: {
      ready: boolean;
      errors: string[];
      toasts: Array<{ type: string; payload: unknown }>;
      loadPlugin(path: string): Promise<any>;
    };
    define: ((...args: unknown[]) => void) & { amd?: boolean };
  }
}

const shared: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react/jsx-runtime': jsxRuntime,
  'react/jsx-dev-runtime': jsxDevRuntime,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  rxjs,
  'rxjs/operators': rxjsOperators,
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  'react-router': reactRouter,
  'react-router-dom': reactRouterDom,
  i18next,
  lodash,
};

const config = window.harnessConfig;
const pending = new Map<string, { resolve: (exports: unknown) => void; reject: (error: Error) => void }>();

// webpack's AMD output: define(["dep", ...], factory) — `module` gives the chunk public path.
window.define = (...args: unknown[]) => {
  const factory = args[args.length - 1] as (...deps: unknown[]) => unknown;
  const deps = (Array.isArray(args[args.length - 2]) ? args[args.length - 2] : []) as string[];
  const script = document.currentScript as HTMLScriptElement | null;
  const src = script?.src ?? '';
  const resolved = deps.map((dep) => {
    if (dep === 'module') {
      return { uri: src, id: src };
    }
    if (!(dep in shared)) {
      throw new Error(`harness: plugin asked for an external the host does not provide: ${dep}`);
    }
    return shared[dep];
  });
  const exports = factory(...resolved);
  pending.get(src)?.resolve(exports);
};
window.define.amd = true;

function loadPlugin(path: string): Promise<any> {
  const src = new URL(path, window.location.origin).toString();
  return new Promise((resolve, reject) => {
    pending.set(src, { resolve, reject });
    const script = document.createElement('script');
    script.src = src;
    script.onerror = () => reject(new Error(`harness: could not load ${src}`));
    document.head.appendChild(script);
  });
}

const toasts: Array<{ type: string; payload: unknown }> = [];
const errors: string[] = [];
window.harness = { ready: false, errors, toasts, loadPlugin };

const eventBus = new grafanaData.EventBusSrv();
// Legacy alertSuccess/alertError events are published with { type, payload }.
const appEvents = {
  publish(event: { type: string; payload?: unknown }) {
    toasts.push({ type: event.type, payload: event.payload });
    const box = document.getElementById('toasts');
    if (box) {
      const item = document.createElement('div');
      item.setAttribute('data-testid', `toast-${event.type}`);
      item.textContent = Array.isArray(event.payload) ? event.payload.join(' ') : JSON.stringify(event.payload);
      box.appendChild(item);
    }
  },
  getStream: eventBus.getStream.bind(eventBus),
  subscribe: eventBus.subscribe.bind(eventBus),
  removeAllListeners: () => undefined,
  newScopedBus: () => eventBus,
};

async function boot(): Promise<void> {
  grafanaRuntime.setBackendSrv(createBackendSrv(config) as never);
  grafanaRuntime.setAppEvents(appEvents as never);
  // PluginPage keeps its default (children in a div): @grafana/runtime does not export its setter.
  grafanaRuntime.setTemplateSrv({
    getVariables: () => [],
    replace: (target?: string) => target ?? '',
    containsTemplate: () => false,
    updateTimeRange: () => undefined,
  } as never);

  const dsPlugin = config.datasourceModule ? await loadPlugin(config.datasourceModule) : undefined;
  // Grafana's data source list: every Workflow Monitor data source, each with its own proxy prefix.
  const allSettings = config.datasources.map(({ uid, name }, index) => ({
    id: index + 1,
    uid,
    type: config.datasourceType,
    name,
    access: 'proxy',
    url: `/api/datasources/proxy/uid/${uid}`,
    jsonData: { url: 'http://sidecar' },
    readOnly: false,
    isDefault: index === 0,
    meta: { id: config.datasourceType, name: 'Workflow Monitor', type: 'datasource', info: { logos: {} }, module: config.datasourceModule, baseUrl: '' },
  }));
  const instanceSettings = allSettings[0]!;
  const DataSourceClass = dsPlugin?.plugin?.DataSourceClass;
  const datasource = DataSourceClass ? new DataSourceClass(instanceSettings) : undefined;
  // By uid, by name or as a { uid } reference, the way Grafana's DataSourceSrv resolves them; undefined is the default.
  const settingsOf = (ref?: unknown) => {
    if (ref === undefined || ref === null) {
      return instanceSettings;
    }
    const key = typeof ref === 'string' ? ref : (ref as { uid?: string }).uid;
    return allSettings.find((ds) => ds.uid === key || ds.name === key);
  };
  grafanaRuntime.setDataSourceSrv({
    getList: (filters?: { type?: string | string[]; pluginId?: string }) =>
      allSettings.filter((ds) => (!filters?.type || [filters.type].flat().includes(ds.type)) && (!filters?.pluginId || filters.pluginId === ds.type)),
    getInstanceSettings: settingsOf,
    get: async () => datasource,
    reload: () => undefined,
    registerRuntimeDataSource: () => undefined,
  } as never);

  const theme = grafanaData.createTheme({ colors: { mode: config.theme ?? 'dark' } });
  const root = createRoot(document.getElementById('root')!);
  const view = config.view;
  let element: React.ReactNode;
  if (view.kind === 'app') {
    const { plugin } = await loadPlugin(config.appModule);
    plugin.meta = { id: config.appId, name: 'Workflow Monitor', type: 'app', enabled: true, jsonData: {}, info: { logos: {} }, baseUrl: `/public/plugins/${config.appId}` };
    const Root = plugin.root as React.ComponentType<Record<string, unknown>>;
    element = (
      <reactRouterDom.BrowserRouter>
        <reactRouter.Routes>
          <reactRouter.Route path={`/a/${config.appId}/*`} element={<Root meta={plugin.meta} basename={`/a/${config.appId}`} onNavChanged={() => undefined} query={{}} path={`/a/${config.appId}`} />} />
        </reactRouter.Routes>
      </reactRouterDom.BrowserRouter>
    );
  } else if (view.kind === 'panel') {
    const { plugin } = await loadPlugin(view.module);
    const Panel = plugin.panel as React.ComponentType<Record<string, unknown>>;
    const to = grafanaData.dateTime();
    const from = grafanaData.dateTime(to.valueOf() - (view.rangeMs ?? 3_600_000));
    const range = { from, to, raw: { from: 'now-1h', to: 'now' } };
    let series: unknown[] = [];
    if (view.targets && datasource) {
      const response = await rxjs.lastValueFrom(
        rxjs.from(Promise.resolve(datasource.query({ targets: view.targets, range, interval: '1m', intervalMs: 60_000, maxDataPoints: 100, scopedVars: {}, timezone: 'utc', app: 'harness', requestId: 'harness', startTime: Date.now() }))).pipe(rxjsOperators.mergeMap((r: unknown) => (rxjs.isObservable(r) ? r : rxjs.of(r))))
      );
      series = (response as { data: unknown[] }).data;
    }
    const data = { state: grafanaData.LoadingState.Done, series, timeRange: range };
    element = (
      <div style={{ width: 600, height: 300 }} data-testid="panel-host">
        <Panel id={1} data={data} timeRange={range} timeZone="utc" options={{ ...view.options }} fieldConfig={{ defaults: {}, overrides: [] }} width={600} height={300} transparent={false} renderCounter={1} title="Panel" eventBus={eventBus} onOptionsChange={() => undefined} onFieldConfigChange={() => undefined} replaceVariables={(s: string) => s} onChangeTimeRange={() => undefined} />
      </div>
    );
  } else {
    const QueryEditor = dsPlugin.plugin.components.QueryEditor as React.ComponentType<Record<string, unknown>>;
    const QueryEditorHost = () => {
      const [query, setQuery] = React.useState<Record<string, unknown>>({ refId: 'A' });
      return (
        <div>
          <QueryEditor datasource={datasource} query={query} onChange={setQuery} onRunQuery={() => undefined} />
          <pre data-testid="query-json">{JSON.stringify(query)}</pre>
        </div>
      );
    };
    element = <QueryEditorHost />;
  }
  root.render(
    <grafanaUi.ThemeContext.Provider value={theme}>
      <grafanaUi.GlobalStyles />
      <Suspense fallback={<div>loading…</div>}>{element}</Suspense>
    </grafanaUi.ThemeContext.Provider>
  );
  window.harness.ready = true;
}

boot().catch((error: Error) => {
  errors.push(String(error?.stack ?? error));
  console.error('harness boot failed', error);
});
