module.exports = { ...require('../../jest.preset.js'), displayName: 'odoo-client', rootDir: __dirname };
