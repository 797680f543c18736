import { describeStandardService } from '@omnibus/service-kit/testing';
import path from 'node:path';
import { webhooksService } from './service';

describeStandardService(webhooksService, { main: path.join(__dirname, 'main.ts'), tables: ['subscriptions', 'deliveries', 'delivery_attempts', 'messaging_inbox'] });
