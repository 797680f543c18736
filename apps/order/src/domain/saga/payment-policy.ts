import type { ChannelKind } from '@omnibus/contracts';

/**
 * How a channel kind pays, as configuration (ORDER_PAYMENT_POLICIES):
 * - `authorise_then_capture`: web and app; the saga authorises before Odoo and captures each shipment's
 *   share of the money when it leaves (the last shipment takes the rest).
 * - `authorise_then_capture_at_end`: authorises the same way and captures once, when everything has shipped.
 * - `capture_at_once`: POS; the customer leaves with the goods: authorised, then handed over at the till
 *   (the Odoo delivery validated at once), captured in full and invoiced, without a carrier.
 * - `pay_by_link`: call centre; no card is authorised on the call: the customer gets a payment link and
 *   the saga waits until it is paid (authorised, then captured as web) or lapses (the order is cancelled).
 * - `prepaid`: marketplaces collect the money themselves; the saga neither authorises nor captures.
 */
export const PAYMENT_POLICIES = ['authorise_then_capture', 'authorise_then_capture_at_end', 'capture_at_once', 'prepaid', 'pay_by_link'] as const;
export type PaymentPolicy = (typeof PAYMENT_POLICIES)[number];

export const DEFAULT_PAYMENT_POLICIES = 'WEB=authorise_then_capture,MOBILE_APP=authorise_then_capture,CALL_CENTRE=pay_by_link,SOCIAL=authorise_then_capture,STORE=capture_at_once,MARKETPLACE=prepaid,OTHER=authorise_then_capture';

/** The policy of a channel kind; a kind not configured authorises (the safe default: no goods without money). */
export function paymentPolicyOf(policies: Partial<Record<ChannelKind, PaymentPolicy>>, kind: ChannelKind): PaymentPolicy {
  return policies[kind] ?? 'authorise_then_capture';
}
