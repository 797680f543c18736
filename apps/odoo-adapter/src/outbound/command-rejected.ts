/** A command Omnibus cannot carry out as sent (unknown company, SKU, account…): retrying will not help. */
export class CommandRejectedError extends Error {
  override readonly name = 'CommandRejectedError';
  constructor(
    message: string,
    readonly failure: 'VALIDATION' | 'MISSING_RECORD',
  ) {
    super(message);
  }
}
