import React from 'react';
import { render, screen } from '@testing-library/react';
import { PluginContextProvider } from '@grafana/data';
import { findSidecar } from '../api/client';
import { installFakeSidecar } from '../test/fakeSidecar';
import { ReleaseFooter } from './ReleaseFooter';
import { testIds } from './testIds';

const health = (release: string) => ({ status: 'healthy', checks: {}, uptimeSeconds: 1, timestamp: new Date().toISOString(), version: '1.0.0', release });

describe('the release footer on the overview', () => {
  // Grafana wraps every app page in the plugin's context, whose meta is the built plugin.json.
  const inApp = (children: React.ReactNode) => <PluginContextProvider meta={{ info: { version: '1.3.0' } } as never}>{children}</PluginContextProvider>;

  it("shows the plugin's release and the sidecar's release with its API version", async () => {
    installFakeSidecar({ 'GET health': () => health('1.3.0') });
    render(inApp(<ReleaseFooter client={findSidecar()!} />));
    const footer = screen.getByTestId(testIds.overview.release);
    expect(await screen.findByText(/sidecar 1\.3\.0 \(API 1\.0\.0\)/)).toBeInTheDocument();
    expect(footer).toHaveTextContent('Workflow Monitor plugin 1.3.0 · sidecar 1.3.0 (API 1.0.0)');
    expect(footer).not.toHaveTextContent('different major releases');
  });

  it('warns when the sidecar is another major release than the plugin', async () => {
    installFakeSidecar({ 'GET health': () => health('2.1.0') });
    render(inApp(<ReleaseFooter client={findSidecar()!} />));
    expect(await screen.findByText('Plugin and sidecar are different major releases')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.overview.release)).toHaveTextContent('The sidecar is release 2.1.0 and this plugin 1.3.0');
  });

  it('calls a build from sources (plugin.json still says %VERSION%) a development build and does not warn', async () => {
    installFakeSidecar({ 'GET health': () => health('2.1.0') });
    render(<ReleaseFooter client={findSidecar()!} />);
    expect(await screen.findByText(/sidecar 2\.1\.0/)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.overview.release)).toHaveTextContent('Workflow Monitor plugin development build · sidecar 2.1.0 (API 1.0.0)');
    expect(screen.queryByText('Plugin and sidecar are different major releases')).toBeNull();
  });
});
