import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './ConfigEditor';
import { WorkflowDataSource } from './datasource';
import { QueryEditor } from './QueryEditor';
import type { WorkflowDataSourceOptions, WorkflowQuery } from './types';

export const plugin = new DataSourcePlugin<WorkflowDataSource, WorkflowQuery, WorkflowDataSourceOptions>(WorkflowDataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
