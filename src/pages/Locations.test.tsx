import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { render, screen, waitFor } from '@testing-library/react';
import type { LocationList, QueryRequest } from '../api/types';
import { testIds } from '../components/testIds';
import { fakeQuery } from '../test/fakeQuery';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import Locations from './Locations';

jest.setTimeout(60_000);

const seen = new Date(Date.now() - 30 * 60_000 - 5_000).toISOString();
const started = new Date(Date.now() - 2 * 3_600_000).toISOString();
const twoLocations: LocationList = {
  location: 'eu',
  replicaId: 'eu-1',
  locations: [
    {
      location: 'eu',
      status: 'ok',
      lastSeenAt: seen,
      workflows: 3,
      replicas: [
        { id: 'eu-1', location: 'eu', version: '1.4.0', startedAt: started, lastSeenAt: seen, scheduling: true },
        { id: 'eu-2', location: 'eu', version: '1.4.0', startedAt: started, lastSeenAt: seen, scheduling: false },
      ],
    },
    { location: 'us', status: 'empty', lastSeenAt: null, workflows: 2, replicas: [] },
  ],
};

function handlers(list: LocationList): Handlers {
  return {
    'GET api/v1/locations': () => list,
    // 360 runs in eu and 60 in us over the picked 6 hours: 1 and 0.17 per minute.
    'POST api/v1/query': fakeQuery((target) => (target.instant ? [{ key: 'eu', values: [360] }, { key: 'us', values: [60] }] : [{ key: 'eu', values: [90, 90, 90, 90] }, { key: 'us', values: [30, 30, null, null] }]), 4),
  };
}

function renderLocations(search = '?from=1700000000000&to=1700021600000') {
  return render(
    <MemoryRouter initialEntries={[`/a/app/locations${search}`]}>
      <Routes>
        <Route path="/a/app/locations" element={<Locations />} />
      </Routes>
    </MemoryRouter>
  );
}

describe('Locations page', () => {
  it('lists each location with its live replicas, version, start, last seen and runs per minute by location', async () => {
    const { requests } = installFakeSidecar(handlers(twoLocations), { role: 'Viewer' });
    renderLocations();
    const eu = await screen.findByTestId(testIds.locations.row('eu'));
    expect(eu).toHaveTextContent('2 live');
    expect(eu).toHaveTextContent('30 min');
    await waitFor(() => expect(screen.getByTestId(testIds.locations.row('eu'))).toHaveTextContent('1.00'));
    expect(screen.getByTestId(testIds.locations.row('us'))).toHaveTextContent('no live replica');
    expect(screen.getByTestId(testIds.locations.row('us'))).toHaveTextContent('never');
    expect(screen.getByTestId(testIds.locations.row('us'))).toHaveTextContent('0.17');
    expect(screen.getByTestId(testIds.locations.replica('eu-1'))).toHaveTextContent('1.4.0');
    expect(screen.getByTestId(testIds.locations.replica('eu-1'))).toHaveTextContent('2 h');
    expect(screen.getByTestId(testIds.locations.replica('eu-2'))).toHaveTextContent('API only');
    expect(screen.getByTestId(testIds.locations.runsGraph)).toHaveAttribute('data-series', '2');
    expect(screen.queryByTestId(testIds.locations.single)).not.toBeInTheDocument();
    const query = requests.find((r) => r.path === 'api/v1/query')!.data as QueryRequest;
    expect(query.targets.every((t) => t.groupBy === 'location')).toBe(true);
  });

  it('explains how to add locations when every replica runs in one', async () => {
    installFakeSidecar(handlers({ ...twoLocations, locations: [twoLocations.locations[0]!] }));
    renderLocations();
    expect(await screen.findByTestId(testIds.locations.single)).toHaveTextContent('All replicas run in one location (eu)');
  });

  it('says so when no replica has registered', async () => {
    installFakeSidecar(handlers({ ...twoLocations, locations: [] }));
    renderLocations();
    expect(await screen.findByTestId(testIds.locations.empty)).toHaveTextContent('LOCATION');
  });
});
