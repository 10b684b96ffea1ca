/**
 * The app `cdk8s synth` runs (see cdk8s.yaml): the baseline's charts for the apps.yaml named by
 * JOINKEY_BENCH_APPS (default apps.yaml), synthesized by the CLI into CDK8S_OUTDIR.
 */
import * as fs from 'node:fs';
import { App } from 'cdk8s';
import { addCharts } from './baseline-cdk8s';

const app = new App();
addCharts(app, fs.readFileSync(process.env.JOINKEY_BENCH_APPS ?? 'apps.yaml', 'utf8'));
app.synth();
