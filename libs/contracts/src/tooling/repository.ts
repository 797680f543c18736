import { AssembledEvent, LibraryType, assembleEvents } from './assemble';
import { Catalogue, parseCatalogue } from './catalogue';
import { Finding } from './findings';
import { SchemaLock, parseLock } from './lock';
import { SchemaSource } from './source';

/** schemas/ understood: the catalogue, the full schema of every event, and the released versions. */
export interface SchemaRepository {
  catalogue: Catalogue;
  library: Map<string, LibraryType>;
  events: AssembledEvent[];
  lock: SchemaLock;
  /** Problems found while loading (invalid files, broken house rules); errors fail `check`. */
  findings: Finding[];
}

export function loadRepository(source: SchemaSource): SchemaRepository {
  const { catalogue, findings: catalogueFindings } = parseCatalogue(source.catalogueText);
  const { library, events, findings } = assembleEvents(catalogue, source.files);
  return { catalogue, library, events, lock: parseLock(source.lockText), findings: [...catalogueFindings, ...findings] };
}
