import { describeStandardService } from '@omnibus/service-kit/testing';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { inventoryService } from './service';

describeStandardService(inventoryService, { main: path.join(__dirname, 'main.ts'), tables: ['stock_positions', 'outbox'] }, (service) => {
  it('keeps fractional quantities exactly and refuses a negative reservation', async () => {
    const db = service().app.get(DataSource);
    const upsert = (reserved: string) =>
      db.query(
        `INSERT INTO stock_positions (sku, location_id, location_type, on_hand, reserved, source, source_updated_at)
         VALUES ('FABRIC-1', 'WH-1', 'warehouse', 12.3456, $1, 'odoo', now())
         ON CONFLICT (sku, location_id) DO UPDATE SET reserved = EXCLUDED.reserved`,
        [reserved],
      );
    await upsert('0.1');
    await expect(upsert('-1')).rejects.toThrow(/stock_positions_reserved_check/);
    const [position] = await db.query(`SELECT on_hand, reserved FROM stock_positions`);
    expect(position).toEqual({ on_hand: '12.3456', reserved: '0.1000' });
  });
});
