// Every project with a jest.config.js takes part in `npm test`.
const fs = require('node:fs');
const path = require('node:path');

const roots = ['apps', 'libs'].flatMap((dir) =>
  fs.existsSync(path.join(__dirname, dir))
    ? fs.readdirSync(path.join(__dirname, dir)).map((name) => `${dir}/${name}`)
    : [],
);
roots.push('infra', 'tools');

module.exports = {
  // testTimeout is a global option: the one in jest.preset.js does not apply when the projects run from here.
  testTimeout: require('./jest.preset.js').testTimeout,
  projects: roots
    .filter((root) => fs.existsSync(path.join(__dirname, root, 'jest.config.js')))
    .map((root) => `<rootDir>/${root}`),
};
