import { bootstrapService } from '@omnibus/service-kit';
import { registryEnvironment, schemaRegistryService } from './service';

Object.assign(process.env, registryEnvironment(process.env));
void bootstrapService(schemaRegistryService);
