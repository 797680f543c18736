import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import path from 'node:path';
import { MappingError, parseMapping, resolveMapping } from '../src/mapping/mapping';
import { loadMappingFile } from '../src/odoo/odoo-runtime';

let sim: OdooSimProcess;
let odoo: OdooClient;

beforeAll(async () => {
  sim = await OdooSimProcess.start({ version: 18 });
  odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
}, 60_000);

afterAll(async () => {
  await odoo?.close();
  await sim?.stop();
});

describe('the Odoo mapping, checked at start-up', () => {
  it('the development mapping matches the simulator: companies, warehouses, pricelists', async () => {
    const mapping = await resolveMapping(odoo, loadMappingFile(path.join(__dirname, '../config/mapping.dev.yaml')), 18);
    expect(mapping.company('omnibus-retail')).toMatchObject({ currency: 'USD', journalCodes: { GENERAL: 'MISC' } });
    expect(mapping.location('store-outlet').odooWarehouseId).toBeGreaterThan(0); // second company, visible through allowed_company_ids
    expect(mapping.priceLists.map((priceList) => priceList.priceListId)).toEqual(['public', 'retail-promo']);
  });

  it('names every name or code Odoo does not know, all at once', async () => {
    const mapping = parseMapping({
      companies: [{ companyId: 'x', odooCompany: 'Omnibus Retail', currency: 'EUR', journals: { GENERAL: 'NOPE' }, accounts: { REV: '999998' } }],
      locations: [{ locationId: 'wh', locationType: 'WAREHOUSE', warehouse: 'ZZZ' }],
      priceLists: [{ priceListId: 'p', odooPricelist: 'No Such Pricelist' }],
    });
    const error = await resolveMapping(odoo, mapping, 18).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).problems).toEqual([
      'companies.x: Odoo company currency is USD, mapping says EUR',
      'companies.x.journals: no Odoo journal NOPE',
      'companies.x.accounts: no Odoo account 999998',
      'locations.wh: no Odoo warehouse with code ZZZ',
      'priceLists.p: no Odoo pricelist "No Such Pricelist"',
    ]);
  });

  it('refuses a malformed file before talking to Odoo', () => {
    expect(() => parseMapping({ companies: [], locations: [{ locationId: 'a', locationType: 'MOON', warehouse: 'WH', odooLocation: 'WH/Stock' }] })).toThrow(
      /companies: Array must contain at least 1 element.*locations\.0\.locationType/,
    );
  });
});
