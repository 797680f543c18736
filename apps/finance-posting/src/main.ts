import { bootstrapService } from '@omnibus/service-kit';
import { financePostingService } from './service';

void bootstrapService(financePostingService);
