module.exports = { ...require('../../jest.preset.js'), displayName: 'odoo-sim', rootDir: __dirname };
