import type { OdooFailureKind } from '@omnibus/contracts';
import { OdooAccessDeniedError, OdooAccessError, OdooError, OdooMissingError, OdooUserError } from '@omnibus/odoo-client';
import { MappingError, UnmappedError } from '../mapping/mapping';
import { CommandRejectedError } from './command-rejected';

/** Failures retrying cannot fix, with the failure kind the contract names. Undefined for transient ones. */
export function refusalOf(error: unknown): { kind: OdooFailureKind; message: string } | undefined {
  if (error instanceof CommandRejectedError) return { kind: error.failure, message: error.message };
  if (error instanceof UnmappedError || error instanceof MappingError) return { kind: 'VALIDATION', message: error.message };
  if (!(error instanceof OdooError) || error.retryClass !== 'permanent') return undefined;
  if (error instanceof OdooAccessDeniedError || error instanceof OdooAccessError) return { kind: 'ACCESS_DENIED', message: error.message };
  if (error instanceof OdooMissingError) return { kind: 'MISSING_RECORD', message: error.message };
  if (error instanceof OdooUserError) return { kind: 'VALIDATION', message: error.message };
  return { kind: 'UNKNOWN', message: error.message };
}
