import { z } from 'zod';
import type { RouteTable } from '../../http/route';
import type { FileLoadError } from '../../schema/yaml';

export function registerAlertingLoadErrorRoutes(routes: RouteTable, deps: { loadErrors: () => FileLoadError[] }): void {
  routes.add({
    method: 'get',
    path: '/api/v1/alerting/load-errors',
    operationId: 'listAlertingLoadErrors',
    summary: 'Rules, policies and channels in alerting/*.yaml that were rejected, with file, path and reason',
    tags: ['rules'],
    responses: { 200: { description: 'Load errors', schema: z.object({ loadErrors: z.array(z.object({ file: z.string(), path: z.string(), message: z.string() })) }) } },
    handler: () => ({ body: { loadErrors: deps.loadErrors() } }),
  });
}
