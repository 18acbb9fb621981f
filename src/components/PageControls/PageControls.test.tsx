import React from 'react';
import { MemoryRouter, useLocation } from 'react-router-dom';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { dateTime, makeTimeRange } from '@grafana/data';
import { rawRangeFromUrl, usePageControls, DEFAULT_RANGE } from '../../hooks/usePageControls';
import { installFakeSidecar } from '../../test/fakeSidecar';
import { testIds } from '../testIds';
import { PageControls, shiftRange, zoomOut } from './PageControls';

jest.setTimeout(60_000);

function Location() {
  const location = useLocation();
  return <div data-testid="location">{location.search}</div>;
}

/** A page in miniature: the controls, the URL, and what the page would load with. */
function Probe() {
  const controls = usePageControls();
  return (
    <>
      <PageControls controls={controls} />
      <div data-testid="state">
        {JSON.stringify({ from: controls.range.from.valueOf(), to: controls.range.to.valueOf(), raw: controls.raw, uid: controls.client?.datasourceUid, refreshKey: controls.refreshKey, refresh: controls.refreshInterval })}
      </div>
      <button data-testid="last-hour" onClick={() => controls.setRange(makeTimeRange(dateTime(1_700_000_000_000), dateTime(1_700_003_600_000)))} />
    </>
  );
}

function renderProbe(search: string) {
  return render(
    <MemoryRouter initialEntries={[`/a/app/overview${search}`]}>
      <Probe />
      <Location />
    </MemoryRouter>
  );
}

const state = () => JSON.parse(screen.getByTestId('state').textContent ?? '{}');

describe('the URL as the page-wide time range, refresh and data source', () => {
  it('keeps a relative range relative and reads an absolute one as epoch milliseconds', () => {
    expect(rawRangeFromUrl(new URLSearchParams('from=now-6h&to=now'))).toEqual({ from: 'now-6h', to: 'now' });
    const absolute = rawRangeFromUrl(new URLSearchParams('from=1700000000000&to=1700003600000'));
    expect([absolute.from.valueOf(), absolute.to.valueOf()]).toEqual([1_700_000_000_000, 1_700_003_600_000]);
  });

  it('falls back to the last 24 hours for a missing, unreadable or inverted range', () => {
    for (const search of ['', 'from=now-6h', 'from=yesterday&to=now', 'from=now&to=now-6h', 'from=1700003600000&to=1700000000000', 'from=9999999999999999999&to=now']) {
      expect([search, rawRangeFromUrl(new URLSearchParams(search))]).toEqual([search, DEFAULT_RANGE]);
    }
  });

  it('evaluates the range for the page, and writes a picked one back to the URL', async () => {
    installFakeSidecar({});
    renderProbe('?from=now-6h&to=now&keep=1');
    const { from, to, raw } = state();
    expect(to - from).toBe(6 * 3_600_000);
    expect(Math.abs(to - Date.now())).toBeLessThan(60_000);
    expect(raw).toEqual({ from: 'now-6h', to: 'now' });
    fireEvent.click(screen.getByTestId('last-hour'));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('?from=1700000000000&to=1700003600000&keep=1'));
    expect(state()).toMatchObject({ from: 1_700_000_000_000, to: 1_700_003_600_000 });
  });

  it('picks the data source named in the URL (uid or name), else the first; the picker writes var-datasource', async () => {
    installFakeSidecar({}, { moreDatasources: [{ uid: 'wm-staging', name: 'Staging' }] });
    const first = renderProbe('?var-datasource=wm-staging');
    expect(state().uid).toBe('wm-staging');
    first.unmount();
    const byName = renderProbe('?var-datasource=Staging');
    expect(state().uid).toBe('wm-staging');
    byName.unmount();
    const unknown = renderProbe('?var-datasource=gone');
    expect(state().uid).toBe('wm-test');
    unknown.unmount();
    renderProbe('');
    const picker = screen.getByTestId(testIds.pageControls.datasource).querySelector('input')!;
    fireEvent.keyDown(picker, { key: 'ArrowDown' });
    fireEvent.click(await screen.findByText('Staging'));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('var-datasource=wm-staging'));
    expect(state().uid).toBe('wm-staging');
  });

  it('refreshes every N seconds from the URL, moving a relative range to now', () => {
    jest.useFakeTimers();
    try {
      installFakeSidecar({});
      renderProbe('?from=now-1h&to=now&refresh=10s');
      const before = state();
      expect(before.refresh).toBe('10s');
      act(() => {
        jest.advanceTimersByTime(10_000);
      });
      expect(state().refreshKey).toBe(before.refreshKey + 1);
      expect(state().to).toBeGreaterThanOrEqual(before.to + 10_000);
      act(() => {
        jest.advanceTimersByTime(20_000);
      });
      expect(state().refreshKey).toBe(before.refreshKey + 3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ignores a refresh interval that is not one of the picker\'s', () => {
    installFakeSidecar({});
    renderProbe('?refresh=1ms');
    expect(state().refresh).toBe('');
  });

  it('moves a range by half its length and zooms out around its centre, never past now', () => {
    const range = makeTimeRange(dateTime(1_000_000), dateTime(1_000_000 + 3_600_000));
    expect([shiftRange(range, -0.5).from.valueOf(), shiftRange(range, -0.5).to.valueOf()]).toEqual([1_000_000 - 1_800_000, 1_000_000 + 1_800_000]);
    const zoomed = zoomOut(range, 1_000_000 + 3_600_000);
    expect([zoomed.from.valueOf(), zoomed.to.valueOf()]).toEqual([1_000_000 - 3_600_000, 1_000_000 + 3_600_000]);
  });
});
