import { bootstrapService } from '@omnibus/service-kit';
import { returnsService } from './service';

void bootstrapService(returnsService);
