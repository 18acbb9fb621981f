import { z } from 'zod';

export const CHANNEL_TYPES = ['slack', 'discord', 'email', 'sms', 'webhook', 'alertmanager'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

const httpUrl = z.string().max(2000).url('must be an http(s) URL').refine((v) => /^https?:\/\//i.test(v), 'must be an http(s) URL');
const email = z.string().max(320).email('must be an e-mail address');
const phone = z.string().regex(/^\+?[0-9 ()-]{3,20}$/, 'must be a phone number such as +15551234567');

/**
 * Per-type settings. Fields listed in SECRET_FIELDS are write-only: stored apart, never returned
 * by a GET, never logged, and scrubbed from delivery error messages.
 */
export const channelConfigSchemas = {
  slack: z.object({ url: httpUrl, channel: z.string().max(100).optional(), username: z.string().max(100).optional() }).strict(),
  discord: z.object({ url: httpUrl, username: z.string().max(100).optional() }).strict(),
  email: z.object({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(587),
    secure: z.boolean().default(false),
    user: z.string().max(255).optional(),
    password: z.string().max(1000).optional(),
    from: email,
    to: z.array(email).min(1, 'needs at least one recipient').max(50),
    // `rejectUnauthorized: false` accepts any certificate (a relay with a self-signed one); a MITM can then read the mail and the password.
    tls: z.object({ rejectUnauthorized: z.boolean().default(true) }).strict().optional(),
  }).strict(),
  sms: z.object({
    // Twilio's Messages API, or any gateway that speaks it.
    baseUrl: httpUrl.default('https://api.twilio.com'),
    accountSid: z.string().min(1).max(100),
    authToken: z.string().min(1).max(1000),
    from: phone,
    to: z.array(phone).min(1, 'needs at least one recipient').max(20),
  }).strict(),
  webhook: z.object({
    url: httpUrl,
    // HMAC-SHA256 key for the X-Workflow-Monitor-Signature header.
    secret: z.string().min(8, 'must be at least 8 characters').max(1000).optional(),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be an HTTP header name'), z.string().max(4000)).optional(),
  }).strict(),
  alertmanager: z.object({
    url: httpUrl,
    username: z.string().max(255).optional(),
    password: z.string().max(1000).optional(),
  }).strict(),
} as const;

export const SECRET_FIELDS: Record<ChannelType, readonly string[]> = {
  slack: ['url'],
  discord: ['url'],
  email: ['password'],
  sms: ['authToken'],
  webhook: ['secret', 'headers'],
  alertmanager: ['password'],
};

const channelId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be 1–100 characters: lower-case letters, digits, ".", "_" or "-"');

export const channelInputSchema = z.object({
  id: channelId,
  name: z.string().min(1).max(200),
  type: z.enum(CHANNEL_TYPES, { message: `must be one of ${CHANNEL_TYPES.join(', ')}` }),
  enabled: z.boolean().default(true),
  config: z.record(z.string(), z.unknown()).default({}),
}).strict();
export type ChannelInput = z.output<typeof channelInputSchema>;

export type ChannelConfig<T extends ChannelType = ChannelType> = z.output<(typeof channelConfigSchemas)[T]>;

export interface Channel {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  /** Public and secret settings together: only the delivery worker sees this. */
  config: Record<string, unknown>;
}

export type ChannelCheck = { ok: true; config: Record<string, unknown>; publicConfig: Record<string, unknown>; secrets: Record<string, unknown> } | { ok: false; errors: Array<{ path: string; message: string }> };

/**
 * Validates a channel's settings for its type, after filling in the stored secrets the caller
 * did not resend (an edit need not repeat the password), and splits them into public and secret.
 */
export function checkChannelConfig(type: ChannelType, config: Record<string, unknown>, storedSecrets: Record<string, unknown> = {}): ChannelCheck {
  const merged = { ...storedSecrets, ...config };
  const result = channelConfigSchemas[type].safeParse(merged);
  if (!result.success) {
    return {
      ok: false,
      errors: result.error.issues.map((issue) => ({ path: ['config', ...issue.path].join('.'), message: issue.message })),
    };
  }
  const full = result.data as Record<string, unknown>;
  const publicConfig: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(full)) {
    if (SECRET_FIELDS[type].includes(key)) {
      secrets[key] = value;
    } else {
      publicConfig[key] = value;
    }
  }
  return { ok: true, config: full, publicConfig, secrets };
}

/** Every secret string of a channel, for scrubbing from error messages. */
export function secretStrings(channel: Channel): string[] {
  const out: string[] = [];
  for (const key of SECRET_FIELDS[channel.type]) {
    const value = channel.config[key];
    if (typeof value === 'string' && value.length >= 4) {
      out.push(value);
    } else if (value && typeof value === 'object') {
      out.push(...Object.values(value).filter((v): v is string => typeof v === 'string' && v.length >= 4));
    }
  }
  return out;
}

export function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    out = out.split(secret).join('[redacted]');
  }
  return out;
}
