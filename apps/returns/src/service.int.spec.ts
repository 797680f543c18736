import { describeStandardService } from '@omnibus/service-kit/testing';
import path from 'node:path';
import { returnsService } from './service';

describeStandardService(returnsService, { main: path.join(__dirname, 'main.ts'), tables: ['return_authorisations', 'outbox'] });
