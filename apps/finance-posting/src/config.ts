import { serviceConfigSchema } from '@omnibus/service-kit';
import type { z } from 'zod';

/** The common service settings with the operator-contract defaults of finance-posting; its own settings extend this. */
export const financePostingConfigSchema = serviceConfigSchema('finance-posting');

export type FinancePostingConfig = z.infer<typeof financePostingConfigSchema>;
