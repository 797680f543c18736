import { serviceConfigSchema, setting } from '@omnibus/service-kit';
import { z } from 'zod';

/** The common service settings with the operator-contract defaults of order, plus its own. */
export const orderConfigSchema = serviceConfigSchema('order').extend({
  ORDER_CONSUMER_SERVICE: setting.text({
    description: 'name of the Odoo-results consumer: its group and its <name>.retry / <name>.dlq topics',
    default: 'order',
  }),
  TOPIC_OVERRIDES: z
    .string()
    .transform((text, context) => {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((value) => typeof value === 'string')) {
          return parsed as Record<string, string>;
        }
      } catch {
        // reported below
      }
      context.addIssue({ code: 'custom', message: 'not a JSON object of topic names' });
      return z.NEVER;
    })
    .default('{}')
    .describe('JSON map from catalogue topic to the topic actually used, e.g. {"odoo.results":"odoo.results.test1"} (tests)'),
});

export type OrderConfig = z.infer<typeof orderConfigSchema>;

/** The topic to use for a catalogue topic: itself, unless TOPIC_OVERRIDES renames it (tests, staging). */
export function topicFor(config: Pick<OrderConfig, 'TOPIC_OVERRIDES'>, topic: string): string {
  return config.TOPIC_OVERRIDES[topic] ?? topic;
}
