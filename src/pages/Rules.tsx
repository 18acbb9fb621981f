import React, { useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Badge, Button, ConfirmModal, Icon, Stack, Switch, Tooltip, useStyles2 } from '@grafana/ui';
import type { Rule } from '../api/types';
import { SeverityBadge } from '../components/Badges';
import { PageControls } from '../components/PageControls/PageControls';
import { LoadState, NoDataSource } from '../components/LoadState';
import { RuleEditor } from '../components/rules/RuleEditor';
import { describeCondition, ruleInputFromRule } from '../components/rules/ruleDraft';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { currentUser, notify, useAsync } from '../hooks/useSidecar';
import { usePageControls } from '../hooks/usePageControls';

function scopeText(rule: Rule): string {
  const parts = [
    ...(rule.scope.workflowIds?.length ? [rule.scope.workflowIds.join(', ')] : []),
    ...Object.entries(rule.scope.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(rule.scope.critical === undefined
      ? []
      : [rule.scope.critical ? 'critical workflows' : 'non-critical workflows']),
  ];
  return parts.length > 0 ? parts.join(' · ') : 'all workflows';
}

function notifiesText(rule: Rule): string {
  if (rule.escalationPolicy) {
    return `policy ${rule.escalationPolicy}`;
  }
  return rule.channels.length > 0 ? rule.channels.join(', ') : 'default policy';
}

/** Rules: the six predefined ones, file-defined ones (read-only) and API ones; create, edit, enable/disable, delete. */
function Rules() {
  const controls = usePageControls();
  const { client, refreshKey } = controls;
  const s = useStyles2(getTableStyles);
  const user = currentUser();
  const rules = useAsync(client ? () => client.listRules() : undefined, [client, refreshKey]);
  const [editing, setEditing] = useState<{ rule?: Rule; readOnly: boolean }>();
  // What the form offers to pick from, read each time it opens; a list that fails to load leaves the
  // form usable with the ids the rule already names.
  const formOpen = editing !== undefined;
  const workflows = useAsync(client && formOpen ? () => client.listWorkflows() : undefined, [client, formOpen]);
  const channels = useAsync(client && formOpen ? () => client.listChannels() : undefined, [client, formOpen]);
  const policies = useAsync(client && formOpen ? () => client.listEscalationPolicies() : undefined, [client, formOpen]);
  const [deleting, setDeleting] = useState<Rule>();
  if (!client) {
    return (
      <PluginPage>
        <NoDataSource />
      </PluginPage>
    );
  }

  const toggle = async (rule: Rule) => {
    try {
      await client.saveRule({ ...ruleInputFromRule(rule), enabled: !rule.enabled });
      notify.success(`Rule ${rule.id} ${rule.enabled ? 'disabled' : 'enabled'}`);
    } catch (error) {
      notify.error((error as Error).message);
    }
    rules.reload();
  };
  const remove = async (rule: Rule) => {
    try {
      await client.deleteRule(rule.id);
      notify.success(`Rule ${rule.id} deleted`);
    } catch (error) {
      notify.error((error as Error).message);
    }
    setDeleting(undefined);
    rules.reload();
  };

  const all = rules.value?.rules ?? [];
  return (
    <PluginPage>
      <div data-testid={testIds.rules.container}>
        <PageControls controls={controls} time={false} />
        {user.canEdit && (
          <div className={s.toolbar}>
            <Button icon="plus" onClick={() => setEditing({ readOnly: false })}>
              New rule
            </Button>
          </div>
        )}
        <LoadState
          loading={rules.loading}
          error={rules.error}
          empty={!rules.loading && all.length === 0}
          onRetry={rules.reload}
        >
          <table className={s.table}>
            <thead>
              <tr>
                <th>Enabled</th>
                <th>Rule</th>
                <th>Severity</th>
                <th>Condition</th>
                <th>Scope</th>
                <th>Notifies</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {all.map((r) => {
                const fromFile = r.source === 'file';
                const canChange = user.canEdit && !fromFile;
                return (
                  <tr key={r.id} data-testid={testIds.rules.row(r.id)}>
                    <td>
                      <Tooltip
                        content={
                          fromFile
                            ? `Defined in ${r.sourceFile ?? 'a file'}`
                            : user.canEdit
                              ? r.enabled
                                ? 'Disable'
                                : 'Enable'
                              : 'Editors can enable or disable rules'
                        }
                      >
                        <span>
                          <Switch
                            data-testid={testIds.rules.toggle(r.id)}
                            aria-label={`Rule ${r.id} enabled`}
                            value={r.enabled}
                            disabled={!canChange}
                            onChange={() => toggle(r)}
                          />
                        </span>
                      </Tooltip>
                    </td>
                    <td>
                      {r.name}
                      <div className={s.muted}>
                        {r.id}
                        {r.predefined ? ' · predefined' : ''}
                        {fromFile ? ` · defined in ${r.sourceFile ?? 'a file'}` : ''}
                      </div>
                      {r.disabledReason && (
                        <div data-testid={testIds.rules.disabledReason(r.id)}>
                          <Badge color="orange" icon="exclamation-triangle" text="Disabled by the sidecar" />{' '}
                          {r.disabledReason}
                        </div>
                      )}
                    </td>
                    <td>
                      <SeverityBadge severity={r.severity} />
                    </td>
                    <td className={s.muted}>{describeCondition(r.condition)}</td>
                    <td className={s.muted}>{scopeText(r)}</td>
                    <td className={s.muted}>{notifiesText(r)}</td>
                    <td>
                      <Stack gap={1}>
                        {canChange ? (
                          <Button
                            size="sm"
                            variant="secondary"
                            icon="pen"
                            data-testid={testIds.rules.edit(r.id)}
                            onClick={() => setEditing({ rule: r, readOnly: false })}
                          >
                            Edit
                          </Button>
                        ) : (
                          <Button
                            size="sm"
                            variant="secondary"
                            icon="eye"
                            data-testid={testIds.rules.view(r.id)}
                            onClick={() => setEditing({ rule: r, readOnly: true })}
                          >
                            View
                          </Button>
                        )}
                        {canChange && r.source === 'api' && !r.predefined && (
                          <Button
                            size="sm"
                            variant="destructive"
                            icon="trash-alt"
                            aria-label={`Delete rule ${r.id}`}
                            data-testid={testIds.rules.remove(r.id)}
                            onClick={() => setDeleting(r)}
                          />
                        )}
                        {fromFile && (
                          <Tooltip content={`Defined in ${r.sourceFile ?? 'a file'}: change it there`}>
                            <Icon name="file-alt" />
                          </Tooltip>
                        )}
                      </Stack>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </LoadState>
        {editing && (
          <RuleEditor
            client={client}
            rule={editing.rule}
            readOnly={editing.readOnly}
            workflows={workflows.value?.workflows ?? []}
            channels={channels.value?.channels ?? []}
            policies={policies.value?.policies ?? []}
            onClose={() => setEditing(undefined)}
            onSaved={(saved) => {
              notify.success(`Rule ${saved.id} saved`);
              setEditing(undefined);
              rules.reload();
            }}
          />
        )}
        <ConfirmModal
          isOpen={Boolean(deleting)}
          title={`Delete rule ${deleting?.id ?? ''}`}
          body={`Open alerts of "${deleting?.name ?? ''}" are resolved on the next evaluation.`}
          confirmText="Delete"
          onConfirm={() => (deleting ? remove(deleting) : undefined)}
          onDismiss={() => setDeleting(undefined)}
        />
      </div>
    </PluginPage>
  );
}

export default Rules;
