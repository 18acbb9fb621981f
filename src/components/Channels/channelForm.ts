import type { SidecarError } from '../../api/client';
import type { Channel, ChannelInput, ChannelType } from '../../api/types';
import { errorPathSegments } from '../../utils/errorPath';

/**
 * How one setting of a channel is edited. `secret` and `headers` are write-only in the sidecar
 * (SECRET_FIELDS in backend-sidecar/src/notify/channelSchema.ts): a GET names them in
 * `secretsConfigured` and never returns their values.
 */
export type SettingKind = 'text' | 'number' | 'list' | 'switch' | 'secret' | 'headers' | 'tlsVerify';

export interface SettingSpec {
  /** The key in the channel's `config` (`tls` for the certificate check). */
  key: string;
  label: string;
  kind: SettingKind;
  required?: boolean;
  description?: string;
  placeholder?: string;
}

export const CHANNEL_TYPE_LABEL: Record<ChannelType, string> = {
  slack: 'Slack',
  discord: 'Discord',
  email: 'Email',
  sms: 'SMS',
  webhook: 'Webhook',
  alertmanager: 'Alertmanager',
};

/** Each type's settings, in the order the form shows them (channelSchema.ts is the source of truth). */
export const CHANNEL_SETTINGS: Record<ChannelType, SettingSpec[]> = {
  slack: [
    {
      key: 'url',
      label: 'Incoming webhook URL',
      kind: 'secret',
      required: true,
      placeholder: 'https://hooks.slack.com/services/…',
      description: 'It grants posting rights, so it is kept like a password',
    },
    {
      key: 'channel',
      label: 'Channel',
      kind: 'text',
      placeholder: '#alerts',
      description: 'Overrides the webhook’s own channel where Slack allows it',
    },
    { key: 'username', label: 'Username', kind: 'text', placeholder: 'Workflow Monitor' },
  ],
  discord: [
    {
      key: 'url',
      label: 'Webhook URL',
      kind: 'secret',
      required: true,
      placeholder: 'https://discord.com/api/webhooks/…',
      description: 'It grants posting rights, so it is kept like a password',
    },
    { key: 'username', label: 'Username', kind: 'text', placeholder: 'Workflow Monitor' },
  ],
  email: [
    { key: 'host', label: 'SMTP host', kind: 'text', required: true, placeholder: 'smtp.example.com' },
    { key: 'port', label: 'Port', kind: 'number', placeholder: '587', description: 'Empty: 587' },
    {
      key: 'secure',
      label: 'Implicit TLS',
      kind: 'switch',
      description: 'On for port 465; off: STARTTLS whenever the server offers it',
    },
    { key: 'user', label: 'User', kind: 'text' },
    { key: 'password', label: 'Password', kind: 'secret' },
    { key: 'from', label: 'From', kind: 'text', required: true, placeholder: 'alerts@example.com' },
    {
      key: 'to',
      label: 'To',
      kind: 'list',
      required: true,
      placeholder: 'oncall@example.com, team@example.com',
      description: 'Comma-separated addresses (at most 50)',
    },
    {
      key: 'tls',
      label: 'Verify the server’s certificate',
      kind: 'tlsVerify',
      description:
        'For a relay with a certificate from a private CA, give the sidecar NODE_EXTRA_CA_CERTS instead of turning this off',
    },
  ],
  sms: [
    {
      key: 'baseUrl',
      label: 'Gateway base URL',
      kind: 'text',
      placeholder: 'https://api.twilio.com',
      description: 'Twilio’s Messages API or a gateway that speaks it. Empty: https://api.twilio.com',
    },
    { key: 'accountSid', label: 'Account SID', kind: 'text', required: true },
    { key: 'authToken', label: 'Auth token', kind: 'secret', required: true },
    { key: 'from', label: 'From number', kind: 'text', required: true, placeholder: '+15551234567' },
    {
      key: 'to',
      label: 'To numbers',
      kind: 'list',
      required: true,
      placeholder: '+15557654321, +15550001111',
      description: 'Comma-separated phone numbers (at most 20)',
    },
  ],
  webhook: [
    {
      key: 'url',
      label: 'URL',
      kind: 'text',
      required: true,
      placeholder: 'https://receiver.example.com/hooks/workflow-monitor',
    },
    {
      key: 'secret',
      label: 'Signing secret',
      kind: 'secret',
      description: 'HMAC-SHA256 key for X-Workflow-Monitor-Signature (at least 8 characters)',
    },
    {
      key: 'headers',
      label: 'Headers',
      kind: 'headers',
      description: 'Sent with every request, e.g. Authorization; write-only like a secret',
    },
  ],
  alertmanager: [
    { key: 'url', label: 'Alertmanager URL', kind: 'text', required: true, placeholder: 'http://alertmanager:9093' },
    { key: 'username', label: 'Basic auth user', kind: 'text' },
    { key: 'password', label: 'Basic auth password', kind: 'secret' },
  ],
};

export interface HeaderRow {
  name: string;
  value: string;
}

export interface ChannelFormState {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  /** text, number and list settings as typed */
  text: Record<string, string>;
  /** switch and tlsVerify settings */
  flags: Record<string, boolean>;
  /** secret values the user typed (only possible while the secret is not `configured`) */
  secrets: Record<string, string>;
  headers: HeaderRow[];
  /** Secrets the sidecar holds (`secretsConfigured` of the stored channel). */
  stored: string[];
  /** Those of `stored` the user has not reset: shown as "configured", left out of a PUT, so they are kept. */
  configured: string[];
}

const FLAG_DEFAULTS: Record<string, boolean> = { secure: false, tls: true };

export function emptyChannelForm(
  type: ChannelType,
  keep: Partial<Pick<ChannelFormState, 'id' | 'name' | 'enabled'>> = {}
): ChannelFormState {
  const flags: Record<string, boolean> = {};
  for (const spec of CHANNEL_SETTINGS[type]) {
    if (spec.kind === 'switch' || spec.kind === 'tlsVerify') {
      flags[spec.key] = FLAG_DEFAULTS[spec.key] ?? false;
    }
  }
  return {
    id: keep.id ?? '',
    name: keep.name ?? '',
    enabled: keep.enabled ?? true,
    type,
    text: {},
    flags,
    secrets: {},
    headers: [],
    stored: [],
    configured: [],
  };
}

/** The form for a stored channel: its public settings, and which secrets are set (never their values). */
export function channelToForm(channel: Channel): ChannelFormState {
  const form = emptyChannelForm(channel.type, channel);
  const config = channel.config as Record<string, unknown>;
  for (const spec of CHANNEL_SETTINGS[channel.type]) {
    const value = config[spec.key];
    if (spec.kind === 'text' || spec.kind === 'number') {
      form.text[spec.key] = value === undefined || value === null ? '' : String(value);
    } else if (spec.kind === 'list') {
      form.text[spec.key] = Array.isArray(value) ? value.join(', ') : '';
    } else if (spec.kind === 'switch') {
      form.flags[spec.key] = value === true;
    } else if (spec.kind === 'tlsVerify') {
      form.flags[spec.key] = (value as { rejectUnauthorized?: boolean } | undefined)?.rejectUnauthorized !== false;
    }
  }
  form.stored = [...channel.secretsConfigured];
  form.configured = [...channel.secretsConfigured];
  return form;
}

const listItems = (text: string) =>
  text
    .split(/[,\n]/)
    .map((t) => t.trim())
    .filter(Boolean);

/**
 * The body of a POST or PUT, or the fields the form can tell are missing without asking the
 * sidecar. A secret goes out only when the user typed one: a configured secret (not reset) and a
 * reset one left empty are left out, and the sidecar keeps what it has.
 */
export function formToInput(
  form: ChannelFormState
): { input: ChannelInput; errors?: undefined } | { input?: undefined; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const config: Record<string, unknown> = {};
  if (!form.id.trim()) {
    errors.id = 'required';
  }
  if (!form.name.trim()) {
    errors.name = 'required';
  }
  for (const spec of CHANNEL_SETTINGS[form.type]) {
    const text = (form.text[spec.key] ?? '').trim();
    switch (spec.kind) {
      case 'text':
        if (text) {
          config[spec.key] = text;
        } else if (spec.required) {
          errors[spec.key] = 'required';
        }
        break;
      case 'number':
        if (text && !Number.isFinite(Number(text))) {
          errors[spec.key] = `"${text}" is not a number`;
        } else if (text) {
          config[spec.key] = Number(text);
        }
        break;
      case 'list': {
        const items = listItems(text);
        if (items.length > 0) {
          config[spec.key] = items;
        } else if (spec.required) {
          errors[spec.key] = 'needs at least one';
        }
        break;
      }
      case 'switch':
        config[spec.key] = form.flags[spec.key] ?? false;
        break;
      case 'tlsVerify':
        // Verification is the default; only turning it off is written.
        if (form.flags[spec.key] === false) {
          config[spec.key] = { rejectUnauthorized: false };
        }
        break;
      case 'secret': {
        const typed = form.secrets[spec.key] ?? '';
        if (form.configured.includes(spec.key)) {
          break;
        }
        if (typed) {
          config[spec.key] = typed;
        } else if (spec.required && !form.stored.includes(spec.key)) {
          errors[spec.key] = 'required';
        }
        break;
      }
      case 'headers': {
        if (form.configured.includes(spec.key)) {
          break;
        }
        const rows = form.headers.filter((h) => h.name.trim());
        if (rows.length > 0) {
          config[spec.key] = Object.fromEntries(rows.map((h) => [h.name.trim(), h.value]));
        }
        break;
      }
    }
  }
  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  return { input: { id: form.id.trim(), name: form.name.trim(), type: form.type, enabled: form.enabled, config } };
}

/**
 * The sidecar's field errors on the form's fields: `config.to.1` → `to` ("to[1]: …"),
 * `config.tls.rejectUnauthorized` → `tls`; the rest (no such field) under `''`.
 */
export function channelErrorsByField(error: SidecarError, type: ChannelType): Record<string, string> {
  const keys = new Set(['id', 'name', 'type', 'enabled', ...CHANNEL_SETTINGS[type].map((s) => s.key)]);
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(error.fieldErrors())) {
    const segments = errorPathSegments(path);
    const inConfig = segments[0] === 'config' && segments.length > 1;
    const key = inConfig ? segments[1]! : segments[0]!;
    const field = keys.has(key) ? key : '';
    const rest = segments.slice(inConfig ? 2 : 1);
    const text =
      field && rest.length > 0
        ? `${key}${rest.map((r) => (/^\d+$/.test(r) ? `[${r}]` : `.${r}`)).join('')}: ${message}`
        : field
          ? message
          : `${path}: ${message}`;
    out[field] = out[field] ? `${out[field]}; ${text}` : text;
  }
  return out;
}

/** A one-line summary of a channel's public settings for the list. */
export function channelSummary(channel: Channel): string {
  switch (channel.type) {
    case 'slack':
      return channel.config.channel ?? 'the webhook’s channel';
    case 'discord':
      return channel.config.username ? `as ${channel.config.username}` : 'the webhook’s channel';
    case 'email':
      return `${channel.config.host}:${channel.config.port} → ${channel.config.to.join(', ')}`;
    case 'sms':
      return `${channel.config.from} → ${channel.config.to.join(', ')}`;
    case 'webhook':
    case 'alertmanager':
      return channel.config.url;
  }
}
