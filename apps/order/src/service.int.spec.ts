import { describeStandardService } from '@omnibus/service-kit/testing';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { orderService } from './service';

describeStandardService(orderService, { main: path.join(__dirname, 'main.ts'), tables: ['orders', 'outbox'] }, (service) => {
  it('a channel re-posting the same order reference cannot create a second order', async () => {
    const db = service().app.get(DataSource);
    const insert = (id: string) =>
      db.query(`INSERT INTO orders (id, channel, channel_order_ref, status, currency, total_minor) VALUES ($1, 'web', 'W-1001', 'accepted', 'EUR', 4990)`, [id]);
    await insert('0190d7c4-5b2a-7cc1-9a3e-2f1f3f1e0a01');
    await expect(insert('0190d7c4-5b2a-7cc1-9a3e-2f1f3f1e0a02')).rejects.toThrow(/orders_channel_order_ref/);
  });
});
