import { EventContract } from './contract';
import { eventContracts } from '../generated/events';

const allContracts = Object.values(eventContracts) as EventContract[];

/** The contract of an event type (record full name), or undefined for a type this build does not know. */
export function contractFor(eventType: string): EventContract | undefined {
  return (eventContracts as Record<string, EventContract>)[eventType];
}

/** Contracts of the event types a service publishes (owner or producer): what it registers on start-up. */
export function contractsProducedBy(service: string): EventContract[] {
  return allContracts.filter((contract) => contract.producers.includes(service));
}

/** Contracts of the event types a service decodes. */
export function contractsConsumedBy(service: string): EventContract[] {
  return allContracts.filter((contract) => contract.consumers.includes(service));
}
