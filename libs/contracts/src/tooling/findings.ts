/** Something `omnibus schemas check` reports. Errors fail the check; warnings and notes do not. */
export interface Finding {
  severity: 'error' | 'warning' | 'note';
  message: string;
  /** File under schemas/ it is about, e.g. `order/OrderPlaced.avsc` or `catalogue.yaml`. */
  file?: string;
  /** Registry subject it is about. */
  subject?: string;
  /** Services affected: the consumers a breaking change would break, or that still read a deprecated type. */
  affects?: readonly string[];
}

export const error = (message: string, extra: Omit<Finding, 'severity' | 'message'> = {}): Finding => ({
  severity: 'error',
  message,
  ...extra,
});

export const warning = (message: string, extra: Omit<Finding, 'severity' | 'message'> = {}): Finding => ({
  severity: 'warning',
  message,
  ...extra,
});

export const note = (message: string, extra: Omit<Finding, 'severity' | 'message'> = {}): Finding => ({
  severity: 'note',
  message,
  ...extra,
});

/** Thrown when the schemas cannot even be loaded (e.g. unparseable catalogue). */
export class SchemaSourceError extends Error {
  constructor(readonly findings: readonly Finding[]) {
    super(findings.map((finding) => `${finding.file ? `${finding.file}: ` : ''}${finding.message}`).join('\n'));
    this.name = 'SchemaSourceError';
  }
}
