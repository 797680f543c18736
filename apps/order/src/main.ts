import { bootstrapService } from '@omnibus/service-kit';
import { orderService } from './service';

void bootstrapService(orderService);
