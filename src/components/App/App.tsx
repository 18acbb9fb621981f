import React from 'react';
import { Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';

const Overview = React.lazy(() => import('../../pages/Overview'));
const Workflows = React.lazy(() => import('../../pages/Workflows'));
const WorkflowDetail = React.lazy(() => import('../../pages/WorkflowDetail'));
const Alerts = React.lazy(() => import('../../pages/Alerts'));
const Rules = React.lazy(() => import('../../pages/Rules'));
const Channels = React.lazy(() => import('../../pages/Channels'));
const EscalationPolicies = React.lazy(() => import('../../pages/EscalationPolicies'));
const WorkflowEditor = React.lazy(() => import('../../pages/WorkflowEditor'));
const Silences = React.lazy(() => import('../../pages/Silences'));
const AlertDetail = React.lazy(() => import('../../pages/AlertDetail'));
const Slos = React.lazy(() => import('../../pages/Slos'));
const Locations = React.lazy(() => import('../../pages/Locations'));

function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path={ROUTES.Workflows} element={<Workflows />} />
      {/* A static segment outranks `:id` in react-router 6, so `workflows/new` is never read as a workflow id. */}
      <Route path={ROUTES.WorkflowNew} element={<WorkflowEditor />} />
      <Route path={`${ROUTES.Workflows}/:id/edit`} element={<WorkflowEditor />} />
      <Route path={`${ROUTES.Workflows}/:id`} element={<WorkflowDetail />} />
      <Route path={ROUTES.Alerts} element={<Alerts />} />
      <Route path={ROUTES.Rules} element={<Rules />} />
      <Route path={ROUTES.Channels} element={<Channels />} />
      <Route path={ROUTES.EscalationPolicies} element={<EscalationPolicies />} />
      <Route path={ROUTES.Silences} element={<Silences />} />
      {/* Every notification links here (GRAFANA_URL in the sidecar). */}
      <Route path={`${ROUTES.Alerts}/:id`} element={<AlertDetail />} />
      <Route path={ROUTES.Slos} element={<Slos />} />
      <Route path={ROUTES.Locations} element={<Locations />} />
      <Route path="*" element={<Overview />} />
    </Routes>
  );
}

export default App;
