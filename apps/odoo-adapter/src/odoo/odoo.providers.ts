import { Provider } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { configProblems, OdooAdapterConfig } from '../config';
import { ODOO_RUNTIME } from '../tokens';
import { loadMappingFile, odooClientFor, OdooRuntime } from './odoo-runtime';

export const odooProviders: Provider[] = [
  {
    provide: ODOO_RUNTIME,
    inject: [SERVICE_CONFIG, ROOT_LOGGER],
    useFactory: async (config: OdooAdapterConfig, logger: Logger) => {
      const problems = configProblems(config);
      if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join('; ')}`);
      const runtime = new OdooRuntime(odooClientFor(config), loadMappingFile(config.ODOO_MAPPING_FILE), logger.child({ component: 'odoo' }));
      await runtime.start();
      return runtime;
    },
  },
];
