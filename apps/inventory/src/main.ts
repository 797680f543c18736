import { bootstrapService } from '@omnibus/service-kit';
import { inventoryService } from './service';

void bootstrapService(inventoryService);
