import { ChannelKindSymbols, ItemConditionSymbols, LocationTypeSymbols, quantity as parseQuantity, ReturnReasonSymbols, type ChannelKind, type ItemCondition, type LocationType, type ReturnReason } from '@omnibus/contracts';
import { z } from 'zod';
import { UNIT_DISPOSITIONS } from '../domain/policy';

/** Bodies of the returns API. Parsing normalises them (quantities to thousandths), so equal requests parse equal (the Idempotency-Key compares them). */

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

/** "2", "0.5" or a whole number, positive, at most 3 decimals. */
const quantity = z.union([z.string(), z.number()]).transform((value, context): number => {
  try {
    if (typeof value === 'number' && !Number.isInteger(value)) throw new RangeError('fraction');
    const parsed = parseQuantity(typeof value === 'number' ? value : value.trim());
    if (parsed.milli > 0) return parsed.milli;
    context.addIssue({ code: 'custom', message: 'must be positive' });
  } catch {
    context.addIssue({ code: 'custom', message: 'must be a decimal quantity with at most 3 decimals, e.g. "1" or "0.5" (fractions as strings)' });
  }
  return z.NEVER;
});

const channel = z
  .object({
    channelId: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be a channel id like 'web-eu' (lower case, digits, . _ -)"),
    kind: z.enum(ChannelKindSymbols as [ChannelKind, ...ChannelKind[]]),
  })
  .strict();

export const requestReturnSchema = z
  .object({
    /** The order the items were bought with… */
    orderId: text(64).optional(),
    /** …or, for an anonymous sale at a till, its receipt: the POS channel and the receipt number (the order's channelOrderRef). */
    receipt: z.object({ channelId: text(64), receiptNumber: text(64) }).strict().optional(),
    /** Where the return is asked for: the web shop's portal, a store (STORE), the call centre. */
    channel,
    storeLocationId: text(64).optional(),
    customerTier: text(32).optional(),
    refundMethod: z.enum(['ORIGINAL_PAYMENT', 'STORE_CREDIT']).default('ORIGINAL_PAYMENT'),
    lines: z
      .array(
        z
          .object({
            lineId: text(64),
            quantity,
            reason: z.enum(ReturnReasonSymbols as [ReturnReason, ...ReturnReason[]]),
            condition: z.enum(ItemConditionSymbols as [ItemCondition, ...ItemCondition[]]).default('AS_NEW'),
            comment: text(1000).optional(),
            /** An exchange instead of money back: the replacement (e.g. the same shirt in another size); unitPrice only when it is priced differently. */
            exchangeFor: z
              .object({
                sku: text(64),
                name: text(200).optional(),
                quantity,
                unitPrice: z.object({ amountMinor: z.number().int().min(0), currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code') }).strict().optional(),
              })
              .strict()
              .optional(),
          })
          .strict(),
      )
      .min(1, 'a return needs at least one line')
      .max(200, 'at most 200 lines'),
  })
  .strict()
  .superRefine((request, context) => {
    if ((request.orderId === undefined) === (request.receipt === undefined)) {
      context.addIssue({ code: 'custom', path: ['orderId'], message: 'give the orderId, or the receipt of an anonymous sale (not both)' });
    }
    if (request.channel.kind === 'STORE' && request.storeLocationId === undefined) {
      context.addIssue({ code: 'custom', path: ['storeLocationId'], message: 'is required for a return in a store' });
    }
  });
export type RequestReturnBody = z.infer<typeof requestReturnSchema>;

export const receiveReturnSchema = z
  .object({
    /** Any store or warehouse, not only where the items shipped from. */
    location: z.object({ locationId: text(64), locationType: z.enum(LocationTypeSymbols as [LocationType, ...LocationType[]]) }).strict(),
    lines: z
      .array(
        z
          .object({
            lineId: text(64),
            /** Each inspected unit (or a count of alike units) and what becomes of it. */
            units: z
              .array(
                z
                  .object({
                    disposition: z.enum(UNIT_DISPOSITIONS),
                    quantity: quantity.default('1'),
                    condition: z.enum(ItemConditionSymbols as [ItemCondition, ...ItemCondition[]]).optional(),
                  })
                  .strict(),
              )
              .min(1, 'name at least one unit'),
          })
          .strict(),
      )
      .min(1, 'a receipt needs at least one line'),
  })
  .strict()
  .superRefine((receipt, context) => {
    const seen = new Set<string>();
    receipt.lines.forEach((line, index) => {
      if (seen.has(line.lineId)) context.addIssue({ code: 'custom', path: ['lines', index, 'lineId'], message: `line ${line.lineId} is listed twice` });
      seen.add(line.lineId);
    });
  });
export type ReceiveReturnBody = z.infer<typeof receiveReturnSchema>;

/** The carrier's first scan of the return parcel. */
export const scanSchema = z.object({ carrier: text(64), trackingNumber: text(128).optional() }).strict();
export type ScanBody = z.infer<typeof scanSchema>;

export const decisionSchema = z.object({ note: text(1000).optional() }).strict();
export type DecisionBody = z.infer<typeof decisionSchema>;
