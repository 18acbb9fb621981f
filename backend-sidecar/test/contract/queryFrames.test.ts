import fs from 'node:fs';
import path from 'node:path';
import type { FeatureFactory } from '../../src/app/sidecar';
import { metricsApiFeature } from '../../src/app/features/metricsApi';
import type { ExecutionResult, ExecutionStatus } from '../../src/model/execution';
import { recordExecution } from '../../src/store/recordExecution';
import { createWorkflowRow } from '../support/alertFixtures';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

/**
 * The data-frame fixture the plugin's src/__tests__/queryFrames.test.ts reads
 * (tests/contract/queryResponse.json) is this sidecar's answer to QUERY over the executions
 * below, stored through the real store into a real database at fixed times. The plugin tests run
 * before the sidecar's in `npm test`, so the file is committed; this test fails when the sidecar's
 * answer no longer matches it. Rewrite it with: cd backend-sidecar && UPDATE_FIXTURES=1 npx jest test/contract
 */
const FIXTURE = path.resolve(__dirname, '../../../tests/contract/queryResponse.json');
const HOUR = 3_600_000;
/** 2026-11-25T02:00:00Z: three whole hours from here. */
const T0 = Date.UTC(2026, 10, 25, 2);

const QUERY = {
  from: T0,
  to: T0 + 2 * HOUR,
  intervalMs: HOUR,
  maxDataPoints: 1000,
  targets: [{ refId: 'A', metric: 'success_rate', groupBy: 'workflow' }],
};

/** Per workflow and hour, the executions' statuses: S success, D degraded (counts as a success), F failed. */
const RUNS: Record<string, { labels: Record<string, string>; hours: string[] }> = {
  checkout: { labels: { team: 'payments' }, hours: ['SSSS', 'SSDF', ''] },
  search: { labels: { team: 'discovery' }, hours: ['SSSSF', 'SSSSSSSSSF', 'SSSSSSSSSSSSSSDF'] },
};

const STATUS: Record<string, ExecutionStatus> = { S: 'success', D: 'degraded', F: 'failed' };

function execution(workflowId: string, status: ExecutionStatus, startedAt: Date): ExecutionResult {
  const failed = status === 'failed';
  const durationMs = 120;
  const errorType = failed ? ('transient' as const) : undefined;
  return {
    workflowId,
    status,
    trigger: 'push',
    startedAt,
    finishedAt: new Date(startedAt.getTime() + durationMs),
    durationMs,
    ...(failed ? { errorType, errorMessage: 'target answered HTTP 503' } : {}),
    steps: [
      {
        position: 0,
        name: 'call',
        status: failed ? 'failed' : 'passed',
        startedAt,
        durationMs,
        ...(failed ? { errorType, errorMessage: 'target answered HTTP 503' } : {}),
        assertions: [],
        extracted: {},
        attempts: [{ number: 1, startedAt, durationMs, delayMs: 0, ...(failed ? { errorType, errorMessage: 'HTTP 503' } : {}) }],
      },
    ],
  };
}

/** The query routes without the retention sweep, which would delete these old rows if it ran after they were stored. */
const queryApiOnly: FeatureFactory = async (ctx) => ({ ...(await metricsApiFeature(ctx)), start: undefined });

let sidecar: TestSidecar;

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: [queryApiOnly] });
  for (const [workflowId, { labels, hours }] of Object.entries(RUNS)) {
    await createWorkflowRow(sidecar.db.pool, workflowId, { labels });
    for (const [hour, statuses] of hours.entries()) {
      for (const [i, code] of [...statuses].entries()) {
        await recordExecution(sidecar.db.pool, execution(workflowId, STATUS[code]!, new Date(T0 + hour * HOUR + (i + 1) * 60_000)), { workerId: null });
      }
    }
  }
});

afterAll(async () => {
  await sidecar?.stop();
});

describe('the query-frames fixture the plugin reads', () => {
  it('is what POST /api/v1/query answers for the stored executions', async () => {
    const response = await sidecar.api('/api/v1/query', { method: 'POST', json: QUERY });
    expect(response.status).toBe(200);
    const served = await response.json();
    if (process.env.UPDATE_FIXTURES) {
      fs.writeFileSync(FIXTURE, `${JSON.stringify(served, null, 2)}\n`);
    }
    const committed: unknown = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));
    if (JSON.stringify(committed) !== JSON.stringify(served)) {
      throw new Error(
        `${path.relative(process.cwd(), FIXTURE)} is not what the sidecar answers now; if the change is intended, rewrite it with ` +
          `\`cd backend-sidecar && UPDATE_FIXTURES=1 npx jest test/contract/queryFrames.test.ts\` and commit it.\n` +
          `committed: ${JSON.stringify(committed)}\nserved:    ${JSON.stringify(served)}`
      );
    }
  });

  it('holds the success rates of the stored executions per workflow and hour (null where nothing ran)', async () => {
    const frame = (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { results: { A: { frames: Array<{ data: { values: unknown[][] } }> } } }).results.A.frames[0]!;
    expect(frame.data.values).toEqual([
      [T0, T0 + HOUR, T0 + 2 * HOUR],
      [100, 75, null],
      [80, 90, 93.75],
    ]);
  });
});
