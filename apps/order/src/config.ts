import { serviceConfigSchema, setting } from '@omnibus/service-kit';
import { z } from 'zod';

/** The common service settings with the operator-contract defaults of order, plus its own. */
export const orderConfigSchema = serviceConfigSchema('order').extend({
  ORDER_CONSUMER_SERVICE: setting.text({
    description: 'name of the Odoo-results consumer: its group and its <name>.retry / <name>.dlq topics',
    default: 'order',
  }),
  TOPIC_OVERRIDES: setting.topicOverrides(),
});

export type OrderConfig = z.infer<typeof orderConfigSchema>;
