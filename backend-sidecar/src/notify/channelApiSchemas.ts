import { z } from 'zod';
import '../http/openapiRegistry';
import { isoDateTime } from '../schema/timestamp';
import { returnedShape } from '../schema/apiView';
import { CHANNEL_TYPES, SECRET_FIELDS, channelConfigSchemas, type ChannelType } from './channelSchema';

const COMPONENT: Record<ChannelType, string> = {
  slack: 'SlackChannel',
  discord: 'DiscordChannel',
  email: 'EmailChannel',
  sms: 'SmsChannel',
  webhook: 'WebhookChannel',
  alertmanager: 'AlertmanagerChannel',
};

/**
 * A channel as the API returns it, one shape per type: the settings of channelSchema.ts without
 * the secret (write-only) fields, whose names alone are listed in `secretsConfigured`.
 */
function channelView(type: ChannelType) {
  const secrets = SECRET_FIELDS[type];
  const settings = channelConfigSchemas[type] as z.ZodObject<z.ZodRawShape>;
  const publicSettings = settings.omit(Object.fromEntries(secrets.map((field) => [field, true])));
  return z
    .object({
      id: z.string(),
      name: z.string(),
      type: z.literal(type),
      enabled: z.boolean(),
      config: returnedShape(publicSettings).openapi(`${COMPONENT[type]}Config`),
      secretsConfigured: z.array(z.enum(secrets as [string, ...string[]])).describe('Names of the secret fields that are set; their values are never returned'),
      source: z.enum(['file', 'api']),
      sourceFile: z.string().optional(),
      createdAt: isoDateTime,
      updatedAt: isoDateTime,
    })
    .strict()
    .openapi(COMPONENT[type]);
}

export const channelViewSchema = z.discriminatedUnion('type', CHANNEL_TYPES.map(channelView) as unknown as [ReturnType<typeof channelView>, ...Array<ReturnType<typeof channelView>>]).openapi('Channel');
