import { z } from 'zod';

/** What an operator may decide on a review item (the saga engine's operator actions). */
export const REVIEW_ACTIONS = ['retry', 'cancel', 'accept'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/** `POST /review/:id/resolve` */
export const resolveReviewSchema = z
  .object({
    action: z.enum(REVIEW_ACTIONS, { errorMap: () => ({ message: 'must be one of retry, cancel, accept' }) }),
    note: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters').optional(),
  })
  .strict()
  .describe('an operator decision on a review item: retry the step or compensation, cancel the order, or accept it as it is');
export type ResolveReviewRequest = z.infer<typeof resolveReviewSchema>;

const flag = z.enum(['true', 'false'], { errorMap: () => ({ message: 'must be true or false' }) }).transform((value) => value === 'true');

/** `GET /review?state=open&reason=COMPENSATION_FAILED&overdue=true&limit=50&offset=0` */
export const listReviewSchema = z
  .object({
    state: z.enum(['open', 'resolved'], { errorMap: () => ({ message: 'must be open or resolved' }) }).optional(),
    reason: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be a reason code such as COMPENSATION_FAILED').optional(),
    overdue: flag.optional().describe('true: only open items past their SLA; false: only those within it'),
    limit: z.coerce.number({ invalid_type_error: 'must be a number' }).int('must be a whole number').min(1).max(200).default(50),
    offset: z.coerce.number({ invalid_type_error: 'must be a number' }).int('must be a whole number').min(0).default(0),
  })
  .strict();
export type ListReviewQuery = z.infer<typeof listReviewSchema>;

export const reviewIdSchema = z.object({ id: z.string().uuid('must be a review item id (a UUID)') });

/** `GET /review/webhooks?limit=50&offset=0` */
export const listWebhooksSchema = z
  .object({
    limit: z.coerce.number({ invalid_type_error: 'must be a number' }).int('must be a whole number').min(1).max(200).default(50),
    offset: z.coerce.number({ invalid_type_error: 'must be a number' }).int('must be a whole number').min(0).default(0),
  })
  .strict();
export type ListWebhooksQuery = z.infer<typeof listWebhooksSchema>;
