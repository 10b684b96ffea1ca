/**
 * The start-up floor of any cdk8s program here: Node, `require('cdk8s')` and the generated VSO
 * constructs in imports/, then exit. The bench compares a cold five-app `joinkey synth` with it.
 *
 *   node build/bench/cdk8s-require.js
 */
import { App } from 'cdk8s';
import { VaultAuth } from '../imports/secrets.hashicorp.com';

// Touch both, so neither import is elided by the compiler.
if (typeof App !== 'function' || typeof VaultAuth !== 'function') process.exit(1);
