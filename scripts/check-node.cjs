// npm's preinstall hook: on a Node.js older than package.json's "engines" asks for, prints one
// line (which Node is needed, how to get it) and stops the install, before isolated-vm's native
// build fails with a C++ error. Plain ES5 CommonJS, so even a very old Node can run it.
'use strict';
var fs = require('fs');
var path = require('path');

var pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
var match = /(\d+)/.exec(String((pkg.engines && pkg.engines.node) || ''));
var need = match ? Number(match[1]) : 0;
var have = Number(process.versions.node.split('.')[0]);
if (have < need) {
  console.error('NANO needs Node.js ' + need + ' or newer, and this is Node.js ' + process.versions.node + ': run `nvm install` here (it reads .nvmrc) or get Node ' + need + ' from https://nodejs.org, then run npm install again.');
  process.exit(1);
}
