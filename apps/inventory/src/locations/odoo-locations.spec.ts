import { OdooLocationsConfig } from '../domain/network';
import { learnedLocation, OdooLocationFact } from './odoo-locations';

const fact = (overrides: Partial<OdooLocationFact> = {}): OdooLocationFact => ({
  locationId: 'odoo-wh2',
  locationType: 'WAREHOUSE',
  name: 'Second Warehouse',
  warehouseCode: 'WH2',
  odooCompany: 'Omnibus Outlet',
  companyId: 'omnibus-outlet',
  brand: 'outlet',
  active: true,
  ...overrides,
});
const settings = (overrides: Partial<OdooLocationsConfig> = {}): OdooLocationsConfig => ({
  defaults: { region: 'eu-north', brand: 'omnibus-retail', channels: ['web'] },
  companies: {},
  warehouses: {},
  ...overrides,
});

describe('a location learned from Odoo', () => {
  it('is a warehouse with the defaults', () => {
    expect(learnedLocation(fact(), settings())).toEqual({
      ok: true,
      location: { id: 'odoo-wh2', kind: 'warehouse', region: 'eu-north', brand: 'omnibus-retail', channels: ['web'], safetyStock: 0 },
    });
  });

  it('takes its company\'s settings over the defaults, and its warehouse code\'s over both', () => {
    const learned = learnedLocation(
      fact(),
      settings({ companies: { 'omnibus-outlet': { region: 'eu-west', channels: ['web', 'flash'] } }, warehouses: { WH2: { channels: ['flash'], safetyStock: 2000 } } }),
    );
    expect(learned).toMatchObject({ ok: true, location: { region: 'eu-west', channels: ['flash'], safetyStock: 2000, brand: 'omnibus-retail' } });
  });

  it('finds its company by Odoo company name too, and keeps the kind Odoo\'s mapping gives', () => {
    expect(learnedLocation(fact({ companyId: null, locationType: 'STORE' }), settings({ companies: { 'Omnibus Outlet': { region: 'eu-south' } } }))).toMatchObject({
      ok: true,
      location: { kind: 'store', region: 'eu-south' },
    });
  });

  it('without settings for region or channels it is not used, saying what is missing', () => {
    expect(learnedLocation(fact(), settings({ defaults: {} }))).toEqual({
      ok: false,
      problem: 'no region, channels for it in the network\'s odooLocations (defaults, companies.omnibus-outlet, warehouses.WH2)',
    });
  });

  it('the brand falls back to the one the adapter gives the company', () => {
    expect(learnedLocation(fact(), settings({ defaults: { region: 'r', channels: ['web'] } }))).toMatchObject({ ok: true, location: { brand: 'outlet' } });
  });

  it('archived in Odoo, it is not used', () => {
    expect(learnedLocation(fact({ active: false }), settings())).toEqual({ ok: false, problem: 'archived in Odoo' });
  });
});
