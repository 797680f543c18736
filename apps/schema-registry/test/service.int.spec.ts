import path from 'node:path';
import { describeStandardService } from '@omnibus/service-kit/testing';
import { schemaRegistryService } from '../src/service';

describeStandardService(schemaRegistryService, {
  main: path.join(__dirname, '../src/main.ts'),
  tables: ['schemas', 'subject_versions', 'subject_settings'],
});
