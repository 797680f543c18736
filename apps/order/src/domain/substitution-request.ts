import { OrderLineSubstituted } from '@omnibus/contracts';
import { z } from 'zod';
import { money, quantity, text } from './place-order-request';

/** The reasons a store may give, as OrderLineSubstituted carries them. */
const REASONS = ['OUT_OF_STOCK', 'DISCONTINUED', 'DAMAGED_IN_PICKING', 'CUSTOMER_REQUEST', 'OTHER'] as const satisfies ReadonlyArray<OrderLineSubstituted['reason']>;

/**
 * `POST /orders/:id/substitutions`: a store or warehouse proposes a substitute for a line that has not
 * shipped: its SKU, quantity and unit price (in the order's currency, tax included when the order's
 * prices are), why, and a note for the customer.
 */
export const proposeSubstitutionSchema = z
  .object({
    lineId: text(64),
    substitute: z
      .object({
        sku: text(64),
        name: text(200).optional(),
        quantity,
        unitPrice: money,
      })
      .strict(),
    reason: z.enum(REASONS, { errorMap: () => ({ message: `must be one of ${REASONS.join(', ')}` }) }),
    note: text(500).optional(),
  })
  .strict();

export type ProposeSubstitutionRequest = z.infer<typeof proposeSubstitutionSchema>;

/** `POST /orders/:id/substitutions/:substitutionId/accept|decline`: the customer's answer, with an optional note. */
export const answerSubstitutionSchema = z
  .object({ note: text(500).optional() })
  .strict()
  .nullish()
  .transform((body) => ({ note: body?.note ?? null }));

export type AnswerSubstitutionRequest = z.infer<typeof answerSubstitutionSchema>;
