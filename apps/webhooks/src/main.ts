import { bootstrapService } from '@omnibus/service-kit';
import { webhooksService } from './service';

void bootstrapService(webhooksService);
