import { serviceConfigSchema } from '@omnibus/service-kit';
import type { z } from 'zod';

/** The common service settings with the operator-contract defaults of inventory; its own settings extend this. */
export const inventoryConfigSchema = serviceConfigSchema('inventory');

export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;
