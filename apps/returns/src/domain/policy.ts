import { ChannelKindSymbols, ItemConditionSymbols, ReturnReasonSymbols, type ChannelKind, type ItemCondition, type ReturnReason } from '@omnibus/contracts';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Return policies as data: one YAML file per policy (apps/returns/policies/*.yaml), each with its
 * versions. A return is judged by the version in force when it was requested (the latest whose
 * `effectiveFrom` is not after the request), and keeps that version for its whole life.
 */

/** What happens to a received unit, as the store or warehouse inspects it. */
export const UNIT_DISPOSITIONS = ['RESELLABLE', 'DAMAGED', 'VENDOR_RETURN', 'MISSING'] as const;
export type UnitDisposition = (typeof UNIT_DISPOSITIONS)[number];

const reason = z.enum(ReturnReasonSymbols as [ReturnReason, ...ReturnReason[]]);
const condition = z.enum(ItemConditionSymbols as [ItemCondition, ...ItemCondition[]]);
const approval = z.enum(['automatic', 'review']);

const tierSchema = z.object({ windowDays: z.number().int().positive().optional(), approval: approval.optional() }).strict();

const versionSchema = z
  .object({
    version: z.number().int().positive(),
    effectiveFrom: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z' }).transform((text) => new Date(text)),
    /** Days from delivery (of the parcels that carried the line) in which a return may be requested. */
    windowDays: z.number().int().positive(),
    /** Days from authorisation in which the items should be handed in (ReturnAuthorized.returnBy). */
    handInDays: z.number().int().positive().default(14),
    nonReturnable: z
      .object({
        skus: z.array(z.string().min(1)).default([]),
        /** Category name → SKU prefixes of the category (OrderPlaced carries no categories). */
        categories: z.record(z.array(z.string().min(1)).min(1)).default({}),
      })
      .strict()
      .default({}),
    /** Conditions as the customer states them that are refused outright. */
    refusedConditions: z.array(condition).default([]),
    /** Stated conditions and reasons that send the request to an operator's review. */
    conditionsNeedingInspection: z.array(condition).default([]),
    reasonsNeedingInspection: z.array(reason).default([]),
    approval: approval.default('automatic'),
    /**
     * When the money goes back: on receipt (after inspection, for what was accepted), or on the
     * carrier's first scan of the return parcel (what was authorised, trusting the stated condition).
     */
    refundOn: z.enum(['receipt', 'first-scan']).default('receipt'),
    /** Dispositions whose units are refunded; MISSING units are never (they did not arrive). */
    refundedDispositions: z.array(z.enum(['RESELLABLE', 'DAMAGED', 'VENDOR_RETURN'])).default(['RESELLABLE', 'DAMAGED', 'VENDOR_RETURN']),
    /** Percentage kept back from each refunded line (up to 2 decimals). */
    restockingFeePercent: z.number().min(0).max(100).multipleOf(0.01).default(0),
    /**
     * Exchanges (a replacement instead of money back): allowed or not, and for which reasons (none
     * listed: any reason). An exchanged line carries no restocking fee: the retailer keeps the sale.
     */
    exchanges: z.object({ allowed: z.boolean().default(false), reasons: z.array(reason).default([]) }).strict().default({}),
    /** Customer tier → what it changes (a longer window, automatic approval). */
    tiers: z.record(tierSchema).default({}),
  })
  .strict();

const policySchema = z
  .object({
    policyId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes'),
    /** Which orders it is for; a dimension left out matches every value. */
    appliesTo: z
      .object({
        brands: z.array(z.string().min(1)).min(1).optional(),
        channels: z.array(z.string().min(1)).min(1).optional(),
        channelKinds: z.array(z.enum(ChannelKindSymbols as [ChannelKind, ...ChannelKind[]])).min(1).optional(),
      })
      .strict()
      .default({}),
    versions: z.array(versionSchema).min(1, 'a policy needs at least one version'),
  })
  .strict()
  .superRefine((policy, context) => {
    policy.versions.forEach((version, index) => {
      const previous = policy.versions[index - 1];
      if (previous && (version.version <= previous.version || version.effectiveFrom <= previous.effectiveFrom)) {
        context.addIssue({ code: 'custom', path: ['versions', index], message: 'versions must go up, each effective after the one before' });
      }
    });
  });

export type ReturnPolicy = z.infer<typeof policySchema>;
export type PolicyVersion = ReturnPolicy['versions'][number];
export interface PolicyInForce {
  policyId: string;
  version: PolicyVersion;
}

/** Parses and checks policy documents (file name → YAML text); an invalid one throws naming the file and field. */
export function parsePolicies(documents: Record<string, string>): ReturnPolicy[] {
  const policies = Object.entries(documents).map(([file, text]) => {
    const parsed = policySchema.safeParse(parse(text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`return policy ${file}: ${issue.path.join('.') || '(document)'} ${issue.message}`);
    }
    return parsed.data;
  });
  const ids = new Set<string>();
  for (const policy of policies) {
    if (ids.has(policy.policyId)) throw new Error(`return policy ${policy.policyId} is defined twice`);
    ids.add(policy.policyId);
  }
  if (policies.length === 0) throw new Error('no return policy found');
  return policies;
}

/** Every *.yaml / *.yml file of a directory. */
export function loadPolicies(directory: string): ReturnPolicy[] {
  const files = readdirSync(directory).filter((name) => /\.ya?ml$/.test(name)).sort();
  return parsePolicies(Object.fromEntries(files.map((name) => [name, readFileSync(path.join(directory, name), 'utf8')])));
}

export interface PolicyScope {
  brand: string;
  channelId: string;
  channelKind: ChannelKind;
}

/**
 * The policy for an order's brand and sales channel, and its version in force at `at`: the most
 * specific policy that matches (a named channel counts more than a channel kind, which counts more
 * than a brand; ties go to the policy id first in order), or undefined when none does.
 */
export function policyInForce(policies: ReturnPolicy[], scope: PolicyScope, at: Date): PolicyInForce | undefined {
  const candidates = policies
    .filter(({ appliesTo }) => (!appliesTo.brands || appliesTo.brands.includes(scope.brand)) && (!appliesTo.channels || appliesTo.channels.includes(scope.channelId)) && (!appliesTo.channelKinds || appliesTo.channelKinds.includes(scope.channelKind)))
    .map((policy) => ({ policy, specificity: (policy.appliesTo.channels ? 4 : 0) + (policy.appliesTo.channelKinds ? 2 : 0) + (policy.appliesTo.brands ? 1 : 0) }))
    .sort((a, b) => b.specificity - a.specificity || a.policy.policyId.localeCompare(b.policy.policyId));
  for (const { policy } of candidates) {
    const version = [...policy.versions].reverse().find((candidate) => candidate.effectiveFrom <= at);
    if (version) return { policyId: policy.policyId, version };
  }
  return undefined;
}

/** The version a return was judged by (kept on the return), for its receipt and refund. */
export function policyVersion(policies: ReturnPolicy[], policyId: string, version: number): PolicyVersion | undefined {
  return policies.find((policy) => policy.policyId === policyId)?.versions.find((candidate) => candidate.version === version);
}

/** The category (or 'sku') that makes a SKU non-returnable under this version, if any. */
export function nonReturnableBy(version: PolicyVersion, sku: string): string | undefined {
  if (version.nonReturnable.skus.includes(sku)) return 'sku';
  return Object.entries(version.nonReturnable.categories).find(([, prefixes]) => prefixes.some((prefix) => sku.startsWith(prefix)))?.[0];
}
