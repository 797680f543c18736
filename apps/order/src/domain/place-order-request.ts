import {
  ChannelKindSymbols,
  FulfilmentModeSymbols,
  LocationTypeSymbols,
  quantity as parseQuantity,
  type ChannelKind,
  type FulfilmentMode,
  type LocationType,
  type Money,
  type Quantity,
} from '@omnibus/contracts';
import { z } from 'zod';
import { extendedPrice, isIsoCurrency, lineTotal, subtract, sum, zero } from './pricing';

/**
 * The body of `POST /orders`: an order as a channel sends it. Parsing normalises it (quantities to
 * thousandths, optional parts to null), so two bodies that mean the same order parse to the same
 * value — that is what the Idempotency-Key comparison looks at. Nothing here depends on the clock.
 */

const MAX_LINES = 500;

export const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const optionalText = (max: number) => text(max).nullish().transform((value) => value ?? null);

const currencyCode = z.string().superRefine((code, context) => {
  if (!/^[A-Z]{3}$/.test(code)) context.addIssue({ code: 'custom', message: 'must be an ISO 4217 code in upper case, e.g. EUR' });
  else if (!isIsoCurrency(code)) context.addIssue({ code: 'custom', message: 'is not an ISO 4217 currency' });
});

export const money = z
  .object({
    amountMinor: z
      .number({ invalid_type_error: 'must be a whole number of minor units (cents), e.g. 1999 for 19.99' })
      .int('must be a whole number of minor units (cents), e.g. 1999 for 19.99')
      .nonnegative('must not be negative')
      .max(Number.MAX_SAFE_INTEGER, 'is too large'),
    currency: currencyCode,
  })
  .strict();

/** "2", "2.5", "0.125" or a whole number; fractions as numbers are refused (0.1 is not exact in JSON numbers). */
export const quantity = z.union([z.string(), z.number()]).transform((value, context): Quantity => {
  if (typeof value === 'number' && !Number.isInteger(value)) {
    context.addIssue({ code: 'custom', message: `send fractional quantities as a decimal string, e.g. "${value}"` });
    return z.NEVER;
  }
  let parsed: Quantity;
  try {
    parsed = parseQuantity(typeof value === 'number' ? value : value.trim());
  } catch {
    context.addIssue({ code: 'custom', message: 'must be a decimal quantity with at most 3 decimals, e.g. "2" or "2.5"' });
    return z.NEVER;
  }
  if (parsed.milli <= 0) {
    context.addIssue({ code: 'custom', message: 'must be positive' });
    return z.NEVER;
  }
  return parsed;
});

const email = z.string().trim().email('must be an e-mail address').max(254);
const phone = z.string().trim().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 phone number, e.g. +4930123456');

const address = z.object({
  name: text(200),
  company: optionalText(200),
  line1: text(200),
  line2: optionalText(200),
  city: text(100),
  postalCode: optionalText(20),
  region: optionalText(20),
  countryCode: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. DE'),
  phone: phone.nullish().transform((value) => value ?? null),
  email: email.nullish().transform((value) => value ?? null),
});

const customer = z.object({
  customerId: optionalText(64),
  name: text(200),
  email: email.nullish().transform((value) => value ?? null),
  phone: phone.nullish().transform((value) => value ?? null),
});

const channel = z.object({
  channelId: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be a channel id like 'web-eu' (lower case, digits, . _ -)"),
  kind: z.enum(ChannelKindSymbols as [ChannelKind, ...ChannelKind[]]),
});

const line = z.object({
  lineId: optionalText(64),
  sku: text(64),
  name: text(256),
  quantity,
  unitPrice: money,
  discount: money.nullish().transform((value) => value ?? null),
  tax: money.nullish().transform((value) => value ?? null),
  taxCode: optionalText(64),
});

const fulfilment = z.object({
  mode: z.enum(FulfilmentModeSymbols as [FulfilmentMode, ...FulfilmentMode[]]),
  pickupLocationId: optionalText(64),
  allowedLocationTypes: z
    .array(z.enum(LocationTypeSymbols as [LocationType, ...LocationType[]]))
    .min(1, 'name at least one kind of location')
    .nullish()
    .transform((value) => value ?? null),
  allowSplitShipment: z.boolean().nullish().transform((value) => value ?? null),
  shippingMethod: optionalText(64),
  promisedBy: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-03-14T18:00:00Z' }).nullish().transform((value) => value ?? null),
});

const placeOrderBody = z.object({
  channelOrderRef: text(64),
  channel,
  brand: text(64),
  companyId: text(64),
  currency: currencyCode,
  customer,
  billingAddress: address.nullish().transform((value) => value ?? null),
  shippingAddress: address.nullish().transform((value) => value ?? null),
  lines: z.array(line).min(1, 'an order needs at least one line').max(MAX_LINES, `at most ${MAX_LINES} lines`),
  shipping: money.nullish().transform((value) => value ?? null),
  orderDiscount: money.nullish().transform((value) => value ?? null),
  pricesIncludeTax: z.boolean({ required_error: 'is required: true when unit prices include tax' }),
  fulfilment: fulfilment.nullish().transform((value) => value ?? null),
  paymentReference: optionalText(128),
  notes: optionalText(2000),
  placedAt: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-03-11T09:41:12Z' }).nullish().transform((value) => value ?? null),
});

export type PlaceOrderRequest = z.infer<typeof placeOrderBody>;
/** Field rules first; the rules across fields only once every field is valid (else they would repeat its error). */
export const placeOrderRequestSchema = placeOrderBody.pipe(z.custom<PlaceOrderRequest>().superRefine(checkOrderConsistency));
export type PlaceOrderLine = PlaceOrderRequest['lines'][number];

/** Rules across fields: one currency, unique line ids, an address for what is delivered, no negative totals. */
function checkOrderConsistency(request: PlaceOrderRequest, context: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => context.addIssue({ code: 'custom', path, message });

  const moneyFields: Array<[(string | number)[], Money | null]> = [
    [['shipping'], request.shipping],
    [['orderDiscount'], request.orderDiscount],
    ...request.lines.flatMap((l, index): Array<[(string | number)[], Money | null]> => [
      [['lines', index, 'unitPrice'], l.unitPrice],
      [['lines', index, 'discount'], l.discount],
      [['lines', index, 'tax'], l.tax],
    ]),
  ];
  let currenciesAgree = true;
  for (const [path, amount] of moneyFields) {
    if (amount && amount.currency !== request.currency) {
      currenciesAgree = false;
      issue([...path, 'currency'], `${amount.currency} differs from the order currency ${request.currency}`);
    }
  }

  const seen = new Set<string>();
  request.lines.forEach((l, index) => {
    if (l.lineId === null) return;
    if (seen.has(l.lineId)) issue(['lines', index, 'lineId'], `line id ${l.lineId} is used twice`);
    seen.add(l.lineId);
  });
  if (request.lines.some((l) => l.lineId === null) && request.lines.some((l) => l.lineId !== null)) {
    issue(['lines'], 'give every line a lineId, or none (they are then numbered 1, 2, …)');
  }

  if (!request.billingAddress && !request.shippingAddress) {
    issue(['billingAddress'], 'is required when there is no shippingAddress');
  }
  const mode = request.fulfilment?.mode ?? 'DELIVERY';
  if (mode === 'DELIVERY' && !request.shippingAddress) issue(['shippingAddress'], 'is required for delivery');
  if ((mode === 'CLICK_AND_COLLECT' || mode === 'IN_STORE_HANDOVER') && !request.fulfilment?.pickupLocationId) {
    issue(['fulfilment', 'pickupLocationId'], `is required for ${mode}`);
  }

  if (!currenciesAgree) return; // the sums below need one currency
  try {
    const totals = request.lines.map((l, index) => {
      const gross = extendedPrice(l.unitPrice, l.quantity);
      const discount = l.discount ?? zero(request.currency);
      if (discount.amountMinor > gross.amountMinor) issue(['lines', index, 'discount'], 'is more than the line is worth (quantity × unitPrice)');
      return lineTotal({ ...l, discount, tax: l.tax ?? zero(request.currency) }, request.pricesIncludeTax);
    });
    const goods = sum(totals, request.currency);
    const beforeDiscount = sum([goods, request.shipping ?? zero(request.currency)], request.currency);
    if (subtract(beforeDiscount, request.orderDiscount ?? zero(request.currency)).amountMinor < 0) {
      issue(['orderDiscount'], 'is more than the order is worth');
    }
  } catch (error) {
    issue(['lines'], error instanceof Error ? error.message : String(error));
  }
}
