module.exports = { ...require('../../jest.preset.js'), displayName: 'odoo-adapter', rootDir: __dirname };
