module.exports = { ...require('../../jest.preset.js'), displayName: 'retail-sim', rootDir: __dirname };
