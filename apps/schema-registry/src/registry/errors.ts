/**
 * A Confluent Schema Registry error: HTTP status plus the `error_code` clients key on
 * (codes from Confluent's `Errors.java`).
 */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  toBody(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const errors = {
  subjectNotFound: (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`),
  versionNotFound: (version: number | string) => new RegistryError(404, 40402, `Version ${version} not found.`),
  schemaNotFound: (id?: number | string) =>
    new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`),
  subjectSoftDeleted: (subject: string) =>
    new RegistryError(404, 40404, `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`),
  subjectNotSoftDeleted: (subject: string) =>
    new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`),
  versionSoftDeleted: (subject: string, version: number) =>
    new RegistryError(404, 40406, `Subject '${subject}' Version ${version} was soft deleted. Set permanent=true to delete permanently`),
  versionNotSoftDeleted: (subject: string, version: number) =>
    new RegistryError(404, 40407, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`),
  subjectCompatibilityNotConfigured: (subject: string) =>
    new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`),
  subjectModeNotConfigured: (subject: string) =>
    new RegistryError(404, 40409, `Subject '${subject}' does not have subject-level mode configured`),
  incompatibleSchema: (message: string) => new RegistryError(409, 409, message),
  invalidSchema: (message: string) => new RegistryError(422, 42201, message),
  invalidVersion: (version: string) =>
    new RegistryError(
      422,
      42202,
      `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    ),
  invalidCompatibilityLevel: (level: unknown) =>
    new RegistryError(
      422,
      42203,
      `Invalid compatibility level ${JSON.stringify(level)}. Valid values are NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL and FULL_TRANSITIVE`,
    ),
  invalidMode: (mode: unknown) =>
    new RegistryError(422, 42204, `Invalid mode ${JSON.stringify(mode)}. Valid values are READWRITE, READONLY and IMPORT`),
  operationNotPermitted: (message: string) => new RegistryError(422, 42205, message),
  referenceExists: (subject: string, version: number, referencedBy: number[]) =>
    new RegistryError(
      422,
      42206,
      `One or more references exist to the schema {subject=${subject}, version=${version}}: referenced by schema ids [${referencedBy.join(', ')}]`,
    ),
  idDoesNotMatch: (message: string) => new RegistryError(422, 42207, message),
  invalidSubject: (subject: string) => new RegistryError(422, 42208, `Invalid subject ${JSON.stringify(subject)}`),
  schemaTooLarge: (message: string) => new RegistryError(422, 42209, message),
  store: (message: string) => new RegistryError(500, 50001, `Error in the backend data store: ${message}`),
  jsonParse: (message: string) => new RegistryError(422, 50005, `Malformed JSON request body: ${message}`),
};
