module.exports = { ...require('../../jest.preset.js'), displayName: 'avro-compat', rootDir: __dirname };
