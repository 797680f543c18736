import { serviceConfigSchema } from '@omnibus/service-kit';
import type { z } from 'zod';

/** The common service settings with the operator-contract defaults of order; its own settings extend this. */
export const orderConfigSchema = serviceConfigSchema('order');

export type OrderConfig = z.infer<typeof orderConfigSchema>;
