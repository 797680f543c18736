import { Incompatibility, checkReaderWriter } from './compatibility';
import { ParseOptions, ParsedSchema, SchemaInput, parseSchema } from './schema';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** Confluent's default level. */
export const DEFAULT_COMPATIBILITY_LEVEL: CompatibilityLevel = 'BACKWARD';

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

/**
 * BACKWARD: the new schema reads data written with a previous one (upgrade consumers first).
 * FORWARD: a previous schema reads data written with the new one (upgrade producers first).
 */
export type CompatibilityDirection = 'BACKWARD' | 'FORWARD';

export interface LevelIncompatibility extends Incompatibility {
  direction: CompatibilityDirection;
  /** Index into `previousSchemas` of the schema the new one was checked against. */
  previousIndex: number;
}

export interface CompatibilityReport {
  level: CompatibilityLevel;
  compatible: boolean;
  incompatibilities: LevelIncompatibility[];
  /** One line per incompatibility: which previous schema, which direction, then the incompatibility's message. */
  messages: string[];
}

export interface CheckOptions extends ParseOptions {
  /** Names a previous schema in messages; default `previous schema #<index + 1>`. */
  describePrevious?: (index: number) => string;
}

/**
 * Checks a new schema against the previous schemas of a subject (oldest first, latest last) as
 * Confluent's compatibility level says: non-transitive levels look at the latest only, `*_TRANSITIVE`
 * at all, `NONE` at none. With no previous schema everything is compatible.
 */
export function checkCompatibility(
  level: CompatibilityLevel,
  newSchema: SchemaInput,
  previousSchemas: readonly SchemaInput[],
  options: CheckOptions = {},
): CompatibilityReport {
  if (!isCompatibilityLevel(level)) throw new TypeError(`unknown compatibility level: ${String(level)}`);
  const candidate = parseSchema(newSchema, options);
  const directions: CompatibilityDirection[] = level.startsWith('BACKWARD')
    ? ['BACKWARD']
    : level.startsWith('FORWARD')
      ? ['FORWARD']
      : level.startsWith('FULL')
        ? ['BACKWARD', 'FORWARD']
        : [];
  const transitive = level.endsWith('_TRANSITIVE');
  const firstChecked = transitive ? 0 : previousSchemas.length - 1;
  const describePrevious = options.describePrevious ?? ((index: number) => `previous schema #${index + 1}`);

  const incompatibilities: LevelIncompatibility[] = [];
  const messages: string[] = [];
  if (directions.length > 0) {
    for (let index = Math.max(firstChecked, 0); index < previousSchemas.length; index++) {
      const previous: ParsedSchema = parseSchema(previousSchemas[index], options);
      for (const direction of directions) {
        const result =
          direction === 'BACKWARD'
            ? checkReaderWriter(candidate, previous, options)
            : checkReaderWriter(previous, candidate, options);
        const context =
          direction === 'BACKWARD'
            ? `the new schema cannot read data written with ${describePrevious(index)}`
            : `${describePrevious(index)} cannot read data written with the new schema`;
        for (const incompatibility of result.incompatibilities) {
          incompatibilities.push({ ...incompatibility, direction, previousIndex: index });
          messages.push(`${direction}: ${context}: ${incompatibility.message}`);
        }
      }
    }
  }
  return { level, compatible: incompatibilities.length === 0, incompatibilities, messages };
}
