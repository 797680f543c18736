import { serviceConfigSchema, setting } from '@omnibus/service-kit';
import path from 'node:path';
import type { z } from 'zod';

/** The common service settings with the operator-contract defaults of returns, plus its own. */
export const returnsConfigSchema = serviceConfigSchema('returns').extend({
  RETURNS_CONSUMER_SERVICE: setting.text({
    description: 'name of the consumer of orders, shipments, payments and Odoo results: its group and its <name>.retry / <name>.dlq topics',
    default: 'returns',
  }),
  RETURNS_POLICY_DIR: setting.text({
    description: 'directory of the return policies (one YAML file per policy, with its versions); validated at start',
    default: path.join(__dirname, '..', 'policies'),
  }),
  TOPIC_OVERRIDES: setting.topicOverrides(),
});

export type ReturnsConfig = z.infer<typeof returnsConfigSchema>;
