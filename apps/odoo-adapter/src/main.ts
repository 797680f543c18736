import { bootstrapService } from '@omnibus/service-kit';
import { odooAdapterService } from './service';

void bootstrapService(odooAdapterService);
