import type { StockSource } from '@omnibus/contracts';
import { z } from 'zod';
import { isDecimalQuantity, parseMilli } from '../domain/quantity';

/** The `:source` of `POST /stock/feeds/:source` and the contract's StockSource it stands for. Odoo's stock arrives through the adapter's events only. */
export const FEED_SOURCES: Record<string, StockSource> = { wms: 'WMS', pos: 'POS', dropship: 'DROPSHIP_FEED', '3pl': 'THREE_PL', manual: 'MANUAL' };

const quantity = z
  .string({ required_error: 'is required', invalid_type_error: 'must be a decimal string, e.g. "12" or "2.5"' })
  .refine(isDecimalQuantity, 'must be a decimal quantity with at most 3 decimals, e.g. "12" or "2.5"')
  .transform(parseMilli);

const update = z
  .object({
    /** The sender's id of this update: applying it twice changes nothing. */
    eventId: z.string().min(1).max(200),
    sku: z.string().min(1).max(100),
    locationId: z.string().min(1).max(100),
    /** `absolute`: the count at the location now; `delta`: a movement (+ received, − sold or shrunk). */
    kind: z.enum(['absolute', 'delta']),
    /** On hand (absolute) or its change (delta). */
    quantity,
    /** Absolute only: units at the location that cannot be sold (damaged, quarantine). */
    unavailable: quantity.refine((milli) => milli >= 0, 'must not be negative').optional(),
    /** The sender's per-location sequence number; when given it orders updates instead of observedAt. */
    sequence: z.number().int().nonnegative().optional(),
    observedAt: z.string().datetime({ offset: true, message: 'must be an ISO 8601 timestamp with a time zone' }),
  })
  .strict()
  .refine((value) => value.kind === 'absolute' || value.unavailable === undefined, { message: 'only an absolute update may set unavailable', path: ['unavailable'] })
  .refine((value) => value.kind === 'delta' || value.quantity >= 0, { message: 'an absolute count must not be negative', path: ['quantity'] });

export const feedRequestSchema = z.object({ updates: z.array(update).min(1, 'must hold at least one update').max(1000, 'at most 1000 updates per batch') }).strict();
export type FeedRequest = z.infer<typeof feedRequestSchema>;
export type FeedUpdate = FeedRequest['updates'][number];
