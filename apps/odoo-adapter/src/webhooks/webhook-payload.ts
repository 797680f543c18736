import { z } from 'zod';
import { parseOdooDatetime } from '@omnibus/odoo-client';

/**
 * The body Odoo's webhook action POSTs (§5.2): `_id`, `_model`, `_action` plus the selected fields read
 * with `load=None`; datetimes as Python `str()` (`2024-05-01 10:00:00.123456`, microseconds included).
 */
export const odooWebhookPayload = z
  .object({
    _id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)]),
    _model: z.string().min(1).optional(),
    _action: z.string().optional(),
    write_date: z.union([z.string(), z.literal(false)]).optional(),
  })
  .passthrough();

export type OdooWebhookPayload = z.infer<typeof odooWebhookPayload>;

/** When Odoo says the record changed, to the microsecond when it sent a write_date. */
export function hintedChangeTime(payload: OdooWebhookPayload): Date | undefined {
  if (typeof payload.write_date !== 'string' || !/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(payload.write_date)) return undefined;
  return parseOdooDatetime(payload.write_date);
}
