import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { isDecimalQuantity, Milli, parseMilli } from './quantity';
import { channelsWithBoundedAllocation } from './atp';

export const LOCATION_KINDS = ['store', 'warehouse', 'drop_ship', 'in_transit'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

const quantity = z
  .string()
  .refine(isDecimalQuantity, 'must be a decimal quantity with at most 3 decimals, e.g. "2" or "2.5"')
  .transform(parseMilli);
const nonNegativeQuantity = quantity.refine((milli) => milli >= 0, 'must not be negative');

const locationSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
    kind: z.enum(LOCATION_KINDS),
    region: z.string().min(1),
    brand: z.string().min(1),
    channels: z.array(z.string().min(1)).min(1, 'must serve at least one channel'),
    /** Drop-ship partner (or any feeding partner) owning the location: its partner token may feed only its own locations. */
    partner: z.string().min(1).optional(),
    /** Units kept back at this location for every SKU (display stock, damaged-in-handling buffer). */
    safetyStock: nonNegativeQuantity.default('0'),
    expectedArrival: z.string().datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((location) => location.kind !== 'in_transit' || location.expectedArrival !== undefined, {
    message: 'an in_transit location needs expectedArrival',
    path: ['expectedArrival'],
  });

export const sourcingRuleSchema = z
  .object({
    /** Location kinds in order of preference; a kind not listed is never used. */
    preference: z.array(z.enum(LOCATION_KINDS)).min(1),
    shipFromStore: z.boolean(),
    dropShip: z.boolean(),
    split: z.boolean(),
    /** Stock in transit may be promised (and reserved) by this channel. */
    inTransit: z.boolean(),
  })
  .strict();
export type SourcingRule = z.infer<typeof sourcingRuleSchema>;

const allocationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cap'), quantity: nonNegativeQuantity }).strict(),
  z.object({ kind: z.literal('percentage'), percent: z.number().min(0).max(100) }).strict(),
  /** A shared pool; `ringFenced` is this channel's minimum that the other shared channels may not promise. */
  z.object({ kind: z.literal('shared'), ringFenced: nonNegativeQuantity.default('0') }).strict(),
]);
export type ChannelAllocation = z.infer<typeof allocationSchema>;

const channelSchema = z
  .object({
    /** `default` applies to every region; a region key overrides it for orders shipping there. */
    sourcing: z.object({ default: sourcingRuleSchema }).catchall(sourcingRuleSchema),
    reservationExpirySeconds: z.number().int().positive(),
    allocation: allocationSchema.default({ kind: 'shared', ringFenced: '0' }),
  })
  .strict();

/** Part of a location's settings given per Odoo company or warehouse; merged over `defaults`. */
const odooLocationSettingsSchema = z
  .object({
    region: z.string().min(1).optional(),
    brand: z.string().min(1).optional(),
    channels: z.array(z.string().min(1)).min(1, 'must serve at least one channel').optional(),
    safetyStock: nonNegativeQuantity.optional(),
  })
  .strict();
export type OdooLocationSettings = z.infer<typeof odooLocationSettingsSchema>;

/**
 * Locations learned from Odoo's warehouses (StockLocationUpserted): their region, brand and channels,
 * by default, per company (Omnibus company id or Odoo company name) and per warehouse code, the most
 * specific winning. A location of the same id in `locations` takes precedence over all of it.
 */
const odooLocationsSchema = z
  .object({
    defaults: odooLocationSettingsSchema.default({}),
    companies: z.record(odooLocationSettingsSchema).default({}),
    warehouses: z.record(odooLocationSettingsSchema).default({}),
  })
  .strict();
export type OdooLocationsConfig = z.infer<typeof odooLocationsSchema>;

export const networkSchema = z
  .object({
    regions: z
      .object({ distances: z.array(z.object({ between: z.tuple([z.string(), z.string()]), distance: z.number().nonnegative() }).strict()).default([]) })
      .strict()
      .default({ distances: [] }),
    locations: z.array(locationSchema).min(1),
    channels: z.record(channelSchema),
    odooLocations: odooLocationsSchema.default({}),
  })
  .strict()
  .superRefine((network, context) => {
    const settings: Array<[Array<string | number>, OdooLocationSettings]> = [
      [['odooLocations', 'defaults'], network.odooLocations.defaults],
      ...Object.entries(network.odooLocations.companies).map(([key, value]): [Array<string | number>, OdooLocationSettings] => [['odooLocations', 'companies', key], value]),
      ...Object.entries(network.odooLocations.warehouses).map(([key, value]): [Array<string | number>, OdooLocationSettings] => [['odooLocations', 'warehouses', key], value]),
    ];
    for (const [path, value] of settings) {
      value.channels?.forEach((channel, index) => {
        if (!network.channels[channel]) context.addIssue({ code: 'custom', path: [...path, 'channels', index], message: `unknown channel ${channel}` });
      });
    }
    const seen = new Set<string>();
    network.locations.forEach((location, index) => {
      if (seen.has(location.id)) context.addIssue({ code: 'custom', path: ['locations', index, 'id'], message: `duplicate location ${location.id}` });
      seen.add(location.id);
      location.channels.forEach((channel, channelIndex) => {
        if (!network.channels[channel]) {
          context.addIssue({ code: 'custom', path: ['locations', index, 'channels', channelIndex], message: `unknown channel ${channel}` });
        }
      });
    });
  });

export type NetworkConfig = z.infer<typeof networkSchema>;
export type LocationConfig = NetworkConfig['locations'][number];

/** The stock network with the look-ups the domain needs. */
export class Network {
  readonly locations = new Map<string, LocationConfig>();
  /** The channels whose reservations draw an allocation down (their holdings are read when deciding). */
  readonly boundedChannels: string[];

  constructor(readonly config: NetworkConfig) {
    for (const location of config.locations) this.locations.set(location.id, location);
    this.boundedChannels = channelsWithBoundedAllocation(Object.fromEntries(Object.entries(config.channels).map(([id, channel]) => [id, channel.allocation])));
  }

  /** Whether the location is in the configuration file (which takes precedence over what Odoo says). */
  isConfigured(id: string): boolean {
    return this.config.locations.some((location) => location.id === id);
  }

  /** A location learned from Odoo; a configured one of the same id is kept as configured. */
  learn(location: LocationConfig): void {
    if (!this.isConfigured(location.id)) this.locations.set(location.id, location);
  }

  /** A learned location Odoo archived (or that no longer resolves): no longer used. */
  forget(id: string): void {
    if (!this.isConfigured(id)) this.locations.delete(id);
  }

  location(id: string): LocationConfig | undefined {
    return this.locations.get(id);
  }

  channel(channelId: string): NetworkConfig['channels'][string] | undefined {
    return this.config.channels[channelId];
  }

  sourcingRule(channelId: string, region: string): SourcingRule | undefined {
    const channel = this.channel(channelId);
    return channel && (channel.sourcing[region] ?? channel.sourcing.default);
  }

  /** 0 within a region, the configured distance between two, 100 for a pair not configured. */
  distance(from: string, to: string): number {
    if (from === to) return 0;
    const pair = this.config.regions.distances.find(({ between: [a, b] }) => (a === from && b === to) || (a === to && b === from));
    return pair?.distance ?? 100;
  }

  safetyStock(locationId: string): Milli {
    return this.location(locationId)?.safetyStock ?? 0;
  }
}

/** Reads and validates the network YAML; a bad file stops the service at start with the field paths. */
export function loadNetwork(file: string): Network {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`inventory: cannot read the stock network ${file}: ${(error as Error).message}`);
  }
  const parsed = networkSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new Error(`inventory: invalid stock network ${file}: ${issues}`);
  }
  return new Network(parsed.data);
}
