module.exports = { ...require('../../jest.preset.js'), displayName: 'returns', rootDir: __dirname };
