import { serviceConfigSchema, setting } from '@omnibus/service-kit';
import type { z } from 'zod';

/** The common service settings (port 3005, database odoo_adapter) plus where Odoo is. */
export const odooAdapterConfigSchema = serviceConfigSchema('odoo-adapter').extend({
  ODOO_URL: setting.url({
    description: 'http(s) URL of the Odoo server',
    default: 'http://127.0.0.1:8069',
    protocols: ['http:', 'https:'],
  }),
  ODOO_DATABASE: setting.text({ description: 'Odoo database name', default: 'omnibus' }),
});

export type OdooAdapterConfig = z.infer<typeof odooAdapterConfigSchema>;
