export * from './odoo-sim';
