#!/usr/bin/env node
'use strict';
require('../build/src/cli.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
