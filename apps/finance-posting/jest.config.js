module.exports = { ...require('../../jest.preset.js'), displayName: 'finance-posting', rootDir: __dirname };
