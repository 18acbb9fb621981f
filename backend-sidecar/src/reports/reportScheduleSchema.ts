import { z } from 'zod';
import '../http/openapiRegistry';
import { isoDateTime } from '../schema/timestamp';
import { REPORT_PERIODS, cronProblem, validTimeZone } from './reportPeriods';

export const SCHEDULE_FORMATS = ['pdf', 'csv'] as const;
/** Channel types that can carry a report: e-mail (file attached) and webhook (JSON report inline). */
export const REPORT_CHANNEL_TYPES = ['email', 'webhook'] as const;

const scheduleId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be 1–100 characters: lower-case letters, digits, ".", "_" or "-"');

export const reportScheduleInputSchema = z
  .object({
    id: scheduleId,
    name: z.string().min(1).max(200),
    enabled: z.boolean().default(true),
    schedule: z
      .object({
        period: z.enum(REPORT_PERIODS, { message: `must be one of ${REPORT_PERIODS.join(', ')}` }).describe('What each report covers: the previous calendar week (Monday to Monday) or month, in the time zone'),
        cron: z.string().max(200).optional().describe('When it is sent (five fields, read in the time zone); default "0 8 * * 1" (weekly) or "0 8 1 * *" (monthly)'),
        timezone: z.string().max(100).default('UTC').describe('IANA time zone, e.g. Europe/Berlin'),
      })
      .strict()
      .superRefine((s, ctx) => {
        if (!validTimeZone(s.timezone)) {
          ctx.addIssue({ code: 'custom', path: ['timezone'], message: `"${s.timezone}" is not an IANA time zone (e.g. Europe/Berlin)` });
        }
        const problem = s.cron === undefined ? undefined : cronProblem(s.cron, s.timezone);
        if (problem) {
          ctx.addIssue({ code: 'custom', path: ['cron'], message: problem });
        }
      }),
    scope: z
      .object({
        workflowIds: z.array(z.string().min(1).max(200)).max(1000).optional(),
        labels: z.record(z.string().min(1).max(100), z.string().max(200)).optional(),
      })
      .strict()
      .default({})
      .describe('Which workflows the report covers; empty: every workflow'),
    format: z.enum(SCHEDULE_FORMATS, { message: `must be one of ${SCHEDULE_FORMATS.join(', ')}` }).default('pdf'),
    channels: z
      .array(z.string().min(1).max(100))
      .min(1, 'needs at least one channel (email: the file attached; webhook: the JSON report)')
      .max(20)
      .describe('Email channels get the PDF/CSV attached; webhook channels the JSON report inline'),
  })
  .strict()
  .openapi('ReportScheduleInput');

export type ReportScheduleInput = z.output<typeof reportScheduleInputSchema>;

export const reportScheduleViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    schedule: z.object({ period: z.enum(REPORT_PERIODS), cron: z.string(), timezone: z.string() }),
    scope: z.object({ workflowIds: z.array(z.string()).optional(), labels: z.record(z.string(), z.string()).optional() }),
    format: z.enum(SCHEDULE_FORMATS),
    channels: z.array(z.string()),
    source: z.enum(['file', 'api']),
    sourceFile: z.string().optional(),
    version: z.number().int(),
    nextRunAt: isoDateTime.nullable().describe('The next time the cron fires (null while disabled)'),
    lastRun: z
      .object({ periodStart: isoDateTime, periodEnd: isoDateTime, dueAt: isoDateTime, queuedAt: isoDateTime, notifications: z.number().int() })
      .nullable()
      .describe('The latest period queued for delivery'),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
  })
  .openapi('ReportSchedule');

export type ReportScheduleView = z.output<typeof reportScheduleViewSchema>;
