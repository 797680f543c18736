import { serviceConfigSchema } from '@omnibus/service-kit';
import type { z } from 'zod';

/** The common service settings with the operator-contract defaults of returns; its own settings extend this. */
export const returnsConfigSchema = serviceConfigSchema('returns');

export type ReturnsConfig = z.infer<typeof returnsConfigSchema>;
