import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { repoRoot } from './paths';

/**
 * The part of schemas/catalogue.yaml that infrastructure needs: topic names and topic settings.
 * Other fields (keys, owners, consumers, events) belong to the contracts and are left alone,
 * so the catalogue can grow without touching this file.
 */
const topicSettings = z.object({
  partitions: z.number().int().positive().optional(),
  retentionMs: z.number().int().min(-1).optional(),
  cleanupPolicy: z.enum(['delete', 'compact', 'compact,delete', 'delete,compact']).optional(),
  minInsyncReplicas: z.number().int().positive().optional(),
  /**
   * message.timestamp.before.max.ms: the broker refuses records stamped longer ago than this. On the
   * streams the outbox relays publish it fences a send that outlived its deadline (see libs/outbox).
   */
  timestampBeforeMaxMs: z.number().int().positive().optional(),
});

const catalogueSchema = z.object({
  defaults: topicSettings.passthrough().default({}),
  topics: z
    .array(topicSettings.extend({ topic: z.string().min(1).optional(), name: z.string().min(1).optional() }).passthrough())
    .default([]),
  serviceTopics: z
    .object({
      services: z.array(z.string().min(1)),
      /** Settings of every retry topic; `tiers` = how many delay tiers (`<service>.retry-1` … `-<tiers>`). */
      retry: topicSettings.extend({ tiers: z.number().int().min(0).max(20).optional() }).passthrough().default({}),
      deadLetter: topicSettings.passthrough().default({}),
    })
    .passthrough()
    .optional(),
});

export type TopicSettings = z.infer<typeof topicSettings>;
export type Catalogue = z.infer<typeof catalogueSchema>;

export const DEFAULT_CATALOGUE = path.join(repoRoot, 'schemas', 'catalogue.yaml');

export function cataloguePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.OMNIBUS_CATALOGUE ?? DEFAULT_CATALOGUE);
}

export function parseCatalogue(text: string, source = 'catalogue'): Catalogue {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = catalogueSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  result.data.topics.forEach((entry, index) => {
    if (!entry.topic && !entry.name) throw new Error(`${source}: topics.${index}: a topic needs a name ("topic:")`);
  });
  return result.data;
}

export function loadCatalogue(file = cataloguePath()): Catalogue {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`cannot read the event catalogue at ${file}`);
  }
  return parseCatalogue(text, path.relative(process.cwd(), file) || file);
}
