import type { OdooAdapterConfig } from './config';

/** The topic to use for a catalogue topic: itself, unless TOPIC_OVERRIDES renames it (tests, staging). */
export function topicFor(config: Pick<OdooAdapterConfig, 'TOPIC_OVERRIDES'>, topic: string): string {
  return config.TOPIC_OVERRIDES[topic] ?? topic;
}
