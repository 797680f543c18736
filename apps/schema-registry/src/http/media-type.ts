/** What every response carries; clients may send this, `application/vnd.schemaregistry+json` or `application/json`. */
export const SCHEMA_REGISTRY_V1_JSON = 'application/vnd.schemaregistry.v1+json';
